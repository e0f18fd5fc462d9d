#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Serves files under one root directory at a URL prefix, with validators (ETag,
/// Last-Modified → 304) and Cache-Control. No request path can leave the root: dot segments,
/// encoded slashes, backslashes, NUL and hidden files are refused, and the resolved path
/// (symlinks followed) must still be inside the root.
public final class StaticFiles: Sendable {
    private struct Entry {
        var device: UInt64
        var inode: UInt64
        var size: Int
        var mtimeNanoseconds: Int
        var etag: String
        var mtime: Int
        /// The full 200 response and the 304 one, built once per version of the file.
        var ok: Response
        var notModified: Response
        /// The same file gzip-compressed once, for clients that accept it (text types only).
        var gzip: (etag: String, ok: Response, notModified: Response)?
    }

    public let root: String
    private let cacheControl: String
    private let maxFileBytes: Int
    private let cache = Mutex<[String: Entry]>([:])

    /// - Parameters:
    ///   - root: the directory to serve; it must exist.
    ///   - cacheControl: the `Cache-Control` value for every file.
    /// - Throws: `StaticFiles.Error.missingRoot` when the directory does not exist.
    public init(root: String, cacheControl: String = "public, max-age=3600", maxFileBytes: Int = 8 << 20) throws {
        guard let resolved = realpath(root, nil) else { throw StaticFilesError.missingRoot(root) }
        self.root = String(cString: resolved)
        free(resolved)
        self.cacheControl = cacheControl
        self.maxFileBytes = maxFileBytes
    }

    /// Answers a GET or HEAD for the file named by `segments` (already percent-decoded).
    public func respond(to request: Request, segments: ArraySlice<String>) -> Response {
        guard let relative = Self.safeRelativePath(segments) else { return notFound() }
        let full = root + "/" + relative
        // One stat (following symlinks) per request. The cached entry, whose path was checked
        // with realpath when it was read, is reused only while stat still names the same file;
        // anything else (a new file, a changed symlink) is resolved and checked again.
        var info = stat()
        guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxFileBytes else {
            return notFound()
        }
        let entry: Entry
        let cached = cache.withLock { $0[relative] }
        if let cached, cached.device == UInt64(info.st_dev), cached.inode == UInt64(info.st_ino),
           cached.size == Int(info.st_size), cached.mtime == Int(info.st_mtim.tv_sec),
           cached.mtimeNanoseconds == Int(info.st_mtim.tv_nsec) {
            entry = cached
        } else {
            guard let resolvedPointer = realpath(full, nil) else { return notFound() }
            let resolved = String(cString: resolvedPointer)
            free(resolvedPointer)
            // Symlinks may point anywhere; only what resolves inside the root is served.
            guard resolved.hasPrefix(root + "/"), let bytes = Self.readFile(resolved, expected: Int(info.st_size)) else {
                return notFound()
            }
            let mtime = Int(info.st_mtim.tv_sec)
            let etag = "\"\(String(bytes.count, radix: 16))-\(String(mtime, radix: 16))\(String(Int(info.st_mtim.tv_nsec) / 1000, radix: 16))\""
            var headers = HTTPHeaders([
                ("ETag", etag), ("Last-Modified", HTTPDate.format(time_t(mtime))), ("Cache-Control", cacheControl),
            ])
            let contentType = Self.contentType(for: relative)
            let compressible = Compression.isCompressible(contentType: contentType) && bytes.count >= Compression.minimumBytes
            if compressible { Compression.addVary(to: &headers) }
            let notModified = Response(status: .notModified, headers: headers)
            var gzip: (etag: String, ok: Response, notModified: Response)?
            if compressible, let compressed = Compression.gzip(bytes, level: 9), compressed.count < bytes.count {
                // A different representation needs a different strong validator (RFC 9110 §8.8.3).
                let gzipETag = String(etag.dropLast()) + "-gz\""
                var gzipHeaders = headers
                gzipHeaders.set("ETag", gzipETag)
                let gzipNotModified = Response(status: .notModified, headers: gzipHeaders)
                gzipHeaders.add("Content-Type", contentType)
                gzipHeaders.add("Content-Encoding", "gzip")
                gzip = (gzipETag, Response(status: .ok, headers: gzipHeaders, body: compressed), gzipNotModified)
            }
            headers.add("Content-Type", contentType)
            entry = Entry(
                device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: bytes.count,
                mtimeNanoseconds: Int(info.st_mtim.tv_nsec), etag: etag, mtime: mtime,
                ok: Response(status: .ok, headers: headers, body: bytes), notModified: notModified, gzip: gzip
            )
            cache.withLock { $0[relative] = entry }
        }
        let (etag, ok, notModified) = if let gzip = entry.gzip, Compression.acceptsGzip(request) {
            (gzip.etag, gzip.ok, gzip.notModified)
        } else {
            (entry.etag, entry.ok, entry.notModified)
        }
        switch Self.precondition(request, etag: etag, mtime: entry.mtime) {
        case .proceed: return ok
        case .notModified: return notModified
        case .failed: return Response.text("The file has changed since the version this request names.\n", status: Self.preconditionFailed)
        }
    }

