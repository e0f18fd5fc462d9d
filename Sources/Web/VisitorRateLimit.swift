import Board
import Foundation
import HTTPServer
import Metrics
import Synchronization

/// Requests from visitors (no live session) are limited per client address (IPv4, or the IPv6
/// /64, as sign-in counts them): a token bucket of `burst` requests refilled at `perSecond`.
/// Past it the answer is 429 with `Retry-After`. Bots and scrapers are a public forum's usual
/// load; members who have signed in are never limited by it. Static files, the health check and
/// the ways in (`ReadingGate.waysIn`: sign-in, registration, password reset, which have their
/// own throttles) are not counted, so someone behind a busy address can always sign in.
/// `perSecond` 0 turns the limit off.
///
/// A request whose session cookie names no live session counts as a visitor's: it is charged
/// when the session fails to resolve (`AppContext.requestContext`), so a made-up cookie does
/// not escape the limit.
public final class VisitorRateLimit: Sendable {
    public struct Limits: Sendable {
        /// Requests a second one address may make over time. Default 20; 0 is no limit.
        public var perSecond: Double = 20
        /// Requests one address may make at once, after a pause. Default 120.
        public var burst: Double = 120
        public init() {}
    }

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public let limits: Limits
    /// Addresses remembered at most; past it, buckets that have refilled are forgotten.
    let maximumAddresses: Int
    private let buckets = Mutex<[String: Bucket]>([:])
    private let refusals = Counter(label: "mutuals_visitor_rate_limited_total")

    public init(limits: Limits = Limits(), maximumAddresses: Int = 100_000) {
        self.limits = limits
        self.maximumAddresses = maximumAddresses
    }

    /// Takes one request from the address's bucket; throws the 429 when it is empty.
    func charge(_ request: Request, now: Double = Date().timeIntervalSince1970) throws {
        guard limits.perSecond > 0 else { return }
        let key = SignInThrottle.addressKey(request.remoteAddress)
        let wait = buckets.withLock { buckets -> Double? in
            var bucket = buckets[key] ?? Bucket(tokens: limits.burst, updated: now)
            bucket.tokens = min(limits.burst, bucket.tokens + max(0, now - bucket.updated) * limits.perSecond)
            bucket.updated = now
            defer {
                if buckets.count >= maximumAddresses, buckets[key] == nil { forgetRefilled(&buckets, now: now) }
                buckets[key] = bucket
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / limits.perSecond
        }
        guard let wait else { return }
        refusals.increment()
        let seconds = max(1, Int(wait.rounded(.up)))
        throw HTTPError(.tooManyRequests, "Your network has sent more requests than this site answers for visitors in a short time. Wait \(seconds) second\(seconds == 1 ? "" : "s"), then reload the page, or sign in: members who are signed in are not limited this way.",
                        headers: HTTPHeaders([("Retry-After", String(seconds)), ("Cache-Control", "no-store")]))
    }

    private func forgetRefilled(_ buckets: inout [String: Bucket], now: Double) {
        let full = limits.burst
        buckets = buckets.filter { _, bucket in bucket.tokens + (now - bucket.updated) * limits.perSecond < full }
        if buckets.count >= maximumAddresses { buckets.removeAll(keepingCapacity: true) }
    }

    /// Puts the limit in front of every worker-run route registered so far: requests without a
    /// session cookie are charged here; with one, `requestContext` charges them if it is not live.
    /// Feeds (`ReadingGate.isFeed`, `/topics/{slug}.atom` included) are charged here whatever their
    /// cookies: they are answered as to a visitor and never look at a session, so a made-up
    /// session cookie escaped the limit (and, skipping the visitors' page cache, cost a full read
    /// each time).
    func guardRoutes(_ router: inout RouterBuilder) {
        router.wrapHandlers { pattern, execution, handler in
            guard execution == .pool, pattern != "/healthz", pattern != "/metrics", !ReadingGate.waysIn.contains(pattern) else { return handler }
            let feed = ReadingGate.isFeed(pattern)
            return { [self] request in
                if ReadingGate.isFeed(request, patternIsFeed: feed) || request.cookie(SessionCookies(for: request).session) == nil {
                    try charge(request)
                }
                return try handler(request)
            }
        }
    }
}
