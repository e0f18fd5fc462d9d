import Board
import Foundation
import HTTPServer

/// The administration pages under /admin: the queue, threads, users, topics, organisations,
/// invites and settings. Every handler first asks Policy whether the actor may see the admin
/// pages (a member, visitor or suspended admin gets 403 with why); every action then asks
/// Policy again in its write transaction (`ModerationService`).
struct AdminRoutes: RouteCollection {
    let app: AppContext
    let pages: ModerationPages
    var moderation: ModerationService { app.network.moderation }

    init(app: AppContext) throws {
        self.app = app
        pages = try ModerationPages(app.pages.templates)
    }

    func register(on routes: inout Routes) throws {
        routes.get("/admin/queue", queue)
        // `/admin`, and the addresses of the admin forms opened with GET (after a form came back
        // with a problem): to the page, for admins; refused like every admin page for others.
        routes.get("/admin") { request in
            _ = try admitted(request)
            return .redirect(to: "/admin/queue")
        }
        for tool in ["move", "topics", "rename", "slow-mode"] {
            routes.get("/admin/threads/{id:int}/\(tool)") { request in
                _ = try admitted(request)
                return .redirect(to: "/admin/threads/\(try request.id())")
            }
        }
        for action in ["suspend", "suspend/confirm", "lift", "role", "role/confirm"] {
            routes.get("/admin/users/{id:int}/\(action)") { request in
                _ = try admitted(request)
                return .redirect(to: "/admin/users")
            }
        }
        routes.post("/admin/posts/{id:int}/decide", decide)
        routes.post("/admin/posts/{id:int}/delete", delete)
        routes.get("/admin/threads/{id:int}", thread)
        routes.post("/admin/threads/{id:int}", changeThread)
        routes.post("/admin/threads/{id:int}/move", moveThread)
        routes.post("/admin/threads/{id:int}/topics", retagThread)
        routes.post("/admin/threads/{id:int}/rename", renameThread)
        routes.post("/admin/threads/{id:int}/slow-mode", setSlowMode)
        routes.get("/admin/users", users)
        routes.post("/admin/users/{id:int}/suspend", confirmSuspension)
        routes.post("/admin/users/{id:int}/suspend/confirm", suspend)
        routes.post("/admin/users/{id:int}/lift", liftSuspension)
        routes.post("/admin/users/{id:int}/role", confirmRoleChange)
        routes.post("/admin/users/{id:int}/role/confirm", changeRole)
        routes.get("/admin/topics", topics)
        routes.post("/admin/topics", createTopic)
        routes.post("/admin/topics/{id:int}", changeTopic)
        routes.get("/admin/organisations", organisations)
        routes.post("/admin/organisations", saveOrganisation)
        routes.post("/admin/organisations/{id:int}", saveOrganisation)
        routes.get("/admin/organisations/members", memberships)
        routes.post("/admin/organisations/members/{id:int}", answerMembership)
        routes.get("/admin/invites", invites)
        routes.post("/admin/invites", createInvite)
        routes.post("/admin/invites/{id:int}/revoke", revokeInvite)
        routes.get("/admin/settings", settings)
        routes.post("/admin/settings", changeSetting)
    }

    // MARK: Queue

    func queue(_ request: Request) throws -> Response {
        let context = try admitted(request)
        return context.finish(try queuePage(context, form: FormState()))
    }

    func decide(_ request: Request) throws -> Response {
        let postID = try request.id()
        return try adminForm(request, page: { try queuePage($0, form: $1, status: $2, postID: postID) },
                             fieldID: { "\($0)-\(postID)" }) { context, items in
            let reason = items["reason"] ?? ""
            let decision: PostDecision
            let notice: SiteNotice
            switch items["decision"] ?? "" {
            case "dismiss": (decision, notice) = (.dismiss(reason: reason), .flagsDismissed)
            case "approve": (decision, notice) = (.approve, .postApproved)
            case "hide": (decision, notice) = (.hide(reason: reason), .postHidden)
            case "restore": (decision, notice) = (.restore(reason: reason), .postRestored)
            case "delete":
                // Deleting cannot be undone: a page says what will go, and only its Confirm deletes.
                let preview = try moderation.previewDeletion(by: context.actor, postID: postID, reason: reason)
                return pages.confirm.response(InLayout(AdminConfirmView.deletion(preview), context, form: FormState()))
            default: throw HTTPError.badRequest("Choose a decision")
            }
            // What the queue showed of the post: approving or dismissing words changed since is refused.
            try moderation.decide(by: context.actor, postID: postID, decision, shown: items["shown"])
            return context.redirect("/admin/queue", notice: notice)
        }
    }

