#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPServer

/// Markup cut where a value of each response goes (the thread page's form token): one array of
/// bytes, with nothing at the cuts, and where they are. A response writes the bytes with its own
/// value at each cut (`TemplateValue.cutMarkup`).
///
/// One array, not a string for each part: a kept part was a separate object that writing a
/// page retained, read and released, each a miss in the cache on a page whose posts were kept
/// long ago (about 5% of the signed-in thread page's CPU went to those retains and releases).
public final class CutMarkup: Sendable {
    /// The markup, with nothing at the cuts.
    let bytes: [UInt8]
    /// Where in `bytes` each cut is, in order (a cut may be at the very end).
    let cuts: [Int]
    /// The deflate form of `bytes`, made by the first gzip response that carries them and
    /// spliced into the others (`KeptDeflate`): only for markup kept for many responses, with
    /// no cuts (no response's own value in it) and big enough to be worth a splice.
    let deflate: KeptDeflate?

    /// Smallest markup given a `deflate`. A page whose kept markup is small (a thread of one
    /// short post) is mostly its own bytes, which a splice sends uncompressed: about 3 KB more
    /// than the page compressed whole, but compressing the whole page took 40–100 µs a response
    /// against a few for the splice (docs/PERFORMANCE.md, twentieth round), so it is spliced too.
    static let smallestDeflated = 256

    /// - Parameter sharedByResponses: kept for many responses (`deflate`).
    init(bytes: [UInt8], cuts: [Int], sharedByResponses: Bool = false) {
        precondition(cuts.allSatisfy { $0 >= 0 && $0 <= bytes.count } && zip(cuts, cuts.dropFirst()).allSatisfy { $0 <= $1 },
                     "cuts outside the markup or out of order")
        self.bytes = bytes
        self.cuts = cuts
        deflate = sharedByResponses && cuts.isEmpty && bytes.count >= Self.smallestDeflated ? KeptDeflate(bytes) : nil
    }

    static let empty = CutMarkup(bytes: [], cuts: [])

    /// `bytes` with each (non-overlapping) `hole` taken out and a cut in its place. `memchr`
    /// finds the hole's first byte, a control character no text on a page has, and `memcmp`
    /// checks the rest: Foundation's `components(separatedBy:)` walked grapheme by grapheme.
    convenience init(_ bytes: [UInt8], cutAt hole: [UInt8]) {
        var kept: [UInt8] = []
        var cuts: [Int] = []
        bytes.withUnsafeBufferPointer { all in
            guard let first = hole.first, let base = all.baseAddress, all.count >= hole.count else {
                kept = Array(all)
                return
            }
            kept.reserveCapacity(all.count)
            var start = 0
            var index = 0
            let last = all.count - hole.count
            while index <= last, let found = memchr(base + index, Int32(first), last - index + 1) {
                let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, hole, hole.count) == 0 {
                    kept.append(contentsOf: UnsafeBufferPointer(rebasing: all[start ..< at]))
                    cuts.append(kept.count)
                    start = at + hole.count
                    index = start
                } else {
                    index = at + 1
                }
            }
            kept.append(contentsOf: UnsafeBufferPointer(rebasing: all[start...]))
        }
        self.init(bytes: kept, cuts: cuts)
    }

    /// The markup with `joint` at each cut, as text.
    func joined(with joint: String) -> String {
        var out = ""
        out.reserveCapacity(bytes.count + cuts.count * joint.utf8.count)
        var start = 0
        for cut in cuts {
            out += String(decoding: bytes[start ..< cut], as: UTF8.self)
            out += joint
            start = cut
        }
        out += String(decoding: bytes[start...], as: UTF8.self)
        return out
    }

    /// Markup put together from pieces one after the other, each piece's cuts kept.
    struct Builder {
        private var bytes: [UInt8] = []
        private var cuts: [Int] = []

        init(capacity: Int) {
            bytes.reserveCapacity(capacity)
        }

        mutating func append(_ markup: CutMarkup) {
            let offset = bytes.count
            bytes.append(contentsOf: markup.bytes)
            cuts.append(contentsOf: markup.cuts.lazy.map { $0 + offset })
        }

        /// - Parameter sharedByResponses: the markup is kept for many responses (`deflate`).
        func build(sharedByResponses: Bool = false) -> CutMarkup {
            CutMarkup(bytes: bytes, cuts: cuts, sharedByResponses: sharedByResponses)
        }
    }
}
