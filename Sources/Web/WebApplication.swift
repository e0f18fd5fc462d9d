import Board
import HTTPServer

/// Where the site's files live and how it is reached.
public struct SiteConfiguration: Sendable {
    /// Directory of static assets served at /static/.
    public var publicDirectory: String
    /// Directory of page templates.
    public var templatesDirectory: String
    /// Caps and lifetimes of the live-update streams (issue 16).
    public var liveStreams = LiveStreamLimits()
    /// The visitors' page cache (issue 14).
    public var pageCache = PageCache.Limits()
    /// The per-address limit on visitors' requests (issue 14).
    public var visitorRate = VisitorRateLimit.Limits()
    /// Memory for the rendered posts kept between pages (`PostBlocks`, `--post-cache-mb`): every
    /// reader's page is built from them, so a forum read across thousands of threads wants
    /// room for their posts (docs/PERFORMANCE.md, "Tenth round"). Four fifths hold posts'
    /// blocks, a fifth whole pages of them.
    public var postCacheBytes = SiteConfiguration.defaultPostCacheBytes
    public static let defaultPostCacheBytes = 320 << 20
    /// `/healthz` and `/metrics` (issue 17).
    public var operations = OperationsEndpoints()
    /// The mail sender, if `serve` runs one: the outbox page says whether a relay is
    /// configured, and actions that queue mail wake it (issue 15).
    public var mailSender: OutboxSender?
    /// The public address (`--base-url`, no trailing slash): feed links use it when set, and
    /// the request's Host otherwise.
    public var baseURL: String?

    public init(publicDirectory: String, templatesDirectory: String) {
        self.publicDirectory = publicDirectory
        self.templatesDirectory = templatesDirectory
    }
}

/// Builds the routes of the site. Everything here turns requests into calls on lower layers and
/// results into responses; it holds no rules of its own.
public enum WebApplication {
    /// Headers every response carries (see the security baseline in docs/ARCHITECTURE.md).
    public static let securityHeaders = HTTPHeaders([
        ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ])

    /// The router for the site. Each area registers its own routes (`Routes/`), all sharing one
    /// `AppContext` around `network`.
    /// - Throws: when a template or the static directory is missing, or routes clash; at start, never later.
    public static func makeRouter(site: SiteConfiguration, network: Network) throws -> Router {
        let app = try AppContext(site: site, network: network)
        var routes = Routes()
        try routes.add(SiteRoutes(app: app))
        try routes.add(OperationsRoutes(app: app))
        try routes.add(ReadingRoutes(app: app))
        try routes.add(PostingRoutes(app: app))
        try routes.add(BriefingRoutes(app: app))
        try routes.add(AccountRoutes(app: app))
        try routes.add(MentorRoutes(app: app))
        try routes.add(ModerationRoutes(app: app))
        try routes.add(AdminRoutes(app: app))
        try routes.add(SearchRoutes(app: app))
        try routes.add(FollowingRoutes(app: app))
        try routes.add(NotificationRoutes(app: app))
        try routes.add(AccountMailRoutes(app: app))
        try routes.add(OutboxRoutes(app: app))
        try routes.add(MailDigestRoutes(app: app))
        routes.signInFirst(SignInFirst(app: app))
        routes.limitVisitors(app.visitorLimit)
        routes.guardReading(ReadingGate(accounts: app.accounts))  // in front of every route
        routes.keepSignedOutText(SignedOutForms(app: app))  // around SignInFirst and the gate: their redirects too
        routes.readInOneTransaction(app.network)  // last: around the gate too
        return try routes.builder.build()
    }

    /// The error pages (400, 403, 404, 413, 500...) as real pages in the layout, for
    /// `ServerConfiguration.errorPage`.
    /// - Throws: when the templates do not compile or one is missing; at start, never later.
    public static func makeErrorPage(site: SiteConfiguration) throws -> ErrorPageRenderer {
        let pages = try PageLibrary(directory: site.templatesDirectory)
        return { status, message, request in
            pages.errorResponse(status, message, reference: request.flatMap { $0.requestID == 0 ? nil : $0.reference })
        }
    }

    /// The error pages with the header of whoever asked (issue 18: a signed-in person saw the
    /// visitor's header). A request carrying a session cookie costs two indexed reads and no
    /// write (`Accounts.peekSession`), as an error page may be rendered on a reactor thread; a
    /// 503 (the server is busy) never looks.
    /// - Throws: when the templates do not compile or one is missing; at start, never later.
    public static func makeErrorPage(site: SiteConfiguration, network: Network) throws -> ErrorPageRenderer {
        let pages = try PageLibrary(directory: site.templatesDirectory)
        return { status, message, request in
            let reference = request.flatMap { $0.requestID == 0 ? nil : $0.reference }
            guard let request, status != .serviceUnavailable else { return pages.errorResponse(status, message, reference: reference) }
            guard let context = try? signedInContext(for: request, network: network) else {
                // A visitor: "Register" only when registration is open (read at most once a second).
                let open = (try? network.accounts.registrationIsOpen()) ?? false
                return pages.errorResponse(status, message, reference: reference, registrationOpen: open)
            }
            return pages.errorResponse(status, message, reference: reference, in: context)
        }
    }

    /// The signed-in person's context for an error page, read only; nil for a visitor.
    static func signedInContext(for request: Request, network: Network) throws -> RequestContext? {
        let cookies = SessionCookies(for: request)
        guard let token = request.cookie(cookies.session), let session = try network.accounts.peekSession(token: token) else { return nil }
        let signedIn = try network.settings.signedIn(session.account)
        let secret = CSRF.secret(binding: token)
        return RequestContext(session: session, actor: signedIn.actor, csrfToken: try CSRF.masked(secret), csrfSecret: secret, cookies: cookies,
                              setCookies: [], unreadNotifications: signedIn.unreadNotifications,
                              awaitingModeration: signedIn.awaitingModeration)
    }

    /// The router of the plain-HTTP port when HTTPS is on: every request is sent, with a 308
    /// (method and body kept), to the same path on the HTTPS port.
    public static func makeRedirectRouter(httpsPort: Int) throws -> Router {
        var router = RouterBuilder()
        let redirect: Handler = { request in
            let location = "https://" + hostWithoutPort(request.host) + (httpsPort == 443 ? "" : ":\(httpsPort)")
                + request.path + (request.query.map { "?" + $0 } ?? "")
            return .redirect(to: location, status: .permanentRedirect)
        }
        for method in HTTPMethod.allCases where method != .head && method != .options {
            router.add(method, "/", execution: .reactor, redirect)
            router.add(method, "/{path...}", execution: .reactor, redirect)
        }
        return try router.build()
    }

    /// "example.org:8080" → "example.org"; "[::1]:8080" → "[::1]"; "" → "localhost".
    static func hostWithoutPort(_ host: String) -> String {
        if host.isEmpty { return "localhost" }
        if host.hasPrefix("[") {
            if let close = host.firstIndex(of: "]") { return String(host[...close]) }
            return "localhost"
        }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }
}
