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
        decode(String(text), plusAsSpace: plusAsSpace)
    }

    /// `decode` for a `String`, on its contiguous UTF-8 bytes. (The generic form walked
    /// `text.utf8` through unspecialized witnesses from other modules: ~14,000 instructions for
    /// a 30-byte path, on every page that builds a return link.)
    public static func decode(_ text: String, plusAsSpace: Bool = false) -> String? {
        var text = text
        // nil: nothing to decode; .some(nil): a malformed escape or not UTF-8.
        let decoded: [UInt8]?? = text.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 0x25 || (plusAsSpace && $0 == 0x2B) }) else { return nil }
            var decoded: [UInt8] = []
            decoded.reserveCapacity(bytes.count)
            var index = 0
            while index < bytes.count {
                switch bytes[index] {
                case 0x25:
                    guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                        return .some(nil)
                    }
                    decoded.append(high << 4 | low)
                    index += 3
                    continue
                case 0x2B where plusAsSpace:
                    decoded.append(0x20)
                case let byte:
                    decoded.append(byte)
                }
                index += 1
            }
            return decoded
        }
        switch decoded {
        case .none: return text
        case .some(.none): return nil
        case .some(.some(let bytes)): return String(validating: bytes, as: UTF8.self)
        }
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
                cookies.append(Cookie(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
                return true
            }
        }
        return cookies
    }

    /// The first cookie called `name` in one `Cookie` header, by the same rules as `parse`,
    /// without building the others (a signed-in request asks for its session cookie often).
    public static func value(named name: String, in header: String) -> String? {
        var found: String?
        var name = name
        name.withUTF8 { wanted in
            forEachPair(in: header) { pairName, value in
                guard pairName.elementsEqual(wanted) else { return true }
                found = String(decoding: value, as: UTF8.self)
                return false
            }
        }
        return found
    }

    /// Calls `body` with each well-formed pair's name and value (quotes removed), as bytes of
    /// the header, until it returns false. A piece with no `=` or whose name is not a token is
    /// skipped. The header is walked as contiguous bytes (pieces between `;`, spaces and tabs
    /// trimmed), with no array of pieces and no `Substring` index arithmetic, which is generic
    /// and cost ~15,000 instructions a lookup: every signed-in request looks its session cookie
    /// up a few times.
    private static func forEachPair(in header: String, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) {
        var header = header
        header.withUTF8 { bytes in
            func trimmed(_ range: Range<Int>) -> Range<Int> {
                var lower = range.lowerBound, upper = range.upperBound
                while lower < upper, bytes[lower] == UInt8(ascii: " ") || bytes[lower] == UInt8(ascii: "\t") { lower += 1 }
                while upper > lower, bytes[upper - 1] == UInt8(ascii: " ") || bytes[upper - 1] == UInt8(ascii: "\t") { upper -= 1 }
                return lower..<upper
            }
            var pieceStart = 0
            while pieceStart < bytes.count {
                var pieceEnd = pieceStart
                while pieceEnd < bytes.count, bytes[pieceEnd] != UInt8(ascii: ";") { pieceEnd += 1 }
                defer { pieceStart = pieceEnd + 1 }
                var eq = pieceStart
                while eq < pieceEnd, bytes[eq] != UInt8(ascii: "=") { eq += 1 }
                guard eq < pieceEnd else { continue }
                let name = trimmed(pieceStart..<eq)
                var value = trimmed(eq + 1..<pieceEnd)
                guard !name.isEmpty, name.allSatisfy({ HTTPSyntax.isTokenByte(bytes[$0]) }) else { continue }
                if value.count >= 2, bytes[value.lowerBound] == UInt8(ascii: "\""), bytes[value.upperBound - 1] == UInt8(ascii: "\"") {
                    value = value.lowerBound + 1..<value.upperBound - 1
                }
                guard body(UnsafeBufferPointer(rebasing: bytes[name]), UnsafeBufferPointer(rebasing: bytes[value])) else { return }
            }
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
