#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import Synchronization

/// The deflate form of bytes that many responses carry unchanged (on this site, a thread page's
/// kept posts), made once and spliced into each of their gzip bodies (`Compression.gzip(_:keeping:)`).
///
/// A page made for each reader is compressed for each response, since some of it is theirs
/// alone (a name, a form token masked afresh). When most of it is the same for every reader,
/// that meant compressing the same bytes again each time. A deflate stream may be put together from pieces made
/// apart, as long as no piece refers back past its own start (RFC 1951 §3.2): these bytes are
/// compressed on their own, raw, and end on a byte boundary in a block that is not the last
/// (`Z_SYNC_FLUSH`); the response's own bytes go around them in stored blocks. The gzip
/// trailer's CRC-32 is the pieces' CRCs combined.
///
/// Made lazily, by the first response that wants it in gzip, at level 6: once for many responses.
public final class KeptDeflate: Sendable {
    /// What a splice needs of the kept piece.
    public struct Deflated: Sendable {
        /// Raw deflate (no header), ending byte-aligned in a non-final block.
        let bytes: [UInt8]
        /// CRC-32 of the uncompressed bytes.
        let crc: UInt
        /// `crc32_combine_op`'s operator for their length.
        let combine: UInt
    }

    /// The uncompressed bytes (shared with whoever keeps them, not copied).
    let source: [UInt8]
    private let made = Mutex<Deflated?>(nil)

    public init(_ source: [UInt8]) {
        self.source = source
    }

    /// How many uncompressed bytes this stands for.
    public var count: Int { source.count }

    /// The deflate form, made on first use; nil when zlib fails (the response is then compressed whole).
    func deflated() -> Deflated? {
        if let done = made.withLock({ $0 }) { return done }
        // Made outside the lock: two first responses may both compress it, and one result is kept.
        guard let fresh = Self.deflate(source) else { return nil }
        return made.withLock { kept in
            if let kept { return kept }
            kept = fresh
            return fresh
        }
    }

    private static func deflate(_ source: [UInt8]) -> Deflated? {
        source.withUnsafeBufferPointer { input in
            Compression.deflate(input, level: 6, windowBits: -15, flush: Z_SYNC_FLUSH).map { bytes in
                Deflated(bytes: bytes, crc: crc32(0, input.baseAddress, uInt(input.count)),
                         combine: crc32_combine_gen(.init(input.count)))
            }
        }
    }
}

/// A stretch of a response's body that is a `KeptDeflate`'s bytes (`Response.keptDeflates`).
public struct KeptDeflateSpan: Sendable {
    /// Where in the body it starts.
    public let offset: Int
    public let kept: KeptDeflate

    public init(offset: Int, kept: KeptDeflate) {
        self.offset = offset
        self.kept = kept
    }
}

extension Compression {
    /// gzip of `body` with the spans' kept deflate forms spliced in where they are, and the rest
    /// of the body, the response's own bytes, in stored (uncompressed) deflate blocks; nil when
    /// the spans do not describe `body` (out of order, outside it, or not its bytes: checked, so
    /// a wrong span can never corrupt a page) or one cannot be made. The caller then compresses
    /// the body whole.
    ///
    /// The response's own bytes are not compressed (`Compression.splices` says when that is
    /// worth it): compressing them costs more CPU than the splice saves bytes (~4 KB of a thread
    /// page's head, header and reply form took zlib 35–40 µs at any level, for ~2.4 KB). Sent as
    /// they are, they also cannot leak a secret they carry, such as the form token, through the
    /// compressed size, whatever a request reflects (BREACH): only the kept markup, the same for
    /// every reader and holding no secret, is compressed.
    /// The gzip body starts after `headroom` zero bytes (room for a response's head).
    public static func gzip(_ body: UnsafeBufferPointer<UInt8>, keeping spans: [KeptDeflateSpan], after headroom: Int = 0) -> [UInt8]? {
        guard let base = body.baseAddress else { return nil }
        var pieces: [(offset: Int, count: Int, deflated: KeptDeflate.Deflated)] = []
        pieces.reserveCapacity(spans.count)
        var keptBytes = 0
        var end = 0
        for span in spans {
            let count = span.kept.count
            guard span.offset >= end, count <= body.count - span.offset,
                  span.kept.source.withUnsafeBufferPointer({ kept in kept.baseAddress.map { memcmp(base + span.offset, $0, count) == 0 } ?? (count == 0) }),
                  let deflated = span.kept.deflated() else { return nil }
            pieces.append((span.offset, count, deflated))
            keptBytes += deflated.bytes.count
            end = span.offset + count
        }
        let ownBytes = body.count - pieces.reduce(0) { $0 + $1.count }
        var out: [UInt8] = []
        // Header, trailer, and 5 bytes a stored block of up to 64 KB (and a last empty one).
        out.reserveCapacity(headroom + 18 + ownBytes + keptBytes + 5 * (ownBytes / 65_535 + 2 * pieces.count + 2))
        out.append(contentsOf: repeatElement(0, count: headroom))
        // RFC 1952: ID1 ID2, CM 8 (deflate), no flags, no time, XFL 0, OS 3 (Unix).
        out.append(contentsOf: [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
        var crc = crc32(0, nil, 0)
        var position = 0
        for piece in pieces {
            let own = UnsafeBufferPointer(rebasing: body[position ..< piece.offset])
            appendStored(own, final: false, to: &out)
            crc = crc32(crc, own.baseAddress, uInt(own.count))
            // Ends byte-aligned in a block that is not the last (`Z_SYNC_FLUSH`), as stored
            // blocks start; it refers to nothing outside itself.
            out.append(contentsOf: piece.deflated.bytes)
            crc = crc32_combine_op(crc, piece.deflated.crc, piece.deflated.combine)
            position = piece.offset + piece.count
        }
        let rest = UnsafeBufferPointer(rebasing: body[position...])
        appendStored(rest, final: true, to: &out)
        crc = crc32(crc, rest.baseAddress, uInt(rest.count))
        let size = UInt32(truncatingIfNeeded: body.count)
        let check = UInt32(truncatingIfNeeded: crc)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: check >> shift)) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: size >> shift)) }
        return out
    }

    /// `bytes` as stored deflate blocks (RFC 1951 §3.2.4), starting on a byte boundary: each a
    /// header byte (BFINAL, BTYPE 00, padding), LEN and its complement, then up to 65,535 bytes.
    /// `final`: the last one ends the stream (an empty one when there are no bytes).
    static func appendStored(_ bytes: UnsafeBufferPointer<UInt8>, final: Bool, to out: inout [UInt8]) {
        var start = 0
        repeat {
            let count = min(65_535, bytes.count - start)
            let last = start + count == bytes.count
            out.append(final && last ? 1 : 0)
            out.append(contentsOf: [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)])
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start ..< start + count]))
            start += count
        } while start < bytes.count
    }

}
