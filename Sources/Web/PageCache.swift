import Board
import Foundation
import HTTPServer
import Metrics
import Synchronization

/// Whole pages for visitors (signed out), kept in memory (issue 14).
///
/// **What may be cached.** A GET from a request with no session cookie at all, to a route
/// registered with `visitors(_:)` (home, topics, threads, the briefing, organisations,
/// profiles and their feeds), answered 200 with a body that carries no form token. The key is
/// the scheme, host, path and query (feeds build absolute links from the host). A request with a
/// session cookie, valid or not, never reads or fills the cache: the signed-in header, private
/// spaces and form tokens differ per person. Requests with a feed `token` are never cached, nor
/// requests with a `notice` (the word after an action, shown only to the browser it was made
/// for: `Notice`), and no page showing a notice banner is ever kept.
/// A visitor's first response sets the pre-session cookie; the copy kept drops that header.
/// Answers it may serve say `X-Cache: hit` or `X-Cache: miss`; others have no such header.
///
/// **Freshness.** Every entry remembers `Network.contentVersion` as it was *before* the page was
/// read. That number moves on every committed write of this server (before the writer answers
/// the request that wrote, so the redirect after a reply already misses) and, within a quarter
/// of a second, on commits by other processes. An entry whose version is not the current one is
/// a miss. Entries also expire after `maxAge` seconds, so nothing that depends on the clock alone
/// can stay stale for long.
///
/// **Size.** At most `capacityBytes` of bodies (plain and gzip), in two generations: entries are
/// added to the young one; when it holds half the capacity it becomes the old one and the
/// previous old one is dropped. A hit in the old generation moves the entry to the young one. So
/// the pages read most stay, every operation is O(1), and memory stays under the bound.
public final class PageCache: Sendable {
    public struct Limits: Sendable {
        /// Bodies kept, plain and compressed together. 0 turns the cache off. Default 64 MiB.
        public var capacityBytes: Int = 64 << 20
        /// Seconds an entry may be served, even with nothing written. Default 60.
        public var maxAge: Double = 60
        public init() {}
    }

    struct Entry {
        let version: UInt64
        let storedAt: Double
        let headers: HTTPHeaders
        let body: [UInt8]
        /// The body gzip-compressed once (level 1), when compressible and smaller.
        let gzip: [UInt8]?
        var size: Int { body.count + (gzip?.count ?? 0) + 256 }
    }

    struct Generations {
        var young: [String: Entry] = [:]
        var old: [String: Entry] = [:]
        var youngBytes = 0
        var oldBytes = 0
    }

