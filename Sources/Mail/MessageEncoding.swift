#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why a message cannot be encoded. Each case names the field, so the outbox can say what was
/// wrong; none of them gets better on retry.
public enum MailEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An address that is not a plain `local@domain` in printable ASCII (no spaces, angle
    /// brackets, quotes or control characters).
    case invalidAddress(String)
    /// A Message-ID, In-Reply-To or References id that is not `left@right` in printable ASCII.
    case invalidMessageID(String)
    /// An unsubscribe URL that is not an absolute http(s) URL in printable ASCII.
    case invalidUnsubscribeURL(String)

    public var description: String {
        switch self {
        case .invalidAddress(let value): "not a usable email address: \(MailEncodingError.printable(value))"
        case .invalidMessageID(let value): "not a usable message id: \(MailEncodingError.printable(value))"
        case .invalidUnsubscribeURL(let value): "not a usable unsubscribe URL: \(MailEncodingError.printable(value))"
        }
    }

    /// The value with control characters shown as `?`, so an error message never carries a CR/LF.
    static func printable(_ value: String) -> String {
        String(value.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}

extension MailAddress {
    /// Checks that the address can go into a header and an SMTP envelope as it is: ASCII
    /// `local@domain`, at most 254 characters (RFC 5321 §4.5.3.1), no whitespace, controls,
    /// angle brackets, quotes, parentheses, commas, semicolons or backslashes. Quoted local parts
    /// and non-ASCII addresses (SMTPUTF8) are not supported.
    public func validated() throws(MailEncodingError) -> String {
        let bytes = Array(address.utf8)
        guard !bytes.isEmpty, bytes.count <= 254,
              let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1,
              at <= 64,
              bytes.allSatisfy({ MailAddress.isAddressByte($0) }),
              bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1,
              bytes.first != UInt8(ascii: "."), bytes[at - 1] != UInt8(ascii: "."),
              bytes[at + 1] != UInt8(ascii: "."), bytes.last != UInt8(ascii: ".")
        else { throw .invalidAddress(address) }
        return address
    }

    /// RFC 5322 §3.2.3 atext, plus "." and "@".
    static func isAddressByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-/=?^_`{|}~.@".utf8).contains(byte)
        }
    }
}

extension MailMessage {
    /// The message as RFC 5322 bytes, ready for SMTP `DATA` (before dot-stuffing, which the
    /// client does): CRLF line ends, no line longer than 998 octets, `multipart/alternative`
    /// with a quoted-printable plain-text part and HTML part, UTF-8 throughout.
    ///
    /// Nothing a user wrote reaches a header raw: display names and the subject have control
    /// characters replaced by spaces and non-ASCII text as RFC 2047 encoded-words; addresses,
    /// ids and the unsubscribe URL are checked and rejected when unsafe.
    /// - Throws: `MailEncodingError` naming the field that cannot be encoded.
    public func encoded() throws(MailEncodingError) -> [UInt8] {
        try encoded(boundary: MessageEncoder.randomBoundary())
    }

    /// As `encoded()`, with a given MIME boundary (tests).
    func encoded(boundary: String) throws(MailEncodingError) -> [UInt8] {
        let fromAddress = try from.validated()
        let toAddress = try to.validated()
        let id = try MessageEncoder.validatedID(messageID)
        let replyTo = try inReplyTo.map { value throws(MailEncodingError) in try MessageEncoder.validatedID(value) }
        var referenceIDs: [String] = []
        for reference in references { referenceIDs.append(try MessageEncoder.validatedID(reference)) }
        let unsubscribe = try unsubscribeURL.map { url throws(MailEncodingError) in try MessageEncoder.validatedURL(url) }

        var head: [String] = []
        head.append("Date: " + MessageEncoder.rfc5322Date(date))
        head.append(MessageEncoder.mailboxHeader("From", address: fromAddress, displayName: from.displayName))
        head.append(MessageEncoder.mailboxHeader("To", address: toAddress, displayName: to.displayName))
        head.append(MessageEncoder.unstructuredHeader("Subject", subject))
        head.append("Message-ID: <\(id)>")
        if let replyTo { head.append("In-Reply-To: <\(replyTo)>") }
        if !referenceIDs.isEmpty {
            // One id per line (RFC 5322 §3.2.2 folding), so a long thread never makes a long line.
            head.append("References: " + referenceIDs.map { "<\($0)>" }.joined(separator: "\r\n "))
        }
        if let unsubscribe {
            // RFC 8058 §3.1: both headers, the URL an https one; the POST body is fixed.
            head.append("List-Unsubscribe: <\(unsubscribe)>")
            head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        head.append("MIME-Version: 1.0")
        head.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")

        var out = Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            out += Array("--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
            out += QuotedPrintable.encode(body)
            out += Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }
}

/// The header-building rules, one place each.
enum MessageEncoder {
    /// `=_` never occurs in quoted-printable output (`=` there is always followed by two hex
    /// digits or a line break), so this boundary cannot occur in either body (RFC 2045 §6.7,
    /// RFC 2046 §5.1.1).
    static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: ".")
        return "=_mutuals_" + hex
    }

    /// RFC 5322 §3.6.4 msg-id without its angle brackets: dot-atom-text "@" dot-atom-text.
    static func validatedID(_ id: String) throws(MailEncodingError) -> String {
        let bytes = Array(id.utf8)
        guard bytes.count <= 900, bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1,
              bytes.first != UInt8(ascii: "@"), bytes.last != UInt8(ascii: "@"),
              bytes.allSatisfy({ MailAddress.isAddressByte($0) })
        else { throw .invalidMessageID(id) }
        return id
    }

    /// An absolute http(s) URL of printable ASCII with nothing that could end the `<...>` or
    /// the header line.
    static func validatedURL(_ url: String) throws(MailEncodingError) -> String {
        let lower = url.lowercased()
        guard url.utf8.count <= 900, lower.hasPrefix("https://") || lower.hasPrefix("http://"),
              url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else { throw .invalidUnsubscribeURL(url) }
        return url
    }

    /// RFC 5322 §3.3 date-time in UTC: `Thu, 03 Dec 2026 10:14:37 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// Control characters (CR and LF among them) become spaces: user text can never end a
    /// header line or start a new one.
    static func withoutControls(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            ($0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}") ? " " : $0
        }))
    }

    /// `Name: "Display Name" <address>`, or encoded-words for a name that is not plain ASCII.
    static func mailboxHeader(_ name: String, address: String, displayName: String?) -> String {
        guard let displayName else { return "\(name): \(address)" }
        let clean = withoutControls(displayName).trimmingCharacters(in: .whitespaces)
        if clean.isEmpty { return "\(name): \(address)" }
        if clean.utf8.count <= 200, clean.utf8.allSatisfy({ $0 < 0x80 }), !clean.contains("=?") {
            // RFC 5322 §3.2.4 quoted-string: only DQUOTE and backslash need a backslash.
            var quoted = ""
            for character in clean {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return "\(name): \"\(quoted)\" <\(address)>"
        }
        return "\(name): " + encodedWords(clean).joined(separator: "\r\n ") + "\r\n <\(address)>"
    }

    /// An unstructured header (RFC 5322 §3.2.5): plain ASCII folded at spaces, anything else as
    /// RFC 2047 encoded-words, one to a line.
    static func unstructuredHeader(_ name: String, _ value: String) -> String {
        let clean = withoutControls(value)
        let words = clean.split(separator: " ", omittingEmptySubsequences: false)
        let plain = clean.utf8.allSatisfy { $0 < 0x80 } && !clean.contains("=?")
            && words.allSatisfy { $0.utf8.count <= 900 } && !clean.hasPrefix(" ") && !clean.hasSuffix(" ")
            && !clean.contains("  ")
        guard plain else {
            return "\(name): " + encodedWords(clean).joined(separator: "\r\n ")
        }
        // Fold before a space once a line passes 76 octets; unfolding (removing CRLF) restores it.
        var lines: [String] = []
        var line = "\(name):"
        for (index, word) in words.enumerated() {
            if index > 0, line.utf8.count + 1 + word.utf8.count > 76 {
                lines.append(line)
                line = ""
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// RFC 2047 B-encoded words of whole characters, each at most 64 octets (well under the
    /// limit of 75), so a header line with one word stays under 78.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        let maxBytes = 39  // 52 base64 characters + 12 for =?UTF-8?B? and ?=
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > maxBytes {
                words.append(word(chunk))
                chunk = []
            }
            // A single character longer than a word (a long combining sequence) is split by scalar.
            if bytes.count > maxBytes {
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if !chunk.isEmpty, chunk.count + scalarBytes.count > maxBytes {
                        words.append(word(chunk))
                        chunk = []
                    }
                    chunk += scalarBytes
                }
            } else {
                chunk += bytes
            }
        }
        if !chunk.isEmpty || words.isEmpty { words.append(word(chunk)) }
        return words
    }

    static func word(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }
}

/// RFC 2045 §6.7 quoted-printable, with line ends normalised to CRLF.
enum QuotedPrintable {
    static let hex = Array("0123456789ABCDEF".utf8)

    /// Encodes `text` as UTF-8: lines of at most 76 characters (soft breaks `=` CRLF), `=`,
    /// controls and bytes above 126 as `=XX`, and a space or tab before a line end encoded.
    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let lines = normalisedLines(text)
        for (index, line) in lines.enumerated() {
            if index > 0 { out += [0x0D, 0x0A] }
            var length = 0
            for (position, byte) in line.enumerated() {
                let isLast = position == line.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !isLast)
                let piece: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                // Room for the piece plus a soft-break "=" unless this is the line's last piece.
                let limit = isLast ? 76 : 75
                if length + piece.count > limit {
                    out += [UInt8(ascii: "="), 0x0D, 0x0A]
                    length = 0
                }
                out += piece
                length += piece.count
            }
        }
        return out
    }

    /// Splits on CRLF, lone CR or lone LF.
    static func normalisedLines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                lines.append([])
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            } else {
                lines[lines.count - 1].append(byte)
            }
            index += 1
        }
        return lines
    }
}
