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
        // RFC 3834 §5: sent by a program, so out-of-office responders do not answer it.
        head.append("Auto-Submitted: auto-generated")
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
        // 128 random bits; RFC 2046 §5.1.1 allows at most 70 characters.
        let hex = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: ".")
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

    /// Display names longer than this many characters are cut; the network's own are far shorter.
    static let maxDisplayNameLength = 200

    /// `Name: "Display Name" <address>`. Runs of plain ASCII words become quoted-strings and runs
    /// of other words encoded-words, so the space between two runs survives every decoder
    /// (RFC 2047 §6.2 drops only the space between two adjacent encoded-words). Runs of spaces
    /// collapse to one.
    static func mailboxHeader(_ name: String, address: String, displayName: String?) -> String {
        let words = withoutControls(String((displayName ?? "").prefix(maxDisplayNameLength))).split(separator: " ")
        guard !words.isEmpty else { return "\(name): \(address)" }
        var runs: [(plain: Bool, text: String)] = []
        for word in words {
            let plain = word.utf8.allSatisfy { $0 < 0x80 } && !word.contains("=?")
            if let last = runs.last, last.plain == plain {
                runs[runs.count - 1].text += " " + word
            } else {
                runs.append((plain, String(word)))
            }
        }
        var pieces: [String] = []
        for run in runs {
            if run.plain {
                // RFC 5322 §3.2.4 quoted-string: only DQUOTE and backslash need a backslash.
                var quoted = "\""
                for character in run.text {
                    if character == "\"" || character == "\\" { quoted.append("\\") }
                    quoted.append(character)
                }
                pieces.append(quoted + "\"")
            } else {
                pieces += encodedWords(run.text, firstWordBytes: pieces.isEmpty ? firstWordBytes(after: name) : 45)
            }
        }
        return folded("\(name):", pieces + ["<\(address)>"])
    }

    /// Joins `pieces` with spaces after `start`, folding (CRLF before the space, RFC 5322
    /// §2.2.3) where a line would pass 76 characters. A piece is never split.
    static func folded(_ start: String, _ pieces: [String]) -> String {
        var lines: [String] = []
        var line = start
        for piece in pieces {
            if line != start, line.utf8.count + 1 + piece.utf8.count > 76 {
                lines.append(line)
                line = ""
            }
            line += " " + piece
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// An unstructured header (RFC 5322 §3.2.5): plain ASCII folded at spaces, anything else as
    /// RFC 2047 encoded-words.
    static func unstructuredHeader(_ name: String, _ value: String) -> String {
        let clean = withoutControls(value)
        guard !clean.isEmpty else { return "\(name):" }
        let words = clean.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let plain = clean.utf8.allSatisfy { $0 < 0x80 } && !clean.contains("=?")
            && words.allSatisfy { !$0.isEmpty && $0.utf8.count <= 900 }
        return folded("\(name):", plain ? words : encodedWords(clean, firstWordBytes: firstWordBytes(after: name)))
    }

    /// How many bytes the first encoded-word may hold so that `Name: ` and it fit in 76.
    static func firstWordBytes(after name: String) -> Int {
        max(3, min(45, (76 - name.utf8.count - 2 - 12) / 4 * 3))
    }

    /// RFC 2047 B-encoded words of whole characters, each at most 72 octets (the limit is 75),
    /// so a folded line with one word stays within 78.
    static func encodedWords(_ text: String, firstWordBytes: Int = 45) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        var maxBytes = firstWordBytes
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > maxBytes {
                words.append(word(chunk))
                chunk = []
                maxBytes = 45
            }
            // A single character longer than a word (a long combining sequence) is split by scalar.
            if bytes.count > maxBytes {
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if !chunk.isEmpty, chunk.count + scalarBytes.count > maxBytes {
                        words.append(word(chunk))
                        chunk = []
                        maxBytes = 45  // 60 base64 characters + 12 for =?UTF-8?B? and ?=
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

extension MailMessage {
    /// The message `mutuals mail test` sends: says which relay carried it and when.
    public static func relayTest(from: MailAddress, to: MailAddress, host: String, date: Date = Date()) -> MailMessage {
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        let stamp = MessageEncoder.rfc5322Date(date)
        let text = "This is a test message from Mutuals Network, sent through \(host) at \(stamp).\n\nIf you can read it, outgoing mail works."
        let html = "<p>This is a test message from Mutuals Network, sent at \(stamp).</p>\n<p>If you can read it, outgoing mail works.</p>"
        return MailMessage(from: from, to: to, subject: "Mutuals Network: test message", text: text, html: html,
                           messageID: "test.\(UUID().uuidString.lowercased())@\(domain)", date: date)
    }
}