    /// The Confirm button of the deletion page: the post goes for good.
    func delete(_ request: Request) throws -> Response {
        let postID = try request.id()
        return try adminForm(request, page: { try queuePage($0, form: $1, status: $2, postID: postID) }, fieldID: { "\($0)-\(postID)" }) { context, items in
            try moderation.decide(by: context.actor, postID: postID, .delete(reason: items["reason"] ?? ""))
            return context.redirect("/admin/queue", notice: .postDeleted)
        }
    }

    // MARK: Threads

    func thread(_ request: Request) throws -> Response {
        let context = try admitted(request)
        return context.finish(try threadPage(request)(context, FormState(), .ok))
    }

    func changeThread(_ request: Request) throws -> Response {
        try threadForm(request, .change) { context, id, items in
            guard let change = ThreadChange(rawValue: items["change"] ?? "") else { throw HTTPError.badRequest("Choose an action") }
            try moderation.changeThread(by: context.actor, threadID: id, change, reason: items["reason"] ?? "")
            return switch change {
            case .lock: .threadLocked
            case .unlock: .threadUnlocked
            case .pin: .threadPinned
            case .unpin: .threadUnpinned
            case .hide: .threadHidden
            case .restore: .threadRestored
            }
        }
    }

    func moveThread(_ request: Request) throws -> Response {
        try threadForm(request, .move) { context, id, items in
            try moderation.moveThread(by: context.actor, threadID: id, organisationSlug: items["organisation"] ?? "", reason: items["reason"] ?? "")
            return .threadMoved
        }
    }

    func retagThread(_ request: Request) throws -> Response {
        try threadForm(request, .topics) { context, id, items in
            try moderation.retagThread(by: context.actor, threadID: id, topicSlugs: items.values("topics"), reason: items["reason"] ?? "")
            return .threadTopicsChanged
        }
    }

    func renameThread(_ request: Request) throws -> Response {
        try threadForm(request, .rename) { context, id, items in
            try moderation.renameThread(by: context.actor, threadID: id, title: items["title"] ?? "", reason: items["reason"] ?? "")
            return .threadRenamed
        }
    }

    func setSlowMode(_ request: Request) throws -> Response {
        try threadForm(request, .slowMode) { context, id, items in
            let minutes = Int(items["minutes"] ?? "")
            try moderation.setSlowMode(by: context.actor, threadID: id, minutes: minutes, reason: items["reason"] ?? "")
            return minutes == 0 ? .slowModeOff : .slowModeSet
        }
    }

    /// A form on a thread's admin page: `act` makes the change and names its notice, then back
    /// to the page the form was on (`back`, when local: the thread page) or the admin page.
    func threadForm(_ request: Request, _ form: AdminThreadForm,
                    act: @escaping (RequestContext, Int64, [FormItem]) throws -> SiteNotice) throws -> Response {
        try adminForm(request, page: threadPage(request, refused: form)) { context, items in
            let id = try request.id()
            let notice = try act(context, id, items)
            return context.redirect(ReturnPath.validated(items["back"]) ?? "/admin/threads/\(id)", notice: notice)
        }
    }

    // MARK: Users

    func users(_ request: Request) throws -> Response {
        let context = try admitted(request)
        return context.finish(try usersPage(request)(context, FormState(), .ok))
    }

    /// The suspend form asks first: its values are checked as the suspension checks them, then
    /// a page says what will happen, with the values to confirm. Nothing changes yet.
    func confirmSuspension(_ request: Request) throws -> Response {
        try userForm(request) { context, id, items in
            let preview = try moderation.previewSuspension(by: context.actor, userID: id, days: Int(items["days"] ?? ""),
                                                           reason: items["reason"] ?? "")
            let view = AdminConfirmView.suspension(preview, days: items["days"] ?? "", query: try usersQuery(request))
            return pages.confirm.response(InLayout(view, context, form: FormState()))
        }
    }

