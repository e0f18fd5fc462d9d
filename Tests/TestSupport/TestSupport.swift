#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import HTTPServer

/// A response as a test client read it off the wire.
public struct ClientResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The exact bytes of the status line and headers.
    public var rawHead: String

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public func headers(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum ClientError: Error, CustomStringConvertible {
    case connect(Int32)
    case tls(String)
    case closed
    case timeout
    case malformed(String)

    public var description: String {
        switch self {
        case .connect(let code): "connect failed: \(String(cString: strerror(code)))"
        case .tls(let detail): "TLS: \(detail)"
        case .closed: "connection closed by the server"
        case .timeout: "timed out waiting for the server"
        case .malformed(let detail): "malformed response: \(detail)"
        }
    }
}

/// Resumable TLS session state from an earlier connection.
public final class TLSClientSession: @unchecked Sendable {
    // @unchecked: an immutable SSL_SESSION reference, only read by OpenSSL when resuming.
    let session: OpaquePointer
    init(_ session: OpaquePointer) { self.session = session }
    deinit { SSL_SESSION_free(session) }
}

/// A client that writes arbitrary bytes over TCP or TLS and reads raw HTTP responses: for
/// testing what the server does with exactly these bytes.
public final class RawClient {
    public let fd: Int32
    private var ssl: OpaquePointer?
    private var context: OpaquePointer?
    private var buffer: [UInt8] = []
    private var isClosed = false

    /// Connects to 127.0.0.1:`port`, optionally with TLS (the server's certificate is not
    /// verified: tests check its fingerprint separately).
    public init(port: Int, tls: Bool = false, alpn: [String]? = ["http/1.1"], session: TLSClientSession? = nil,
                maxTLSVersion: Int32 = 0, completeHandshake: Bool = true) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ClientError.connect(code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        setTimeout(10)
        guard tls else { return }
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw ClientError.tls("context") }
        context = ctx
        if maxTLSVersion != 0 { _ = SSL_CTX_set_max_proto_version_shim(ctx, maxTLSVersion) }
        if let alpn {
            var wire: [UInt8] = []
            for proto in alpn {
                wire.append(UInt8(proto.utf8.count))
                wire.append(contentsOf: proto.utf8)
            }
            _ = SSL_CTX_set_alpn_protos(ctx, wire, UInt32(wire.count))
        }
        guard let connection = SSL_new(ctx) else { throw ClientError.tls("SSL_new") }
        ssl = connection
        SSL_set_fd(connection, fd)
        _ = mutuals_SSL_set_tlsext_host_name(connection, "localhost")
        if let session { SSL_set_session(connection, session.session) }
        if completeHandshake {
            guard SSL_connect(connection) == 1 else {
                throw ClientError.tls("handshake failed (error queue: \(ERR_get_error()))")
            }
        }
    }

    deinit { close() }

    public func close() {
        if let ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
        if let context {
            SSL_CTX_free(context)
            self.context = nil
        }
        // Close exactly once: a second close(2) could hit a descriptor number that another
        // server or client in this process has since been given.
        if !isClosed {
            isClosed = true
            Glibc.close(fd)
        }
    }

    /// SHA-256 of the certificate the server presented, as colon-separated hex (the format of
    /// `DevelopmentCertificate.fingerprint`); nil on a plain connection.
    public func peerCertificateFingerprint() -> String? {
        guard let ssl, let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else { return nil }
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The negotiated ALPN protocol, if any.
    public var alpnProtocol: String? {
        guard let ssl else { return nil }
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    public var tlsVersion: String? { ssl.map { String(cString: SSL_get_version($0)) } }
    public var cipher: String? { ssl.flatMap { SSL_get_current_cipher($0) }.map { String(cString: SSL_CIPHER_get_name($0)) } }
    public var sessionReused: Bool { ssl.map { mutuals_SSL_session_reused($0) == 1 } ?? false }
    public var session: TLSClientSession? { ssl.flatMap { SSL_get1_session($0) }.map(TLSClientSession.init) }

    /// Writes every byte (over TLS when connected with TLS).
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n: Int
            if let ssl {
                var written = 0
                let ok = bytes.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress! + offset, bytes.count - offset, &written) }
                n = ok == 1 ? written : -1
            } else {
                n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            }
            guard n > 0 else { throw ClientError.closed }
            offset += n
        }
    }

    /// Reads some bytes into the buffer. Returns false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n: Int
        if let ssl {
            var count = 0
            let ok = chunk.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
            if ok == 1 {
                n = count
            } else {
                let error = SSL_get_error(ssl, ok)
                if error == SSL_ERROR_ZERO_RETURN { return false }
                if error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK) { throw ClientError.timeout }
                if error == SSL_ERROR_WANT_READ { throw ClientError.timeout }
                return false
            }
        } else {
            n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError.timeout }
                return false  // ECONNRESET and the like: the stream is over
            }
            if n == 0 { return false }
        }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response. For a response to HEAD pass `isHead` (no body follows).
    public func readResponse(isHead: Bool = false) throws -> ClientResponse {
        while true {
            if let end = headEnd() {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, let status = Int(parts[1]) else { throw ClientError.malformed(statusLine) }
                let headers = lines.map { line -> (String, String) in
                    let pieces = line.split(separator: ":", maxSplits: 1)
                    return (String(pieces[0]), pieces.count > 1 ? String(pieces[1].drop { $0 == " " }) : "")
                }
                var response = ClientResponse(
                    status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [], rawHead: head)
                if status < 200 || status == 204 || status == 304 || isHead
                    || response.header("transfer-encoding")?.lowercased() == "chunked" {
                    return response
                }
                if let length = response.header("content-length").flatMap(Int.init) {
                    while buffer.count < length {
                        guard try fill() else { throw ClientError.closed }
                    }
                    response.body = Array(buffer[0..<length])
                    buffer.removeFirst(length)
                } else {
                    while try fill() {}
                    response.body = buffer
                    buffer = []
                }
                return response
            }
            guard try fill() else { throw ClientError.closed }
        }
    }

    /// Reads a response head only (for streamed responses, then read with `readChunk`).
    public func readHead() throws -> ClientResponse {
        try readResponse(isHead: true)
    }

    /// What has arrived and not been read yet, or else the next piece from the connection; nil
    /// at the end of the stream. For reading a body in pieces after `readHead`.
    public func readSome() throws -> [UInt8]? {
        if buffer.isEmpty {
            guard try fill() else { return nil }
        }
        defer { buffer = [] }
        return buffer
    }

    /// Reads one chunk of a chunked body; nil for the last (zero-size) chunk.
    public func readChunk() throws -> [UInt8]? {
        func line() throws -> String {
            while true {
                if let index = buffer.firstIndex(of: 10), index > 0, buffer[index - 1] == 13 {
                    let text = String(decoding: buffer[0..<(index - 1)], as: UTF8.self)
                    buffer.removeFirst(index + 1)
                    return text
                }
                guard try fill() else { throw ClientError.closed }
            }
        }
        let sizeLine = try line()
        guard let size = Int(sizeLine.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
            throw ClientError.malformed("chunk size \(sizeLine)")
        }
        if size == 0 {
            _ = try line()  // the empty line after the (absent) trailers
            return nil
        }
        while buffer.count < size + 2 {
            guard try fill() else { throw ClientError.closed }
        }
        let data = Array(buffer[0..<size])
        buffer.removeFirst(size + 2)
        return data
    }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// True when the server has closed the connection (reads end) within the timeout.
    public func isClosedByServer(within seconds: Double = 5) -> Bool {
        setTimeout(seconds)
        do {
            while try fill() {}
            return true
        } catch ClientError.timeout {
            return false
        } catch {
            return true
        }
    }

    /// Everything the server sends until it closes.
    public func readUntilClose() throws -> [UInt8] {
        while try fill() {}
        let all = buffer
        buffer = []
        return all
    }
}

