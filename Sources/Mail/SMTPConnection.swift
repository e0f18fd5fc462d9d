import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Why a connection step failed, before it becomes a `MailDeliveryError`. Every case is
/// temporary: the relay may come back, and a TLS or configuration problem is for the operator
/// to fix while the message waits.
struct SMTPConnectionFailure: Error {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The client side of one TLS configuration: TLS 1.2 or later, the relay's certificate verified
/// against the system store or the given CA file, no compression or renegotiation.
final class SMTPTLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully configured in init and never changed afterwards;
    // OpenSSL documents a configured SSL_CTX as safe to share between threads.
    let context: OpaquePointer

    init(caFilePath: String?) throws(SMTPConfigurationError) {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw SMTPConfigurationError("TLS: \(openSSLErrors())") }
        context = ctx
        guard mutuals_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 else {
            throw SMTPConfigurationError("TLS minimum version: \(openSSLErrors())")
        }
        SSL_CTX_set_options(ctx, mutuals_SSL_OP_NO_COMPRESSION() | mutuals_SSL_OP_NO_RENEGOTIATION())
        // Non-blocking SSL_write retried after WANT_WRITE may pass a buffer at a new address.
        _ = mutuals_SSL_CTX_set_mode(ctx, mutuals_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER())
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        if let caFilePath {
            guard SSL_CTX_load_verify_locations(ctx, caFilePath, nil) == 1 else {
                throw SMTPConfigurationError("cannot load the CA file \(caFilePath): \(openSSLErrors())")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw SMTPConfigurationError("cannot load the system's CA certificates: \(openSSLErrors())")
            }
        }
    }

    deinit { SSL_CTX_free(context) }
}

/// OpenSSL's thread-local error queue as text (and emptied).
func openSSLErrors() -> String {
    var details: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        details.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return details.isEmpty ? "unknown error" : details.joined(separator: "; ")
}

/// One TCP connection to the relay, optionally upgraded to TLS, with a deadline on every step.
/// The socket is non-blocking; each read, write, connect and handshake waits in `poll` for at
/// most the time left before its deadline. Owned by one thread for one message.
final class SMTPConnection {
    private let fd: Int32
    private var ssl: OpaquePointer?
    private var parser = SMTPReplyParser()
    private let timeout: Duration
    private var isClosed = false

