import Board
import HTTPServer

/// The admin pages ask a visitor to sign in first (issue 18), like every other page that needs
/// an account: a request under `/admin` with no live session gets a 303 to
/// `/sign-in?next=…` whose banner says why (`SiteNotice.signInForAdmin`, `signInRedirect`), not
/// a 403. A signed-in person who is not an admin still gets the admin gates' 403 with why.
/// Put in front of the routes when the router is built (`WebApplication.makeRouter`); it costs
/// one read-only session lookup per admin request.
struct SignInFirst: Sendable {
    let app: AppContext

    /// Whether a route pattern is one of the admin pages.
    static func applies(to pattern: String) -> Bool {
        pattern == "/admin" || pattern.hasPrefix("/admin/")
    }

    /// Puts the check in front of every admin route registered so far.
    func guardRoutes(_ router: inout RouterBuilder) {
        router.wrapHandlers { pattern, execution, handler in
            guard execution == .pool, Self.applies(to: pattern) else { return handler }
            return { [app] request in
                if let token = request.cookie(SessionCookies(for: request).session), try app.accounts.peekSession(token: token) != nil {
                    return try handler(request)
                }
                return try app.requestContext(for: request).signInRedirect()
            }
        }
    }
}
