import Board
import Foundation
import HTTPServer

/// "Require sign-in to read" (`/admin/settings`, setting `require_sign_in_to_read`, issue 16):
/// the one gate in front of every route, put there when the router is built
/// (`WebApplication.makeRouter` → `guardRoutes`).
///
/// With the setting on, a visitor asking for anything but the pages that let them in gets a
/// 303 to `/sign-in?next=…` (the page they asked for): home, threads, topics, organisations,
/// profiles, search, the moderation log, mentors, briefing, notifications' streams, everything.
/// Feeds are read by programs that cannot sign in: they need the member's private feed token
/// (`?token=`, shown on the account page; `Accounts.feedReader`), and answer 401 without it.
/// With the setting off the gate costs one settings read per request and lets everything by.
struct ReadingGate: Sendable {
    let accounts: Accounts

    /// Routes every visitor may use: static files, the health check and the metrics (which has
    /// its own rule, `MetricsAccess`), the ways in: sign-in, two-factor, registration, sign-out,
    /// and the links mail sends (issue 15: unsubscribe, password reset, address confirmation),
    /// which must work without signing in.
    static let open: Set<String> = Set(["/static/{path...}", "/favicon.ico", "/healthz", "/metrics", "/unsubscribe/{token}"]).union(waysIn)

    /// The pages that let someone in, or back in: never behind the gate, and never refused by the
    /// visitors' request limit (`VisitorRateLimit`) — they have their own throttles.
    static let waysIn: Set<String> = ["/sign-in", "/sign-in/two-factor", "/register", "/sign-out", "/forgot-password",
                                      "/forgot-password/sent", "/reset-password/{token}", "/confirm-email/{token}"]

    /// Whether a route pattern serves a feed (Atom), which takes a feed token instead of a session.
    static func isFeed(_ pattern: String) -> Bool {
        pattern.hasSuffix(".atom") || pattern.hasSuffix("/feed")
    }

    /// Whether `request`, on a route of `pattern`, asks for a feed: its pattern serves one
    /// (`isFeed(pattern)`, worked out once per route), or its path ends in `.atom` (a topic's feed,
    /// `/topics/{slug}.atom`, shares its route with the topic page).
    static func isFeed(_ request: Request, patternIsFeed: Bool) -> Bool {
        patternIsFeed || request.path.hasSuffix(".atom")
    }

    /// Puts the gate in front of every route registered so far, except the open ones.
    func guardRoutes(_ router: inout RouterBuilder) {
        router.wrapHandlers { pattern, execution, handler in
            guard execution == .pool, !Self.open.contains(pattern) else { return handler }
            let feed = Self.isFeed(pattern)
            return { request in
                if let refusal = try check(request, feed: Self.isFeed(request, patternIsFeed: feed)) { return refusal }
                return try handler(request)
            }
        }
    }

    /// nil to let the request through; otherwise the answer.
    func check(_ request: Request, feed: Bool) throws -> Response? {
        guard try accounts.readingRequiresSignIn() else { return nil }
        if feed {
            let token = try request.queryItems()["token"] ?? ""
            if !token.isEmpty, try accounts.feedReader(token: token) != nil { return nil }
            throw HTTPError(.unauthorized, "This network is for members only. Use the private feed link on your account page.")
        }
        if let token = request.cookie(SessionCookies(for: request).session), try accounts.resolveSession(token: token) != nil {
            return nil
        }
        let next = ReturnPath.of(request).map { "?next=" + FormDecoder.encode($0) } ?? ""
        var response = Response.redirect(to: "/sign-in" + next)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