    public let limits: Limits
    private let contentVersion: @Sendable () -> UInt64
    private let generations = Mutex(Generations())
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)
    private let hitCounter = Counter(label: "mutuals_page_cache_hits_total")
    private let missCounter = Counter(label: "mutuals_page_cache_misses_total")
    private let bytesGauge = Gauge(label: "mutuals_page_cache_bytes")

    public init(limits: Limits = Limits(), contentVersion: @escaping @Sendable () -> UInt64) {
        self.limits = limits
        self.contentVersion = contentVersion
    }

    /// Hits and misses since start (also reported as metrics).
    public var statistics: (hits: Int, misses: Int) {
        (hitCount.load(ordering: .relaxed), missCount.load(ordering: .relaxed))
    }

    /// Bytes held now.
    public var bytes: Int { generations.withLock { $0.youngBytes + $0.oldBytes } }

    /// `handler`, answered from the cache for visitors when it can be.
    func visitors(_ handler: @escaping Handler) -> Handler {
        { [self] request in
            guard limits.capacityBytes > 0, let key = Self.key(for: request) else { return try handler(request) }
            let now = Date().timeIntervalSince1970
            let version = contentVersion()
            if let entry = lookup(key, version: version, now: now) {
                hitCount.add(1, ordering: .relaxed)
                hitCounter.increment()
                var response = Self.response(entry, for: request)
                response.headers.set("X-Cache", "hit")
                return response
            }
            missCount.add(1, ordering: .relaxed)
            missCounter.increment()
            var response = try handler(request)
            guard let entry = Self.entry(from: response, version: version, now: now) else {
                response.headers.set("X-Cache", "miss")
                return response
            }
            store(key, entry)
            var fresh = Self.response(entry, for: request, setCookies: response.headers.values("set-cookie"))
            fresh.headers.set("X-Cache", "miss")
            return fresh
        }
    }

    /// The key for a visitor's GET, or nil when the request may not use the cache.
    static func key(for request: Request) -> String? {
        guard request.method == .get || request.method == .head else { return nil }
        // Every Cookie field: the session is looked for in all of them (`Request.cookie`).
        for field in request.headers.fields where asciiCaseInsensitiveEquals(field.name, "cookie") {
            if SessionCookies.mentionsSession(field.value) { return nil }
        }
        if let query = request.query, query.contains("token=") || hasNotice(query) { return nil }
        var key = request.isSecure ? "https://" : "http://"
        key += request.host
        key += request.path
        if let query = request.query {
            key += "?"
            key += query
        }
        return key
    }

    /// Whether a query carries a `notice` parameter (under any escaping of its name).
    static func hasNotice(_ query: String) -> Bool {
        query.split(separator: "&").contains { item in
            let name = item.prefix { $0 != "=" }
            return name == Notice.parameter || PercentDecoding.decode(String(name)).map { $0.lowercased() == Notice.parameter } == true
        }
    }

    /// What to keep of `response`, or nil when it must not be kept.
    static func entry(from response: Response, version: UInt64, now: Double) -> Entry? {
        guard response.status == .ok, response.stream == nil, response.headers["content-encoding"] == nil else { return nil }
        // Once: a rendered page's body follows room for its head, and reading it copies it.
        let body = response.body
        guard !contains(formToken, in: body), !contains(noticeBanner, in: body) else { return nil }
        var headers = HTTPHeaders()
        for field in response.headers where field.name.lowercased() != "set-cookie" {
            headers.add(field.name, field.value)
        }
        var gzip: [UInt8]?
        if Compression.mayCompress(response) {
            Compression.addVary(to: &headers)
            // Level 1: a miss pays for it, and most misses are never read again (a crawler walking
            // every thread); level 9 took twice the time for about 10% fewer bytes (docs/PERFORMANCE.md).
            gzip = Compression.gzip(body, level: 1).flatMap { $0.count < body.count ? $0 : nil }
        }
        return Entry(version: version, storedAt: now, headers: headers, body: body, gzip: gzip)
    }

    /// The response for `request` from `entry`: compressed when the client accepts it.
    static func response(_ entry: Entry, for request: Request, setCookies: [String] = []) -> Response {
        var response = Response(status: .ok, headers: entry.headers, body: entry.body)
        if let gzip = entry.gzip, Compression.acceptsGzip(request) {
            response.body = gzip
            response.headers.set("Content-Encoding", "gzip")
        }
        for cookie in setCookies { response.headers.add("Set-Cookie", cookie) }
        return response
    }

    /// A form token in a page means it was made for one person: never keep it.
    static let formToken = Array(#"name="csrf""#.utf8)
    /// Nor a page showing a notice banner (`notice-banner` partial), made for one browser.
    static let noticeBanner = Array(#"id="site-notice""#.utf8)

    /// Whether `body` holds the bytes `needle`.
    static func contains(_ needle: [UInt8], in body: [UInt8]) -> Bool {
        guard body.count >= needle.count else { return false }
        return body.withUnsafeBufferPointer { bytes in
            var index = 0
            let last = bytes.count - needle.count
            while index <= last {
                if bytes[index] == needle[0] {
                    var matched = 1
                    while matched < needle.count, bytes[index + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }

    private func lookup(_ key: String, version: UInt64, now: Double) -> Entry? {
        generations.withLock { state -> Entry? in
            if let entry = state.young[key] {
                return fresh(entry, version: version, now: now) ? entry : nil
            }
            guard let entry = state.old.removeValue(forKey: key) else { return nil }
            state.oldBytes -= entry.size
            guard fresh(entry, version: version, now: now) else { return nil }
            insert(key, entry, into: &state)
            return entry
        }
    }

    private func fresh(_ entry: Entry, version: UInt64, now: Double) -> Bool {
        entry.version == version && now - entry.storedAt < limits.maxAge
    }

    private func store(_ key: String, _ entry: Entry) {
        guard entry.size <= limits.capacityBytes / 4 else { return }
        let total = generations.withLock { state -> Int in
            insert(key, entry, into: &state)
            return state.youngBytes + state.oldBytes
        }
        bytesGauge.record(total)
    }

    private func insert(_ key: String, _ entry: Entry, into state: inout Generations) {
        if let previous = state.young.updateValue(entry, forKey: key) { state.youngBytes -= previous.size }
        state.youngBytes += entry.size
        if let stale = state.old.removeValue(forKey: key) { state.oldBytes -= stale.size }
        if state.youngBytes > limits.capacityBytes / 2 {
            state.old = state.young
            state.oldBytes = state.youngBytes
            state.young = [:]
            state.youngBytes = 0
        }
    }
}
