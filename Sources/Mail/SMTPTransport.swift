import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Delivers each message over its own connection to the configured relay (RFC 5321): greeting,
/// `EHLO` (`HELO` when refused), `STARTTLS` and `EHLO` again, `AUTH PLAIN` or `AUTH LOGIN`,
/// `MAIL FROM`, `RCPT TO`, `DATA` with dot-stuffing, `QUIT`. One connection per message keeps
/// the client stateless; the outbox sends a handful of messages a minute, so reuse would save
/// little.
///
/// Errors: anything before the message is handed over (connecting, the greeting, TLS and its
/// certificate, `EHLO`, `AUTH`, a timeout) is `.temporary`, since it affects every message and
/// the relay or the operator's configuration can be fixed while messages wait. After that,
/// a 4xx reply is `.temporary` and a 5xx reply to `MAIL`, `RCPT` or `DATA` is `.permanent`
/// (except 530, "authentication required", which is configuration). A message that cannot
/// be encoded (an unusable address) is `.permanent`.
public final class SMTPTransport: MailTransport, Sendable {
    // Both properties are immutable and Sendable; each delivery makes its own connection,
    // owned by the calling thread, so deliveries may run on several threads at once.
    public let configuration: SMTPConfiguration
    private let tlsContext: SMTPTLSContext?

    /// Checks the configuration and loads the trust store.
    /// - Throws: `SMTPConfigurationError` for a CA file that does not load, a password to be sent
    ///   without TLS to a relay off this machine, or a username without a password.
    public init(configuration: SMTPConfiguration) throws(SMTPConfigurationError) {
        guard !configuration.host.isEmpty else { throw SMTPConfigurationError("the SMTP host is empty") }
        guard (1...65535).contains(configuration.port) else { throw SMTPConfigurationError("the SMTP port \(configuration.port) is out of range") }
        guard SMTPConfiguration.isHostName(configuration.heloName) else {
            throw SMTPConfigurationError("the EHLO name \(MailEncodingError.printable(configuration.heloName)) is not a host name")
        }
        if configuration.username != nil, configuration.password == nil {
            throw SMTPConfigurationError("an SMTP user is set but no password (MUTUALS_SMTP_PASSWORD or --smtp-password-file)")
        }
        if configuration.username != nil, configuration.security == .none, !configuration.isLoopback {
            throw SMTPConfigurationError("refusing to send the SMTP password without TLS to \(configuration.host); use --smtp-tls starttls or tls")
        }
        // AUTH PLAIN separates the user name and password with NUL bytes.
        if [configuration.username, configuration.password].contains(where: { $0?.utf8.contains(0) == true }) {
            throw SMTPConfigurationError("the SMTP user or password contains a NUL byte")
        }
        self.configuration = configuration
        tlsContext = configuration.security == .none ? nil : try SMTPTLSContext(caFilePath: configuration.caFilePath)
        // OpenSSL writes to the socket with write(2), which raises SIGPIPE on a relay that hung up.
        signal(SIGPIPE, SIG_IGN)
    }

    public func deliver(_ message: MailMessage) throws(MailDeliveryError) {
        let bytes: [UInt8]
        do {
            bytes = try message.encoded()
        } catch {
            throw .permanent(error.description)
        }
        try deliver(envelopeFrom: message.from.address, to: message.to.address, data: bytes)
    }

    /// Sends already-encoded RFC 5322 bytes. The addresses must have passed
    /// `MailAddress.validated()`; `data` is dot-stuffed here.
    func deliver(envelopeFrom from: String, to recipient: String, data: [UInt8]) throws(MailDeliveryError) {
        let connection: SMTPConnection
        do {
            connection = try SMTPConnection(host: configuration.host, port: configuration.port, timeout: configuration.timeout)
        } catch {
            throw .temporary(error.description)
        }
        defer { connection.close() }
        let session = Session(connection: connection, configuration: configuration, tlsContext: tlsContext)
        do {
            try session.run(from: from, to: recipient, data: data)
        } catch {
            throw error.deliveryError
        }
    }
}

/// A failed step of the dialogue, and whether it is about the message or about the relay.
private enum StepFailure: Error {
    case connection(String)
    /// A reply in the setup steps: always temporary.
    case setup(String, SMTPReply)
    /// A reply to MAIL, RCPT or DATA.
    case message(String, SMTPReply)
    case refused(String)

