import CZlib
import Glibc

/// gzip (RFC 1952) through the system zlib, for responses to clients that accept it.
///
/// What is compressed: text (HTML, CSS, JavaScript, JSON, XML, Atom, SVG, plain text) of at
/// least `minimumBytes`; never a response that already has a `Content-Encoding`, a stream, or a
/// response whose handler marked it `Cache-Control: no-transform` (pages carrying a secret that
/// must not meet reflected input in one compressed body: see docs/PERFORMANCE.md, "BREACH").
public enum Compression {
    /// Bodies smaller than this go out as they are: the gzip header and trailer would eat the gain.
    public static let minimumBytes = 1024

    /// `bytes` gzip-compressed at `level` (1 fastest … 9 smallest), or nil if zlib fails.
    public static func gzip(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip wrapper instead of zlib's; memLevel 8 is zlib's default.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = bytes.withUnsafeBufferPointer { input -> Int32 in
            output.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// `bytes` gzip-compressed at `level`, with the stretches `runs` place in it taken as they were
    /// deflated once (`DeflatedRun`) instead of compressed again: what lies between them is
    /// compressed here, or, when short (a form token between two kept pieces), stored as it is.
    /// The same bytes come out of it as out of `gzip(_:level:)`; only the compressed form differs.
    /// When a run is out of place or its bytes are not there, the whole body is compressed anew.
    public static func gzip(_ bytes: [UInt8], runs: [DeflatedRun.Placed], level: Int32) -> [UInt8]? {
        guard !runs.isEmpty, DeflatedRun.fit(runs, in: bytes) else { return gzip(bytes, level: level) }
        var stream = z_stream()
        // Raw deflate (windowBits -15): the gzip header and trailer are written here.
        guard deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = GzipOutput(capacity: Int(deflateBound(&stream, uLong(bytes.count))) + runs.count * 16 + 64)
        // RFC 1952 header: deflate, no name or time, XFL 4 (fastest) or 2 (smallest), OS 3 (Unix).
        output.append([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, level <= 1 ? 4 : level >= 9 ? 2 : 0, 3])
        let ok = bytes.withUnsafeBufferPointer { all -> Bool in
            var cursor = 0
            for placed in runs {
                let gap = UnsafeBufferPointer(rebasing: all[cursor ..< placed.offset])
                if gap.count > storedGapLimit {
                    // A full flush ends on a byte boundary and forgets what came before, so
                    // nothing compressed after the run looks back across it.
                    guard output.deflate(&stream, gap, flush: Z_FULL_FLUSH) else { return false }
                } else if !gap.isEmpty {
                    output.appendStoredBlock(gap)
                }
                output.append(placed.run.deflated)
                cursor = placed.offset + placed.run.bytes.count
            }
            return output.deflate(&stream, UnsafeBufferPointer(rebasing: all[cursor...]), flush: Z_FINISH)
        }
        guard ok else { return nil }
        let crc = bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        output.appendLittleEndian(UInt32(truncatingIfNeeded: crc))
        output.appendLittleEndian(UInt32(truncatingIfNeeded: bytes.count))
        return output.finished()
    }

    /// Between two runs, bytes up to this many are stored, not compressed: a form token is random
    /// and would not shrink, and compressing it would cost a flush of the stream.
    static let storedGapLimit = 256

    /// Whether the request's `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): `gzip` or `*`
    /// with a q-value above 0, and gzip not refused with `q=0`.
    public static func acceptsGzip(_ request: Request) -> Bool {
        guard let header = request.headers["accept-encoding"] else { return false }
        var gzip: Bool?
        var star: Bool?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let name = parts.first?.trimmingASCIISpaces().lowercased() else { continue }
            var allowed = true
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingASCIISpaces()
                if pair.lowercased().hasPrefix("q="), let q = Double(pair.dropFirst(2)) { allowed = q > 0 }
            }
            if name == "gzip" || name == "x-gzip" { gzip = allowed } else if name == "*" { star = allowed }
        }
        return gzip ?? star ?? false
    }