private func SSL_CTX_set_max_proto_version_shim(_ ctx: OpaquePointer, _ version: Int32) -> Int {
    Int(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(version), nil))
}

/// A live server on an ephemeral port, shut down gracefully when the body returns.
public struct TestServer {
    public let server: Server
    public let port: Int
    public let tls: Bool

    public func client(alpn: [String]? = ["http/1.1"], session: TLSClientSession? = nil) throws -> RawClient {
        try RawClient(port: port, tls: tls, alpn: alpn, session: session)
    }
}

/// A development certificate made once per test process, removed when it exits.
public enum TestCertificate {
    public static let files: DevelopmentCertificate.Files = {
        let directory = ProcessDirectory.path("mutuals-test-cert")
        do {
            return try DevelopmentCertificate.ensure(in: directory)
        } catch {
            fatalError("cannot make a test certificate: \(error)")
        }
    }()

    public static func context() throws -> TLSContext {
        try TLSContext(certificatePath: files.certificatePath, privateKeyPath: files.privateKeyPath)
    }
}

/// Starts a server on 127.0.0.1 port 0 with `router`, runs `body`, then shuts it down.
public func withTestServer<T>(
    router: Router, tls: Bool = false, configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (TestServer) throws -> T
) throws -> T {
    let context = tls ? try TestCertificate.context() : nil
    var configuration = ServerConfiguration(listeners: [ListenerConfiguration(host: "127.0.0.1", port: 0, tls: context, router: router)])
    configuration.reactorThreads = 2
    configuration.workerThreads = 4
    configuration.shutdownGracePeriod = 5
    configure(&configuration)
    let server = Server(configuration: configuration)
    try server.start()
    defer { server.shutdown() }
    return try body(TestServer(server: server, port: server.boundPorts[0], tls: tls))
}
