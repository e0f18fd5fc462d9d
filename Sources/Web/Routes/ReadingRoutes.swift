import Board
import Foundation
import HTTPServer

/// The board's pages: home, topics, threads, post histories, the briefing, organisations,
/// profiles and the Atom feeds. Every read goes through the request context's viewer
/// (`ctx.viewer`), so the queries' privacy rules see who is asking.
struct ReadingRoutes: RouteCollection {
    let app: AppContext
    var reading: ReadingService { app.network.reading }

    func register(on routes: inout Routes) throws {
        // Visitors' copies of these are kept whole (`PageCache`); everyone else's are made fresh.
        let cache = app.pageCache
        routes.get("/", cache.visitors(home))
        routes.get("/topics", cache.visitors(topics))
        routes.get("/welcome", welcome)
        routes.get("/topics/{slug}", cache.visitors(topic))
        routes.get("/topics/{slug}/feed", cache.visitors(topicFeed))
        routes.get("/t/{idslug}", cache.visitors(thread))
        routes.get("/t/{id:int}/feed.atom", cache.visitors(threadFeed))
        routes.get("/p/{id:int}/revisions", postHistory)
        routes.get("/briefing", cache.visitors(briefing))
        routes.get("/briefing.atom", cache.visitors(briefingFeed))
        routes.get("/o/{slug}", cache.visitors(organisation))
        routes.get("/u/{handle}", cache.visitors(profile))
    }

    func home(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        let view = HomeView(content: try reading.home(viewer: ctx.viewer), lines: app.pages.threadLines)
        return ctx.finish(app.pages.home.response(InLayout(view, ctx)))
    }

    /// `/topics`: every topic, with its description and how many threads the reader may open.
    func topics(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        let topics = try reading.topics(viewer: ctx.viewer)
        return ctx.finish(app.pages.topics.response(InLayout(TemplateObject(["topics": .list(topics.map(TopicCountView.init))]), ctx)))
    }

    /// `/welcome`: where a new member lands after their first sign-in (issue 18): what the network
    /// is, how to ask, and who the mentors are.
    func welcome(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        // The reader themselves is not listed to themselves as a mentor to ask.
        let mentors = try app.network.mentors.mentors()
            .filter { $0.availability != .unavailable && $0.userID != ctx.account?.id }.prefix(6)
        var view = TemplateObject()
        view["mentors"] = .list(mentors.map { mentor in
            var row = TemplateObject()
            row["name"] = .text(mentor.displayName)
            row["url"] = .text("/mentors/" + mentor.handle)
            row["headline"] = .text(mentor.headline)
            row["organisation"] = .text(WelcomeMentorLine.organisation(mentor.organisationName, headline: mentor.headline))
            return .object(row)
        })
        view["hasMentors"] = .bool(!mentors.isEmpty)
        view["name"] = .text(ctx.account?.displayName)
        // A new mentor is told where their own work starts; the approval note only where it holds.
        view["isMentor"] = .bool(ctx.actor.isMentor)
        view["firstPostWaits"] = .bool(try ctx.account.map { try app.network.posting.nextPostWaits(for: $0) } ?? true)
        return ctx.finish(app.pages.welcome.response(InLayout(view, ctx)))
    }

    /// `/topics/{slug}`, or its feed when the slug ends in `.atom`.
    func topic(_ request: Request) throws -> Response {
        let slug = request.parameters["slug"] ?? ""
        if slug.hasSuffix(".atom") { return try topicFeed(slug: String(slug.dropLast(".atom".count)), request) }
        let filter = try Self.threadFilter(request)
        let ctx = try app.requestContext(for: request)
        guard let page = try reading.topic(slug: slug, viewer: ctx.viewer, filter: filter) else { throw HTTPError.notFound }
        var view = TopicView(page: page, lines: app.pages.threadLines)
        view.helpfulAnswers = try app.network.helpful.topAnswers(topicSlug: page.topic.slug, viewer: ctx.viewer)
        if let account = ctx.account {
            view.following = try app.network.following.followsTopic(userID: account.id, slug: slug)
        }
        return ctx.finish(app.pages.topic.response(InLayout(view, ctx)))
    }

    func topicFeed(_ request: Request) throws -> Response {
        try topicFeed(slug: request.parameters["slug"] ?? "", request)
    }

