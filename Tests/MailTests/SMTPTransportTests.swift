import Foundation
import HTTPServer
@testable import Mail
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Certificates for the test relay, made once per process and removed when it exits: `files`
/// is the relay's (self-signed, for localhost and 127.0.0.1, so it is its own CA file); `other`
/// is an unrelated one.
enum TestRelayCertificate {
    static let files = make("relay")
    static let other = make("other")

    static func make(_ name: String) -> DevelopmentCertificate.Files {
        let directory = ProcessDirectory.path("mutuals-mail-cert-\(name)")
        do {
            return try DevelopmentCertificate.ensure(in: directory)
        } catch {
            fatalError("cannot make a test certificate: \(error)")
        }
    }
}

/// A message with non-ASCII names, subject and bodies, a dot-led line and a long line.
func sampleMessage(to: String = "helen@example.org", unsubscribe: String? = nil) -> MailMessage {
    MailMessage(
        from: MailAddress("network@example.org", displayName: "Mutuals Network — Ünïcode"),
        to: MailAddress(to, displayName: "Hélène O'Brien \"HB\""),
        subject: "Re: Spinning out — a question about pensions ☕️ (part 2)",
        text: "Hello Hélène,\n\n.this line starts with a dot\n.\n..\nA long line: \(String(repeating: "word ", count: 400))\nBye",
        html: "<p>Hello Hélène,</p>\n<p>.dot</p>\n<p>日本語</p>",
        messageID: "42.7f3a@mutuals.example.org",
        inReplyTo: "thread-9@mutuals.example.org",
        references: ["thread-9@mutuals.example.org", "post-12@mutuals.example.org"],
        unsubscribeURL: unsubscribe)
}

/// Delivery over real sockets to aiosmtpd on loopback (Tests/MailRelay/smtp_server.py).
@Suite(.serialized, .enabled(if: PythonSMTP.isAvailable, PythonSMTP.skipReason), .timeLimit(.minutes(5)))
struct SMTPTransportTests {
    static func transport(port: Int, host: String = "127.0.0.1", security: SMTPConfiguration.Security = .none,
                          username: String? = nil, password: String? = nil,
                          caFile: String? = TestRelayCertificate.files.certificatePath,
                          timeout: Duration = .seconds(10)) throws -> SMTPTransport {
        try SMTPTransport(configuration: SMTPConfiguration(
            host: host, port: port, security: security, username: username, password: password,
            caFilePath: caFile, heloName: "client.test", timeout: timeout))
    }

