import Board
import Foundation
import HTTPServer

/// The moderation pages' templates, looked up once at start.
struct ModerationPages: Sendable {
    static let templateNames = ["moderation", "admin-queue", "admin-nav", "admin-users", "admin-settings", "admin-thread", "admin-topics", "admin-invites", "admin-organisations",
                                "flag", "post-moderation"]

    let log: Template
    let queue: Template
    let users: Template
    let settings: Template
    let thread: Template
    let flag: Template
    let topics: Template
    let invites: Template
    let organisations: Template

    init(_ templates: TemplateLibrary) throws {
        try templates.require(Self.templateNames)
        log = try templates.template("moderation")
        queue = try templates.template("admin-queue")
        users = try templates.template("admin-users")
        settings = try templates.template("admin-settings")
        thread = try templates.template("admin-thread")
        flag = try templates.template("flag")
        topics = try templates.template("admin-topics")
        invites = try templates.template("admin-invites")
        organisations = try templates.template("admin-organisations")
    }
}

/// Flagging a post (members) and the public moderation log (everyone who can read the network).
enum ModerationRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        let pages = try ModerationPages(app.pages.templates)

        router.get("/moderation") { request in
            let context = try app.requestContext(for: request)
            let entries = try app.store.read { try ModerationQueries.log($0, viewer: context.viewer) }
            return context.finish(pages.log.response(InLayout(ModerationLogView(entries: entries), context)))
        }

        router.get("/p/{id:int}/flag") { request in
            let context = try app.requestContext(for: request)
            let postID = try postID(request)
            let view = try flagView(app, context, postID)
            return context.finish(pages.flag.response(InLayout(view, context, form: FormState())))
        }

        router.post("/p/{id:int}/flag") { request in
            let context = try app.requestContext(for: request)
            let postID = try postID(request)
            switch try app.checkedForm(request, context) {
            case .rejected(let items, _):
                // A refused token is answered 403 whatever the post: the check comes first.
                guard let view = try? flagView(app, context, postID) else {
                    return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage))
                }
                return context.finish(pages.flag.response(
                    InLayout(view, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage)), status: .forbidden))
            case .valid(let items):
                var view = try flagView(app, context, postID)
                guard let reason = FlagReason(rawValue: items["reason"] ?? "") else {
                    let form = FormState(items: items, errors: [FieldError("reason", "Select what is wrong with the post")])
                    return context.finish(pages.flag.response(InLayout(view, context, form: form), status: .unprocessableContent))
                }
                do {
                    let outcome = try Moderation.flag(app.store, actor: context.actor, postID: postID, reason: reason,
                                                      note: items["note"] ?? "", now: app.accounts.clock.now())
                    view.notice = switch outcome {
                    case .flagged: "Thank you. An admin will look at the post."
                    case .alreadyFlagged: "You have already flagged this post. An admin will look at it."
                    case .autoHidden: "Thank you. Several members flagged this post, so it is hidden until an admin looks at it."
                    }
                    return context.finish(pages.flag.response(InLayout(view, context, form: FormState())))
                } catch let error as ModerationError {
                    return context.finish(try failure(error, context: context, items: items) { form, status in
                        pages.flag.response(InLayout(view, context, form: form), status: status)
                    })
                }
            }
        }
    }

    static func postID(_ request: Request) throws -> Int64 {
        guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
        return id
    }

    /// The flag page for a post the actor may flag; 404 when they cannot see it, 403 (with why) otherwise.
    static func flagView(_ app: AppContext, _ context: RequestContext, _ postID: Int64) throws -> FlagPageView {
        guard context.actor.isSignedIn else { throw HTTPError(.forbidden, "Sign in to flag a post") }
        guard let title = try app.store.read({ conn -> String? in
            guard let (post, _) = try Moderation.postState(conn, postID) else { return nil }
            switch Policy.decide(context.actor, .flag, .post(post), now: app.accounts.clock.now()) {
            case .allowed: break
            case .notFound: return nil
            case .denied(let message): throw HTTPError(.forbidden, message)
            }
            return try conn.scalar(String.self, "SELECT t.title FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?", postID)
        }) else { throw HTTPError.notFound }
        return FlagPageView(postID: postID, threadTitle: title)
    }

    /// The response for a refused moderation request: the form again with the problem (422),
    /// the error page saying why (403), or not found (404).
    static func failure(_ error: ModerationError, context: RequestContext, items: [FormItem],
                        render: (FormState, HTTPStatus) -> Response) throws -> Response {
        switch error {
        case .invalid(let field, let message):
            return render(FormState(items: items, errors: [FieldError(field, message)]), .unprocessableContent)
        case .denied(let message):
            throw HTTPError(.forbidden, message)
        case .notFound:
            throw HTTPError.notFound
        }
    }
}

struct FlagPageView: TemplateRenderable {
    let postID: Int64
    let threadTitle: String
    var notice: String?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "postID": .int(Int(postID))
        case "threadTitle": .text(threadTitle)
        case "notice": .text(notice)
        case "reasons": .list(FlagReason.allCases.map { ["value": .text($0.rawValue), "label": .text($0.label)] })
        default: nil
        }
    }
}

struct ModerationLogView: TemplateRenderable {
    let entries: [LogEntry]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "entries":
            .list(entries.map { entry in
                [
                    "at": .text(DateText.humanWithTime(entry.at)), "atISO": .text(DateText.iso(entry.at)),
                    "automatic": .bool(entry.automatic), "actor": .text(entry.actorHandle),
                    "phrase": .text(entry.action.phrase), "label": .text(Self.label(entry)),
                    "targetPath": .text(entry.targetPath ?? ""), "reason": .text(entry.reason),
                ]
            })
        default: nil
        }
    }

    static func label(_ entry: LogEntry) -> String {
        if ["topic", "invite", "organisation"].contains(entry.targetType) { return "" }   // the reason says which   // the reason names the topic as it was
        if let label = entry.targetLabel { return entry.targetType == "user" ? label : "“\(label)”" }
        switch entry.targetType {
        case "thread", "post": return "a thread you cannot see, or one since removed"
        case "setting": return ""
        default: return "\(entry.targetType) \(entry.targetID)"
        }
    }
}