    /// Whether a body of this content type gains from compression.
    public static func isCompressible(contentType: String) -> Bool {
        let essence = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        let first5 = essence.prefix(5).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        // Checked on the bytes first: every page is text/html, and lowering it cost an allocation.
        if first5.elementsEqual("text/".utf8) { return true }
        let type = contentType.split(separator: ";").first.map { $0.trimmingASCIISpaces().lowercased() } ?? ""
        if type.hasPrefix("text/") { return true }
        switch type {
        case "application/json", "application/xml", "application/atom+xml", "application/rss+xml",
             "image/svg+xml", "application/manifest+json", "application/javascript":
            return true
        default:
            return false
        }
    }

    /// Whether `response` may be compressed at all (whoever asks).
    public static func mayCompress(_ response: Response) -> Bool {
        guard response.stream == nil, response.body.count >= minimumBytes,
              response.headers["content-encoding"] == nil,
              let type = response.headers["content-type"], isCompressible(contentType: type)
        else { return false }
        if let cacheControl = response.headers["cache-control"], cacheControl.containsASCIICaseInsensitive("no-transform") {
            return false
        }
        return true
    }

    /// `response` gzip-compressed, with `Content-Encoding` and `Vary: Accept-Encoding`, when the
    /// client accepts gzip and the response may be compressed; otherwise `response` itself (with
    /// `Vary: Accept-Encoding` when it could have been compressed, so caches keep the two apart).
    public static func compress(_ response: Response, for request: Request, level: Int32 = 6) -> Response {
        guard mayCompress(response) else { return response }
        var result = response
        addVary(to: &result.headers)
        guard acceptsGzip(request), let body = gzip(response.body, runs: response.deflatedRuns, level: level),
              body.count < response.body.count else {
            return result
        }
        result.body = body
        result.deflatedRuns = []
        result.headers.set("Content-Encoding", "gzip")
        return result
    }

    /// Adds `Accept-Encoding` to `Vary`, once.
    public static func addVary(to headers: inout HTTPHeaders) {
        if let vary = headers["vary"] {
            if !vary.containsASCIICaseInsensitive("accept-encoding") { headers.set("Vary", vary + ", Accept-Encoding") }
        } else {
            headers.add("Vary", "Accept-Encoding")
        }
    }
}

/// Bytes that many responses share (a kept piece of a page), deflated once: raw deflate (RFC
/// 1951) blocks of exactly these bytes that look back at nothing before them, none of them the
/// last, ending on a byte boundary (a sync flush). Such blocks can stand anywhere in a deflate
/// stream that is at a byte boundary and whose later blocks do not look back across them, which
/// is how `Compression.gzip(_:runs:level:)` places them.
public final class DeflatedRun: Sendable {
    /// The bytes.
    public let bytes: [UInt8]
    /// Them, deflated.
    let deflated: [UInt8]

    /// A run, and where it stands in a body.
    public struct Placed: Sendable {
        public let offset: Int
        public let run: DeflatedRun

        public init(offset: Int, run: DeflatedRun) {
            self.offset = offset
            self.run = run
        }
    }

    /// `bytes` deflated at `level` (9: they are compressed once and sent many times). Should
    /// zlib fail, they are kept as stored blocks, which any inflater takes as well.
    public convenience init(_ bytes: [UInt8], level: Int32 = 9) {
        self.init(bytes: bytes, deflated: Self.deflate(bytes, level: level) ?? Self.stored(bytes))
    }

    init(bytes: [UInt8], deflated: [UInt8]) {
        self.bytes = bytes
        self.deflated = deflated
    }

