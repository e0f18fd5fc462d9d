import Board
import Database
import Foundation
import HTTPServer

/// The administration pages under /admin: the queue, threads, users and settings. Every handler
/// first asks Policy whether the actor may see the admin pages (a member, visitor or suspended
/// admin gets 403 with why); every action then asks Policy again in its write transaction.
enum AdminRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        let pages = try ModerationPages(app.pages.templates)
        let now: @Sendable () -> Date = { app.accounts.clock.now() }

        // MARK: Queue

        router.get("/admin/queue") { request in
            let context = try admitted(app, request)
            return context.finish(try queuePage(app, pages, context, form: FormState()))
        }

        router.post("/admin/posts/{id:int}/decide") { request in
            try adminForm(app, request, now: now(), page: { context, form, status in
                try queuePage(app, pages, context, form: form, status: status)
            }) { context, items in
                let postID = try ModerationRoutes.postID(request)
                let reason = items["reason"] ?? ""
                let decision: PostDecision
                switch items["decision"] ?? "" {
                case "dismiss": decision = .dismiss(reason: reason)
                case "approve": decision = .approve
                case "hide": decision = .hide(reason: reason)
                case "restore": decision = .restore(reason: reason)
                case "delete": decision = .delete(reason: reason)
                default: throw HTTPError.badRequest("Choose a decision")
                }
                try Moderation.decide(app.store, actor: context.actor, postID: postID, decision, now: now())
                return redirect("/admin/queue", context)
            }
        }

        // MARK: Threads

        router.get("/admin/threads/{id:int}") { request in
            let context = try admitted(app, request)
            return context.finish(try threadPage(app, pages, context, request, form: FormState()))
        }

        router.post("/admin/threads/{id:int}") { request in
            try adminForm(app, request, now: now(), page: { context, form, status in
                try threadPage(app, pages, context, request, form: form, status: status)
            }) { context, items in
                guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
                guard let change = ThreadChange(rawValue: items["change"] ?? "") else { throw HTTPError.badRequest("Choose an action") }
                try Moderation.changeThread(app.store, actor: context.actor, threadID: id, change, reason: items["reason"] ?? "", now: now())
                return redirect("/admin/threads/\(id)", context)
            }
        }

        for action in ["move", "topics", "rename", "slow-mode"] {
            router.post("/admin/threads/{id:int}/\(action)") { request in
                try adminForm(app, request, now: now(), page: { context, form, status in
                    try threadPage(app, pages, context, request, form: form, status: status)
                }) { context, items in
                    guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
                    let reason = items["reason"] ?? ""
                    switch action {
                    case "move":
                        try Moderation.moveThread(app.store, actor: context.actor, threadID: id, organisationSlug: items["organisation"] ?? "",
                                                  reason: reason, now: now())
                    case "rename":
                        try Moderation.renameThread(app.store, actor: context.actor, threadID: id, title: items["title"] ?? "",
                                                    reason: reason, now: now())
                    case "slow-mode":
                        guard let minutes = Int(items["minutes"] ?? ""), (0...1440).contains(minutes) else {
                            throw ModerationError.invalid(field: "minutes", message: "Enter a number of minutes from 0 to 1440")
                        }
                        try Moderation.setSlowMode(app.store, actor: context.actor, threadID: id, seconds: minutes * 60,
                                                   reason: reason, now: now())
                    default:
                        try Moderation.retagThread(app.store, actor: context.actor, threadID: id,
                                                   topicSlugs: items.filter { $0.name == "topics" }.map(\.value), reason: reason, now: now())
                    }
                    return redirect("/admin/threads/\(id)", context)
                }
            }
        }

        // MARK: Users

        router.get("/admin/users") { request in
            let context = try admitted(app, request)
            return context.finish(try usersPage(app, pages, context, request, form: FormState()))
        }

        for action in ["suspend", "lift", "role"] {
            router.post("/admin/users/{id:int}/\(action)") { request in
                try adminForm(app, request, now: now(), page: { context, form, status in
                    try usersPage(app, pages, context, request, form: form, status: status)
                }) { context, items in
                    guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
                    let reason = items["reason"] ?? ""
                    switch action {
                    case "suspend":
                        guard let days = Int(items["days"] ?? ""), (1...3650).contains(days) else {
                            throw ModerationError.invalid(field: "days", message: "Enter a number of days from 1 to 3650")
                        }
                        try Moderation.suspend(app.store, actor: context.actor, userID: id,
                                               until: now().addingTimeInterval(Double(days) * 86_400), reason: reason, now: now())
                    case "lift":
                        try Moderation.liftSuspension(app.store, actor: context.actor, userID: id, reason: reason, now: now())
                    default:
                        guard let role = Role(rawValue: items["role"] ?? "") else {
                            throw ModerationError.invalid(field: "role", message: "Choose a role")
                        }
                        try Moderation.changeRole(app.store, actor: context.actor, userID: id, to: role, reason: reason, now: now())
                    }
                    return redirect("/admin/users", context)
                }
            }
        }

        // MARK: Topics

        router.get("/admin/topics") { request in
            let context = try admitted(app, request)
            return context.finish(try topicsPage(app, pages, context, form: FormState()))
        }

        router.post("/admin/topics") { request in
            try adminForm(app, request, now: now(), page: { context, form, status in
                try topicsPage(app, pages, context, form: form, status: status)
            }) { context, items in
                try Moderation.createTopic(app.store, actor: context.actor, slug: items["slug"] ?? "", name: items["name"] ?? "",
                                           description: items["description"] ?? "", now: now())
                return redirect("/admin/topics", context)
            }
        }

        router.post("/admin/topics/{id:int}") { request in
            try adminForm(app, request, now: now(), page: { context, form, status in
                try topicsPage(app, pages, context, form: form, status: status)
            }) { context, items in
                guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
                let change: TopicChange
                switch items["action"] ?? "" {
                case "save": change = .edit(name: items["name"] ?? "", description: items["description"] ?? "")
                case "up": change = .moveUp
                case "down": change = .moveDown
                case "retire": change = .retire
                case "restore": change = .restore
                default: throw HTTPError.badRequest("Choose an action")
                }
                try Moderation.changeTopic(app.store, actor: context.actor, topicID: id, change, now: now())
                return redirect("/admin/topics", context)
            }
        }

        // MARK: Organisations

        router.get("/admin/organisations") { request in
            let context = try admitted(app, request)
            return context.finish(try organisationsPage(app, pages, context, form: FormState()))
        }

        for path in ["/admin/organisations", "/admin/organisations/{id:int}"] {
            router.post(path) { request in
                try adminForm(app, request, now: now(), page: { context, form, status in
                    try organisationsPage(app, pages, context, form: form, status: status)
                }) { context, items in
                    let id = request.parameters.int("id").map(Int64.init)
                    try Moderation.saveOrganisation(app.store, actor: context.actor, organisationID: id, slug: items["slug"] ?? "",
                                                    name: items["name"] ?? "", kind: items["kind"] ?? "",
                                                    description: items["description"] ?? "", region: items["region"] ?? "", now: now())
                    return redirect("/admin/organisations", context)
                }
            }
        }

        // MARK: Invites

        router.get("/admin/invites") { request in
            let context = try admitted(app, request)
            return context.finish(try invitesPage(app, pages, context, request, form: FormState()))
        }

        router.post("/admin/invites") { request in
            try adminForm(app, request, now: now(), page: { context, form, status in
                try invitesPage(app, pages, context, request, form: form, status: status)
            }) { context, items in
                guard let role = Role(rawValue: items["role"] ?? "") else {
                    throw ModerationError.invalid(field: "role", message: "Choose a role")
                }
                let code = try Moderation.createInvite(app.store, actor: context.actor, role: role,
                                                       organisationSlug: items["organisation"] ?? "",
                                                       days: Int(items["days"] ?? "") ?? 0, maxUses: Int(items["uses"] ?? "") ?? 0, now: now())
                let link = SiteURL(request: request)("/register?invite=" + code)
                return context.finish(try invitesPage(app, pages, context, request, form: FormState(), newLink: link))
            }
        }

        router.post("/admin/invites/{id:int}/revoke") { request in
            let context = try app.requestContext(for: request)
            switch try app.checkedForm(request, context) {
            case .rejected(let items, _):
                try gate(context, now: now())
                return context.finish(try invitesPage(app, pages, context, request,
                                                      form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden))
            case .valid:
                try gate(context, now: now())
                guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
                do {
                    try Moderation.revokeInvite(app.store, actor: context.actor, inviteID: id, now: now())
                } catch ModerationError.notFound {
                    throw HTTPError.notFound
                }
                return redirect("/admin/invites", context)
            }
        }

        // MARK: Settings

        router.get("/admin/settings") { request in
            let context = try admitted(app, request)
            return context.finish(try settingsPage(app, pages, context, form: FormState()))
        }

        router.post("/admin/settings") { request in
            try adminForm(app, request, now: now(), page: { context, form, status in
                try settingsPage(app, pages, context, form: form, status: status)
            }) { context, items in
                try Moderation.setSetting(app.store, actor: context.actor, key: items["key"] ?? "", value: items["value"] ?? "", now: now())
                return redirect("/admin/settings", context)
            }
        }
    }

    // MARK: Forms

    /// One admin form post. The token and origin are checked before anything else (a rejected
    /// form comes back with what was typed, 403), then the admin gate; `act` makes the change.
    /// A `ModerationError` re-renders `page` with the typed values and the message.
    static func adminForm(
        _ app: AppContext, _ request: Request, now: Date,
        page: @escaping (RequestContext, FormState, HTTPStatus) throws -> Response,
        act: (RequestContext, [FormItem]) throws -> Response
    ) throws -> Response {
        let context = try app.requestContext(for: request)
        switch try app.checkedForm(request, context) {
        case .rejected(let items, _):
            try gate(context, now: now)
            return context.finish(try page(context, FormState(items: items, formMessage: CSRF.resubmitMessage), .forbidden))
        case .valid(let items):
            try gate(context, now: now)
            do {
                return try act(context, items)
            } catch let error as ModerationError {
                return context.finish(try ModerationRoutes.failure(error, context: context, items: items) { form, status in
                    (try? page(context, form, status)) ?? app.pages.errorResponse(status, "")
                })
            }
        }
    }

    // MARK: Gate

    /// Whether the actor may use the admin pages at all (Policy: viewModerationQueue).
    static func gate(_ context: RequestContext, now: Date) throws {
        switch Policy.decide(context.actor, .viewModerationQueue, .network, now: now) {
        case .allowed: return
        case .denied(let message): throw HTTPError(.forbidden, message)
        case .notFound: throw HTTPError.notFound
        }
    }

    static func admitted(_ app: AppContext, _ request: Request) throws -> RequestContext {
        let context = try app.requestContext(for: request)
        try gate(context, now: app.accounts.clock.now())
        return context
    }

    static func redirect(_ location: String, _ context: RequestContext) -> Response {
        context.finish(Response(status: .seeOther, headers: HTTPHeaders([("Location", location)])))
    }

    // MARK: Pages

    static func queuePage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, form: FormState,
                          status: HTTPStatus = .ok) throws -> Response {
        let items = try app.store.read { try ModerationQueries.queue($0) }
        return pages.queue.response(InLayout(AdminQueueView(items: items), context, form: form), status: status)
    }

    static func threadPage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, _ request: Request,
                           form: FormState, status: HTTPStatus = .ok) throws -> Response {
        guard let id = request.parameters.int("id").map(Int64.init),
              let view = try app.store.read({ conn -> AdminThreadView? in
                  guard var view = try conn.queryOne(AdminThreadView.self,
                                                     "SELECT id, title, locked, pinned, organisation_id, slow_mode_seconds, hidden FROM threads WHERE id = ?", Int64(id))
                  else { return nil }
                  view.spaces = try conn.query(ChoiceRow.self, """
                      SELECT slug, name, id = ?1 AS selected FROM organisations ORDER BY name
                      """, view.organisationID ?? -1)
                  view.topics = try conn.query(ChoiceRow.self, """
                      SELECT slug, name, EXISTS (SELECT 1 FROM thread_topics tt WHERE tt.topic_id = topics.id AND tt.thread_id = ?1) AS selected
                      FROM topics WHERE retired = 0 ORDER BY position
                      """, Int64(id))
                  return view
              })
        else { throw HTTPError.notFound }
        return pages.thread.response(InLayout(view, context, form: form), status: status)
    }

    static func usersPage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, _ request: Request,
                          form: FormState, status: HTTPStatus = .ok) throws -> Response {
        let query = String(((try request.queryItems())["q"] ?? "").prefix(30))
        let users = try app.store.read { try ModerationQueries.users($0, handlePrefix: query) }
        return pages.users.response(InLayout(AdminUsersView(query: query, users: users, now: app.accounts.clock.now()), context, form: form),
                                    status: status)
    }

    static func topicsPage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, form: FormState,
                           status: HTTPStatus = .ok) throws -> Response {
        let topics = try app.store.read { try Moderation.topics($0) }
        return pages.topics.response(InLayout(AdminTopicsView(topics: topics), context, form: form), status: status)
    }

    static func invitesPage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, _ request: Request,
                            form: FormState, status: HTTPStatus = .ok, newLink: String? = nil) throws -> Response {
        let current = app.accounts.clock.now()
        let (invites, organisations) = try app.store.read { conn in
            (try Moderation.openInvites(conn, now: current),
             try conn.query(ChoiceRow.self, "SELECT slug, name, 0 AS selected FROM organisations ORDER BY name"))
        }
        let view = AdminInvitesView(invites: invites, organisations: organisations, newLink: newLink)
        return pages.invites.response(InLayout(view, context, form: form), status: status)
    }

    static func organisationsPage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, form: FormState,
                                  status: HTTPStatus = .ok) throws -> Response {
        let organisations = try app.store.read { try Moderation.organisations($0) }
        return pages.organisations.response(InLayout(AdminOrganisationsView(organisations: organisations), context, form: form), status: status)
    }

    static func settingsPage(_ app: AppContext, _ pages: ModerationPages, _ context: RequestContext, form: FormState,
                             status: HTTPStatus = .ok) throws -> Response {
        let settings = try app.store.read { try Moderation.settings($0) }
        return pages.settings.response(InLayout(AdminSettingsView(values: settings), context, form: form), status: status)
    }
}

