#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTMLEscaping

/// The bytes of one page being rendered: a growable buffer written through a raw pointer, so
/// that appending a run, an entity or a digit is a bounds check and a store, not an `Array`
/// call. A page is rendered straight into the storage of the `[UInt8]` the response sends
/// (`init(into:)`) while it fits; a page that outgrows it moves to memory of its own, copied
/// into an array at the end (`makeArray`).
struct RenderBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// False while `base` is the caller's storage (`init(into:)`), which this must not free.
    private(set) var ownsStorage: Bool

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity)
        ownsStorage = true
    }

    /// Writes into `storage` (not freed here) until it is full.
    init(into storage: UnsafeMutableBufferPointer<UInt8>) {
        if let start = storage.baseAddress, storage.count > 0 {
            base = start
            capacity = storage.count
            ownsStorage = false
        } else {
            capacity = 256
            base = .allocate(capacity: capacity)
            ownsStorage = true
        }
    }

    deinit { if ownsStorage { base.deallocate() } }

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
        if ownsStorage { base.deallocate() }
        base = newBase
        capacity = newCapacity
        ownsStorage = true
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

    /// Appends `bytes` escaped for HTML (`HTMLByteEscaper`, the one escaper).
    @inline(__always)
    mutating func append(escaping bytes: UnsafeBufferPointer<UInt8>) {
        reserve(HTMLByteEscaper.worstCase(bytes.count))
        count += HTMLByteEscaper.escape(bytes, into: base + count)
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
