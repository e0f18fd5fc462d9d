#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one HTML escaper: `& < > " '` become `&amp; &lt; &gt; &quot; &#39;`, which is safe in
/// element content and in quoted attribute values. The template renderer runs it on every value
/// (`RenderBuffer`), Board's plain-text, Markdown and search-snippet HTML use it, and so does
/// `HTTPServer`'s plain fallback error page: a target of its own, so the server need not import Board.
///
/// Runs without special bytes are copied with one `memcpy`, eight bytes are tested at a time,
/// and bytes of multi-byte UTF-8 sequences are all 0x80 or above, so they are never touched.
public enum HTMLByteEscaper {
    // Bit n is set when byte n (< 64) must be escaped: " (34), & (38), ' (39), < (60), > (62).
    // A constant expression, not a stored `static let`, so that the renderer's inlined copy of
    // `escape` folds it instead of calling a lazy-initialisation accessor in another module.
    @inlinable static var specialMask: UInt64 { (1 << 34) | (1 << 38) | (1 << 39) | (1 << 60) | (1 << 62) }

    /// The most bytes `escape(_:into:)` writes for `count` bytes: every byte becoming "&quot;".
    @inlinable
    public static func worstCase(_ count: Int) -> Int { count &* 6 }

    /// Writes `source`, escaped, to `out`, which has room for `worstCase(source.count)` bytes.
    /// - Returns: the number of bytes written.
    @inlinable
    public static func escape(_ source: UnsafeBufferPointer<UInt8>, into start: UnsafeMutablePointer<UInt8>) -> Int {
        guard let bytes = source.baseAddress else { return 0 }
        let length = source.count
        var out = start
        var runStart = 0
        var index = 0
        while index < length {
            // Skip eight bytes at a time while none of them is special.
            if index + 8 <= length && !hasSpecialByte(UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = bytes[index]
            if byte < 64 && (specialMask >> UInt64(byte)) & 1 != 0 {
                let run = index - runStart
                if run > 0 {
                    memcpy(out, bytes + runStart, run)
                    out += run
                }
                switch byte {
                case 0x26:  // &amp;
                    out[0] = 0x26; out[1] = 0x61; out[2] = 0x6D; out[3] = 0x70; out[4] = 0x3B
                    out += 5
                case 0x3C:  // &lt;
                    out[0] = 0x26; out[1] = 0x6C; out[2] = 0x74; out[3] = 0x3B
                    out += 4
                case 0x3E:  // &gt;
                    out[0] = 0x26; out[1] = 0x67; out[2] = 0x74; out[3] = 0x3B
                    out += 4
                case 0x22:  // &quot;
                    out[0] = 0x26; out[1] = 0x71; out[2] = 0x75; out[3] = 0x6F; out[4] = 0x74; out[5] = 0x3B
                    out += 6
                default:  // ' → &#39;
                    out[0] = 0x26; out[1] = 0x23; out[2] = 0x33; out[3] = 0x39; out[4] = 0x3B
                    out += 5
                }
                runStart = index + 1
            }
            index += 1
        }
        let run = length - runStart
        if run > 0 {
            memcpy(out, bytes + runStart, run)
            out += run
        }
        return out - start
    }

    /// Whether any of the eight bytes in `word` is one of `& < > " '`. Uses the exact "has a zero
    /// byte" test, `(x - 0x01…) & ~x & 0x80…`, on the word XORed with each special byte.
    @inlinable @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        return (zeroByte(word ^ (ones &* 0x26)) | zeroByte(word ^ (ones &* 0x3C)) | zeroByte(word ^ (ones &* 0x3E))
            | zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x27))) != 0
    }

    /// `text` escaped, as a String.
    public static func escaped(_ text: String) -> String {
        var text = text
        return text.withUTF8 { source in
            guard !source.isEmpty else { return "" }
            return String(unsafeUninitializedCapacity: worstCase(source.count)) { buffer in
                guard let out = buffer.baseAddress else { return 0 }
                return escape(source, into: out)
            }
        }
    }

    /// Appends `text`, escaped, to `out`.
    public static func append(escaping text: String, to out: inout [UInt8]) {
        out.append(contentsOf: escaped(text).utf8)
    }
}
