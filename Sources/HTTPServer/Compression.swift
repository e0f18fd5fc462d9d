import CZlib

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

    /// `bytes` gzip-compressed (a response's body in place: `Response.withBodyBytes`).
    public static func gzip(_ bytes: UnsafeBufferPointer<UInt8>, level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip wrapper instead of zlib's; memLevel 8 is zlib's default.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
            stream.avail_in = uInt(bytes.count)
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            return deflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

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
        guard acceptsGzip(request), let body = response.withBodyBytes({ gzip($0, level: level) }), body.count < response.bodyCount else {
            return result
        }
        result.body = body
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