struct AdminQueueView: TemplateRenderable {
    let items: [QueueItem]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "items":
            .list(items.map { item in
                [
                    "postID": .int(Int(item.postID)), "threadID": .int(Int(item.threadID)), "threadTitle": .text(item.threadTitle),
                    "author": .text(item.authorHandle), "body": .text(item.bodyMarkdown), "held": .bool(item.held),
                    "hidden": .bool(item.hidden), "since": .text(DateText.humanWithTime(item.since)),
                    "sinceISO": .text(DateText.iso(item.since)), "hasFlags": .bool(!item.flags.isEmpty),
                    "flags": .list(item.flags.map { flag in
                        ["reason": .text(flag.reason.label), "reporter": .text(flag.reporterHandle), "note": .text(flag.note)]
                    }),
                ]
            })
        default: nil
        }
    }
}

struct ChoiceRow: RowDecodable, Sendable {
    let value: String, label: String, selected: Bool
    init(row: Row) throws { value = try row["slug"]; label = try row["name"]; selected = try row["selected"] }

    var templateValue: TemplateValue { ["value": .text(value), "label": .text(label), "selected": .bool(selected)] }
}

struct AdminThreadView: TemplateRenderable, RowDecodable {
    let id: Int64, title: String, locked: Bool, pinned: Bool, organisationID: Int64?, slowModeSeconds: Int, hidden: Bool
    var spaces: [ChoiceRow] = []
    var topics: [ChoiceRow] = []

