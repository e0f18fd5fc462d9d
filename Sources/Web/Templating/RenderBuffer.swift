#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one page being rendered: a growable buffer written through a raw pointer, so
/// that appending a run, an entity or a digit is a bounds check and a store, not an `Array`
/// call. Copied once into the `[UInt8]` the response needs at the end.
struct RenderBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(to: count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count)
        memcpy(base + count, source, bytes.count)
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    mutating func append(raw text: String) {
        // Native strings are contiguous UTF-8: no copy, no mutation of the caller's value.
        if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            var text = text
            text.withUTF8 { append($0) }
        }
    }

    mutating func append(escaping text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(escaping: $0) }) == nil {
            var text = text
            text.withUTF8 { append(escaping: $0) }
        }
    }

    /// Appends `bytes` with `& < > " '` replaced by `&amp; &lt; &gt; &quot; &#39;`. Runs without
    /// special bytes are copied with one `memcpy`; bytes of multi-byte UTF-8 sequences are all
    /// 0x80 or above, so they are never touched.
    mutating func append(escaping bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        let length = bytes.count
        reserve(length &* 6)  // the worst case: every byte becomes "&quot;"
        var out = base + count
        var runStart = 0
        var index = 0
        while index < length {
            // Skip eight bytes at a time while none of them is special.
            if index + 8 <= length
                && !Self.hasSpecialByte(UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self))
            {
                index += 8
                continue
            }
            let byte = source[index]
            if byte < 64 && (HTMLByteEscaper.specialMask >> UInt64(byte)) & 1 != 0 {
                let run = index - runStart
                if run > 0 {
                    memcpy(out, source + runStart, run)
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
            memcpy(out, source + runStart, run)
            out += run
        }
        count = out - base
    }

    /// Whether any of the eight bytes in `word` is one of `& < > " '`. Uses the exact "has a zero
    /// byte" test, `(x - 0x01…) & ~x & 0x80…`, on the word XORed with each special byte.
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        return (zeroByte(word ^ (ones &* 0x26)) | zeroByte(word ^ (ones &* 0x3C)) | zeroByte(word ^ (ones &* 0x3E))
            | zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x27))) != 0
    }

    /// Appends the decimal digits of `value`.
    mutating func append(decimal value: Int) {
        reserve(21)
        var out = base + count
        if value < 0 {
            out[0] = 0x2D
            out += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var position = digits
        repeat {
            position -= 1
            out[position] = 0x30 + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count = out + digits - base
    }

    /// The rendered bytes, as the response body.
    func makeArray() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let target = buffer.baseAddress, count > 0 { memcpy(target, base, count) }
            initialized = count
        }
    }
}