    func suspend(_ request: Request) throws -> Response {
        try userForm(request) { context, id, items in
            try moderation.suspend(by: context.actor, userID: id, days: Int(items["days"] ?? ""), reason: items["reason"] ?? "")
            return context.redirect(AdminUsersView.link(query: try usersQuery(request)), notice: .userSuspended, subject: id)
        }
    }

    func liftSuspension(_ request: Request) throws -> Response {
        try userForm(request) { context, id, items in
            try moderation.liftSuspension(by: context.actor, userID: id, reason: items["reason"] ?? "")
            return context.redirect(AdminUsersView.link(query: try usersQuery(request)), notice: .userLifted, subject: id)
        }
    }

    /// The role form asks first, saying what the change would end (a mentor's mentorships).
    func confirmRoleChange(_ request: Request) throws -> Response {
        try userForm(request) { context, id, items in
            let preview = try moderation.previewRoleChange(by: context.actor, userID: id, to: try chosenRole(items))
            let view = AdminConfirmView.roleChange(preview, query: try usersQuery(request))
            return pages.confirm.response(InLayout(view, context, form: FormState()))
        }
    }

    func changeRole(_ request: Request) throws -> Response {
        try userForm(request) { context, id, items in
            try moderation.changeRole(by: context.actor, userID: id, to: try chosenRole(items), reason: items["reason"] ?? "")
            return context.redirect(AdminUsersView.link(query: try usersQuery(request)), notice: .userRoleChanged, subject: id)
        }
    }

    func chosenRole(_ items: [FormItem]) throws -> Role {
        guard let role = Role(rawValue: items["role"] ?? "") else { throw ModerationError.invalid(field: "role", message: "Choose a role") }
        return role
    }

    /// The users page's search, carried through its forms so the admin comes back to it.
    func usersQuery(_ request: Request) throws -> String {
        String(((try request.queryItems())["q"] ?? "").prefix(30))
    }

    /// A form about the user in the path: an error comes back on the users page (with its
    /// search), its summary linking to that user's field (`reason-12`). The page offers only
    /// what Policy allows (`AdminUsersView.decision`); a form sent from a page that has gone
    /// stale and is refused comes back on the page as it is now (403), saying why, and a
    /// user who has gone (deleted) likewise (404).
    func userForm(_ request: Request, act: @escaping (RequestContext, Int64, [FormItem]) throws -> Response) throws -> Response {
        let id = try request.id()
        let page = usersPage(request)
        return try adminForm(request, page: page, fieldID: { "\(Self.userField($0))-\(id)" }) { context, items in
            do {
                return try act(context, id, items)
            } catch ModerationError.denied(let message) {
                return context.finish(try page(context, FormState(formMessage: message + "."), .forbidden))
            } catch ModerationError.notFound {
                return context.finish(try page(context, FormState(formMessage: "That account no longer exists."), .notFound))
            }
        }
    }

    /// The users page's field a Board error names ("until" is decided by the days).
    static func userField(_ field: String) -> String {
        switch field {
        case "until": "days"
        default: field
        }
    }

    // MARK: Topics

    func topics(_ request: Request) throws -> Response {
        let context = try admitted(request)
        return context.finish(try topicsPage(context, form: FormState()))
    }

    func createTopic(_ request: Request) throws -> Response {
        try adminForm(request, page: { try topicsPage($0, form: $1, status: $2) }) { context, items in
            try moderation.createTopic(by: context.actor, slug: items["slug"] ?? "", name: items["name"] ?? "",
                                       description: items["description"] ?? "")
            return context.redirect("/admin/topics", notice: .topicCreated)
        }
    }

