import Board
import Foundation
import HTTPServer

/// The cookies sign-in uses, named and flagged for how the request arrived.
///
/// Over TLS: `__Host-session` and `__Host-presession` with `Secure; HttpOnly; SameSite=Lax;
/// Path=/` (the `__Host-` prefix makes browsers refuse them without Secure, with a Domain, or
/// on another path). Plain HTTP is only usable on localhost (`mutuals serve --no-tls` for
/// development): there the names lose the prefix and the flag, which browsers would otherwise
/// refuse. Anywhere else over plain HTTP the secure names are still set, so browsers drop them
/// rather than send a session in clear.
struct SessionCookies: Sendable {
    let session: String
    let presession: String
    let secure: Bool

    init(for request: Request) {
        if request.isSecure || !Self.isLocalhost(request.host) {
            session = "__Host-session"
            presession = "__Host-presession"
            secure = true
        } else {
            session = "session"
            presession = "presession"
            secure = false
        }
    }

    /// Whether a `Cookie` header carries a session cookie under either name, whatever its value:
    /// such a request is treated as someone's, never as a visitor's (`PageCache`).
    static func mentionsSession(_ header: String) -> Bool {
        // A walk over the header's bytes, with no array of pieces: every signed-in request asks,
        // and splitting the header cost ~10,000 instructions a page (Benchmarks/page_instructions.sh).
        var header = header
        return header.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: ";") { end += 1 }
                var nameEnd = start
                while nameEnd < end, bytes[nameEnd] != UInt8(ascii: "=") { nameEnd += 1 }
                var lower = start, upper = nameEnd
                while lower < upper, bytes[lower] == UInt8(ascii: " ") || bytes[lower] == UInt8(ascii: "\t") { lower += 1 }
                while upper > lower, bytes[upper - 1] == UInt8(ascii: " ") || bytes[upper - 1] == UInt8(ascii: "\t") { upper -= 1 }
                let name = UnsafeBufferPointer(rebasing: bytes[lower..<upper])
                if name.elementsEqual("__Host-session".utf8) || name.elementsEqual("session".utf8) { return true }
                start = end + 1
            }
            return false
        }
    }

    static func isLocalhost(_ host: String) -> Bool {
        let name = WebApplication.hostWithoutPort(host).lowercased()
        return name == "localhost" || name == "127.0.0.1" || name == "[::1]"
    }

    /// A `Set-Cookie` value; `maxAge` 0 deletes the cookie, nil makes it last until the browser closes.
    func setCookie(_ name: String, _ value: String, maxAge: Int?) -> String {
        var cookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
        if secure { cookie += "; Secure" }
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        return cookie
    }
}

/// Who is asking and the tokens their forms carry; worked out once per request by
/// `AppContext.requestContext(for:)`.
struct RequestContext: Sendable {
    /// The signed-in session, if any.
    let session: ResolvedSession?
    /// The actor for `Policy` and the viewer for page queries.
    let actor: Actor
    /// The CSRF token every state-changing form of this response must carry (field `csrf`),
    /// masked afresh for this response (`CSRF.masked`).
    let csrfToken: String
    /// What a submitted token must unmask to (`CSRF.secret(binding:)`).
    let csrfSecret: [UInt8]
    let cookies: SessionCookies
    /// `Set-Cookie` values this response must carry (a new pre-session cookie).
    var setCookies: [String]
    /// Unread notifications of the signed-in person, for the header (issue 8).
    var unreadNotifications = 0
    /// The page asked for (a GET's local path and query), for the header's "Sign in" link to
    /// come back to (`ReturnPath`).
    var returnPath: String? = nil
    /// For an admin, posts waiting in the moderation queue (the header's count, issue 18).
    var awaitingModeration = 0
    /// When the request is answered, by the network's clock (notices' expiry).
    var now = Date()
    /// The word after an action this page was sent to show, when it was made for this browser
    /// (`?notice=`, `Notice`).
    var notice: Notice? = nil
    /// Signed out, but the session cookie names a live session waiting for its two-factor code
    /// (the password was right): pages that need an account send the person back to that step,
    /// not to the password (`signInRedirect`).
    var awaitingTwoFactor = false
    /// Signed out and registration is open (`Accounts.registrationIsOpen`): the header and the
    /// sign-in page offer "Register" only then.
    var registrationOpen = false

    var account: Account? { session?.account }
    var viewer: Viewer { actor.viewer }

    /// Adds the pending cookies to `response`.
    func finish(_ response: Response) -> Response {
        var response = response
        for cookie in setCookies { response.headers.add("Set-Cookie", cookie) }
        // Pages that show a signed-in person's details or carry form tokens are never cached.
        if response.headers["cache-control"] == nil { response.headers.set("Cache-Control", "no-store") }
        return response
    }
}

extension AppContext {
    /// Resolves the session cookie (or makes a pre-session for a signed-out visitor) and derives
    /// the CSRF token. Costs one indexed read; writes only to refresh `last_seen_at` once a minute.
    func requestContext(for request: Request) throws -> RequestContext {
        let cookies = SessionCookies(for: request)
        if let token = request.cookie(cookies.session), let session = try accounts.resolveSession(token: token) {
            let signedIn = try network.settings.signedIn(session.account)
            let secret = CSRF.sessionSecrets.of(token) ?? CSRF.secret(binding: token)
            let now = accounts.clock.now()
            return RequestContext(session: session, actor: signedIn.actor, csrfToken: try CSRF.masked(secret), csrfSecret: secret,
                                  cookies: cookies, setCookies: [], unreadNotifications: signedIn.unreadNotifications, returnPath: ReturnPath.of(request),
                                  awaitingModeration: signedIn.awaitingModeration, now: now, notice: Notice.shown(in: request, secret: secret, now: now))
        }
        // A session cookie that names no live session: counted against the visitors' limit.
        // It may be a sign-in waiting for its two-factor code (`awaitingTwoFactor`).
        var awaitingTwoFactor = false
        if let token = request.cookie(cookies.session) {
            try visitorLimit.charge(request)
            awaitingTwoFactor = try accounts.resolvePendingSession(token: token) != nil
        }
        let presession = try CSRF.presession(for: request, cookies: cookies)
        let secret = CSRF.secret(binding: presession.token)
        let now = accounts.clock.now()
        return RequestContext(session: nil, actor: .visitor, csrfToken: try CSRF.masked(secret), csrfSecret: secret,
                              cookies: cookies, setCookies: presession.setCookie.map { [$0] } ?? [], returnPath: ReturnPath.of(request),
                              now: now, notice: Notice.shown(in: request, secret: secret, now: now), awaitingTwoFactor: awaitingTwoFactor,
                              registrationOpen: try accounts.registrationIsOpen())
    }
}
