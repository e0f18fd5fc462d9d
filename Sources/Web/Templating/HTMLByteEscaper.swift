/// HTML escaping as the templates do it, for code that writes HTML outside a template.
///
/// Escapes `& < > " '` as `&amp; &lt; &gt; &quot; &#39;`, which is safe in element content and
/// in quoted attribute values. The work is done by `RenderBuffer.append(escaping:)`, the same
/// code the renderer runs, on the string's contiguous UTF-8.
public enum HTMLByteEscaper {
    // Bit n is set when byte n (< 64) must be escaped: " (34), & (38), ' (39), < (60), > (62).
    static let specialMask: UInt64 = (1 << 34) | (1 << 38) | (1 << 39) | (1 << 60) | (1 << 62)

    /// Appends `text`, escaped, to `out`.
    public static func append(escaping text: String, to out: inout [UInt8]) {
        var buffer = RenderBuffer(capacity: text.utf8.count + 32)
        buffer.append(escaping: text)
        out.append(contentsOf: buffer.makeArray())
    }

    /// `text` escaped, as a String.
    public static func escaped(_ text: String) -> String {
        var buffer = RenderBuffer(capacity: text.utf8.count + 32)
        buffer.append(escaping: text)
        return String(decoding: buffer.makeArray(), as: UTF8.self)
    }
}
