import Board
import Database
import Foundation
import HTTPServer

/// The writing side of the board (issue 5): start a thread, reply (with quote, preview and
/// drafts). Every handler asks `Policy`, checks the CSRF token and the posting allowance, and
/// keeps what was typed when anything is refused.
enum PostingRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        router.get("/u/{handle}") { request in
            let handle = request.parameters["handle"] ?? ""
            let ctx = try app.requestContext(for: request)
            guard handle.utf8.count <= 30, let profile = try app.store.read({ try ProfilePage.load($0, handle: handle) }) else {
                throw HTTPError.notFound
            }
            return ctx.finish(app.pages.posting.profile.response(InLayout(profile, ctx)))
        }

        router.get("/t/new") { request in
            let ctx = try app.requestContext(for: request)
            guard let account = ctx.account else { return signInRedirect(ctx) }
            if case .denied(let reason) = Policy.decide(ctx.actor, .startThread, .network) {
                return ctx.finish(app.pages.errorResponse(.forbidden, reason))
            }
            let briefing = try request.queryItems().last { $0.name == "briefing" }?.value ?? ""
            let draft = try app.store.read { try Drafts.load($0, userID: account.id, threadID: nil) }
            var values = ["space": "public", "briefing": briefing]
            if let draft {
                values["title"] = draft.title
                values["body"] = draft.body
            }
            return try newThreadPage(app, ctx, form: FormState(values: values), topics: [])
        }

        router.post("/t/new") { request in
            let ctx = try app.requestContext(for: request)
            guard let account = ctx.account else { return signInRedirect(ctx) }
            let items: [FormItem]
            switch try app.checkedForm(request, ctx) {
            case .rejected(let rejected, _):
                try saveDraft(app, account, threadID: nil, rejected)
                return try newThreadPage(app, ctx, form: FormState(items: rejected, formMessage: CSRF.resubmitMessage),
                                         topics: rejected.values("topics"), status: .forbidden)
            case .valid(let valid):
                items = valid
            }
            let topics = items.values("topics")
            let form = FormState(items: items)
            if case .denied(let reason) = Policy.decide(ctx.actor, .startThread, .network) {
                try saveDraft(app, account, threadID: nil, items)
                return try newThreadPage(app, ctx, form: FormState(items: items, formMessage: reason), topics: topics, status: .forbidden)
            }
            if items.value("action") == "preview" {
                try saveDraft(app, account, threadID: nil, items)
                let preview = Markdown.render(PostLimits.normalise(items.value("body") ?? ""))
                return try newThreadPage(app, ctx, form: form, topics: topics, previewHTML: preview)
            }
            var space = ThreadSpace.network
            let spaceValue = items.value("space") ?? "public"
            if spaceValue != "public" {
                guard let id = Int64(spaceValue), Policy.decide(ctx.actor, .startThread, .organisation(id)).isAllowed else {
                    try saveDraft(app, account, threadID: nil, items)
                    return try newThreadPage(app, ctx, form: FormState(items: items, errors: [FieldError("space", "Select a space you can post in")]),
                                             topics: topics, status: .forbidden)
                }
                space = .organisation(id)
            }
            if let refusal = try allowanceRefusal(app, account) {
                try saveDraft(app, account, threadID: nil, items)
                return try newThreadPage(app, ctx, form: FormState(items: items, formMessage: refusal), topics: topics, status: .forbidden)
            }
            let briefing = (items.value("briefing") ?? "").isEmpty ? nil : Int64(items.value("briefing") ?? "")
            let draft = NewThread(title: items.value("title") ?? "", body: items.value("body") ?? "", topicSlugs: topics,
                                  space: space, briefingItemID: briefing)
            do {
                let (threadID, postID) = try Threads.create(app.store, by: ctx.viewer, draft)
                try app.store.write { try Drafts.delete($0, userID: account.id, threadID: nil) }
                let slug = try app.store.read { try $0.scalar(String.self, "SELECT slug FROM threads WHERE id = ?", threadID) } ?? ""
                return redirect(BoardPaths.thread(id: threadID, slug: slug) + "#post-\(postID)", ctx)
            } catch let error as PostValidationError {
                try saveDraft(app, account, threadID: nil, items)
                let errors = error.problems.map { FieldError($0.field == "briefingItem" ? "briefing" : $0.field, $0.message) }
                return try newThreadPage(app, ctx, form: FormState(items: items, errors: errors), topics: topics, status: .unprocessableContent)
            } catch let error as PostingError {
                try saveDraft(app, account, threadID: nil, items)
                return try newThreadPage(app, ctx, form: FormState(items: items, formMessage: message(error, ctx)), topics: topics, status: .forbidden)
            }
        }

        router.post("/t/{id:int}/reply") { request in
            guard let threadID = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let ctx = try app.requestContext(for: request)
            guard let account = ctx.account else { return signInRedirect(ctx) }
            // The token is checked before anything is looked up: a forged form learns nothing.
            let submission = try app.checkedForm(request, ctx)
            // The last page (the query clamps the number), where the form is shown again if refused.
            guard let page = try app.store.read({ try PageQueries.thread($0, id: threadID, page: .max, viewer: ctx.viewer) }) else {
                if case .rejected = submission { return ctx.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage)) }
                throw HTTPError.notFound
            }
            let items: [FormItem]
            switch submission {
            case .rejected(let rejected, _):
                try saveDraft(app, account, threadID: threadID, rejected)
                return try threadPage(app, ctx, page, form: FormState(items: rejected, formMessage: CSRF.resubmitMessage), status: .forbidden)
            case .valid(let valid):
                items = valid
            }
            if case .denied(let reason) = Policy.decide(ctx.actor, .reply, .thread(threadState(page))) {
                try saveDraft(app, account, threadID: threadID, items)
                return try threadPage(app, ctx, page, form: FormState(items: items, formMessage: reason), status: .forbidden)
            }
            if items.value("action") == "preview" {
                try saveDraft(app, account, threadID: threadID, items)
                let preview = Markdown.render(PostLimits.normalise(items.value("body") ?? ""))
                return try threadPage(app, ctx, page, form: FormState(items: items), previewHTML: preview)
            }
            if let refusal = try allowanceRefusal(app, account) {
                try saveDraft(app, account, threadID: threadID, items)
                return try threadPage(app, ctx, page, form: FormState(items: items, formMessage: refusal), status: .forbidden)
            }
            let replyTo = (items.value("replyTo") ?? "").isEmpty ? nil : Int64(items.value("replyTo") ?? "")
            do {
                let postID = try Threads.reply(app.store, by: ctx.viewer, threadID: threadID, body: items.value("body") ?? "", replyTo: replyTo)
                try app.store.write { try Drafts.delete($0, userID: account.id, threadID: threadID) }
                return redirect(try postPath(app, postID: postID), ctx)
            } catch let error as PostValidationError {
                try saveDraft(app, account, threadID: threadID, items)
                return try threadPage(app, ctx, page, form: FormState(items: items, errors: error.problems.map { FieldError($0.field, $0.message) }),
                                      status: .unprocessableContent)
            } catch let error as PostingError {
                if error == .threadNotFound { throw HTTPError.notFound }
                try saveDraft(app, account, threadID: threadID, items)
                return try threadPage(app, ctx, page, form: FormState(items: items, formMessage: message(error, ctx)), status: .forbidden)
            }
        }
    }

    // MARK: Pages

    /// The thread page (its last page when showing a rejected reply) with the reply form filled from `form`.
    static func threadPage(_ app: AppContext, _ ctx: RequestContext, _ page: ThreadPage, form: FormState,
                           previewHTML: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        var reply = ReplyFormView(thread: ThreadView(page: page, viewer: ctx.viewer), ctx: ctx, state: threadState(page), previewHTML: previewHTML)
        // Live replies are appended to the page, so only the last page follows the stream.
        if let account = ctx.account, page.page == page.pageCount {
            let state = try app.store.read { try Subscriptions.threadState($0, userID: account.id, threadID: page.thread.id) }
            reply.follow = ThreadFollowView(threadID: page.thread.id, state: state, csrfToken: ctx.csrfToken)
        }
        return ctx.finish(app.pages.thread.response(InLayout(reply, ctx, form: form), status: status))
    }

    static func newThreadPage(_ app: AppContext, _ ctx: RequestContext, form: FormState, topics: [String],
                              previewHTML: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        let (allTopics, spaces) = try app.store.read { conn in
            (try conn.query(TopicChoice.self, "SELECT slug, name FROM topics WHERE retired = 0 ORDER BY position, name"),
             try conn.query(SpaceChoice.self, "SELECT id, name FROM organisations WHERE kind = 'pathfinder' ORDER BY name"))
        }
        let allowedSpaces = spaces.filter { Policy.decide(ctx.actor, .startThread, .organisation($0.id)).isAllowed }
        var aboutTitle: String?
        if let briefing = form.values["briefing"].flatMap({ Int64($0) }) {
            aboutTitle = try app.store.read { try $0.scalar(String.self, "SELECT title FROM briefing_items WHERE id = ? AND retired = 0", briefing) }
        }
        let view = NewThreadView(topics: allTopics, selected: Set(topics), spaces: allowedSpaces,
                                 selectedSpace: form.values["space"] ?? "public", previewHTML: previewHTML, aboutTitle: aboutTitle)
        return ctx.finish(app.pages.posting.newThread.response(InLayout(view, ctx, form: form), status: status))
    }

    // MARK: Helpers

    static func threadState(_ page: ThreadPage) -> Resource.ThreadState {
        Resource.ThreadState(authorID: 0, organisationID: page.thread.organisationID, locked: page.thread.locked)
    }

    /// To sign in, and back to the page asked for when it was a GET (`ReturnPath`).
    static func signInRedirect(_ ctx: RequestContext) -> Response {
        redirect(ReturnPath.signInURL(returningTo: ctx.returnPath), ctx)
    }

    static func redirect(_ location: String, _ ctx: RequestContext) -> Response {
        ctx.finish(Response(status: .seeOther, headers: HTTPHeaders([("Location", location)])))
    }

    /// `/t/ID-slug?page=N#post-ID` for a post: the page it sits on, by its position.
    static func postPath(_ app: AppContext, postID: Int64) throws -> String {
        struct Place: RowDecodable {
            let threadID: Int64
            let slug: String
            let position: Int
            init(row: Row) throws {
                threadID = try row["thread_id"]
                slug = try row["slug"]
                position = try row["position"]
            }
        }
        guard let place = try app.store.read({
            try $0.queryOne(Place.self, "SELECT t.id AS thread_id, t.slug, p.position FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?", postID)
        }) else { throw HTTPError.notFound }
        let pageNumber = (place.position - 1) / PageQueries.postsPerPage + 1
        let base = BoardPaths.thread(id: place.threadID, slug: place.slug)
        return (pageNumber == 1 ? base : base + "?page=\(pageNumber)") + "#post-\(postID)"
    }

    static func allowanceRefusal(_ app: AppContext, _ account: Account) throws -> String? {
        let now = app.accounts.clock.now()
        let allowance = try app.store.read { try Accounts.postingAllowance($0, account: account, now: now, limits: Moderation.accountLimits($0, base: app.accounts.limits)) }
        return allowance.allowed ? nil : (allowance.reason ?? "You cannot post at the moment")
    }

    static func saveDraft(_ app: AppContext, _ account: Account, threadID: Int64?, _ items: [FormItem]) throws {
        let title = String((items.value("title") ?? "").unicodeScalars.prefix(200))
        let body = String((items.value("body") ?? "").unicodeScalars.prefix(PostLimits.bodyLength.upperBound))
        if title.isEmpty && body.isEmpty { return }
        try app.store.write { try Drafts.save($0, userID: account.id, threadID: threadID, title: title, body: body, now: Date()) }
    }

    static func message(_ error: PostingError, _ ctx: RequestContext) -> String {
        switch error {
        case .signInRequired: "Sign in to post"
        case .suspended: Policy.suspensionMessage(ctx.actor)
        case .slowMode(let seconds):
            "This thread is in slow mode: you can reply again in \(seconds < 120 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes")"
        case .threadNotFound: "That thread cannot be found"
        case .postNotFound: "The post you are replying to cannot be found"
        case .threadLocked: "This thread is locked, so no one can reply"
        case .spaceNotAllowed: "Only members of that organisation, its mentors and admins can post there"
        case .notPermitted: "You can only change your own posts"
        case .postRemoved: "That post has been removed"
        case .cannotAcceptOpeningPost: "The opening post cannot be the answer"
        }
    }
}