    init(row: Row) throws {
        id = try row["id"]; title = try row["title"]; locked = try row["locked"]; pinned = try row["pinned"]
        organisationID = try row["organisation_id"]; slowModeSeconds = try row["slow_mode_seconds"]; hidden = try row["hidden"]
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(Int(id))
        case "title": .text(title)
        case "locked": .bool(locked)
        case "pinned": .bool(pinned)
        case "isPublic": .bool(organisationID == nil)
        case "hidden": .bool(hidden)
        case "slowModeMinutes": .int(slowModeSeconds / 60)
        case "spaces": .list(spaces.map(\.templateValue))
        case "topics": .list(topics.map(\.templateValue))
        default: nil
        }
    }
}

struct AdminUsersView: TemplateRenderable {
    let query: String
    let users: [UserSummary]
    let now: Date

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "query": .text(query)
        case "users":
            .list(users.map { user in
                let suspended = user.suspendedUntil.flatMap { $0 > now ? $0 : nil }
                return [
                    "id": .int(Int(user.id)), "handle": .text(user.handle), "displayName": .text(user.displayName),
                    "role": .text(user.role), "suspendedUntil": .text(suspended.map(DateText.humanWithTime) ?? ""),
                    "suspensionReason": .text(user.suspensionReason ?? ""),
                ]
            })
        default: nil
        }
    }
}