    static let preconditionFailed = HTTPStatus(412, "Precondition Failed")

    /// What a request's conditional headers (RFC 9110 §13.1) ask for this file.
    enum PreconditionResult: Equatable {
        case proceed, notModified, failed
    }

    /// RFC 9110 §13.2.2, in its order: If-Match (strong comparison; false → 412); when there is
    /// no If-Match, If-Unmodified-Since (modified after the date → 412); then If-None-Match (weak
    /// comparison; a match → 304, for GET and HEAD, the only methods served here); when there is
    /// no If-None-Match, If-Modified-Since (not modified since → 304). A date that does not parse
    /// is ignored, as §13.1.3 and §13.1.4 say.
    static func precondition(_ request: Request, etag: String, mtime: Int) -> PreconditionResult {
        if let ifMatch = request.headers["if-match"] {
            if !matches(ifMatch, etag: etag, weak: false) { return .failed }
        } else if let ius = request.headers["if-unmodified-since"], let since = HTTPDate.parse(ius), mtime > since {
            return .failed
        }
        if let inm = request.headers["if-none-match"] {
            return matches(inm, etag: etag, weak: true) ? .notModified : .proceed
        }
        if let ims = request.headers["if-modified-since"], let since = HTTPDate.parse(ims), mtime <= since {
            return .notModified
        }
        return .proceed
    }

    /// Whether a list of entity tags (or `*`) names `etag`. The strong comparison (RFC 9110
    /// §8.8.3.2) never matches a weak tag; the weak one ignores `W/` on either side.
    static func matches(_ list: String, etag: String, weak: Bool) -> Bool {
        if list.trimmingASCIISpaces() == "*" { return true }
        let ours = etag.hasPrefix("W/") ? (weak ? String(etag.dropFirst(2)) : nil) : etag
        guard let ours else { return false }
        for candidate in list.split(separator: ",") {
            var tag = candidate.trimmingASCIISpaces()
            if tag.hasPrefix("W/") {
                guard weak else { continue }
                tag = tag.dropFirst(2)
            }
            if tag == ours { return true }
        }
        return false
    }

    /// Joins decoded segments into a relative path, or nil when any segment could escape or hide.
    static func safeRelativePath(_ segments: ArraySlice<String>) -> String? {
        guard !segments.isEmpty else { return nil }
        for segment in segments {
            guard let first = segment.utf8.first, first != 0x2E,
                  HTTPSyntax.allBytes(segment, { $0 != 0x2F && $0 != 0x5C && $0 >= 0x20 && $0 != 0x7F })
            else { return nil }
        }
        var path = ""
        path.reserveCapacity(segments.reduce(segments.count) { $0 + $1.utf8.count })
        for (index, segment) in segments.enumerated() {
            if index > 0 { path.append("/") }
            path.append(segment)
        }
        return path
    }

    private static func readFile(_ path: String, expected: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: expected)
        var offset = 0
        while offset < expected {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, expected - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            offset += n
        }
        return bytes
    }

    static func contentType(for path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "html", "htm": return "text/html; charset=utf-8"
        case "txt": return "text/plain; charset=utf-8"
        case "json", "map": return "application/json"
        case "webmanifest": return "application/manifest+json"
        case "xml": return "application/xml"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "pdf": return "application/pdf"
        default: return "application/octet-stream"
        }
    }

    private func notFound() -> Response {
        Response.text("There is no file at this address.\n", status: .notFound)
    }
}

public enum StaticFilesError: Error, CustomStringConvertible {
    case missingRoot(String)

    public var description: String {
        switch self {
        case .missingRoot(let path): "The static files directory \(path) does not exist."
        }
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
public enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func format(_ time: time_t) -> String {
        var t = time
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// Parses IMF-fixdate only (the form every current client sends); nil otherwise.
    public static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int32(parts[1]),
              let month = months.firstIndex(of: String(parts[2])), let year = Int32(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let h = Int32(clock[0]), let m = Int32(clock[1]), let s = Int32(clock[2]) else { return nil }
        var value = tm()
        value.tm_year = year - 1900
        value.tm_mon = Int32(month)
        value.tm_mday = day
        value.tm_hour = h
        value.tm_min = m
        value.tm_sec = s
        let seconds = timegm(&value)
        return seconds == -1 ? nil : Int(seconds)
    }
}
