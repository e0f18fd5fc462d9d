#if canImport(Glibc)
import Glibc
#endif

/// Where and how to reach the SMTP relay. Checked once when the `SMTPTransport` is made.
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: String, Sendable, CaseIterable {
        /// Plaintext. Credentials are only sent this way to a loopback relay.
        case none
        /// Plaintext greeting, then `STARTTLS` (RFC 3207), required: a relay that does not
        /// offer it is an error, never a silent downgrade. The usual choice for port 587.
        case startTLS = "starttls"
        /// TLS from the first byte (RFC 8314 §3.3), usually port 465.
        case tls
    }

    /// The relay's host name or IP address; also the name its certificate must carry.
    public var host: String
    /// 587 (submission) by default.
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A PEM file of CA certificates to trust instead of the system store (a private CA).
    public var caFilePath: String?
    /// The name this client gives in `EHLO`.
    public var heloName: String
    /// The deadline for each step: connecting, the TLS handshake, each command and its reply.
    public var timeout: Duration

    public init(host: String, port: Int = 587, security: Security = .startTLS,
                username: String? = nil, password: String? = nil, caFilePath: String? = nil,
                heloName: String = SMTPConfiguration.defaultHeloName(), timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFilePath = caFilePath
        self.heloName = heloName
        self.timeout = timeout
    }

    /// This machine's host name when it is a plain DNS name, otherwise `localhost`.
    public static func defaultHeloName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return isHostName(name) ? name : "localhost"
    }

    static func isHostName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    /// True for `localhost`, 127.0.0.0/8 and ::1: the only relays that may receive a password
    /// without TLS, since the bytes never leave the machine.
    public var isLoopback: Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower == "[::1]" { return true }
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 && (UInt32(bigEndian: address.s_addr) >> 24) == 127
    }
}

/// A configuration that cannot work, found when the transport is made (at start), not when
/// the first message is sent.
public struct SMTPConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