    func changeTopic(_ request: Request) throws -> Response {
        let id = try request.id()
        return try adminForm(request, page: { try topicsPage($0, form: $1, status: $2, editing: id) },
                             fieldID: { "\($0)-\(id)" }) { context, items in
            let change: TopicChange
            let notice: SiteNotice
            switch items["action"] ?? "" {
            case "save": (change, notice) = (.edit(name: items["name"] ?? "", description: items["description"] ?? ""), .topicSaved)
            case "up": (change, notice) = (.moveUp, .topicMoved)
            case "down": (change, notice) = (.moveDown, .topicMoved)
            case "retire": (change, notice) = (.retire, .topicRetired)
            case "restore": (change, notice) = (.restore, .topicRestored)
            default: throw HTTPError.badRequest("Choose an action")
            }
            try moderation.changeTopic(by: context.actor, topicID: id, change)
            return context.redirect("/admin/topics", notice: notice)
        }
    }

    // MARK: Organisations

    func organisations(_ request: Request) throws -> Response {
        let context = try admitted(request)
        return context.finish(try organisationsPage(context, form: FormState()))
    }

    /// Creates an organisation (`/admin/organisations`) or edits one (`/admin/organisations/{id}`).
    func saveOrganisation(_ request: Request) throws -> Response {
        let id = request.parameters.int("id").map(Int64.init)
        // An edit that comes back shows on its organisation's form (`name-12`), not on the new one's.
        return try adminForm(request, page: { try organisationsPage($0, form: $1, status: $2, editing: id) },
                             fieldID: { field in id.map { "\(field)-\($0)" } ?? field }) { context, items in
            try moderation.saveOrganisation(by: context.actor, organisationID: id,
                                            slug: items["slug"] ?? "", name: items["name"] ?? "", kind: items["kind"] ?? "",
                                            description: items["description"] ?? "", region: items["region"] ?? "")
            return context.redirect("/admin/organisations", notice: id == nil ? .organisationCreated : .organisationSaved)
        }
    }

    func memberships(_ request: Request) throws -> Response {
        let context = try admitted(request)
        return context.finish(try membershipsPage(context, form: FormState()))
    }

    /// Confirms or declines a member's organisation (`decision`), then back to the list.
    func answerMembership(_ request: Request) throws -> Response {
        try adminForm(request, page: { try membershipsPage($0, form: $1, status: $2) }) { context, items in
            let decision = items["decision"] ?? ""
            guard decision == "confirm" || decision == "decline" else { throw HTTPError.badRequest("Choose confirm or do not confirm") }
            guard let organisationID = items["organisation"].flatMap({ Int64($0) }) else { throw HTTPError.badRequest("No organisation was given") }
            let notice: SiteNotice
            switch try moderation.answerMembership(by: context.actor, userID: try request.id(), organisationID: organisationID,
                                                   confirm: decision == "confirm") {
            case .confirmed: notice = .organisationConfirmed
            case .declined(_, let kept): notice = kept == nil ? .organisationDeclined : .organisationDeclinedKept
            case .alreadyAnswered(let name, let at):
                // A second admin, or the same button twice: nothing changed; say who answered.
                let answered = "This request was already answered by \(name) on \(DateText.humanWithTime(at))."
                return context.finish(try membershipsPage(context, form: FormState(), status: .conflict, answered: answered))
            }
            return context.redirect("/admin/organisations/members", notice: notice)
        }
    }

    // MARK: Invites

    /// The invites page. Right after an invite was made (`inviteMade`, naming the invite) it says
    /// so and shows the invite's link once: the code travels from the POST in a short-lived
    /// HttpOnly cookie (never in a URL, which would be logged), is shown only if it is still
    /// that open invite's code, and the cookie is cleared by this response. A reload still says
    /// the invite was made, but no longer shows the link.
    func invites(_ request: Request) throws -> Response {
        let context = try admitted(request)
        let cookie = Self.inviteCookie(context)
        var made: InviteMade?
        if let notice = context.notice, notice.key == .inviteMade, let id = notice.subject {
            let code = request.cookie(cookie)
            let open = try code.flatMap { try app.accounts.invite(code: $0) }
            made = InviteMade(link: open?.id == id ? code.map { app.siteURL(request)("/register?invite=" + $0) } : nil)
        }
        var response = context.finish(try invitesPage(request, made: made)(context, FormState(), .ok))
        if request.cookie(cookie) != nil {
            response.headers.add("Set-Cookie", context.cookies.setCookie(cookie, "", maxAge: 0))
        }
        return response
    }