struct AdminSettingsView: TemplateRenderable {
    let values: [String: String]

    static let settings: [(key: String, label: String, options: [(String, String)])] = [
        ("registration", "Who can register", [("open", "Anyone"), ("invite_only", "Only people with an invite"), ("closed", "No one")]),
        ("require_sign_in_to_read", "Who can read the network", [("0", "Visitors and members"), ("1", "Members only")]),
        (Moderation.holdFirstPostsKey, "Hold the first posts of new accounts for approval", [("1", "Yes"), ("0", "No")]),
        (Moderation.flagThresholdKey, "Members whose flags hide a post until an admin decides",
         (1...10).map { (String($0), String($0)) }),
        (Moderation.newAccountDaysKey, "Days an account counts as new (limited posting)", (0...14).map { (String($0), String($0)) }),
        (Moderation.newAccountPostsKey, "Posts a day for a new account", [1, 2, 3, 5, 10, 20].map { (String($0), String($0)) }),
    ]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "settings":
            .list(Self.settings.map { setting in
                [
                    "key": .text(setting.key), "label": .text(setting.label),
                    "options": .list(setting.options.map { option in
                        ["value": .text(option.0), "text": .text(option.1), "selected": .bool(values[setting.key] == option.0)]
                    }),
                ]
            })
        default: nil
        }
    }
}

