/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines. A multi-line reply is
/// `250-first`, `250-second`, `250 last`; only the last line has a space after the code.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]

    /// The reply as one line for an error message, controls removed.
    var summary: String {
        let text = lines.joined(separator: " / ")
        return "\(code) " + String(text.unicodeScalars.prefix(300).map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }
}

/// Collects reply lines from bytes as they arrive: feed bytes, take replies. Lines end with CRLF
/// (a bare LF is accepted, as many clients do); a line over `maxLineLength` or a reply over
/// `maxLines` is a protocol error rather than unbounded memory.
struct SMTPReplyParser {
    enum Failure: Error, Equatable {
        case malformed(String)
        case tooLong
    }

    static let maxLineLength = 4096  // RFC 5321 §4.5.3.1.5 says 512; relays exceed it in EHLO.
    static let maxLines = 200

    private var buffer: [UInt8] = []
    private var pendingLines: [String] = []
    private var pendingCode: Int?

    /// Bytes read but not yet part of a complete reply.
    var bufferedByteCount: Int { buffer.count }
    var isMidReply: Bool { pendingCode != nil }

    mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    mutating func nextReply() throws(Failure) -> SMTPReply? {
        while let newline = buffer.firstIndex(of: 0x0A) {
            var line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            if line.last == 0x0D { line.removeLast() }
            guard line.count <= Self.maxLineLength else { throw .tooLong }
            guard line.count >= 3, line.prefix(3).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let code = Int(String(decoding: line.prefix(3), as: UTF8.self)), (200...599).contains(code)
            else { throw .malformed(String(decoding: line.prefix(80), as: UTF8.self)) }
            if let pendingCode, pendingCode != code { throw .malformed("reply code changed within a reply") }
            let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
            guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
                throw .malformed(String(decoding: line.prefix(80), as: UTF8.self))
            }
            pendingLines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
            guard pendingLines.count <= Self.maxLines else { throw .tooLong }
            if separator == UInt8(ascii: "-") {
                pendingCode = code
                continue
            }
            let reply = SMTPReply(code: code, lines: pendingLines)
            pendingLines = []
            pendingCode = nil
            return reply
        }
        guard buffer.count <= Self.maxLineLength else { throw .tooLong }
        return nil
    }
}

/// What the relay said it supports in its EHLO reply (RFC 5321 §4.1.1.1).
struct SMTPExtensions: Equatable {
    var startTLS = false
    var authMechanisms: Set<String> = []

    init() {}

    /// Reads the keyword lines after the greeting line; `AUTH=` is the pre-standard form some
    /// relays still send.
    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ")
            guard let keyword = words.first else { continue }
            if keyword == "STARTTLS" {
                startTLS = true
            } else if keyword == "AUTH" {
                authMechanisms.formUnion(words.dropFirst().map(String.init))
            } else if keyword.hasPrefix("AUTH=") {
                authMechanisms.insert(String(keyword.dropFirst(5)))
                authMechanisms.formUnion(words.dropFirst().map(String.init))
            }
        }
    }
}

/// DATA framing (RFC 5321 §4.5.2): a line starting with "." gets another ".", the message ends
/// with CRLF, and "." CRLF closes it. A bare CR or LF in the input is made a CRLF first.
enum SMTPData {
    static func framed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 40 + 8)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if byte == 0x0D || byte == 0x0A {
                out += [0x0D, 0x0A]
                if byte == 0x0D, index + 1 < message.count, message[index + 1] == 0x0A { index += 1 }
                atLineStart = true
            } else {
                if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
                out.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { out += [0x0D, 0x0A] }
        out += Array(".\r\n".utf8)
        return out
    }
}