    func topicFeed(slug: String, _ request: Request) throws -> Response {
        guard let page = try reading.topicFeed(slug: slug) else { throw HTTPError.notFound }
        return Feeds.topic(page, site: app.siteURL(request)).response()
    }

    /// `/t/ID-slug?page=N`; a wrong slug is sent to the right address.
    func thread(_ request: Request) throws -> Response {
        guard let (id, slug) = Self.parseThreadPath(request.parameters["idslug"] ?? "") else { throw HTTPError.notFound }
        let pageNumber = try Self.requestedPage(request)
        var ctx = try app.requestContext(for: request)
        guard let page = try reading.thread(id: id, page: pageNumber, viewer: ctx.viewer) else {
            // A visitor is asked to sign in whether the thread is private, held, hidden or not
            // there at all: the answer does not tell which (docs/visibility.md).
            guard ctx.account == nil else { throw HTTPError.notFound }
            let view = SignInToSeeView(signInURL: ReturnPath.signInURL(returningTo: ReturnPath.of(request)))
            return ctx.finish(app.pages.signInToSee.response(InLayout(view, ctx), status: .notFound))
        }
        guard pageNumber <= page.pageCount else { throw HTTPError.notFound }
        let view = ThreadView(page: page)
        if slug != page.thread.slug {
            return .redirect(to: Self.withQuote(view.pagePath(pageNumber), try Self.requestedQuote(request)), status: .movedPermanently)
        }
        if let account = ctx.account, ctx.unreadNotifications > 0 {
            // Reading what a notification is about reads the notification (issue 18 item 5).
            ctx.unreadNotifications = try app.network.notifications.markReadOnOpening(
                userID: account.id, threadID: page.thread.id, shownPostIDs: page.posts.map(\.id))
        }
        // The reader's draft, last visit, saved posts and follow state: one read.
        let state = try ctx.account.map { try reading.readerState(userID: $0.id, threadID: page.thread.id) }
        let (form, draftSavedAt) = try replyForm(ctx, request, page, draft: state?.draft)
        // "New since your last visit": posts newer than the newest this reader saw before.
        let seenBefore = try ctx.account.flatMap { account in
            try app.network.visits.record(userID: account.id, threadID: page.thread.id, postIDs: page.posts.map(\.id),
                                          lastSeenPostID: state?.lastSeenPostID)
        }
        return try app.threadPage(ctx, page, form: form, draftSavedAt: draftSavedAt, seenBefore: seenBefore, readerState: state)
    }

    func threadFeed(_ request: Request) throws -> Response {
        guard let feed = try reading.threadFeed(id: try request.id()) else { throw HTTPError.notFound }
        return Feeds.thread(feed, site: app.siteURL(request)).response()
    }

    func postHistory(_ request: Request) throws -> Response {
        let id = try request.id()
        let ctx = try app.requestContext(for: request)
        guard let history = try reading.postHistory(postID: id, viewer: ctx.viewer) else { throw HTTPError.notFound }
        return ctx.finish(app.pages.postHistory.response(InLayout(PostHistoryView(history: history), ctx)))
    }

    func briefing(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        let (items, topics) = try reading.briefing(viewer: ctx.viewer)
        return ctx.finish(app.pages.briefing.response(InLayout(BriefingView(items: items, topicOrder: topics), ctx)))
    }

    func briefingFeed(_ request: Request) throws -> Response {
        Feeds.briefing(try reading.briefingFeed(), site: app.siteURL(request)).response()
    }

    func organisation(_ request: Request) throws -> Response {
        let slug = request.parameters["slug"] ?? ""
        let ctx = try app.requestContext(for: request)
        guard let page = try reading.organisation(slug: slug, viewer: ctx.viewer) else { throw HTTPError.notFound }
        return ctx.finish(app.pages.organisation.response(InLayout(OrganisationView(page: page, lines: app.pages.threadLines), ctx)))
    }

