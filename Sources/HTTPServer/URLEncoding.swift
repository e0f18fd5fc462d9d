/// One name/value pair of a query string or form body.
public struct FormItem: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == FormItem {
    /// The first value for `name`.
    public subscript(name: String) -> String? {
        first { $0.name == name }?.value
    }

    /// Every value for `name`, in order (repeated keys such as checkboxes).
    public func all(_ name: String) -> [String] {
        filter { $0.name == name }.map(\.value)
    }
}

/// Percent-decoding (RFC 3986 §2.1). Invalid escapes and invalid UTF-8 are errors, never guessed.
public enum PercentDecoding {
    /// Decodes `%XX` escapes; with `plusAsSpace` also `+` (application/x-www-form-urlencoded).
    /// - Returns: nil when an escape is malformed or the result is not valid UTF-8.
    public static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        var needsWork = false
        for b in text.utf8 where b == 0x25 || (plusAsSpace && b == 0x2B) {
            needsWork = true
            break
        }
        if !needsWork { return String(text) }
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let b = iterator.next() {
            switch b {
            case 0x25:
                guard let h = iterator.next(), let l = iterator.next(),
                      let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                bytes.append(hv << 4 | lv)
            case 0x2B where plusAsSpace:
                bytes.append(0x20)
            default:
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

/// `application/x-www-form-urlencoded` (WHATWG URL §5), strict about escapes.
public enum FormDecoder {
    /// - Throws: `HTTPError` 400 naming the problem.
    public static func decode(_ text: String, validatingBytes raw: [UInt8]? = nil) throws(HTTPError) -> [FormItem] {
        if let raw, String(validating: raw, as: UTF8.self) == nil {
            throw HTTPError.badRequest("The form data is not valid UTF-8.")
        }
        var items: [FormItem] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true),
                  let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            else {
                throw HTTPError.badRequest("The form data or query string has an invalid percent-escape.")
            }
            items.append(FormItem(name, value))
        }
        return items
    }

    /// Encodes one component for a query string or form body.
    public static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x2A:
                out.unicodeScalars.append(Unicode.Scalar(b))
            case 0x20:
                out.append("+")
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b & 0xF)]))
            }
        }
        return out
    }
}

/// A cookie the client sent.
public struct Cookie: Sendable, Equatable {
    public var name: String
    public var value: String
}

/// Parses `Cookie` request headers (RFC 6265 §5.4 / §4.2.1), leniently: a malformed pair is
/// skipped, never fatal, because browsers send whatever other sites on the host set.
public enum CookieParser {
    public static func parse(_ headerValues: [String]) -> [Cookie] {
        var cookies: [Cookie] = []
        for header in headerValues {
            forEachPair(in: header) { name, value in
                cookies.append(Cookie(name: String(name), value: String(value)))
                return true
            }
        }
        return cookies
    }

    /// The first cookie called `name` in one `Cookie` header, by the same rules as `parse`,
    /// without building the others (a signed-in request asks for its session cookie often).
    public static func value(named name: String, in header: String) -> String? {
        var found: String?
        forEachPair(in: header) { pairName, value in
            guard pairName.utf8.elementsEqual(name.utf8) else { return true }
            found = String(value)
            return false
        }
        return found
    }

    /// Calls `body` with each well-formed pair's name and value (quotes removed) until it
    /// returns false. A piece with no `=` or whose name is not a token is skipped. The header is
    /// walked as bytes (pieces between `;`, spaces and tabs trimmed), with no array of pieces:
    /// every signed-in request looks its session cookie up a few times.
    private static func forEachPair(in header: String, _ body: (Substring, Substring) -> Bool) {
        let whole = Substring(header)
        let bytes = whole.utf8
        var pieceStart = bytes.startIndex
        while pieceStart < bytes.endIndex {
            let pieceEnd = bytes[pieceStart...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            defer { pieceStart = pieceEnd < bytes.endIndex ? bytes.index(after: pieceEnd) : pieceEnd }
            guard let eq = bytes[pieceStart..<pieceEnd].firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = whole[pieceStart..<eq].trimmingASCIISpaces()
            var value = whole[bytes.index(after: eq)..<pieceEnd].trimmingASCIISpaces()
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPSyntax.isTokenByte) else { continue }
            let valueBytes = value.utf8
            if valueBytes.count >= 2, valueBytes.first == UInt8(ascii: "\""), valueBytes.last == UInt8(ascii: "\"") {
                value = value[valueBytes.index(after: valueBytes.startIndex)..<valueBytes.index(before: valueBytes.endIndex)]
            }
            guard body(name, value) else { return }
        }
    }
}

/// Character classes of RFC 9110 §5.6.2.
enum HTTPSyntax {
    /// Whether every UTF-8 byte of `text` satisfies `test`, reading contiguous storage directly.
    @inline(__always)
    static func allBytes(_ text: String, _ test: (UInt8) -> Bool) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            for byte in bytes where !test(byte) { return false }
            return true
        }) {
            return result
        }
        return text.utf8.allSatisfy(test)
    }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static let tokenTable: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in UInt8(0x30)...0x39 { table[Int(b)] = true }
        for b in UInt8(0x41)...0x5A { table[Int(b)] = true }
        for b in UInt8(0x61)...0x7A { table[Int(b)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
        return table
    }()

    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool { tokenTable[Int(b)] }

    /// field-vchar / SP / HTAB: VCHAR, obs-text, space and tab. Everything else (NUL, CR, LF,
    /// other controls, DEL) is refused inside a field value (RFC 9110 §5.5).
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == 0x09 || (b >= 0x20 && b != 0x7F)
    }
}