    /// Makes an invite, then POST/redirect/GET: a reload of the page shown cannot make a second one.
    func createInvite(_ request: Request) throws -> Response {
        try adminForm(request, page: invitesPage(request)) { context, items in
            guard let role = Role(rawValue: items["role"] ?? "") else { throw ModerationError.invalid(field: "role", message: "Choose a role") }
            let code = try app.network.invites.create(by: context.actor, role: role, organisationSlug: items["organisation"] ?? "",
                                                      days: Int(items["days"] ?? "") ?? 0, maxUses: Int(items["uses"] ?? "") ?? 0)
            guard let invite = try app.accounts.invite(code: code) else { throw ModerationError.notFound }
            var response = context.redirect("/admin/invites", notice: .inviteMade, subject: invite.id)
            response.headers.add("Set-Cookie", context.cookies.setCookie(Self.inviteCookie(context), code, maxAge: Int(Notice.lifetime)))
            return response
        }
    }

    /// The cookie that carries a new invite's code to the page that shows it once.
    static func inviteCookie(_ context: RequestContext) -> String {
        context.cookies.secure ? "__Host-new-invite" : "new-invite"
    }

    func revokeInvite(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        try context.admitToAdminPages()
        guard case .valid = submission else {
            let form = FormState(items: submission.items, formMessage: CSRF.resubmitMessage)
            return context.finish(try invitesPage(request)(context, form, .forbidden))
        }
        try app.network.invites.revoke(by: context.actor, inviteID: try request.id())
        return context.redirect("/admin/invites", notice: .inviteRevoked)
    }

    // MARK: Settings

    func settings(_ request: Request) throws -> Response {
        let context = try admitted(request)
        let saved = context.notice.flatMap { $0.key == .settingsSaved ? $0.subject.map { Int($0) } : nil }
        return context.finish(try settingsPage(context, form: FormState(), saved: saved))
    }

    /// The one settings form: every setting in one Save; only those that differ change, each
    /// with its log entry; the page then says how many changed.
    func changeSetting(_ request: Request) throws -> Response {
        try adminForm(request, page: { try settingsPage($0, form: $1, status: $2) }, fieldID: { "setting-\($0)" }) { context, items in
            let changed = try app.network.settings.set(by: context.actor, AdminSettingsView.submitted(items))
            return context.redirect("/admin/settings", notice: .settingsSaved, subject: Int64(changed.count))
        }
    }

    // MARK: Forms and the gate