    func profile(_ request: Request) throws -> Response {
        let handle = request.parameters["handle"] ?? ""
        let ctx = try app.requestContext(for: request)
        // A deleted account has no profile; a link to it from before (a search result, a page
        // kept elsewhere) gets a page saying so, not "Page not found".
        if handle.utf8.count <= 30 && Accounts.isFormerMember(handle: handle) {
            return ctx.finish(app.pages.errorResponse(.gone, "This member deleted their account. Their posts stay on the network, "
                                                      + "shown as written by a former member.", in: ctx))
        }
        guard handle.utf8.count <= 30, let profile = try reading.profile(handle: handle) else { throw HTTPError.notFound }
        return ctx.finish(app.pages.posting.profile.response(InLayout(ProfilePage(profile: profile), ctx)))
    }

    // MARK: Helpers

    /// The reply form's starting state: the signed-in person's saved draft for this thread, and
    /// with `?quote=POSTID` a Markdown quote of that post (in this thread, not removed) with
    /// attribution; and when the draft was saved, if the box holds one.
    /// - Parameter draft: the signed-in person's draft reply to the thread (`readerState`).
    func replyForm(_ ctx: RequestContext, _ request: Request, _ page: ThreadPage, draft: Draft?) throws -> (FormState, Date?) {
        guard ctx.account != nil else { return (FormState(), nil) }
        var body = draft?.body ?? ""
        var values: [String: String] = [:]
        if let quoteValue = try request.queryItems().last(where: { $0.name == "quote" })?.value, let quoteID = Int64(quoteValue),
           let quoted = try reading.quote(postID: quoteID, threadID: page.thread.id, viewer: ctx.viewer) {
            let lines = quoted.markdown.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }
            let quote = "> **\(quoted.authorName)** wrote:\n>\n" + lines.joined(separator: "\n") + "\n\n"
            body = body.isEmpty ? quote : body + "\n\n" + quote
            values["replyTo"] = String(quoteID)
        }
        values["body"] = body
        return (FormState(values: values), draft?.updatedAt)
    }

    /// "123-some-slug" → (123, "some-slug"); "123" → (123, ""); anything else → nil.
    /// By bytes: every thread page starts here, and walking the segment by `Character` cost
    /// about 1 µs a request.
    static func parseThreadPath(_ segment: String) -> (id: Int64, slug: String)? {
        let bytes = segment.utf8
        var id: Int64 = 0
        var digits = 0
        var index = bytes.startIndex
        while index != bytes.endIndex, case let byte = bytes[index], byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            guard digits < 18 else { return nil }
            id = id * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
            index = bytes.index(after: index)
        }
        guard digits > 0 else { return nil }
        if index == bytes.endIndex { return (id, "") }
        guard bytes[index] == UInt8(ascii: "-") else { return nil }
        return (id, String(segment[bytes.index(after: index)...]))
    }

    /// `?page=N`: 1 when absent; anything but a positive number is a page that does not exist.
    /// `?quote=POSTID` when it is a post id (digits only); anything else is dropped.
    static func requestedQuote(_ request: Request) throws -> Int64? {
        guard let value = try request.queryItems().last(where: { $0.name == "quote" })?.value,
              value.utf8.count <= 18, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(value)
    }

    /// A thread page's address with the reply form's quote (`?quote=N#reply-heading`): each
    /// post's Quote link (`PostBlockView`), and the redirect from a wrong slug, which keeps it.
    /// An absolute path, never one relative to the page: the thread page also answers a reply's
    /// preview or refusal, at `/t/ID/reply`.
    static func withQuote(_ path: String, _ quote: Int64?) -> String {
        guard let quote else { return path }
        // The bytes, not a search by `Character`: this runs for every post rendered.
        return path + (path.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + "quote=\(quote)#reply-heading"
    }

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

/// A visitor's answer for a thread they may not read (or one that does not exist).
struct SignInToSeeView: TemplateRenderable {
    let signInURL: String

    func templateValue(for key: String) -> TemplateValue? {
        key == "signInURL" ? .text(signInURL) : nil
    }
}

extension AppContext {
    /// `/t/ID-slug?page=N#post-ID` for a post: the page it sits on, by its position.
    func postPath(_ postID: Int64) throws -> String {
        guard let place = try network.reading.place(ofPost: postID) else { throw HTTPError.notFound }
        let base = BoardPaths.thread(id: place.threadID, slug: place.threadSlug)
        return base + (place.page == 1 ? "" : "?page=\(place.page)") + "#post-\(postID)"
    }
}
