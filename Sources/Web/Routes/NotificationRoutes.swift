import Board
import Foundation
import HTTPServer

/// `/notifications` (the list, mark one or all read) and `/account/notifications` (per-kind
/// on/off), issue 8. Signed-in only; every POST passes `app.checkedForm`.
enum NotificationRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        try FollowRoutes.register(on: &router, app: app)

        // Live updates (Server-Sent Events); the pages work fully without them.
        router.get("/t/{id:int}/live") { request in
            let context = try app.requestContext(for: request)
            guard let threadID = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let viewer = context.viewer
            guard try app.store.read({ try Bookmarks.readableThreadSlug($0, threadID: threadID, viewer: viewer) }) != nil else {
                throw HTTPError.notFound
            }
            return Response.eventStream(try app.live.threadStream(threadID, reader: context.liveReader, address: request.remoteAddress))
        }
        router.get("/notifications/live") { request in
            let context = try app.requestContext(for: request)
            return Response.eventStream(try app.live.unreadStream(reader: context.liveReader, address: request.remoteAddress))
        }
        router.get("/notifications") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return redirect("/sign-in", context) }
            let items = try app.store.read { try Notifications.list($0, userID: userID) }
            return context.finish(app.pages.notifications.list.response(InLayout(NotificationsView(items: items), context)))
        }

        router.post("/notifications/read") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return redirect("/sign-in", context) }
            switch try app.checkedForm(request, context) {
            case .rejected:
                let items = try app.store.read { try Notifications.list($0, userID: userID) }
                return context.finish(app.pages.notifications.list.response(
                    InLayout(NotificationsView(items: items), context, form: FormState(formMessage: CSRF.resubmitMessage)),
                    status: .forbidden))
            case .valid(let items):
                let now = Date()
                if let text = items["id"] {
                    guard text.utf8.count <= 18, let id = Int64(text) else { throw HTTPError.notFound }
                    let found = try app.store.write { try Notifications.markRead($0, userID: userID, id: id, now: now) }
                    guard found else { throw HTTPError.notFound }
                } else {
                    try app.store.write { try Notifications.markAllRead($0, userID: userID, now: now) }
                }
                return redirect("/notifications", context)
            }
        }

        router.get("/account/notifications") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return redirect("/sign-in", context) }
            let disabled = try app.store.read { try Notifications.disabledKinds($0, userID: userID) }
            return context.finish(app.pages.notifications.settings.response(
                InLayout(NotificationSettingsView(disabled: disabled, saved: (try? request.queryItems())?.contains { $0.name == "saved" } == true), context)))
        }

        router.post("/account/notifications") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return redirect("/sign-in", context) }
            switch try app.checkedForm(request, context) {
            case .rejected:
                let disabled = try app.store.read { try Notifications.disabledKinds($0, userID: userID) }
                return context.finish(app.pages.notifications.settings.response(
                    InLayout(NotificationSettingsView(disabled: disabled, saved: false), context,
                             form: FormState(formMessage: CSRF.resubmitMessage)), status: .forbidden))
            case .valid(let items):
                let enabled = Set(items.filter { $0.name == "kind" }.compactMap { NotificationKind(rawValue: $0.value) })
                try app.store.write { try Notifications.setEnabledKinds($0, userID: userID, enabled: enabled) }
                return redirect("/account/notifications?saved=1", context)
            }
        }
    }

    static func redirect(_ location: String, _ context: RequestContext) -> Response {
        context.finish(Response(status: .seeOther, headers: HTTPHeaders([("Location", location)])))
    }
}

/// The notification templates, registered by `PageLibrary`.
struct NotificationPages: Sendable {
    static let templateNames = ["notifications", "notifications-settings", "saved", "following", "thread-follow"]
    let list: Template
    let settings: Template
    let saved: Template
    let following: Template

    init(_ templates: TemplateLibrary) throws {
        list = try templates.template("notifications")
        settings = try templates.template("notifications-settings")
        saved = try templates.template("saved")
        following = try templates.template("following")
    }
}

struct NotificationsView: TemplateRenderable {
    var items: [NotificationItem]

    static func sentence(_ item: NotificationItem) -> String {
        let who = item.actorName ?? "Someone"
        let thread = item.threadTitle ?? "a thread"
        switch item.kind {
        case .reply: return "\(who) replied in “\(thread)”"
        case .mention: return "\(who) mentioned you in “\(thread)”"
        case .accepted: return "\(who) accepted your reply as the answer in “\(thread)”"
        case .newThreadInTopic: return "\(who) started “\(thread)” in a topic you follow"
        case .mentorLinked: return "A mentor was linked to your thread “\(thread)”"
        case .mentorRequested: return "You were linked to “\(thread)” as a mentor"
        case .moderation: return "A moderator acted on your post in “\(thread)”"
        }
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "notifications":
            return .list(items.map { item in
                var url: String?
                if let id = item.threadID, let slug = item.threadSlug {
                    url = BoardPaths.thread(id: id, slug: slug)
                    if let position = item.postPosition, let postID = item.postID {
                        let page = (position - 1) / PageQueries.postsPerPage + 1
                        url = (url ?? "") + (page > 1 ? "?page=\(page)" : "") + "#post-\(postID)"
                    }
                }
                return [
                    "id": .int(Int(item.id)), "text": .text(Self.sentence(item)), "url": .text(url ?? ""),
                    "unread": .bool(!item.read), "dateISO": .text(DateText.iso(item.createdAt)),
                    "dateText": .text(DateText.humanWithTime(item.createdAt)),
                ]
            })
        case "hasUnread": return .bool(items.contains { !$0.read })
        default: return nil
        }
    }
}

struct NotificationSettingsView: TemplateRenderable {
    var disabled: Set<NotificationKind>
    var saved: Bool

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "kinds":
            return .list(NotificationKind.allCases.map { kind in
                ["value": .text(kind.rawValue), "label": .text(kind.label), "checked": .bool(!disabled.contains(kind))]
            })
        case "saved": return .bool(saved)
        default: return nil
        }
    }
}