    var deliveryError: MailDeliveryError {
        switch self {
        case .connection(let detail): .temporary(detail)
        case .refused(let detail): .temporary(detail)
        case .setup(let step, let reply): .temporary("\(step): the relay answered \(reply.summary)")
        case .message(let step, let reply):
            // RFC 4954 §6: 530 means authentication is needed, a configuration matter.
            reply.code >= 500 && reply.code != 530
                ? .permanent("\(step): the relay answered \(reply.summary)")
                : .temporary("\(step): the relay answered \(reply.summary)")
        }
    }
}

/// The dialogue over one connection.
private struct Session {
    let connection: SMTPConnection
    let configuration: SMTPConfiguration
    let tlsContext: SMTPTLSContext?

    func run(from: String, to recipient: String, data: [UInt8]) throws(StepFailure) {
        if configuration.security == .tls, let tlsContext {
            try tls { () throws(SMTPConnectionFailure) in try connection.startTLS(context: tlsContext, host: configuration.host) }
        }
        try expect(read(), "the greeting", 220)
        var extensions = try hello()
        if configuration.security == .startTLS, let tlsContext {
            guard extensions.startTLS else { throw .refused("the relay does not offer STARTTLS (set --smtp-tls tls or none)") }
            try expect(command("STARTTLS"), "STARTTLS", 220)
            guard !connection.hasBufferedInput else { throw .refused("the relay sent data after 220 to STARTTLS") }
            try tls { () throws(SMTPConnectionFailure) in try connection.startTLS(context: tlsContext, host: configuration.host) }
            // RFC 3207 §4.2: forget everything learnt before TLS and ask again.
            extensions = try hello()
        }
        if let username = configuration.username, let password = configuration.password {
            try authenticate(username: username, password: password, offered: extensions.authMechanisms)
        }
        try expectMessage(command("MAIL FROM:<\(from)>"), "MAIL FROM", 250)
        try expectMessage(command("RCPT TO:<\(recipient)>"), "RCPT TO", 250, 251)
        try expectMessage(command("DATA"), "DATA", 354)
        try send(SMTPData.framed(data))
        try expectMessage(read(), "end of DATA", 250)
        // The message is accepted; a failure to say goodbye changes nothing.
        _ = try? command("QUIT")
    }

    /// EHLO, or HELO when the relay does not know EHLO (RFC 5321 §3.2).
    private func hello() throws(StepFailure) -> SMTPExtensions {
        let reply = try command("EHLO \(configuration.heloName)")
        if reply.code == 250 { return SMTPExtensions(ehlo: reply) }
        if reply.code >= 500 {
            try expect(command("HELO \(configuration.heloName)"), "HELO", 250)
            return SMTPExtensions()
        }
        throw .setup("EHLO", reply)
    }

    /// AUTH PLAIN (RFC 4616) when offered, else AUTH LOGIN; never over plaintext to a relay off
    /// this machine (the transport's init refuses that configuration).
    private func authenticate(username: String, password: String, offered: Set<String>) throws(StepFailure) {
        if offered.contains("PLAIN") {
            let token = Data([0] + Array(username.utf8) + [0] + Array(password.utf8)).base64EncodedString()
            try expect(command("AUTH PLAIN \(token)"), "AUTH PLAIN", 235)
        } else if offered.contains("LOGIN") {
            try expect(command("AUTH LOGIN"), "AUTH LOGIN", 334)
            try expect(command(Data(username.utf8).base64EncodedString()), "AUTH LOGIN user name", 334)
            try expect(command(Data(password.utf8).base64EncodedString()), "AUTH LOGIN password", 235)
        } else {
            throw .refused("the relay offers no AUTH PLAIN or LOGIN (offered: \(offered.sorted().joined(separator: " ")))")
        }
    }

    private func tls(_ body: () throws(SMTPConnectionFailure) -> Void) throws(StepFailure) {
        do { try body() } catch { throw .connection(error.description) }
    }

    private func send(_ bytes: [UInt8]) throws(StepFailure) {
        do { try connection.write(bytes) } catch { throw .connection(error.description) }
    }

    private func read() throws(StepFailure) -> SMTPReply {
        do { return try connection.readReply() } catch { throw .connection(error.description) }
    }

    private func command(_ line: String) throws(StepFailure) -> SMTPReply {
        try send(Array((line + "\r\n").utf8))
        return try read()
    }

    private func expect(_ reply: SMTPReply, _ step: String, _ codes: Int...) throws(StepFailure) {
        guard codes.contains(reply.code) else { throw .setup(step, reply) }
    }

    private func expectMessage(_ reply: SMTPReply, _ step: String, _ codes: Int...) throws(StepFailure) {
        guard codes.contains(reply.code) else { throw .message(step, reply) }
    }
}

extension SMTPConnectionFailure: CustomStringConvertible {}
