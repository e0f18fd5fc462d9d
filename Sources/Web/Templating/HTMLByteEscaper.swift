/// Byte-level HTML escaping into a `[UInt8]` buffer.
///
/// Escapes `& < > " '` as `&amp; &lt; &gt; &quot; &#39;`, which is safe in element content and
/// in quoted attribute values. Works on the string's contiguous UTF-8: runs without special bytes
/// are copied with one `memcpy` each. Multi-byte UTF-8 sequences never contain bytes below 0x80,
/// so they pass through untouched.
public enum HTMLByteEscaper {
    // Bit n is set when byte n (< 64) must be escaped: " (34), & (38), ' (39), < (60), > (62).
    @usableFromInline static let specialMask: UInt64 = (1 << 34) | (1 << 38) | (1 << 39) | (1 << 60) | (1 << 62)

    /// Appends `text`, escaped, to `out`.
    @inlinable
    public static func append(escaping text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { append(escaping: $0, to: &out) }
    }

    /// Appends `text` unchanged to `out`.
    @inlinable
    public static func append(raw text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// Appends `bytes` (UTF-8), escaped, to `out`.
    public static func append(escaping bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var runStart = 0
        var index = 0
        while index < count {
            let byte = base[index]
            if byte < 64 && (specialMask >> UInt64(byte)) & 1 != 0 {
                if runStart < index {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                }
                let entity: StaticString
                switch byte {
                case 0x26: entity = "&amp;"
                case 0x3C: entity = "&lt;"
                case 0x3E: entity = "&gt;"
                case 0x22: entity = "&quot;"
                default: entity = "&#39;"
                }
                out.append(contentsOf: UnsafeBufferPointer(start: entity.utf8Start, count: entity.utf8CodeUnitCount))
                runStart = index + 1
            }
            index += 1
        }
        if runStart < count {
            out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
        }
    }

    /// Appends the decimal digits of `value` to `out`, without making a String.
    public static func append(decimal value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// `text` escaped, as a String (for code outside templates).
    public static func escaped(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        append(escaping: text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