struct AdminTopicsView: TemplateRenderable {
    let topics: [AdminTopic]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "topics":
            .list(topics.map { topic in
                ["id": .int(Int(topic.id)), "slug": .text(topic.slug), "name": .text(topic.name),
                 "description": .text(topic.description), "retired": .bool(topic.retired)]
            })
        default: nil
        }
    }
}

struct AdminInvitesView: TemplateRenderable {
    let invites: [AdminInvite]
    let organisations: [ChoiceRow]
    let newLink: String?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "newLink": .text(newLink ?? "")
        case "organisations": .list(organisations.map(\.templateValue))
        case "invites":
            .list(invites.map { invite in
                ["id": .int(Int(invite.id)), "role": .text(invite.role), "organisation": .text(invite.organisationName ?? ""),
                 "createdBy": .text(invite.createdBy), "expires": .text(DateText.humanWithTime(invite.expiresAt)),
                 "uses": .text("\(invite.useCount) of \(invite.maxUses)")]
            })
        default: nil
        }
    }
}

struct AdminOrganisationsView: TemplateRenderable {
    let organisations: [AdminOrganisation]

    static let kinds = [("pathfinder", "Pathfinder"), ("mentor_organisation", "Mentor organisation"), ("other", "Other")]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "newKinds": .list(Self.kinds.map { ["value": .text($0.0), "text": .text($0.1), "selected": .bool(false)] })
        case "organisations":
            .list(organisations.map { organisation in
                ["id": .int(Int(organisation.id)), "slug": .text(organisation.slug), "name": .text(organisation.name),
                 "description": .text(organisation.description), "region": .text(organisation.region),
                 "kinds": .list(Self.kinds.map { ["value": .text($0.0), "text": .text($0.1), "selected": .bool($0.0 == organisation.kind)] })]
            })
        default: nil
        }
    }
}
