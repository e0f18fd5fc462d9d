import Board
import Foundation
import HTTPServer

/// The writing side of the board (issue 5): start a thread, reply (with quote, preview and
/// drafts), edit your own post (revisions kept), delete your own post (a placeholder stays),
/// mark or change the accepted answer (thread author or admin). Every handler asks `Policy`,
/// checks the CSRF token and the posting allowance, and keeps what was typed when anything is
/// refused.
struct PostingRoutes: RouteCollection {
    let app: AppContext
    var posting: PostingService { app.network.posting }

    func register(on routes: inout Routes) throws {
        routes.get("/t/new", newThreadForm)
        routes.post("/t/new", newThread)
        routes.post("/t/{id:int}/reply", reply)
        routes.get("/p/{id:int}/edit", editForm)
        routes.post("/p/{id:int}/edit", edit)
        routes.get("/p/{id:int}/delete", deleteForm)
        routes.post("/p/{id:int}/delete", delete)
        routes.post("/t/{id:int}/accept", accept)
    }

    // MARK: New threads

    func newThreadForm(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        guard let account = ctx.account else { return ctx.signInRedirect() }
        if case .denied(let reason) = Policy.decide(ctx.actor, .startThread, .network) {
            return ctx.finish(app.pages.errorResponse(.forbidden, reason, in: ctx))
        }
        let briefing = try request.queryItems().last { $0.name == "briefing" }?.value ?? ""
        var values = ["space": "public", "briefing": briefing]
        if let draft = try app.network.drafts.draft(userID: account.id, threadID: nil) {
            values["title"] = draft.title
            values["body"] = draft.body
        }
        return try newThreadPage(ctx, form: FormState(values: values), topics: [])
    }

    func newThread(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        guard let account = ctx.account else { return ctx.signInRedirect() }
        let items: [FormItem]
        switch try app.checkedForm(request, ctx) {
        case .rejected(let rejected, _):
            // A refused POST writes nothing: the form comes back with what was typed, no draft is saved.
            return try newThreadPage(ctx, form: FormState(items: rejected, formMessage: CSRF.resubmitMessage),
                                     topics: rejected.values("topics"), status: .forbidden)
        case .valid(let valid):
            items = valid
        }
        let topics = items.values("topics")
        /// The form again with what was typed (kept as a draft) and why it was refused.
        func refused(_ form: FormState, _ status: HTTPStatus) throws -> Response {
            try saveDraft(account, threadID: nil, items)
            return try newThreadPage(ctx, form: form, topics: topics, status: status)
        }
        if case .denied(let reason) = Policy.decide(ctx.actor, .startThread, .network) {
            return try refused(FormState(items: items, formMessage: reason), .forbidden)
        }
        if items.value("action") == "preview" {
            try saveDraft(account, threadID: nil, items)
            let preview = Markdown.render(PostLimits.normalise(items.value("body") ?? ""))
            return try newThreadPage(ctx, form: FormState(items: items), topics: topics, previewHTML: preview)
        }
        var space = ThreadSpace.network
        let spaceValue = items.value("space") ?? "public"
        if spaceValue != "public" {
            guard let id = Int64(spaceValue), Policy.decide(ctx.actor, .startThread, .organisation(id)).isAllowed else {
                return try refused(FormState(items: items, errors: [FieldError("space", "Select a space you can post in")]), .forbidden)
            }
            space = .organisation(id)
        }
        if let refusal = try allowanceRefusal(account) {
            return try refused(FormState(items: items, formMessage: refusal), .forbidden)
        }
        let briefing = (items.value("briefing") ?? "").isEmpty ? nil : Int64(items.value("briefing") ?? "")
        let draft = NewThread(title: items.value("title") ?? "", body: items.value("body") ?? "", topicSlugs: topics,
                              space: space, briefingItemID: briefing)
        do {
            let waits = try posting.nextPostWaits(for: account)
            let made = try posting.createThread(by: ctx.viewer, draft)
            let path = BoardPaths.thread(id: made.thread, slug: made.slug) + "#post-\(made.post)"
            return ctx.redirect(waits ? SiteNotice.path(path, .postWaits) : path)
        } catch let error as PostValidationError {
            let errors = error.problems.map { FieldError($0.field == "briefingItem" ? "briefing" : $0.field, $0.message) }
            return try refused(FormState(items: items, errors: errors), .unprocessableContent)
        } catch let error as PostingError {
            return try refused(FormState(items: items, formMessage: error.message(for: ctx.actor)), .forbidden)
        }
    }

    // MARK: Replies