    /// Resolves `host` and tries each address in turn, each with the full timeout.
    init(host: String, port: Int, timeout: Duration) throws(SMTPConnectionFailure) {
        self.timeout = timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(bareHost, String(port), &hints, &list)
        guard status == 0, let list else {
            throw SMTPConnectionFailure("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no addresses"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let socketFD = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                  current.pointee.ai_protocol)
            guard socketFD >= 0 else {
                lastError = String(cString: strerror(errno))
                continue
            }
            let deadline = ContinuousClock.now + timeout
            if connect(socketFD, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                if Self.wait(socketFD, events: Int16(POLLOUT), until: deadline) {
                    var socketError: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &socketError, &length)
                    if socketError == 0 {
                        var one: Int32 = 1
                        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        fd = socketFD
                        return
                    }
                    lastError = String(cString: strerror(socketError))
                } else {
                    lastError = "timed out"
                }
            } else {
                lastError = String(cString: strerror(errno))
            }
            Glibc.close(socketFD)
        }
        throw SMTPConnectionFailure("cannot connect to \(host):\(port): \(lastError)")
    }

    deinit { close() }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
        Glibc.close(fd)
    }

    /// Waits until `fd` is ready for `events` or the deadline passes; false on timeout.
    private static func wait(_ fd: Int32, events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return true }  // let the next call report the error
        }
    }

    // MARK: TLS

    /// Runs the client handshake: SNI for a host name, the certificate checked against the
    /// context's trust store and against `host` (a DNS name or an IP address).
    func startTLS(context: SMTPTLSContext, host: String) throws(SMTPConnectionFailure) {
        guard let connection = SSL_new(context.context) else { throw SMTPConnectionFailure("TLS: \(openSSLErrors())") }
        ssl = connection
        SSL_set_fd(connection, fd)
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, bareHost, &ipv4) == 1 || inet_pton(AF_INET6, bareHost, &ipv6) == 1 {
            // RFC 6066 §3: no SNI for an IP literal; the certificate must carry it as an IP SAN.
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(connection), bareHost) == 1 else {
                throw SMTPConnectionFailure("TLS: \(openSSLErrors())")
            }
        } else {
            guard mutuals_SSL_set_tlsext_host_name(connection, bareHost) == 1,
                  SSL_set1_host(connection, bareHost) == 1
            else { throw SMTPConnectionFailure("TLS: \(openSSLErrors())") }
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            ERR_clear_error()
            let result = SSL_connect(connection)
            if result == 1 { return }
            let error = SSL_get_error(connection, result)
            switch error {
            case SSL_ERROR_WANT_READ:
                guard Self.wait(fd, events: Int16(POLLIN), until: deadline) else { throw SMTPConnectionFailure("TLS handshake timed out") }
            case SSL_ERROR_WANT_WRITE:
                guard Self.wait(fd, events: Int16(POLLOUT), until: deadline) else { throw SMTPConnectionFailure("TLS handshake timed out") }
            default:
                let verify = SSL_get_verify_result(connection)
                if verify != X509_V_OK {
                    throw SMTPConnectionFailure("the relay's certificate was not accepted: \(String(cString: X509_verify_cert_error_string(verify)))")
                }
                throw SMTPConnectionFailure("TLS handshake failed: \(openSSLErrors())")
            }
        }
    }

    /// Bytes received but not yet read as a reply: after `220` to `STARTTLS` there must be none
    /// (RFC 3207 §4.2 and CVE-2011-0411: plaintext queued before the handshake is an injection).
    var hasBufferedInput: Bool { parser.bufferedByteCount > 0 || parser.isMidReply }

    // MARK: Reading and writing

    func write(_ bytes: [UInt8]) throws(SMTPConnectionFailure) {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let count = bytes.count - offset
            if let ssl {
                ERR_clear_error()
                let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32(clamping: count)) }
                if written > 0 {
                    offset += Int(written)
                    continue
                }
                try waitForTLS(ssl, result: written, deadline: deadline, step: "writing")
            } else {
                // MSG_NOSIGNAL: a relay that hung up gives EPIPE, not SIGPIPE.
                let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, count, Int32(MSG_NOSIGNAL)) }
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    guard Self.wait(fd, events: Int16(POLLOUT), until: deadline) else { throw SMTPConnectionFailure("timed out writing to the relay") }
                } else {
                    throw SMTPConnectionFailure("writing to the relay: \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    /// Reads until one complete reply has arrived.
    func readReply() throws(SMTPConnectionFailure) -> SMTPReply {
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            do {
                if let reply = try parser.nextReply() { return reply }
            } catch {
                throw SMTPConnectionFailure("the relay sent a malformed reply: \(error)")
            }
            if let ssl {
                ERR_clear_error()
                let count = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress!, Int32($0.count)) }
                if count > 0 {
                    parser.append(chunk[..<Int(count)])
                    continue
                }
                try waitForTLS(ssl, result: count, deadline: deadline, step: "reading")
            } else {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if count > 0 {
                    parser.append(chunk[..<count])
                } else if count == 0 {
                    throw SMTPConnectionFailure("the relay closed the connection")
                } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    guard Self.wait(fd, events: Int16(POLLIN), until: deadline) else { throw SMTPConnectionFailure("timed out waiting for the relay") }
                } else {
                    throw SMTPConnectionFailure("reading from the relay: \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    private func waitForTLS(_ ssl: OpaquePointer, result: Int32, deadline: ContinuousClock.Instant, step: String) throws(SMTPConnectionFailure) {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            guard Self.wait(fd, events: Int16(POLLIN), until: deadline) else { throw SMTPConnectionFailure("timed out \(step) (TLS)") }
        case SSL_ERROR_WANT_WRITE:
            guard Self.wait(fd, events: Int16(POLLOUT), until: deadline) else { throw SMTPConnectionFailure("timed out \(step) (TLS)") }
        case SSL_ERROR_ZERO_RETURN:
            throw SMTPConnectionFailure("the relay closed the connection")
        default:
            throw SMTPConnectionFailure("TLS error \(step): \(openSSLErrors())")
        }
    }
}
