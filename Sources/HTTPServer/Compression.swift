import CZlib
import Synchronization

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
        bytes.withUnsafeBufferPointer { gzip($0, level: level) }
    }

    /// `bytes` gzip-compressed (a response's body in place: `Response.withBodyBytes`), after
    /// `headroom` zero bytes (room for a response's head: `Response.init(status:headers:bodyAfter:in:)`).
    public static func gzip(_ bytes: UnsafeBufferPointer<UInt8>, level: Int32 = 6, after headroom: Int = 0) -> [UInt8]? {
        // windowBits 15 + 16: a gzip wrapper instead of zlib's.
        deflate(bytes, level: level, windowBits: 15 + 16, flush: Z_FINISH, after: headroom)
    }

    /// `bytes` through one deflate stream in one call: `Z_FINISH` ends it; `Z_SYNC_FLUSH` leaves
    /// it byte-aligned and open, in a block that is not the last (`KeptDeflate`); negative
    /// `windowBits` make it raw, with no header. nil if zlib fails. memLevel 8 is zlib's default.
    /// The stream is one of `DeflateStreams.shared`, reset, not made afresh. The output starts
    /// after `headroom` zero bytes.
    static func deflate(_ bytes: UnsafeBufferPointer<UInt8>, level: Int32, windowBits: Int32, flush: Int32,
                        after headroom: Int = 0) -> [UInt8]? {
        DeflateStreams.shared.withStream(level: level, windowBits: windowBits) { stream -> [UInt8]? in
            // The bound is for a whole stream; a sync flush ends with at most an empty stored block more.
            let bound = Int(deflateBound(stream, uLong(bytes.count))) + 16
            var output = [UInt8](repeating: 0, count: headroom + bound)
            let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
                stream.pointee.avail_in = uInt(bytes.count)
                stream.pointee.next_out = out.baseAddress.map { $0 + headroom }
                stream.pointee.avail_out = uInt(bound)
                return CZlib.deflate(stream, flush)
            }
            // All of it in, and room left over: nothing held back in zlib.
            let done = flush == Z_FINISH ? status == Z_STREAM_END
                : status == Z_OK && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0
            guard done else { return nil }
            output.removeSubrange((headroom + Int(stream.pointee.total_out))...)
            return output
        } ?? nil
    }

    /// Whether the request's `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): `gzip` or `*`
    /// with a q-value above 0, and gzip not refused with `q=0`.
    ///
    /// Read in place, byte by byte: every page a browser asks for passes here, and splitting the
    /// header into substrings and lowering each cost ~2.5 µs a request.
    public static func acceptsGzip(_ request: Request) -> Bool {
        guard var header = request.headers["accept-encoding"] else { return false }
        var gzip: Bool?
        var star: Bool?
        header.withUTF8 { bytes in
            var start = 0
            while start <= bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.count
                var parts = UnsafeBufferPointer(rebasing: bytes[start ..< end]).split(separator: UInt8(ascii: ";"),
                                                                                         omittingEmptySubsequences: false)[...]
                if let name = parts.popFirst().map(trimmed) {
                    var allowed = true
                    for parameter in parts {
                        let pair = trimmed(parameter)
                        if pair.count >= 2, pair[pair.startIndex] | 0x20 == UInt8(ascii: "q"), pair[pair.startIndex + 1] == UInt8(ascii: "="),
                           let q = qValue(pair.dropFirst(2)) {
                            allowed = q > 0
                        }
                    }
                    if equalsLowercased(name, "gzip") || equalsLowercased(name, "x-gzip") {
                        gzip = allowed
                    } else if equalsLowercased(name, "*") {
                        star = allowed
                    }
                }
                start = end + 1
            }
        }
        return gzip ?? star ?? false
    }

    /// `bytes` without spaces and tabs either side.
    private static func trimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.startIndex ..< bytes.startIndex]
        }
        return bytes[first ... last]
    }

    /// Whether `bytes` are `lowercase` in any case (ASCII).
    private static func equalsLowercased(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return zip(bytes, expected).allSatisfy { byte, letter in
            byte == letter || (letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") && byte | 0x20 == letter)
        }
    }

    /// A q-value's number (`0.5`, `1`, `0.000`), or nil when it is not one.
    private static func qValue(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether a body of this content type gains from compression.
    public static func isCompressible(contentType: String) -> Bool {
        // Checked on the bytes first, in place: every page is text/html, and taking its first
        // five bytes into an array to lower them cost ~3,000 instructions a page.
        var text = contentType
        let isText = text.withUTF8 { bytes in
            // `| 0x20` lowers a letter and leaves `t`, `e`, `x` matched only by their two cases.
            bytes.count >= 5 && bytes[0] | 0x20 == UInt8(ascii: "t") && bytes[1] | 0x20 == UInt8(ascii: "e")
                && bytes[2] | 0x20 == UInt8(ascii: "x") && bytes[3] | 0x20 == UInt8(ascii: "t") && bytes[4] == UInt8(ascii: "/")
        }
        if isText { return true }
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
        guard response.stream == nil, response.bodyCount >= minimumBytes,
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
        // Kept stretches (a thread page's posts) are spliced in, compressed once, and the rest
        // goes in stored blocks (`gzip(_:keeping:)`); a page without enough of them, or when the
        // splice cannot be made, is compressed now.
        // Made after room for the head, as a rendered page is, so the reactor writes the head
        // there and sends this array: the compressed body is not copied after a head (that copy
        // was 0.7% of the signed-in gzip thread page's CPU).
        let room = Response.headroomForHead
        guard acceptsGzip(request), let compressed = response.withBodyBytes({ bytes in
            (splices(response) ? gzip(bytes, keeping: response.keptDeflates, after: room) : nil) ?? gzip(bytes, level: level, after: room)
        }), compressed.count - room < response.bodyCount else {
            return result
        }
        result.replaceBody(with: compressed, after: room)
        result.headers.set("Content-Encoding", "gzip")
        return result
    }

    /// Whether `response`'s gzip body is made by splicing its kept stretches in (`gzip(_:keeping:)`):
    /// when it has any, and its own bytes, which then go uncompressed, are at most
    /// `largestStoredBytes`.
    ///
    /// Stored, a page's own bytes (on a thread page: head, header, reply form) make its gzip
    /// body bigger: a 20-post thread page 6.5 KB instead of 4.2 KB, a 4-post one 6.2 instead of 3.1. But a
    /// response within TCP's first flight (an initial window of 10 segments, ~14 KB) reaches the
    /// reader in the same round trips either way, while compressing those bytes took zlib
    /// 35–40 µs, more than the rest of the page's gzip work. A page whose own bytes are many (a
    /// long draft in the reply box) is compressed whole.
    public static func splices(_ response: Response) -> Bool {
        guard !response.keptDeflates.isEmpty else { return false }
        let kept = response.keptDeflates.reduce(0) { $0 + $1.kept.count }
        return response.bodyCount - kept <= largestStoredBytes
    }

    /// The most of a response's own bytes `splices` sends uncompressed.
    public static let largestStoredBytes = 8192

    /// Adds `Accept-Encoding` to `Vary`, once.
    public static func addVary(to headers: inout HTTPHeaders) {
        if let vary = headers["vary"] {
            if !vary.containsASCIICaseInsensitive("accept-encoding") { headers.set("Vary", vary + ", Accept-Encoding") }
        } else {
            headers.add("Vary", "Accept-Encoding")
        }
    }
}

/// zlib deflate streams kept between uses, a few for each level and window, and reset
/// (`deflateReset`) rather than made for each body.
///
/// Making a stream allocates about 256 KB of tables (memLevel 8, a 32 KB window) and ending it
/// frees them, which glibc may hand back to the kernel for the next stream to fault in again:
/// deflating a 6 KB thread page at level 1 with a stream made afresh took about 100 µs, and
/// about 37 µs with tables a quarter the size (Python's zlib over the same library). Kept, a
/// stream costs the reset (clearing its hash heads) and the compression itself.
final class DeflateStreams: Sendable {
    static let shared = DeflateStreams()

    /// How many idle streams are kept for each level and window: one for each worker that may
    /// be compressing at once, about. More in use at once are made, and ended after their use.
    let keptPerKind: Int

    init(keptPerKind: Int = 16) {
        self.keptPerKind = keptPerKind
    }

    private struct Kind: Hashable {
        let level: Int32
        let windowBits: Int32
    }

    /// One stream, owned by whoever took it out of `idle` until it is put back.
    private final class Stream: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<z_stream>

        init?(_ kind: Kind) {
            pointer = .allocate(capacity: 1)
            pointer.initialize(to: z_stream())
            guard deflateInit2_(pointer, kind.level, Z_DEFLATED, kind.windowBits, 8, Z_DEFAULT_STRATEGY,
                                ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                pointer.deinitialize(count: 1)
                pointer.deallocate()
                return nil
            }
        }

        deinit {
            deflateEnd(pointer)
            pointer.deinitialize(count: 1)
            pointer.deallocate()
        }
    }

    private let idle = Mutex<[Kind: [Stream]]>([:])

    /// Idle streams kept now, of every kind (for tests).
    var idleCount: Int { idle.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Runs `body` with a stream ready for a new deflate at `level` and `windowBits` (memLevel
    /// 8); nil when zlib cannot make one.
    func withStream<Result>(level: Int32, windowBits: Int32, _ body: (UnsafeMutablePointer<z_stream>) -> Result) -> Result? {
        let kind = Kind(level: level, windowBits: windowBits)
        guard let stream = idle.withLock({ $0[kind]?.popLast() }) ?? Stream(kind) else { return nil }
        let result = body(stream.pointer)
        // Whatever the body left it in (finished, flushed, or failed), a reset starts it afresh;
        // one that cannot be reset is ended instead of kept.
        guard deflateReset(stream.pointer) == Z_OK else { return result }
        let limit = keptPerKind
        idle.withLock { idle in
            if idle[kind, default: []].count < limit { idle[kind, default: []].append(stream) }
        }
        return result
    }
}