    func reply(_ request: Request) throws -> Response {
        let threadID = try request.id()
        let ctx = try app.requestContext(for: request)
        guard let account = ctx.account else { return ctx.signInRedirect() }
        // The token is checked before anything is looked up: a forged form learns nothing.
        let submission = try app.checkedForm(request, ctx)
        // The last page (the query clamps the number), where the form is shown again if refused.
        guard let page = try app.network.reading.thread(id: threadID, page: .max, viewer: ctx.viewer) else {
            if case .rejected = submission { return ctx.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: ctx)) }
            throw HTTPError.notFound
        }
        let items = submission.items
        /// The thread page again with what was typed (kept as a draft) and why it was refused.
        func refused(_ form: FormState, _ status: HTTPStatus) throws -> Response {
            try saveDraft(account, threadID: threadID, items)
            return try app.threadPage(ctx, page, form: form, status: status)
        }
        if case .rejected = submission {
            // A refused POST writes nothing (a forged form must not overwrite the member's draft).
            return try app.threadPage(ctx, page, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        if case .denied(let reason) = Policy.decide(ctx.actor, .reply, .thread(page.state)) {
            return try refused(FormState(items: items, formMessage: reason), .forbidden)
        }
        if items.value("action") == "preview" {
            try saveDraft(account, threadID: threadID, items)
            let preview = Markdown.render(PostLimits.normalise(items.value("body") ?? ""))
            return try app.threadPage(ctx, page, form: FormState(items: items), previewHTML: preview)
        }
        if let refusal = try allowanceRefusal(account) {
            return try refused(FormState(items: items, formMessage: refusal), .forbidden)
        }
        let replyTo = (items.value("replyTo") ?? "").isEmpty ? nil : Int64(items.value("replyTo") ?? "")
        do {
            let waits = try posting.nextPostWaits(for: account)
            let postID = try posting.reply(by: ctx.viewer, threadID: threadID, body: items.value("body") ?? "", replyTo: replyTo)
            return ctx.redirect(waits ? SiteNotice.path(try app.postPath(postID), .postWaits) : try app.postPath(postID))
        } catch let error as PostValidationError {
            return try refused(FormState(items: items, errors: error.fieldErrors), .unprocessableContent)
        } catch let error as PostingError where error != .threadNotFound {
            return try refused(FormState(items: items, formMessage: error.message(for: ctx.actor)), .forbidden)
        }
    }

    // MARK: Editing and deleting your own posts

    func editForm(_ request: Request) throws -> Response {
        let (ctx, post) = try load(request, .editPost)
        guard let post else { return ctx.signInRedirect() }
        return try editPage(ctx, post, form: FormState(values: ["body": post.markdown]))
    }

    func edit(_ request: Request) throws -> Response {
        let (ctx, submission, post) = try loadForPost(request, .editPost)
        guard let post else { return ctx.signInRedirect() }
        guard case .valid(let items) = submission else {
            return try editPage(ctx, post, form: FormState(items: submission.items, formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        let body = items.value("body") ?? ""
        if items.value("action") == "preview" {
            return try editPage(ctx, post, form: FormState(items: items), previewHTML: Markdown.render(PostLimits.normalise(body)))
        }
        do {
            try posting.edit(by: ctx.viewer, postID: post.id, body: body)
            return ctx.redirect(try app.postPath(post.id))
        } catch let error as PostValidationError {
            return try editPage(ctx, post, form: FormState(items: items, errors: error.fieldErrors), status: .unprocessableContent)
        } catch let error as PostingError {
            return try editPage(ctx, post, form: FormState(items: items, formMessage: error.message(for: ctx.actor)), status: .forbidden)
        }
    }

    func deleteForm(_ request: Request) throws -> Response {
        let (ctx, post) = try load(request, .deletePost)
        guard let post else { return ctx.signInRedirect() }
        return try deletePage(ctx, post, form: FormState())
    }

    func delete(_ request: Request) throws -> Response {
        let (ctx, submission, post) = try loadForPost(request, .deletePost)
        guard let post else { return ctx.signInRedirect() }
        guard case .valid = submission else {
            return try deletePage(ctx, post, form: FormState(items: submission.items, formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        do {
            try posting.deleteOwn(by: ctx.viewer, postID: post.id)
            return ctx.redirect(SiteNotice.path(try app.postPath(post.id), .ownPostDeleted))
        } catch let error as PostingError {
            return try deletePage(ctx, post, form: FormState(formMessage: error.message(for: ctx.actor)), status: .forbidden)
        }
    }

    // MARK: Accepted answers

    func accept(_ request: Request) throws -> Response {
        let threadID = try request.id()
        let ctx = try app.requestContext(for: request)
        guard ctx.account != nil else { return ctx.signInRedirect() }
        let submission = try app.checkedForm(request, ctx)
        guard let page = try app.network.reading.thread(id: threadID, page: 1, viewer: ctx.viewer) else {
            if case .rejected = submission { return ctx.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: ctx)) }
            throw HTTPError.notFound
        }
        guard case .valid(let items) = submission else {
            return try app.threadPage(ctx, page, form: FormState(items: submission.items, formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        let postID = (items.value("post") ?? "").isEmpty ? nil : Int64(items.value("post") ?? "")
        do {
            try posting.acceptAnswer(by: ctx.viewer, threadID: threadID, postID: postID)
        } catch let error as PostingError where error.status == .forbidden {
            return ctx.finish(app.pages.errorResponse(.forbidden, error.message(for: ctx.actor), in: ctx))
        }
        if let postID { return ctx.redirect(try app.postPath(postID)) }
        return ctx.redirect(BoardPaths.thread(id: threadID, slug: page.thread.slug))
    }

    // MARK: Pages

    func newThreadPage(_ ctx: RequestContext, form: FormState, topics: [String],
                       previewHTML: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        let allTopics = try app.network.topics.active()
        let spaces = try posting.spaces(for: ctx.actor)
        let aboutTitle = try form.values["briefing"].flatMap { Int64($0) }.flatMap { try app.network.briefing.title(id: $0) }
        var view = NewThreadView(topics: allTopics, selected: Set(topics), spaces: spaces,
                                 selectedSpace: form.values["space"] ?? "public", previewHTML: previewHTML, aboutTitle: aboutTitle)
        if let account = ctx.account { view.postWaits = try posting.nextPostWaits(for: account) }
        return ctx.finish(app.pages.posting.newThread.response(InLayout(view, ctx, form: form), status: status))
    }

    func editPage(_ ctx: RequestContext, _ post: EditablePost, form: FormState,
                  previewHTML: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        let view = PostFormView(post: post, previewHTML: previewHTML, backURL: try app.postPath(post.id))
        return ctx.finish(app.pages.posting.editPost.response(InLayout(view, ctx, form: form), status: status))
    }

    func deletePage(_ ctx: RequestContext, _ post: EditablePost, form: FormState, status: HTTPStatus = .ok) throws -> Response {
        let view = PostFormView(post: post, previewHTML: post.html, backURL: try app.postPath(post.id))
        return ctx.finish(app.pages.posting.deletePost.response(InLayout(view, ctx, form: form), status: status))
    }

    // MARK: Helpers

    /// For a POST: the CSRF check first (a forged form is refused with 403 before anything is
    /// looked up, so it learns nothing), then `load`.
    func loadForPost(_ request: Request, _ action: Action) throws -> (RequestContext, FormSubmission, EditablePost?) {
        let ctx = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, ctx)
        do {
            let (loadedContext, post) = try load(request, action)
            return (loadedContext, submission, post)
        } catch let error as HTTPError {
            if case .rejected = submission { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            throw error
        }
    }

    /// The post named in the path, checked with `Policy` for `action`: nil post for a visitor
    /// (sent to sign in); 404 when it does not exist for them; 403 with the reason when refused.
    func load(_ request: Request, _ action: Action) throws -> (RequestContext, EditablePost?) {
        let id = try request.id()
        let ctx = try app.requestContext(for: request)
        guard let post = try posting.editablePost(id: id) else { throw HTTPError.notFound }
        if case .notFound = Policy.decide(ctx.actor, .read, .post(post.state)) { throw HTTPError.notFound }
        guard ctx.account != nil else { return (ctx, nil) }
        switch Policy.decide(ctx.actor, action, .post(post.state)) {
        case .allowed:
            guard post.state.authorID == ctx.actor.userID else { throw HTTPError(.forbidden, "You can only change your own posts") }
            guard !post.deleted else { throw HTTPError(.forbidden, "This post has been deleted") }
            return (ctx, post)
        case .notFound: throw HTTPError.notFound
        case .denied(let reason): throw HTTPError(.forbidden, reason)
        }
    }

    func allowanceRefusal(_ account: Account) throws -> String? {
        let allowance = try posting.allowance(for: account)
        return allowance.allowed ? nil : (allowance.reason ?? "You cannot post at the moment")
    }

    func saveDraft(_ account: Account, threadID: Int64?, _ items: [FormItem]) throws {
        try app.network.drafts.save(userID: account.id, threadID: threadID, title: items.value("title") ?? "", body: items.value("body") ?? "")
    }
}

extension AppContext {
    /// The thread page (its last page when showing a rejected reply) with the reply form filled from `form`.
    func threadPage(_ ctx: RequestContext, _ page: ThreadPage, form: FormState,
                    previewHTML: String? = nil, notice: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        var reply = ReplyFormView(thread: ThreadView(page: page, viewer: ctx.viewer), ctx: ctx, state: page.state,
                                  previewHTML: previewHTML)
        reply.notice = notice
        if let account = ctx.account {
            reply.savedPostIDs = try network.following.savedPostIDs(userID: account.id, threadID: page.thread.id)
            if page.page == page.pageCount { reply.postWaits = try network.posting.nextPostWaits(for: account) }
        }
        // Live replies are appended to the page, so only the last page follows the stream.
        if let account = ctx.account, page.page == page.pageCount {
            let state = try network.following.threadState(userID: account.id, threadID: page.thread.id)
            reply.follow = ThreadFollowView(threadID: page.thread.id, state: state, csrfToken: ctx.csrfToken)
        }
        return ctx.finish(pages.thread.response(InLayout(reply, ctx, form: form), status: status))
    }
}

extension Array where Element == FormItem {
    func value(_ name: String) -> String? { last { $0.name == name }?.value }
    func values(_ name: String) -> [String] { filter { $0.name == name }.map(\.value) }
}
