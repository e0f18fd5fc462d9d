import Board
import Database
import Foundation
import HTTPServer

/// Changing a post after it is made (issue 5): edit your own post (revisions kept), delete your
/// own post (a placeholder stays), mark or change the accepted answer (thread author or admin).
enum PostEditRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        router.get("/p/{id:int}/edit") { request in
            let (ctx, post) = try load(app, request, .editPost)
            guard let post else { return PostingRoutes.signInRedirect(ctx) }
            return try editPage(app, ctx, post, form: FormState(values: ["body": post.markdown]))
        }

        router.post("/p/{id:int}/edit") { request in
            let (ctx, submission, post) = try loadForPost(app, request, .editPost)
            guard let post else { return PostingRoutes.signInRedirect(ctx) }
            switch submission {
            case .rejected(let items, _):
                return try editPage(app, ctx, post, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden)
            case .valid(let items):
                let body = items.value("body") ?? ""
                if items.value("action") == "preview" {
                    return try editPage(app, ctx, post, form: FormState(items: items), previewHTML: Markdown.render(PostLimits.normalise(body)))
                }
                do {
                    try Threads.edit(app.store, by: ctx.viewer, postID: post.id, body: body)
                    return PostingRoutes.redirect(try PostingRoutes.postPath(app, postID: post.id), ctx)
                } catch let error as PostValidationError {
                    return try editPage(app, ctx, post, form: FormState(items: items, errors: error.problems.map { FieldError($0.field, $0.message) }),
                                        status: .unprocessableContent)
                } catch let error as PostingError {
                    return try editPage(app, ctx, post, form: FormState(items: items, formMessage: PostingRoutes.message(error, ctx)), status: .forbidden)
                }
            }
        }

        router.get("/p/{id:int}/delete") { request in
            let (ctx, post) = try load(app, request, .deletePost)
            guard let post else { return PostingRoutes.signInRedirect(ctx) }
            return try deletePage(app, ctx, post, form: FormState())
        }

        router.post("/p/{id:int}/delete") { request in
            let (ctx, submission, post) = try loadForPost(app, request, .deletePost)
            guard let post else { return PostingRoutes.signInRedirect(ctx) }
            switch submission {
            case .rejected(let items, _):
                return try deletePage(app, ctx, post, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden)
            case .valid:
                do {
                    try Threads.deleteOwn(app.store, by: ctx.viewer, postID: post.id)
                    return PostingRoutes.redirect(try PostingRoutes.postPath(app, postID: post.id), ctx)
                } catch let error as PostingError {
                    return try deletePage(app, ctx, post, form: FormState(formMessage: PostingRoutes.message(error, ctx)), status: .forbidden)
                }
            }
        }

        router.post("/t/{id:int}/accept") { request in
            guard let threadID = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let ctx = try app.requestContext(for: request)
            guard ctx.account != nil else { return PostingRoutes.signInRedirect(ctx) }
            let submission = try app.checkedForm(request, ctx)
            guard let page = try app.store.read({ try PageQueries.thread($0, id: threadID, page: 1, viewer: ctx.viewer) }) else {
                if case .rejected = submission { return ctx.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage)) }
                throw HTTPError.notFound
            }
            switch submission {
            case .rejected(let items, _):
                return try PostingRoutes.threadPage(app, ctx, page, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden)
            case .valid(let items):
                let postID = (items.value("post") ?? "").isEmpty ? nil : Int64(items.value("post") ?? "")
                do {
                    try Threads.acceptAnswer(app.store, by: ctx.viewer, threadID: threadID, postID: postID)
                } catch let error as PostingError {
                    if error == .threadNotFound || error == .postNotFound { throw HTTPError.notFound }
                    return ctx.finish(app.pages.errorResponse(.forbidden, PostingRoutes.message(error, ctx)))
                }
                if let postID { return PostingRoutes.redirect(try PostingRoutes.postPath(app, postID: postID), ctx) }
                return PostingRoutes.redirect(BoardPaths.thread(id: threadID, slug: page.thread.slug), ctx)
            }
        }
    }

    /// For a POST: the CSRF check first (a forged form is refused with 403 before anything is
    /// looked up, so it learns nothing), then `load`.
    static func loadForPost(_ app: AppContext, _ request: Request, _ action: Action) throws -> (RequestContext, FormSubmission, EditablePost?) {
        let ctx = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, ctx)
        do {
            let (loadedContext, post) = try load(app, request, action)
            return (loadedContext, submission, post)
        } catch let error as HTTPError {
            if case .rejected = submission { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            throw error
        }
    }

    /// The post named in the path, checked with `Policy` for `action`: nil post for a visitor
    /// (sent to sign in); 404 when it does not exist for them; 403 with the reason when refused.
    static func load(_ app: AppContext, _ request: Request, _ action: Action) throws -> (RequestContext, EditablePost?) {
        guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
        let ctx = try app.requestContext(for: request)
        guard let post = try app.store.read({ try EditablePost.load($0, id: id) }) else { throw HTTPError.notFound }
        switch Policy.decide(ctx.actor, .read, .post(post.state)) {
        case .notFound: throw HTTPError.notFound
        default: break
        }
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

    static func editPage(_ app: AppContext, _ ctx: RequestContext, _ post: EditablePost, form: FormState,
                         previewHTML: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        let view = PostFormView(post: post, previewHTML: previewHTML, backURL: try PostingRoutes.postPath(app, postID: post.id))
        return ctx.finish(app.pages.posting.editPost.response(InLayout(view, ctx, form: form), status: status))
    }

    static func deletePage(_ app: AppContext, _ ctx: RequestContext, _ post: EditablePost, form: FormState,
                           status: HTTPStatus = .ok) throws -> Response {
        let view = PostFormView(post: post, previewHTML: post.html, backURL: try PostingRoutes.postPath(app, postID: post.id))
        return ctx.finish(app.pages.posting.deletePost.response(InLayout(view, ctx, form: form), status: status))
    }
}

/// A post as the edit and delete pages need it, with the state `Policy` looks at.
struct EditablePost: RowDecodable {
    let id: Int64
    let markdown: String
    let html: String
    let deleted: Bool
    let threadTitle: String
    let state: Resource.PostState

    init(row: Row) throws {
        id = try row["id"]
        markdown = try row["body_markdown"]
        html = try row["body_html"]
        deleted = try row["deleted_by_author"]
        threadTitle = try row["thread_title"]
        let thread = Resource.ThreadState(authorID: try row["thread_author_id"], organisationID: try row["thread_organisation_id"],
                                          locked: try row["thread_locked"], hidden: try row["thread_hidden"])
        state = Resource.PostState(authorID: try row["author_id"], hidden: try row["hidden"], thread: thread)
    }

    static func load(_ conn: Connection, id: Int64) throws -> EditablePost? {
        try conn.queryOne(EditablePost.self, """
            SELECT p.id, p.body_markdown, p.body_html, p.deleted_by_author, t.title AS thread_title, t.author_id AS thread_author_id,
                   t.organisation_id AS thread_organisation_id, t.locked AS thread_locked, t.hidden AS thread_hidden,
                   p.author_id, p.hidden
            FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?
            """, id)
    }
}

struct PostFormView: TemplateRenderable {
    var post: EditablePost
    var previewHTML: String?
    var backURL: String

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "postID": .int(Int(post.id))
        case "threadTitle": .text(post.threadTitle)
        case "backURL": .text(backURL)
        case "previewHTML": previewHTML.map { .html($0) }
        default: nil
        }
    }
}