    /// One admin form post. The token and origin are checked before anything else (a rejected
    /// form comes back with what was typed, 403), then the admin gate; `act` makes the change.
    /// A `ModerationError.invalid` re-renders `page` with the typed values and the message (422);
    /// any other `ModerationError` is its error page.
    /// `fieldID` turns the field a Board error names into the id of the field on the page, for
    /// the error summary's link (a page with one form per row has `reason-12`, not `reason`).
    func adminForm(_ request: Request, page: @escaping (RequestContext, FormState, HTTPStatus) throws -> Response,
                   fieldID: (String) -> String = { $0 },
                   act: (RequestContext, [FormItem]) throws -> Response) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        try context.admitToAdminPages()
        guard case .valid(let items) = submission else {
            return context.finish(try page(context, FormState(items: submission.items, formMessage: CSRF.resubmitMessage), .forbidden))
        }
        do {
            return try act(context, items)
        } catch ModerationError.invalid(let field, let message) {
            let form = FormState(items: items, errors: [FieldError(fieldID(field), message)])
            return context.finish((try? page(context, form, .unprocessableContent)) ?? app.pages.errorResponse(.unprocessableContent, ""))
        }
    }

    func admitted(_ request: Request) throws -> RequestContext {
        let context = try app.requestContext(for: request)
        try context.admitToAdminPages()
        return context
    }

    // MARK: Pages

    /// The queue; `postID`: the post whose decision came back, shown as typed.
    func queuePage(_ context: RequestContext, form: FormState, status: HTTPStatus = .ok, postID: Int64? = nil) throws -> Response {
        let view = AdminQueueView(items: try moderation.queue(), actor: context.actor, now: app.accounts.clock.now(), form: form,
                                  formPostID: postID)
        return pages.queue.response(InLayout(view, context, form: form), status: status)
    }

    /// The thread's admin page; `refused`: the form of the request that came back, shown as typed.
    func threadPage(_ request: Request, refused: AdminThreadForm? = nil) -> (RequestContext, FormState, HTTPStatus) throws -> Response {
        { context, form, status in
            guard let thread = try moderation.thread(id: try request.id()) else { throw HTTPError.notFound }
            let spaces = try moderation.moveDestinations().map { ChoiceRow(value: $0.slug, label: $0.name, selected: $0.id == thread.organisationID) }
            let topics = try app.network.topics.active().map { ChoiceRow(value: $0.slug, label: $0.name, selected: thread.topicSlugs.contains($0.slug)) }
            // Every value typed (the topics are several), which `form` keeps one of each.
            let typed = refused == nil ? [] : FormText.cleaned(try request.formItems())
            let view = AdminThreadView(thread: thread, spaces: spaces, topics: topics, refused: refused, typed: typed)
            return pages.thread.response(InLayout(view, context, form: form), status: status)
        }
    }

    func usersPage(_ request: Request) -> (RequestContext, FormState, HTTPStatus) throws -> Response {
        { context, form, status in
            let query = try usersQuery(request)
            let view = AdminUsersView(query: query, users: try moderation.users(handlePrefix: query), actor: context.actor,
                                      now: app.accounts.clock.now(),
                                      notice: try usersNotice(context), form: form,
                                      formUserID: request.parameters.int("id").map(Int64.init))
            return pages.users.response(InLayout(view, context, form: form), status: status)
        }
    }

    /// The success notice after an action on the users page (`Notice` with the user as its
    /// subject), said from the user's state now.
    func usersNotice(_ context: RequestContext) throws -> String? {
        guard let notice = context.notice, let id = notice.subject, let user = try moderation.user(id: id) else { return nil }
        return AdminUsersView.notice(notice.key, user: user, now: app.accounts.clock.now())
    }

    func topicsPage(_ context: RequestContext, form: FormState, status: HTTPStatus = .ok, editing: Int64? = nil) throws -> Response {
        let edit = editing.map { AdminRowEdit(id: $0, form: form) }
        return pages.topics.response(InLayout(AdminTopicsView(topics: try moderation.topics(), edit: edit), context,
                                              form: edit?.pageForm ?? form), status: status)
    }

    func invitesPage(_ request: Request, made: InviteMade? = nil) -> (RequestContext, FormState, HTTPStatus) throws -> Response {
        { context, form, status in
            let organisations = try app.accounts.organisations().map { ChoiceRow(value: $0.slug, label: $0.name, selected: false) }
            let view = AdminInvitesView(invites: try app.network.invites.open(), organisations: organisations, made: made,
                                        typed: form.values)
            return pages.invites.response(InLayout(view, context, form: form), status: status)
        }
    }

    func organisationsPage(_ context: RequestContext, form: FormState, status: HTTPStatus = .ok, editing: Int64? = nil) throws -> Response {
        let edit = editing.map { AdminRowEdit(id: $0, form: form) }
        let view = AdminOrganisationsView(organisations: try moderation.organisations(), edit: edit)
        return pages.organisations.response(InLayout(view, context, form: edit?.pageForm ?? form), status: status)
    }

    func membershipsPage(_ context: RequestContext, form: FormState, status: HTTPStatus = .ok, answered: String? = nil) throws -> Response {
        let view = AdminMembershipsView(requests: try moderation.membershipRequests(), answered: answered)
        return pages.memberships.response(InLayout(view, context, form: form), status: status)
    }

    func settingsPage(_ context: RequestContext, form: FormState, status: HTTPStatus = .ok, saved: Int? = nil) throws -> Response {
        let view = AdminSettingsView(values: try app.network.settings.values(), chosen: form.values, saved: saved)
        return pages.settings.response(InLayout(view, context, form: form), status: status)
    }
}
