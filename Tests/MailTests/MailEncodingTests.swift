import Foundation
@testable import Mail
import Testing

/// The encoder on its own: exact bytes for each rule.
@Suite struct MailEncodingTests {
    static func message(subject: String = "Hello", text: String = "Hi", html: String = "<p>Hi</p>",
                        fromName: String? = "Mutuals Network", toName: String? = "Helen",
                        unsubscribe: String? = nil) -> MailMessage {
        MailMessage(from: MailAddress("network@example.org", displayName: fromName),
                    to: MailAddress("helen@example.org", displayName: toName), subject: subject, text: text,
                    html: html, messageID: "1.abc@example.org", date: Date(timeIntervalSince1970: 0),
                    unsubscribeURL: unsubscribe)
    }

    static func head(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return String(text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)])
    }

    @Test func dateIsRFC5322InUTC() {
        #expect(MessageEncoder.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MessageEncoder.rfc5322Date(Date(timeIntervalSince1970: 1_796_292_877)) == "Thu, 03 Dec 2026 10:14:37 +0000")
    }

    @Test func plainHeadIsExact() throws {
        let bytes = try Self.message().encoded(boundary: "=_b")
        #expect(Self.head(bytes) == """
            Date: Thu, 01 Jan 1970 00:00:00 +0000\r
            From: "Mutuals Network" <network@example.org>\r
            To: "Helen" <helen@example.org>\r
            Subject: Hello\r
            Message-ID: <1.abc@example.org>\r
            Auto-Submitted: auto-generated\r
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative;\r
             boundary="=_b"
            """)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\r\n\r\n--=_b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHi\r\n"
            + "--=_b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Hi</p>\r\n--=_b--\r\n"))
    }

    @Test func quotedPrintable() {
        func qp(_ text: String) -> String { String(decoding: QuotedPrintable.encode(text), as: UTF8.self) }
        #expect(qp("a=b") == "a=3Db")
        #expect(qp("trailing \nspace\t") == "trailing=20\r\nspace=09")
        #expect(qp("é") == "=C3=A9")
        #expect(qp("a\rb\r\nc\nd") == "a\r\nb\r\nc\r\nd")
        #expect(qp(".leading dot") == ".leading dot")
        let long = qp(String(repeating: "x", count: 200))
        let lines = long.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        #expect(lines.joined().replacingOccurrences(of: "=", with: "") == String(repeating: "x", count: 200))
        // An escape is never split by a soft break.
        let escapes = qp(String(repeating: "é", count: 60)).components(separatedBy: "\r\n")
        #expect(escapes.allSatisfy { $0.utf8.count <= 76 && ($0.utf8.count - ($0.hasSuffix("=") ? 1 : 0)) % 3 == 0 })
    }

    @Test(arguments: [75, 76, 77]) func quotedPrintableAtTheLineLimit(length: Int) {
        let encoded = String(decoding: QuotedPrintable.encode(String(repeating: "y", count: length)), as: UTF8.self)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.count == (length <= 76 ? 1 : 2))
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
    }

    @Test func encodedWordsHoldWholeCharactersAndStayShort() throws {
        let subject = String(repeating: "Café ☕️ 日本語 ", count: 30)
        let words = MessageEncoder.encodedWords(subject, firstWordBytes: MessageEncoder.firstWordBytes(after: "Subject"))
        #expect(("Subject: " + words[0]).utf8.count <= 76)
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.utf8.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        var decoded = Data()
        for word in words {
            let payload = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            let part = try #require(payload)
            // Each word is valid UTF-8 on its own (RFC 2047 §5: no split characters).
            #expect(String(data: part, encoding: .utf8) != nil)
            decoded.append(part)
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
    }

    @Test func controlsInNamesAndSubjectsNeverEndAHeaderLine() throws {
        let message = Self.message(subject: "Hi\r\nBcc: victim@example.org", fromName: "Eve\r\nBcc: a@b.org",
                                   toName: "\"Quoted\" \\ name\n")
        let head = Self.head(try message.encoded())
        let lines = head.components(separatedBy: "\r\n")
        #expect(!lines.contains { $0.lowercased().hasPrefix("bcc") })
        #expect(lines.contains("Subject: Hi  Bcc: victim@example.org") || lines.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
        #expect(lines.contains("To: \"\\\"Quoted\\\" \\\\ name\" <helen@example.org>"))
        #expect(!head.contains("\r\n\r\n"))
        #expect(!Array(head.utf8).enumerated().contains { index, byte in
            (byte == 0x0A && (index == 0 || Array(head.utf8)[index - 1] != 0x0D))
        })
    }

    @Test(arguments: ["a@b.org\r\nBcc: c@d.org", "a b@c.org", "<a@b.org>", "a@b.org>", "a\"@b.org", "ab.org",
                      "@b.org", "a@", "a@b@c.org", "", "é@b.org", "a@b.org,c@d.org", ".a@b.org", "a.@b.org", "a@b.org\0"])
    func unusableAddressesAreRejected(address: String) {
        var message = Self.message()
        message.to = MailAddress(address)
        #expect(throws: MailEncodingError.invalidAddress(address)) { try message.encoded() }
        message.to = MailAddress("helen@example.org")
        message.from = MailAddress(address, displayName: "Network")
        #expect(throws: MailEncodingError.invalidAddress(address)) { try message.encoded() }
    }

    @Test func unusableIDsAndURLsAreRejected() {
        var message = Self.message()
        message.messageID = "1@example.org>\r\nBcc: a@b.org"
        #expect(throws: MailEncodingError.self) { try message.encoded() }
        message = Self.message()
        message.inReplyTo = "no-at-sign"
        #expect(throws: MailEncodingError.invalidMessageID("no-at-sign")) { try message.encoded() }
        message = Self.message()
        message.references = ["ok@example.org", "bad id@example.org"]
        #expect(throws: MailEncodingError.invalidMessageID("bad id@example.org")) { try message.encoded() }
        for url in ["javascript:alert(1)", "https://example.org/u>\r\nBcc: a@b.org", "https://example.org/a b"] {
            message = Self.message(unsubscribe: url)
            #expect(throws: MailEncodingError.invalidUnsubscribeURL(url)) { try message.encoded() }
        }
    }

    @Test func boundaryCannotOccurInQuotedPrintable() throws {
        let boundary = MessageEncoder.randomBoundary()
        #expect(boundary.hasPrefix("=_"))
        #expect(boundary.utf8.count <= 70)
        #expect(boundary != MessageEncoder.randomBoundary())
        // A body that is itself a boundary line is escaped: "=" becomes "=3D".
        let message = Self.message(text: "--\(boundary)\n--\(boundary)--")
        let text = String(decoding: try message.encoded(boundary: boundary), as: UTF8.self)
        #expect(text.components(separatedBy: "--\(boundary)\r\n").count == 3)
        #expect(text.components(separatedBy: "--\(boundary)--").count == 2)
    }

    @Test func dotStuffing() {
        let framed = SMTPData.framed(Array("Hello\r\n.hidden\r\n.\r\n..two\nend".utf8))
        #expect(String(decoding: framed, as: UTF8.self) == "Hello\r\n..hidden\r\n..\r\n...two\r\nend\r\n.\r\n")
        #expect(String(decoding: SMTPData.framed(Array(".\r\n".utf8)), as: UTF8.self) == "..\r\n.\r\n")
        #expect(String(decoding: SMTPData.framed([]), as: UTF8.self) == ".\r\n")
    }
}

/// The reply parser on its own.
@Suite struct SMTPReplyTests {
    @Test func multiLineReply() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("250-relay.example.org greets you\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN\r\n".utf8))
        #expect(try parser.nextReply() == nil)
        parser.append(Array("250 STARTTLS\r\n220 next".utf8))
        let reply = try #require(try parser.nextReply())
        #expect(reply == SMTPReply(code: 250, lines: ["relay.example.org greets you", "SIZE 1000", "AUTH PLAIN LOGIN", "STARTTLS"]))
        #expect(try parser.nextReply() == nil)
        #expect(parser.bufferedByteCount == 8)
        let extensions = SMTPExtensions(ehlo: reply)
        #expect(extensions.startTLS)
        #expect(extensions.authMechanisms == ["PLAIN", "LOGIN"])
    }

    @Test func bareCodeAndBareLF() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("354\n221 bye\r\n".utf8))
        #expect(try parser.nextReply() == SMTPReply(code: 354, lines: [""]))
        #expect(try parser.nextReply() == SMTPReply(code: 221, lines: ["bye"]))
    }

    @Test(arguments: ["hello\r\n", "25\r\n", "250-a\r\n251 b\r\n", "250_x\r\n", "999 no\r\n"])
    func malformedReplies(input: String) {
        var parser = SMTPReplyParser()
        parser.append(Array(input.utf8))
        #expect(throws: SMTPReplyParser.Failure.self) {
            while try parser.nextReply() != nil {}
        }
    }

    @Test func endlessLineIsAnError() {
        var parser = SMTPReplyParser()
        parser.append([UInt8](repeating: UInt8(ascii: "2"), count: SMTPReplyParser.maxLineLength + 1))
        #expect(throws: SMTPReplyParser.Failure.tooLong) { try parser.nextReply() }
    }

    @Test func oldStyleAuthKeyword() {
        let extensions = SMTPExtensions(ehlo: SMTPReply(code: 250, lines: ["hi", "AUTH=LOGIN", "8BITMIME"]))
        #expect(extensions.authMechanisms == ["LOGIN"])
        #expect(!extensions.startTLS)
    }
}

/// Configurations refused at start.
@Suite struct SMTPConfigurationTests {
    @Test func passwordWithoutTLSOnlyToLoopback() throws {
        let remote = SMTPConfiguration(host: "smtp.example.org", security: .none, username: "u", password: "p")
        #expect(throws: SMTPConfigurationError.self) { try SMTPTransport(configuration: remote) }
        for host in ["127.0.0.1", "localhost", "::1", "127.1.2.3"] {
            let local = SMTPConfiguration(host: host, security: .none, username: "u", password: "p")
            #expect(local.isLoopback)
            _ = try SMTPTransport(configuration: local)
        }
        #expect(!SMTPConfiguration(host: "128.0.0.1").isLoopback)
        #expect(!SMTPConfiguration(host: "localhost.example.org").isLoopback)
    }

    @Test func userWithoutPasswordAndUnreadableCAFile() {
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPTransport(configuration: SMTPConfiguration(host: "smtp.example.org", username: "u"))
        }
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPTransport(configuration: SMTPConfiguration(host: "smtp.example.org", caFilePath: "/nonexistent/ca.pem"))
        }
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPTransport(configuration: SMTPConfiguration(host: "smtp.example.org", heloName: "bad name\r\n"))
        }
    }

    @Test func defaults() throws {
        let configuration = SMTPConfiguration(host: "smtp.example.org")
        #expect(configuration.port == 587)
        #expect(configuration.security == .startTLS)
        #expect(configuration.timeout == .seconds(30))
        #expect(SMTPConfiguration.isHostName(configuration.heloName))
        _ = try SMTPTransport(configuration: configuration)
    }
}