    @Test func deliversTheMessageAsEncoded() throws {
        let server = try SMTPTestServer()
        let message = sampleMessage(unsubscribe: "https://mutuals.example.org/unsubscribe/abc?kind=reply")
        try Self.transport(port: server.port).deliver(message)
        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].mail_from == "network@example.org")
        #expect(received[0].rcpt_tos == ["helen@example.org"])
        #expect(received[0].helo == "client.test")
        #expect(!received[0].tls)

        let parsed = try PythonSMTP.parse(received[0].bytes)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.content_type == "multipart/alternative")
        #expect(parsed.parts.map(\.content_type) == ["text/plain", "text/html"])
        #expect(parsed.parts.map(\.charset) == ["utf-8", "utf-8"])
        #expect(parsed.parts.map(\.transfer_encoding) == ["quoted-printable", "quoted-printable"])
        // The dot-led lines arrive as written: the client stuffed them and the server unstuffed.
        #expect(parsed.parts.first?.content == message.text)
        #expect(parsed.parts.last?.content == message.html)
        #expect(parsed.subject == message.subject)
        #expect(parsed.from?.display_name == "Mutuals Network — Ünïcode")
        #expect(parsed.from?.addr_spec == "network@example.org")
        #expect(parsed.to?.display_name == "Hélène O'Brien \"HB\"")
        #expect(parsed.to?.addr_spec == "helen@example.org")
        #expect(parsed.message_id == "<42.7f3a@mutuals.example.org>")
        #expect(parsed.in_reply_to == "<thread-9@mutuals.example.org>")
        #expect(parsed.references == "<thread-9@mutuals.example.org> <post-12@mutuals.example.org>")
        #expect(parsed.mime_version == "1.0")
        #expect(parsed.date != nil)
        #expect(parsed.list_unsubscribe == "<https://mutuals.example.org/unsubscribe/abc?kind=reply>")
        #expect(parsed.list_unsubscribe_post == "List-Unsubscribe=One-Click")
        #expect(parsed.max_line <= 998)
        #expect(!parsed.bare_lf && !parsed.bare_cr)
    }

    @Test func securityMailHasNoUnsubscribeHeaders() throws {
        let parsed = try PythonSMTP.parse(try sampleMessage().encoded())
        #expect(parsed.defects.isEmpty)
        #expect(parsed.list_unsubscribe == nil)
        #expect(parsed.list_unsubscribe_post == nil)
        #expect(!parsed.header_names.contains { $0.lowercased().hasPrefix("list-") })
    }

    @Test func longAndHostileTextStaysInsideItsHeader() throws {
        let subject = "Hi\r\nBcc: victim@example.org\r\n\r\nbody " + String(repeating: "très long ", count: 300)
        var message = sampleMessage()
        message.subject = subject
        message.from = MailAddress("network@example.org", displayName: "Eve\r\nBcc: a@b.org\u{0}\u{7F}")
        // Cut to 200 characters: one quoted-string line over 78 characters, none over 998.
        message.to = MailAddress("helen@example.org", displayName: String(repeating: "x", count: 2000) + "\n")
        message.text = String(repeating: "y", count: 5000)
        let bytes = try message.encoded()
        let parsed = try PythonSMTP.parse(bytes)
        #expect(parsed.defects.isEmpty)
        #expect(!parsed.header_names.contains { $0.lowercased() == "bcc" })
        #expect(parsed.header_names.filter { $0 == "Subject" }.count == 1)
        #expect(parsed.subject == MessageEncoder.withoutControls(subject))
        #expect(parsed.from?.display_name == "Eve Bcc: a@b.org")
        #expect(parsed.from?.count == 1)
        #expect(parsed.to?.display_name == String(repeating: "x", count: MessageEncoder.maxDisplayNameLength))
        #expect(parsed.parts.first?.content == message.text)
        #expect(parsed.max_line <= 998)
        let longLines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").filter { $0.utf8.count > 78 }
        #expect(longLines.count == 1, "\(longLines)")
        // Every encoded-word is within RFC 2047's 75 characters.
        let text = String(decoding: bytes, as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\r\n" }).filter { $0.hasPrefix("=?") }
        #expect(!words.isEmpty)
        #expect(words.allSatisfy { $0.utf8.count <= 75 })
    }

    @Test func anUnusableAddressIsAPermanentFailureAndNothingIsSent() throws {
        let server = try SMTPTestServer()
        let transport = try Self.transport(port: server.port)
        for address in ["helen@example.org>\r\nRCPT TO:<eve@example.org", "helen@example.org eve@example.org"] {
            #expect(throws: MailDeliveryError.permanent(MailEncodingError.invalidAddress(address).description)) {
                try transport.deliver(sampleMessage(to: address))
            }
        }
        #expect(try server.received().isEmpty)
    }

    @Test func startTLSWithTheCAFile() throws {
        let server = try SMTPTestServer(security: .starttls)
        try Self.transport(port: server.port, security: .startTLS).deliver(sampleMessage())
        let received = try server.received()
        #expect(received.count == 1)
        #expect(received.first?.tls == true)
    }

    @Test func implicitTLSWithTheCAFileAndAHostName() throws {
        let server = try SMTPTestServer(security: .tls)
        try Self.transport(port: server.port, host: "localhost", security: .tls).deliver(sampleMessage())
        let received = try server.received()
        #expect(received.count == 1)
        #expect(received.first?.tls == true)
    }

    @Test(arguments: [SMTPTestServer.Security.starttls, .tls])
    func anUntrustedCertificateIsATemporaryFailure(security: SMTPTestServer.Security) throws {
        let server = try SMTPTestServer(security: security)
        let mode: SMTPConfiguration.Security = security == .tls ? .tls : .startTLS
        for caFile in [TestRelayCertificate.other.certificatePath, nil] {
            let transport = try Self.transport(port: server.port, security: mode, caFile: caFile)
            let error = #expect(throws: MailDeliveryError.self) { try transport.deliver(sampleMessage()) }
            guard case .temporary(let detail) = error else {
                Issue.record("expected a temporary failure, got \(String(describing: error))")
                continue
            }
            #expect(detail.contains("certificate"))
        }
        #expect(try server.received().isEmpty)
    }

    @Test func aCertificateForAnotherAddressIsRefused() throws {
        // The relay's certificate names 127.0.0.1 and localhost, not 127.0.0.2.
        let server = try SMTPTestServer(security: .tls, host: "127.0.0.2")
        let transport = try Self.transport(port: server.port, host: "127.0.0.2", security: .tls)
        let error = #expect(throws: MailDeliveryError.self) { try transport.deliver(sampleMessage()) }
        if case .temporary(let detail) = error {
            #expect(detail.contains("certificate"))
        } else {
            Issue.record("expected a temporary failure, got \(String(describing: error))")
        }
        #expect(try server.received().isEmpty)
    }

    @Test func startTLSIsRequiredWhenConfigured() throws {
        let server = try SMTPTestServer(security: .none)
        let transport = try Self.transport(port: server.port, security: .startTLS)
        let error = #expect(throws: MailDeliveryError.self) { try transport.deliver(sampleMessage()) }
        if case .temporary(let detail) = error {
            #expect(detail.contains("STARTTLS"))
        } else {
            Issue.record("expected a temporary failure, got \(String(describing: error))")
        }
        #expect(try server.received().isEmpty)
    }

    @Test(arguments: [("PLAIN", SMTPTestServer.Security.starttls), ("LOGIN", .starttls), ("LOGIN", .tls), ("PLAIN", .none)])
    func authentication(mechanism: String, security: SMTPTestServer.Security) throws {
        let server = try SMTPTestServer(security: security, auth: mechanism)
        let mode: SMTPConfiguration.Security = switch security {
        case .none: .none
        case .starttls: .startTLS
        case .tls: .tls
        }
        try Self.transport(port: server.port, security: mode, username: "mailer", password: "s3cret pass").deliver(sampleMessage())
        let received = try server.received()
        #expect(received.count == 1)
        #expect(received.first?.authenticated == true)

        let wrong = try Self.transport(port: server.port, security: mode, username: "mailer", password: "wrong")
        let error = #expect(throws: MailDeliveryError.self) { try wrong.deliver(sampleMessage()) }
        // A refused password is the operator's to fix: temporary, so the message waits.
        if case .temporary(let detail) = error {
            #expect(detail.contains("AUTH \(mechanism)"))
        } else {
            Issue.record("expected a temporary failure, got \(String(describing: error))")
        }
        let anonymous = try Self.transport(port: server.port, security: mode)
        let refused = #expect(throws: MailDeliveryError.self) { try anonymous.deliver(sampleMessage()) }
        #expect(refused.map { if case .temporary = $0 { true } else { false } } == true)
        #expect(try server.received().count == 1)
    }

    @Test(arguments: [(true, "450 4.2.1 Mailbox busy"), (true, "550 5.1.1 No such user"),
                      (false, "451 4.3.0 Try later"), (false, "554 5.6.0 Rejected")])
    func replyCodesMapToRetryOrFail(atRecipient: Bool, reply: String) throws {
        let server = try SMTPTestServer(rcptReply: atRecipient ? reply : nil, dataReply: atRecipient ? nil : reply)
        let error = #expect(throws: MailDeliveryError.self) { try Self.transport(port: server.port).deliver(sampleMessage()) }
        switch error {
        case .temporary(let detail)?:
            #expect(reply.hasPrefix("4"))
            #expect(detail.contains(String(reply.prefix(3))))
        case .permanent(let detail)?:
            #expect(reply.hasPrefix("5"))
            #expect(detail.contains(String(reply.prefix(3))))
        case nil:
            break
        }
        #expect(try server.received().isEmpty)
    }

    @Test func relayDownIsTemporary() throws {
        let port = try ListeningSocket().closeAndKeepPort()
        let error = #expect(throws: MailDeliveryError.self) { try Self.transport(port: port).deliver(sampleMessage()) }
        #expect(error.map { if case .temporary = $0 { true } else { false } } == true)
    }

    @Test func aSilentRelayTimesOut() throws {
        // The kernel completes the TCP handshake from the backlog; nobody ever speaks.
        let silent = try ListeningSocket()
        let transport = try Self.transport(port: silent.port, timeout: .milliseconds(300))
        let error = #expect(throws: MailDeliveryError.self) { try transport.deliver(sampleMessage()) }
        if case .temporary(let detail) = error {
            #expect(detail.contains("timed out"))
        } else {
            Issue.record("expected a temporary failure, got \(String(describing: error))")
        }
    }

    @Test func aSilentTLSRelayTimesOutInTheHandshake() throws {
        let silent = try ListeningSocket()
        let transport = try Self.transport(port: silent.port, security: .tls, timeout: .milliseconds(300))
        let error = #expect(throws: MailDeliveryError.self) { try transport.deliver(sampleMessage()) }
        #expect(error.map { if case .temporary = $0 { true } else { false } } == true)
    }
}

/// A TCP socket listening on 127.0.0.1 on a free port that never accepts.
final class ListeningSocket {
    let fd: Int32
    let port: Int
    private var isOpen = true

    init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
        }
        guard bound == 0, listen(socketFD, 8) == 0 else {
            Glibc.close(socketFD)
            throw SMTPTestServerError(description: "cannot listen: \(String(cString: strerror(errno)))")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Closes the socket: connecting to the port is then refused.
    func closeAndKeepPort() -> Int {
        if isOpen { Glibc.close(fd) }
        isOpen = false
        return port
    }

    deinit { if isOpen { Glibc.close(fd) } }
}
