import Board
import Foundation
import HTTPServer

/// `/notifications` (the list, mark one or all read), `/account/notifications` (per-kind
/// on/off) and the live-update streams, issue 8. Signed-in only; every POST passes
/// `app.checkedForm`.
struct NotificationRoutes: RouteCollection {
    let app: AppContext
    var notifications: NotificationService { app.network.notifications }

    /// The live-update streams' routes: they stay open for minutes, so they are never in a read
    /// scope (`Routes.readInOneTransaction`).
    static let streams: Set<String> = ["/t/{id:int}/live", "/notifications/live"]

    func register(on routes: inout Routes) throws {
        // Live updates (Server-Sent Events); the pages work fully without them.
        routes.get("/t/{id:int}/live", threadStream)
        routes.get("/notifications/live", unreadStream)
        routes.get("/notifications", list)
        routes.post("/notifications/read", markRead)
        routes.get("/account/notifications", settings)
        routes.post("/account/notifications", changeSettings)
    }

    func threadStream(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let threadID = try request.id()
        guard try app.network.reading.readableThreadSlug(id: threadID, viewer: context.viewer) != nil else { throw HTTPError.notFound }
        if let ended = Self.noStream(for: context) { return ended }
        return Response.eventStream(try app.live.threadStream(threadID, reader: context.liveReader, address: request.remoteAddress))
    }

    func unreadStream(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        if let ended = Self.noStream(for: context) { return ended }
        return Response.eventStream(try app.live.unreadStream(reader: context.liveReader, address: request.remoteAddress))
    }

    /// A suspended reader's streams end (issue 16; `LiveFeed.readers` ends open ones), so none is
    /// opened for them: 204, which tells the browser's EventSource to stop (a stream that opened
    /// and ended within a poll was reopened by the browser every 3 seconds). The page itself
    /// still shows them the thread.
    static func noStream(for context: RequestContext) -> Response? {
        guard context.actor.isSuspended(at: context.now) else { return nil }
        return Response(status: .noContent, headers: HTTPHeaders([("Cache-Control", "no-store")]))
    }

    func list(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let userID = context.account?.id else { return context.signInRedirect() }
        let items = try notifications.list(userID: userID)
        return context.finish(app.pages.notifications.list.response(InLayout(NotificationsView(items: items), context)))
    }

    func markRead(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let userID = context.account?.id else { return context.signInRedirect() }
        guard case .valid(let items) = try app.checkedForm(request, context) else {
            let items = try notifications.list(userID: userID)
            return context.finish(app.pages.notifications.list.response(
                InLayout(NotificationsView(items: items), context, form: FormState(formMessage: CSRF.resubmitMessage)),
                status: .forbidden))
        }
        if let text = items["id"] {
            guard text.utf8.count <= 18, let id = Int64(text) else { throw HTTPError.notFound }
            guard try notifications.markRead(userID: userID, id: id) else { throw HTTPError.notFound }
        } else {
            try notifications.markAllRead(userID: userID)
        }
        return context.redirect("/notifications")
    }

    func settings(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let saved = context.notice?.key == .notificationSettingsSaved
        return context.finish(app.pages.notifications.settings.response(InLayout(try settingsView(account, saved: saved, isAdmin: context.actor.isAdmin), context)))
    }

    /// Saves the on-site kinds and, when the form carried them (`email-settings`), each kind's
    /// email delivery and the weekly briefing: all from one form with one Save.
    func changeSettings(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        guard case .valid(let items) = try app.checkedForm(request, context) else {
            return context.finish(app.pages.notifications.settings.response(
                InLayout(try settingsView(account, saved: false, isAdmin: context.actor.isAdmin), context,
                         form: FormState(formMessage: CSRF.resubmitMessage)), status: .forbidden))
        }
        var enabled = Set(items.filter { $0.name == "kind" }.compactMap { NotificationKind(rawValue: $0.value) })
        // Kinds the form does not offer (admins' own) stay on, in case the role changes later.
        if !context.actor.isAdmin { enabled.formUnion(NotificationKind.allCases.filter(\.isForAdmins)) }
        try notifications.setEnabledKinds(userID: account.id, enabled)
        if items["email-settings"] != nil {
            var mail = try app.network.mailDigest.preferences(userID: account.id)
            for kind in NotificationKind.allCases {
                if let delivery = items["email-\(kind.rawValue)"].flatMap(MailDelivery.init(rawValue:)) { mail.deliveries[kind] = delivery }
            }
            mail.weeklyBriefing = items["weekly-briefing"] == "on"
            try app.network.mailDigest.savePreferences(userID: account.id, mail)
        }
        return context.redirect("/account/notifications", notice: .notificationSettingsSaved)
    }

    func settingsView(_ account: Account, saved: Bool, isAdmin: Bool) throws -> NotificationSettingsView {
        NotificationSettingsView(disabled: try notifications.disabledKinds(userID: account.id), saved: saved, isAdmin: isAdmin,
                                 mail: try app.network.mailDigest.preferences(userID: account.id),
                                 email: account.email, emailConfirmed: try app.network.mailDigest.emailConfirmed(userID: account.id))
    }
}