/// A person's work in progress: one new thread and one reply per thread (the `drafts` table).
enum Drafts {
    struct Saved: RowDecodable {
        let title: String
        let body: String
        init(row: Row) throws {
            title = try row["title"]
            body = try row["body_markdown"]
        }
    }

    static func load(_ conn: Connection, userID: Int64, threadID: Int64?) throws -> Saved? {
        if let threadID {
            return try conn.queryOne(Saved.self, "SELECT title, body_markdown FROM drafts WHERE user_id = ? AND thread_id = ?", userID, threadID)
        }
        return try conn.queryOne(Saved.self, "SELECT title, body_markdown FROM drafts WHERE user_id = ? AND thread_id IS NULL", userID)
    }

    static func save(_ conn: Connection, userID: Int64, threadID: Int64?, title: String, body: String, now: Date) throws {
        try delete(conn, userID: userID, threadID: threadID)
        try conn.run("INSERT INTO drafts(user_id, thread_id, title, body_markdown, updated_at) VALUES (?, ?, ?, ?, ?)",
                     userID, threadID, title, body, now)
    }

    static func delete(_ conn: Connection, userID: Int64, threadID: Int64?) throws {
        if let threadID {
            try conn.run("DELETE FROM drafts WHERE user_id = ? AND thread_id = ?", userID, threadID)
        } else {
            try conn.run("DELETE FROM drafts WHERE user_id = ? AND thread_id IS NULL", userID)
        }
    }
}

extension Array where Element == FormItem {
    func value(_ name: String) -> String? { last { $0.name == name }?.value }
    func values(_ name: String) -> [String] { filter { $0.name == name }.map(\.value) }
}