    private static func deflate(_ bytes: [UInt8], level: Int32) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = GzipOutput(capacity: Int(deflateBound(&stream, uLong(bytes.count))) + 16)
        guard bytes.withUnsafeBufferPointer({ output.deflate(&stream, $0, flush: Z_SYNC_FLUSH) }) else { return nil }
        return output.finished()
    }

    static func stored(_ bytes: [UInt8]) -> [UInt8] {
        var output = GzipOutput(capacity: bytes.count + (bytes.count / 0xFFFF + 1) * 5)
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            repeat {
                let end = min(start + 0xFFFF, all.count)
                output.appendStoredBlock(UnsafeBufferPointer(rebasing: all[start ..< end]))
                start = end
            } while start < all.count
        }
        return output.finished()
    }

    /// The bytes it takes in memory, both forms.
    public var byteCount: Int { bytes.count + deflated.count }

    /// Whether each of `runs` lies inside `body`, in order and apart, over bytes equal to its own.
    static func fit(_ runs: [Placed], in body: [UInt8]) -> Bool {
        var cursor = 0
        return body.withUnsafeBufferPointer { all in
            for placed in runs {
                let count = placed.run.bytes.count
                guard placed.offset >= cursor, count <= all.count - placed.offset, let base = all.baseAddress else { return false }
                let equal = placed.run.bytes.withUnsafeBufferPointer { run in
                    guard let start = run.baseAddress else { return count == 0 }
                    return memcmp(base + placed.offset, start, count) == 0
                }
                guard equal else { return false }
                cursor = placed.offset + count
            }
            return true
        }
    }
}

/// A growing output buffer for deflate.
struct GzipOutput {
    private var storage: [UInt8]
    private var written = 0

    init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    private mutating func makeRoom(_ extra: Int) {
        if storage.count - written < extra {
            storage.append(contentsOf: repeatElement(0, count: max(storage.count, extra)))
        }
    }

    mutating func append(_ bytes: [UInt8]) {
        makeRoom(bytes.count)
        storage.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { source in
                guard let target = out.baseAddress, let from = source.baseAddress else { return }
                memcpy(target + written, from, source.count)
            }
        }
        written += bytes.count
    }

    mutating func appendLittleEndian(_ value: UInt32) {
        append([UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)])
    }

    /// `bytes` as one stored block, not the last (RFC 1951 §3.2.4), written at a byte boundary:
    /// a header byte of 0 (BFINAL 0, BTYPE 00, then padding), LEN and its complement.
    mutating func appendStoredBlock(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= 0xFFFF, "a stored block holds at most 65,535 bytes")
        let length = UInt16(bytes.count)
        append([0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)])
        makeRoom(bytes.count)
        storage.withUnsafeMutableBufferPointer { out in
            guard let target = out.baseAddress, let from = bytes.baseAddress else { return }
            memcpy(target + written, from, bytes.count)
        }
        written += bytes.count
    }

    /// `input` through `stream` with `flush`, until zlib has written all of it (and, for
    /// `Z_FINISH`, ended the stream). False if zlib fails.
    mutating func deflate(_ stream: inout z_stream, _ input: UnsafeBufferPointer<UInt8>, flush: Int32) -> Bool {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = uInt(input.count)
        while true {
            makeRoom(64)
            var written = self.written
            let status = storage.withUnsafeMutableBufferPointer { out -> Int32 in
                guard let base = out.baseAddress else { return Z_STREAM_ERROR }
                stream.next_out = base + written
                stream.avail_out = uInt(out.count - written)
                let status = CZlib.deflate(&stream, flush)
                written = out.count - Int(stream.avail_out)
                return status
            }
            self.written = written
            switch status {
            case Z_STREAM_END:
                return flush == Z_FINISH
            case Z_OK, Z_BUF_ERROR:
                // Done when zlib took all the input and had room to spare (so the flush is complete).
                if flush != Z_FINISH, stream.avail_in == 0, stream.avail_out != 0 { return true }
                if status == Z_BUF_ERROR, stream.avail_out != 0 { return false }
            default:
                return false
            }
        }
    }

    /// The bytes written.
    consuming func finished() -> [UInt8] {
        storage.removeSubrange(written...)
        return storage
    }
}
