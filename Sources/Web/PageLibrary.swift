import HTTPServer

/// The site's templates, compiled once at start, and the pages the code renders with them.
/// Every template name used here is checked when the library is built, so a missing or broken
/// template stops the process at start, not on the first request.
struct PageLibrary: Sendable {
    /// Every template the code renders by name.
    static let requiredTemplates = ["layout", "home", "error", "topic", "thread", "thread-list", "thread-post", "post-byline",
                                    "briefing", "briefing-item", "organisation", "thread-revisions", "accessibility", "notice-banner", "sign-in-to-see", "topics", "welcome"] + AccountPages.templateNames
        + MentorPages.templateNames
        + PostingPages.templateNames
        + ModerationPages.templateNames
        + SearchPages.templateNames
        + NotificationPages.templateNames

    let templates: TemplateLibrary
    let home: Template
    let error: Template
    let topic: Template
    let thread: Template
    /// The lines of thread lists, kept per state of their thread (`ThreadLines`).
    let threadLines: ThreadLines
    /// The thread page's posts, kept per state of each (`PostBlocks`).
    let postBlocks: PostBlocks
    let briefing: Template
    let organisation: Template
    let postHistory: Template
    /// What a visitor sees for a thread they may not read (docs/visibility.md).
    let signInToSee: Template
    /// Every topic (`/topics`).
    let topics: Template
    /// After registering (`/welcome`).
    let welcome: Template
    /// Sign-in, registration and account pages (issue 4).
    let account: AccountPages
    /// Mentor directory, profiles, queue, mentorships and asking a mentor (issue 6).
    let mentor: MentorPages
    /// New-thread and reply forms (issue 5).
    let posting: PostingPages
    /// Search (issue 8).
    let search: SearchPages
    let notifications: NotificationPages

    /// - Throws: `TemplateError` naming the template and line of the first problem.
    /// - Parameter postCacheBytes: room for kept post blocks (`SiteConfiguration.postCacheBytes`).
    init(directory: String, postCacheBytes: Int = SiteConfiguration.defaultPostCacheBytes) throws {
        templates = try TemplateLibrary(directory: directory)
        try templates.require(Self.requiredTemplates)
        home = try templates.template("home")
        error = try templates.template("error")
        topic = try templates.template("topic")
        thread = try templates.template("thread")
        threadLines = ThreadLines(template: try templates.template("thread-list"))
        postBlocks = PostBlocks(template: try templates.template("thread-post"), byteLimit: postCacheBytes)
        briefing = try templates.template("briefing")
        organisation = try templates.template("organisation")
        postHistory = try templates.template("thread-revisions")
        signInToSee = try templates.template("sign-in-to-see")
        topics = try templates.template("topics")
        welcome = try templates.template("welcome")
        account = try AccountPages(templates)
        mentor = try MentorPages(templates)
        posting = try PostingPages(templates)
        search = try SearchPages(templates)
        notifications = try NotificationPages(templates)
    }

    /// An error page in the layout, with the status's heading and the message.
    /// - Parameter reference: the request id, shown so a report can be matched to the logs.
    /// An error page with the visitor's header.
    /// - Parameter registrationOpen: offer "Register" in it (`Accounts.registrationIsOpen`).
    func errorResponse(_ status: HTTPStatus, _ message: String, reference: String? = nil, registrationOpen: Bool = false) -> Response {
        error.response(ErrorPage(status: status, message: message, reference: reference, registrationOpen: registrationOpen), status: status)
    }

    /// An error page with the header of the person asking (signed in or not).
    func errorResponse(_ status: HTTPStatus, _ message: String, reference: String? = nil, in context: RequestContext,
                       keptText: String? = nil) -> Response {
        error.response(InLayout(ErrorPage(status: status, message: message, reference: reference, keptText: keptText), context),
                       status: status)
    }
}

/// The home page.
struct HomePage: KeyedTemplateRenderable {
    var status = "The discussion board is being set up. The server, its TLS and its health check are running."

    enum Key: String, CaseIterable, Sendable { case status }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .status: .text(status)
        }
    }
}

/// An error page: a heading people understand, what went wrong, and what to do next
/// (GOV.UK Design System "page not found" and "there is a problem with the service" patterns).
struct ErrorPage: KeyedTemplateRenderable {
    var status: HTTPStatus
    var message: String
    /// The request id (`X-Request-Id`, the access log's `id`), when the server gave one.
    var reference: String?
    /// What the person typed in a form that was refused and cannot be shown again (a thread
    /// locked meanwhile): shown read-only to copy, so nothing typed is lost.
    var keptText: String?
    /// For a page without a request's layout context: the visitor's header offers "Register"
    /// (the layout key `LayoutContext` answers on every other page).
    var registrationOpen = false

    var heading: String {
        switch status.code {
        case 400: "Sorry, there is a problem with that request"
        case 401: "You need to sign in to see this page"
        case 403: "You do not have permission to see this page"
        case 404: "Page not found"
        case 405: "This page cannot do that"
        case 408: "The request took too long"
        case 410: "This page has gone"
        case 413: "What you sent is too large"
        case 414: "The web address is too long"
        case 429: "Too many requests"
        case 431: "The request headers are too large"
        case 503: "Sorry, the service is unavailable"
        case 500...: "Sorry, there is a problem with the service"
        default: status.reason
        }
    }

    var advice: String? {
        switch status.code {
        case 404: "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."
        case 413: "Make what you sent shorter and try again. Nothing you typed has been saved by this request."
        // A 429's message says how long to wait (`VisitorRateLimit`, `LiveUpdates`): no second "try again".
        case 503: "Please wait a moment and try again."
        case 500...: "Please try again later."
        default: nil
        }
    }

    enum Key: String, CaseIterable, Sendable { case heading, message, advice, code, reason, reference, keptText, registrationOpen }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .heading: .text(heading)
        case .message: .text(message)
        case .advice: .text(advice)
        case .code: .int(status.code)
        case .reason: .text(status.reason)
        case .reference: .text(reference)
        case .keptText: keptText.flatMap { $0.isEmpty ? nil : .text($0) }
        case .registrationOpen: registrationOpen ? .bool(true) : nil
        }
    }
}
