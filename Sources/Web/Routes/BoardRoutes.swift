import Board
import HTTPServer

/// The board's pages: home, topics, threads, the briefing, organisations, feeds. Every read goes
/// through the request context's viewer (`ctx.viewer`), so the queries' privacy rules see who is asking.
enum BoardRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        router.get("/") { request in
            let ctx = try app.requestContext(for: request)
            let viewer = ctx.viewer
            let content = try app.store.read { try PageQueries.homePage($0, viewer: viewer) }
            return ctx.finish(app.pages.home.response(InLayout(HomeView(content: content), ctx)))
        }

        router.get("/topics/{slug}") { request in
            let slug = request.parameters["slug"] ?? ""
            if slug.hasSuffix(".atom") {
                return try topicFeed(app, request, slug: String(slug.dropLast(".atom".count)))
            }
            let filter = try threadFilter(request)
            let ctx = try app.requestContext(for: request)
            let viewer = ctx.viewer
            guard let page = try app.store.read({ try PageQueries.topic($0, slug: slug, viewer: viewer, filter: filter) }) else {
                throw HTTPError.notFound
            }
            var view = TopicView(page: page)
            if let account = ctx.account {
                view.following = try app.store.read { try Subscriptions.followsTopic($0, userID: account.id, slug: slug) }
            }
            return ctx.finish(app.pages.topic.response(InLayout(view, ctx)))
        }
        router.get("/topics/{slug}/feed") { request in
            try topicFeed(app, request, slug: request.parameters["slug"] ?? "")
        }

        router.get("/t/{idslug}") { request in
            guard let (id, slug) = parseThreadPath(request.parameters["idslug"] ?? "") else { throw HTTPError.notFound }
            let pageNumber = try requestedPage(request)
            let ctx = try app.requestContext(for: request)
            let viewer = ctx.viewer
            guard let page = try app.store.read({ try PageQueries.thread($0, id: id, page: pageNumber, viewer: viewer) }),
                  pageNumber <= page.pageCount else {
                throw HTTPError.notFound
            }
            let view = ThreadView(page: page)
            if slug != page.thread.slug {
                return .redirect(to: view.pagePath(pageNumber), status: .movedPermanently)
            }
            return try PostingRoutes.threadPage(app, ctx, page, form: try replyForm(app, ctx, request, page))
        }
        router.get("/t/{id:int}/feed.atom") { request in
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            guard let feed = try app.store.read({ try FeedQueries.thread($0, id: id) }) else { throw HTTPError.notFound }
            return Feeds.thread(feed, site: SiteURL(request: request)).response()
        }

        router.get("/p/{id:int}/revisions") { request in
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let ctx = try app.requestContext(for: request)
            let viewer = ctx.viewer
            guard let history = try app.store.read({ try PageQueries.postHistory($0, postID: id, viewer: viewer) }) else {
                throw HTTPError.notFound
            }
            return ctx.finish(app.pages.postHistory.response(InLayout(PostHistoryView(history: history), ctx)))
        }

        router.get("/briefing") { request in
            let ctx = try app.requestContext(for: request)
            let viewer = ctx.viewer
            let (items, topics) = try app.store.read { conn in
                (try PageQueries.briefing(conn, viewer: viewer), try PageQueries.topicCounts(conn, viewer: viewer))
            }
            return ctx.finish(app.pages.briefing.response(InLayout(BriefingView(items: items, topicOrder: topics), ctx)))
        }
        router.get("/briefing.atom") { request in
            let items = try app.store.read { try FeedQueries.briefing($0) }
            return Feeds.briefing(items, site: SiteURL(request: request)).response()
        }

        try PostingRoutes.register(on: &router, app: app)
        try PostEditRoutes.register(on: &router, app: app)
        try BriefingAdminRoutes.register(on: &router, app: app)

        router.get("/o/{slug}") { request in
            let slug = request.parameters["slug"] ?? ""
            let ctx = try app.requestContext(for: request)
            let viewer = ctx.viewer
            guard let page = try app.store.read({ try PageQueries.organisation($0, slug: slug, viewer: viewer) }) else {
                throw HTTPError.notFound
            }
            return ctx.finish(app.pages.organisation.response(InLayout(OrganisationView(page: page), ctx)))
        }
    }

    /// The reply form's starting state: the signed-in person's saved draft for this thread, and
    /// with `?quote=POSTID` a Markdown quote of that post (in this thread, not removed) with attribution.
    static func replyForm(_ app: AppContext, _ ctx: RequestContext, _ request: Request, _ page: ThreadPage) throws -> FormState {
        guard let account = ctx.account else { return FormState() }
        var body = try app.store.read { try Drafts.load($0, userID: account.id, threadID: page.thread.id) }?.body ?? ""
        var values: [String: String] = [:]
        if let quoteValue = try request.queryItems().last(where: { $0.name == "quote" })?.value, let quoteID = Int64(quoteValue),
           let quoted = try app.store.read({ try Threads.quote($0, postID: quoteID, threadID: page.thread.id, viewer: ctx.viewer) }) {
            let lines = quoted.markdown.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }
            let quote = "> **\(quoted.authorName)** wrote:\n>\n" + lines.joined(separator: "\n") + "\n\n"
            body = body.isEmpty ? quote : body + "\n\n" + quote
            values["replyTo"] = String(quoteID)
        }
        values["body"] = body
        return FormState(values: values)
    }

    static func topicFeed(_ app: AppContext, _ request: Request, slug: String) throws -> Response {
        guard let page = try app.store.read({ try FeedQueries.topic($0, slug: slug) }) else { throw HTTPError.notFound }
        return Feeds.topic(page, site: SiteURL(request: request)).response()
    }

    /// "123-some-slug" → (123, "some-slug"); "123" → (123, ""); anything else → nil.
    static func parseThreadPath(_ segment: String) -> (id: Int64, slug: String)? {
        let digits = segment.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 18, let id = Int64(digits) else { return nil }
        let rest = segment.dropFirst(digits.count)
        if rest.isEmpty { return (id, "") }
        guard rest.first == "-" else { return nil }
        return (id, String(rest.dropFirst()))
    }

    /// `?page=N`: 1 when absent; anything but a positive number is a page that does not exist.
    static func requestedPage(_ request: Request) throws -> Int {
        guard let value = try request.queryItems().last(where: { $0.name == "page" })?.value else { return 1 }
        guard value.utf8.count <= 9, let number = Int(value), number >= 1 else { throw HTTPError.notFound }
        return number
    }

    /// `?filter=all|unanswered|answered`; anything else shows all threads.
    static func threadFilter(_ request: Request) throws -> ThreadFilter {
        guard let value = try request.queryItems().last(where: { $0.name == "filter" })?.value else { return .all }
        return ThreadFilter(rawValue: value) ?? .all
    }
}
