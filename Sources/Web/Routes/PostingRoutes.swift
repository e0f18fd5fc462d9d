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
        routes.formPage("/t/{id:int}/reply") { "/t/\($0)#reply-heading" }
        routes.get("/p/{id:int}/edit", editForm)
        routes.post("/p/{id:int}/edit", edit)
        routes.get("/p/{id:int}/delete", deleteForm)
        routes.post("/p/{id:int}/delete", delete)
        routes.post("/t/{id:int}/accept", accept)
        routes.post("/drafts", saveDraftInBackground)
        routes.post("/p/{id:int}/helped", markHelpful)
        routes.get("/t/{id:int}/details", detailsForm)
        routes.post("/t/{id:int}/details", saveDetails)
    }

    // MARK: "This helped"

    /// `POST /p/{id}/helped` (`action` = mark | unmark): back to the post with a word.
    func markHelpful(_ request: Request) throws -> Response {
        let postID = try request.id()
        let ctx = try app.requestContext(for: request)
        guard ctx.account != nil else { return ctx.signInRedirect() }
        guard case .valid(let items) = try app.checkedForm(request, ctx) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
        let helped: Bool
        switch items.value("action") {
        case "mark": helped = true
        case "unmark": helped = false
        default: throw HTTPError.badRequest("Choose to mark the post as helpful or to take your mark back")
        }
        do {
            guard try app.network.helpful.mark(by: ctx.actor, postID: postID, helped: helped) else { throw HTTPError.notFound }
        } catch PostingError.refused(let reason) {
            throw HTTPError(.forbidden, reason)
        }
        return ctx.redirect(try app.postPath(postID), notice: helped ? .helped : .unhelped, subject: postID)
    }

    // MARK: A thread's title and topics (its author, or an admin)

    func detailsForm(_ request: Request) throws -> Response {
        let threadID = try request.id()
        let ctx = try app.requestContext(for: request)
        guard ctx.account != nil else { return ctx.signInRedirect() }
        let details = try loadDetails(ctx, threadID)
        return try detailsPage(ctx, details, form: FormState(values: ["title": details.title]), topics: details.topicSlugs)
    }

    func saveDetails(_ request: Request) throws -> Response {
        let threadID = try request.id()
        let ctx = try app.requestContext(for: request)
        guard ctx.account != nil else { return ctx.signInRedirect() }
        let submission = try app.checkedForm(request, ctx)
        let details: Threads.Details
        do {
            details = try loadDetails(ctx, threadID)
        } catch let error as HTTPError where error.status == .notFound {
            if case .rejected = submission { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            throw error
        }
        let items = submission.items
        let topics = items.values("topics")
        guard case .valid = submission else {
            return try detailsPage(ctx, details, form: FormState(items: items, formMessage: CSRF.resubmitMessage), topics: topics, status: .forbidden)
        }
        do {
            let slug = try posting.editThreadDetails(by: ctx.actor, threadID: threadID, title: items.value("title") ?? "", topicSlugs: topics)
            return ctx.redirect(BoardPaths.thread(id: threadID, slug: slug), notice: .threadDetailsSaved)
        } catch let error as PostValidationError {
            return try detailsPage(ctx, details, form: FormState(items: items, errors: error.fieldErrors), topics: topics, status: .unprocessableContent)
        } catch PostingError.refused(let reason) {
            return try detailsPage(ctx, details, form: FormState(items: items, formMessage: reason), topics: topics, status: .forbidden)
        }
    }

    /// The thread's details when the actor may change them: 404 when they may not read it,
    /// 403 with the reason when they may not change it.
    func loadDetails(_ ctx: RequestContext, _ threadID: Int64) throws -> Threads.Details {
        do {
            return try posting.threadDetails(by: ctx.actor, threadID: threadID)
        } catch PostingError.refused(let reason) {
            throw HTTPError(.forbidden, reason)
        } catch PostingError.threadNotFound {
            throw HTTPError.notFound
        }
    }

    func detailsPage(_ ctx: RequestContext, _ details: Threads.Details, form: FormState, topics: [String],
                     status: HTTPStatus = .ok) throws -> Response {
        let view = ThreadDetailsView(details: details, topics: try app.network.topics.active(), selected: Set(topics))
        return ctx.finish(app.pages.posting.threadDetails.response(InLayout(view, ctx, form: form), status: status))
    }

    // MARK: New threads

    func newThreadForm(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        guard ctx.account != nil else { return ctx.signInRedirect() }
        if case .denied(let reason) = Policy.decide(ctx.actor, .startThread, .network) {
            return ctx.finish(app.pages.errorResponse(.forbidden, reason, in: ctx))
        }
        // The draft's private space and briefing item come back where the person may still post
        // (`DraftsService.newThreadDraft`); "Start a thread about this item" (`?briefing=ID`) wins.
        let draft = try app.network.drafts.newThreadDraft(for: ctx.actor)
        let asked = try request.queryItems().last { $0.name == "briefing" }?.value ?? ""
        let briefing = asked.isEmpty ? draft?.briefingItemID.map { String($0) } ?? "" : asked
        var values = ["space": draft?.organisationID.map { String($0) } ?? "public", "briefing": briefing]
        if let draft {
            values["title"] = draft.title
            values["body"] = draft.body
        }
        // "Ask in this topic" (`?topic=SLUG`) ticks that topic; otherwise the draft's are ticked.
        let topic = try request.queryItems().last { $0.name == "topic" }?.value
        return try newThreadPage(ctx, form: FormState(values: values), topics: topic.map { [$0] } ?? draft?.topics ?? [],
                                 draftSavedAt: draft?.updatedAt)
    }

    func newThread(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        guard let account = ctx.account else {
            let typed = try request.formItems()
            let text = [typed.value("title"), typed.value("body")].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n\n")
            return app.signInToSend(ctx, typed: text, formPath: "/t/new")
        }
        let items: [FormItem]
        switch try app.checkedForm(request, ctx) {
        case .rejected(let rejected, _):
            // A refused POST writes nothing: the form comes back with what was typed, no draft is saved.
            return try newThreadPage(ctx, form: FormState(items: rejected, formMessage: CSRF.resubmitMessage),
                                     topics: rejected.values("topics"), status: .forbidden)
        case .valid(let valid):
            items = valid
        }
        // "Discard draft": a plain button of the form, so it works without JavaScript; back to an
        // empty form, told. Anyone signed in may drop their own draft (even while suspended).
        if items.value("action") == "discard" {
            try app.network.drafts.delete(userID: account.id, threadID: nil)
            return ctx.redirect("/t/new", notice: .newThreadDraftDiscarded)
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
            return ctx.redirect(path, notice: waits ? .postWaits : .threadStarted)
        } catch let error as PostValidationError {
            let errors = error.problems.filter { $0.field != "briefingItem" }.map { FieldError($0.field, $0.message) }
            guard errors.count < error.problems.count else {
                return try refused(FormState(items: items, errors: errors), .unprocessableContent)
            }
            // The briefing item went out of the briefing while they wrote. The form has no field
            // to choose another, so it comes back (and is kept as a draft) without it: sending
            // it again posts the thread on its own, instead of being refused again and again.
            let withoutItem = items.filter { $0.name != "briefing" } + [FormItem("briefing", "")]
            try saveDraft(account, threadID: nil, withoutItem)
            let message = "The briefing item this thread was about is no longer in the briefing. Send the thread again to post it without it"
            return try newThreadPage(ctx, form: FormState(items: withoutItem, errors: errors, formMessage: message), topics: topics,
                                     status: .unprocessableContent)
        } catch let error as PostingError {
            return try refused(FormState(items: items, formMessage: error.message(for: ctx.actor)), .forbidden)
        } catch {
            return try newThreadPage(ctx, form: .notSaved(items, after: error), topics: topics).notSaved()
        }
    }

    // MARK: Replies

    func reply(_ request: Request) throws -> Response {
        let threadID = try request.id()
        let ctx = try app.requestContext(for: request)
        guard let account = ctx.account else {
            return app.signInToSend(ctx, typed: try request.formItems().value("body") ?? "", formPath: "/t/\(threadID)")
        }
        // The token is checked before anything is looked up: a forged form learns nothing.
        let submission = try app.checkedForm(request, ctx)
        // The last page (the query clamps the number), where the form is shown again if refused.
        guard let page = try app.network.reading.thread(id: threadID, page: .max, viewer: ctx.viewer) else {
            // The thread went out of reach while they wrote (or never existed): their text comes back to copy.
            let typed = submission.items.value("body")
            if case .rejected = submission {
                return ctx.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: ctx, keptText: typed))
            }
            return ctx.finish(app.pages.errorResponse(.notFound, HTTPError.notFound.message, in: ctx, keptText: typed))
        }
        let items = submission.items
        /// The thread page again with what was typed (kept as a draft) and why it was refused.
        func refused(_ form: FormState, _ status: HTTPStatus) throws -> Response {
            try saveDraft(account, threadID: threadID, items)
            return try app.threadPage(ctx, page, form: form, status: status, hasDraft: true)
        }
        if case .rejected = submission {
            // A refused POST writes nothing (a forged form must not overwrite the member's draft).
            return try app.threadPage(ctx, page, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        // "Discard draft": a plain button of the form, so it works without JavaScript (emptying
        // the box and previewing keeps the old draft). Anyone signed in may drop their own draft.
        if items.value("action") == "discard" {
            try app.network.drafts.delete(userID: account.id, threadID: threadID)
            let last = page.pageCount > 1 ? "?page=\(page.pageCount)" : ""
            return ctx.redirect(BoardPaths.thread(id: threadID, slug: page.thread.slug) + last, notice: .replyDraftDiscarded)
        }
        if case .denied(let reason) = Policy.decide(ctx.actor, .reply, .thread(page.state)) {
            return try refused(FormState(items: items, formMessage: reason), .forbidden)
        }
        if items.value("action") == "preview" {
            try saveDraft(account, threadID: threadID, items)
            let preview = Markdown.render(PostLimits.normalise(items.value("body") ?? ""))
            return try app.threadPage(ctx, page, form: FormState(items: items), previewHTML: preview,
                                      hasDraft: !(items.value("body") ?? "").isEmpty)
        }
        if let refusal = try allowanceRefusal(account) {
            return try refused(FormState(items: items, formMessage: refusal), .forbidden)
        }
        let replyTo = (items.value("replyTo") ?? "").isEmpty ? nil : Int64(items.value("replyTo") ?? "")
        do {
            let waits = try posting.nextPostWaits(for: account)
            let postID = try posting.reply(by: ctx.viewer, threadID: threadID, body: items.value("body") ?? "", replyTo: replyTo)
            return ctx.redirect(try app.postPath(postID), notice: waits ? .postWaits : .replyPosted, subject: postID)
        } catch let error as PostValidationError {
            return try refused(FormState(items: items, errors: error.fieldErrors), .unprocessableContent)
        } catch PostingError.postNotFound {
            // The post answered may not be named (another thread's, or one the replier may not
            // read): the text comes back without it, so sending it again posts a plain reply.
            let message = PostingError.postNotFound.message(for: ctx.actor) + ". Send your reply again to post it without that link."
            return try refused(FormState(items: items.filter { $0.name != "replyTo" }, formMessage: message), .forbidden)
        } catch let error as PostingError where error != .threadNotFound {
            return try refused(FormState(items: items, formMessage: error.message(for: ctx.actor)), .forbidden)
        } catch {
            return try app.threadPage(ctx, page, form: .notSaved(items, after: error)).notSaved()
        }
    }

    // MARK: Editing and deleting your own posts

    func editForm(_ request: Request) throws -> Response {
        let (ctx, post) = try load(request, .editPost)
        guard let post else { return ctx.signInRedirect() }
        return try editPage(ctx, post, form: FormState(values: ["body": post.markdown]))
    }

    func edit(_ request: Request) throws -> Response {
        let ctx: RequestContext, submission: FormSubmission, loaded: EditablePost?
        do {
            (ctx, submission, loaded) = try loadForPost(request, .editPost)
        } catch let error as HTTPError where [.forbidden, .notFound].contains(error.status) {
            // Refused before the form could be shown again (the thread locked, the account
            // suspended, the post hidden meanwhile): the new text comes back to copy.
            let ctx = try app.requestContext(for: request)
            let typed = try request.formItems().value("body")
            return ctx.finish(app.pages.errorResponse(error.status, error.message, in: ctx, keptText: typed))
        }
        guard let post = loaded else {
            let postID = try request.id()
            return app.signInToSend(ctx, typed: submission.items.value("body") ?? "", formPath: "/p/\(postID)/edit")
        }
        guard case .valid(let items) = submission else {
            return try editPage(ctx, post, form: FormState(items: submission.items, formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        let body = items.value("body") ?? ""
        if items.value("action") == "preview" {
            return try editPage(ctx, post, form: FormState(items: items), previewHTML: Markdown.render(PostLimits.normalise(body)))
        }
        do {
            try posting.edit(by: ctx.viewer, postID: post.id, body: body)
            return ctx.redirect(try app.postPath(post.id), notice: .postEdited, subject: post.id)
        } catch let error as PostValidationError {
            return try editPage(ctx, post, form: FormState(items: items, errors: error.fieldErrors), status: .unprocessableContent)
        } catch let error as PostingError {
            return try editPage(ctx, post, form: FormState(items: items, formMessage: error.message(for: ctx.actor)), status: .forbidden)
        } catch {
            return try editPage(ctx, post, form: .notSaved(items, after: error)).notSaved()
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
            return ctx.redirect(try app.postPath(post.id), notice: .ownPostDeleted, subject: post.id)
        } catch let error as PostingError {
            return try deletePage(ctx, post, form: FormState(formMessage: error.message(for: ctx.actor)), status: .forbidden)
        }
    }

    // MARK: Drafts saved as the member types

    /// `POST /drafts` (`thread` = a thread id, or empty for a new thread; `title`, `body`): what
    /// `Public/drafts.js` sends every few seconds while the member types (issue 18 item 13).
    /// Answers 204; emptying both fields removes the draft. Without JavaScript nothing calls it
    /// and drafts are kept as before, when a form is previewed or refused.
    func saveDraftInBackground(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        guard let account = ctx.account else { throw HTTPError(.unauthorized, "Sign in to keep a draft") }
        guard case .valid(let items) = try app.checkedForm(request, ctx) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
        var threadID: Int64?
        if let value = items.value("thread"), !value.isEmpty {
            guard value.utf8.count <= 18, let id = Int64(value),
                  try app.network.reading.readableThreadSlug(id: id, viewer: ctx.viewer) != nil else { throw HTTPError.notFound }
            threadID = id
        }
        let title = threadID == nil ? items.value("title") ?? "" : ""
        let body = items.value("body") ?? ""
        if title.isEmpty && body.isEmpty {
            try app.network.drafts.delete(userID: account.id, threadID: threadID)
        } else {
            let place = Self.newThreadPlace(items)
            try app.network.drafts.save(userID: account.id, threadID: threadID, title: title, body: body, topics: items.values("topics"),
                                        organisationID: place.organisationID, briefingItemID: place.briefingItemID)
        }
        return ctx.finish(Response(status: .noContent))
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
        // Empty is "Unmark as the answer"; anything else must name a post (a garbled value is
        // refused, not taken as unmarking).
        let postValue = items.value("post") ?? ""
        let postID = postValue.isEmpty ? nil : Int64(postValue)
        if !postValue.isEmpty && postID == nil { throw HTTPError.badRequest("Choose the post to mark as the answer") }
        do {
            try posting.acceptAnswer(by: ctx.viewer, threadID: threadID, postID: postID)
        } catch let error as PostingError where error.status == .forbidden {
            return ctx.finish(app.pages.errorResponse(.forbidden, error.message(for: ctx.actor), in: ctx))
        }
        if let postID { return ctx.redirect(try app.postPath(postID), notice: .answerAccepted, subject: postID) }
        return ctx.redirect(BoardPaths.thread(id: threadID, slug: page.thread.slug), notice: .answerCleared)
    }

    // MARK: Pages

    func newThreadPage(_ ctx: RequestContext, form: FormState, topics: [String],
                       previewHTML: String? = nil, status: HTTPStatus = .ok, draftSavedAt: Date? = nil) throws -> Response {
        let allTopics = try app.network.topics.active()
        let spaces = try posting.spaces(for: ctx.actor)
        let aboutTitle = try form.values["briefing"].flatMap { Int64($0) }.flatMap { try app.network.briefing.title(id: $0) }
        var view = NewThreadView(topics: allTopics, selected: Set(topics), spaces: spaces,
                                 selectedSpace: form.values["space"] ?? "public", previewHTML: previewHTML, aboutTitle: aboutTitle,
                                 publicReaders: Visibility.publicReaders(signInRequired: try app.accounts.readingRequiresSignIn()),
                                 draftSavedAt: draftSavedAt)
        if let account = ctx.account {
            view.postWaits = try posting.nextPostWaits(for: account)
            view.hasDraft = try app.network.drafts.draft(userID: account.id, threadID: nil) != nil
        }
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

    /// Keeps what was typed as a draft. When the storage refuses (a full disk) the page still
    /// shows the text, so the draft is skipped rather than the page lost.
    func saveDraft(_ account: Account, threadID: Int64?, _ items: [FormItem]) throws {
        let place = Self.newThreadPlace(items)
        do {
            try app.network.drafts.save(userID: account.id, threadID: threadID, title: items.value("title") ?? "", body: items.value("body") ?? "",
                                        topics: items.values("topics"), organisationID: place.organisationID,
                                        briefingItemID: place.briefingItemID)
        } catch where StorageUnavailable(error) != nil {}
    }

    /// A new thread's private space and briefing item as its form sends them (`space`: `public`
    /// or an organisation's id; `briefing`: an item's id or empty), for its draft. The drafts
    /// service ignores both for a reply.
    static func newThreadPlace(_ items: [FormItem]) -> (organisationID: Int64?, briefingItemID: Int64?) {
        func id(_ name: String) -> Int64? {
            guard let value = items.value(name), value.utf8.count <= 18 else { return nil }
            return Int64(value)
        }
        return (id("space"), id("briefing"))
    }
}

extension AppContext {
    /// The thread page (its last page when showing a rejected reply) with the reply form filled from `form`.
    /// - Parameter readerState: the signed-in reader's saved posts and follow state, when the
    ///   caller has read them (`ReadingService.readerState`); read here otherwise.
    func threadPage(_ ctx: RequestContext, _ page: ThreadPage, form: FormState,
                    previewHTML: String? = nil, status: HTTPStatus = .ok, draftSavedAt: Date? = nil, hasDraft: Bool = false,
                    seenBefore: Int64? = nil, readerState: ThreadReaderState? = nil) throws -> Response {
        var savedPostIDs: Set<Int64>?
        var postWaits = false
        var follow: ThreadFollowView?
        if let account = ctx.account {
            savedPostIDs = try readerState?.savedPostIDs ?? network.following.savedPostIDs(userID: account.id, threadID: page.thread.id)
            // Live replies are appended to the page, so only the last page follows the stream.
            if page.page == page.pageCount {
                postWaits = try network.posting.nextPostWaits(for: account)
                let state = try readerState.map(\.followMuted) ?? network.following.threadState(userID: account.id, threadID: page.thread.id)
                follow = ThreadFollowView(threadID: page.thread.id, state: state, csrfToken: ctx.csrfToken)
            }
        }
        let reply = ReplyFormView(thread: ThreadView(page: page, viewer: ctx.viewer), blocks: pages.postBlocks, ctx: ctx,
                                  state: page.state, previewHTML: previewHTML, follow: follow, savedPostIDs: savedPostIDs,
                                  postWaits: postWaits, draftSavedAt: draftSavedAt, hasDraft: hasDraft, seenBefore: seenBefore)
        return ctx.finish(pages.thread.response(InLayout(reply, ctx, form: form), status: status))
    }
}

extension Array where Element == FormItem {
    func value(_ name: String) -> String? { last { $0.name == name }?.value }
    func values(_ name: String) -> [String] { filter { $0.name == name }.map(\.value) }
}
