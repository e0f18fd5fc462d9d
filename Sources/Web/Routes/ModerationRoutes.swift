import Board
import Foundation
import HTTPServer

/// Flagging a post (members) and the public moderation log (everyone who can read the network).
struct ModerationRoutes: RouteCollection {
    let app: AppContext
    let pages: ModerationPages
    var moderation: ModerationService { app.network.moderation }

    init(app: AppContext) throws {
        self.app = app
        pages = try ModerationPages(app.pages.templates)
    }

    func register(on routes: inout Routes) throws {
        routes.get("/moderation", log)
        routes.get("/p/{id:int}/flag", flagForm)
        routes.post("/p/{id:int}/flag", flag)
        routes.post("/p/{id:int}/restore", restore)
        routes.post("/p/{id:int}/hide", hide)
        // The address of the Hide form after it came back with a problem: to the post, for admins.
        routes.get("/p/{id:int}/hide") { request in
            let context = try app.requestContext(for: request)
            guard context.actor.isAdmin else { throw HTTPError.notFound }
            return context.redirect(try app.postPath(try request.id()))
        }
    }

    /// An admin hides a post from the thread page, with a reason: the queue's decision
    /// (`ModerationService.decide`, `.hide`), then back to the post with a notice. An empty
    /// reason (or a refusal the form can answer) comes back on the Hide page with what was typed.
    func hide(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        let postID = try request.id()
        let submission = try app.checkedForm(request, context)
        let reason = submission.items["reason"] ?? ""
        guard case .valid = submission else {
            return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context, keptText: reason))
        }
        do {
            try moderation.decide(by: context.actor, postID: postID, .hide(reason: reason))
        } catch ModerationError.notFound {
            throw HTTPError.notFound
        } catch ModerationError.denied(let message) {
            return context.finish(app.pages.errorResponse(.forbidden, message, in: context, keptText: reason))
        } catch ModerationError.invalid(_, let message) {
            let view = HidePostView(postID: postID, backURL: try app.postPath(postID))
            let form = FormState(values: ["reason": reason], errors: [FieldError("reason", message)])
            return context.finish(pages.hide.response(InLayout(view, context, form: form), status: .unprocessableContent))
        }
        return context.redirect(try app.postPath(postID), notice: .postHidden, subject: postID)
    }

    /// Restores a hidden post from the thread page (Policy decides who may; the log records it),
    /// then returns to the post with a notice.
    func restore(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        guard case .valid = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
        let postID = try request.id()
        do {
            try moderation.decide(by: context.actor, postID: postID, .restore(reason: ""))
        } catch ModerationError.notFound {
            throw HTTPError.notFound
        } catch ModerationError.denied(let message) {
            throw HTTPError(.forbidden, message)
        } catch ModerationError.invalid(_, let message) {
            throw HTTPError(.conflict, message)
        }
        return context.redirect(try app.postPath(postID), notice: .postRestoredHere, subject: postID)
    }

    func log(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let entries = try moderation.log(viewer: context.viewer)
        return context.finish(pages.log.response(InLayout(ModerationLogView(entries: entries), context)))
    }

    func flagForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        // A visitor who follows a Flag link (an old page, a shared URL) signs in and comes back.
        guard context.actor.isSignedIn else { return context.signInRedirect() }
        let view = try flagView(context, try request.id())
        return context.finish(pages.flag.response(InLayout(view, context, form: FormState())))
    }

    func flag(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let postID = try request.id()
        // Signed out since the form was opened: sign in and come back to it (its token could
        // never be accepted, so "send it again" would be a dead end).
        guard context.actor.isSignedIn else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        guard case .valid(let items) = submission else {
            // A refused token is answered 403 whatever the post: the check comes first.
            guard let view = try? flagView(context, postID, chosen: submission.items["reason"]) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context))
            }
            let form = FormState(items: submission.items, formMessage: CSRF.resubmitMessage)
            return context.finish(pages.flag.response(InLayout(view, context, form: form), status: .forbidden))
        }
        let view = try flagView(context, postID, chosen: items["reason"])
        guard let reason = FlagReason(rawValue: items["reason"] ?? "") else {
            let form = FormState(items: items, errors: [FieldError("reason", "Select what is wrong with the post")])
            return context.finish(pages.flag.response(InLayout(view, context, form: form), status: .unprocessableContent))
        }
        do {
            let notice: SiteNotice = switch try moderation.flag(by: context.actor, postID: postID, reason: reason, note: items["note"] ?? "") {
            case .flagged: .flagged
            case .alreadyFlagged: .alreadyFlagged
            case .autoHidden: .flagHidPost
            }
            // Back to the post, on its page of the thread, with the word (issue 18).
            return context.redirect(try app.postPath(postID), notice: notice, subject: postID)
        } catch ModerationError.invalid(let field, let message) {
            let form = FormState(items: items, errors: [FieldError(field, message)])
            return context.finish(pages.flag.response(InLayout(view, context, form: form), status: .unprocessableContent))
        }
    }

    /// The flag page for a post the actor may flag; 404 when they cannot see it, 403 (with why) otherwise.
    /// - Parameter chosen: the reason the form came back with, kept chosen.
    func flagView(_ context: RequestContext, _ postID: Int64, chosen: String? = nil) throws -> FlagPageView {
        guard context.actor.isSignedIn else { throw HTTPError(.forbidden, "Sign in to flag a post") }
        return FlagPageView(postID: postID, threadTitle: try moderation.flaggableThreadTitle(postID: postID, by: context.actor),
                            chosen: chosen)
    }
}
