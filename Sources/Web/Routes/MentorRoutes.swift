import Board
import Foundation
import HTTPServer

/// Mentors (issue 6): the directory and profiles, a mentor's own profile and queue, admins'
/// roles and mentorships, and asking mentors to a thread. Rules live in `Board.Mentors` and
/// `Policy`; every POST passes `app.checkedForm`; a `MentorError` not handled here is its own
/// error page (`Errors/MentorErrors.swift`).
struct MentorRoutes: RouteCollection {
    let app: AppContext
    var mentors: MentorService { app.network.mentors }
    var pages: MentorPages { app.pages.mentor }

    func register(on routes: inout Routes) throws {
        routes.get("/mentors", directory)
        routes.get("/mentors/{handle}", profile)
        routes.get("/mentor/profile", editProfileForm)
        routes.post("/mentor/profile", editProfile)
        routes.get("/mentor/queue", queue)
        routes.get("/mentor/queue/{id:int}/decline", declineForm)
        routes.post("/mentor/queue/{id:int}/decline", decline)
        routes.get("/admin/mentors", admin)
        routes.post("/admin/mentors/role", confirmRoleChange)
        routes.post("/admin/mentors/role/confirm", changeRole)
        routes.post("/admin/mentorships", startMentorship)
        routes.get("/admin/mentorships/{id:int}/end", confirmEndMentorship)
        routes.post("/admin/mentorships/{id:int}/end", endMentorship)
        routes.get("/t/{id:int}/mentors", askForm)
        routes.post("/t/{id:int}/mentors", ask)
        routes.post("/t/{id:int}/mentors/admins", askAdmins)
        routes.formPage("/t/{id:int}/mentors/admins") { "/t/\($0)/mentors" }
    }

    // MARK: Directory and profiles

    func directory(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let query = try request.queryItems()
        let filter = MentorFilter(topicSlug: Self.nonEmpty(query["topic"]), organisationSlug: Self.nonEmpty(query["organisation"]),
                                  availability: Self.nonEmpty(query["availability"]).flatMap(MentorAvailability.init(rawValue:)))
        let found = try mentors.mentors(filter)
        let page: TemplateObject = [
            "mentors": .list(found.map(MentorViews.card)),
            "hasMentors": .bool(!found.isEmpty),
            "count": .int(found.count),
            "topics": MentorViews.options(try topicOptions(), selected: filter.topicSlug),
            "organisations": MentorViews.options(try organisationOptions(), selected: filter.organisationSlug),
            "availabilities": MentorViews.options(MentorAvailability.allCases.map { ($0.rawValue, $0.label) },
                                                  selected: filter.availability?.rawValue),
            "filtered": .bool(filter != MentorFilter()),
            "findAMentor": found.isEmpty ? try findAMentor(context) : .bool(false),
        ]
        return context.finish(pages.directory.response(InLayout(page, context)))
    }

    /// With no mentor matching, where this reader can get one instead: the admins, asked from a
    /// thread's "Ask a mentor" page (`askAdmins`: the thread's asker, once it is approved), so a
    /// member is sent to start a thread (told when a new member's first thread waits for
    /// approval first), a visitor to sign in, a suspended member told why not, and an admin
    /// to the admin mentors page. Only what the reader may do is offered (`ViewerCapabilities`).
    func findAMentor(_ context: RequestContext) throws -> TemplateValue {
        let may = ViewerCapabilities(context.actor, now: context.now)
        let isAdmin = Policy.isAdmin(context.actor)
        let firstPostWaits = try context.account.map { try app.network.posting.nextPostWaits(for: $0) } ?? false
        var values: TemplateObject = [
            "visitor": .bool(!context.actor.isSignedIn),
            "signInURL": .text(ReturnPath.signInURL(returningTo: "/t/new")),
            "isAdmin": .bool(isAdmin && may.restriction == nil),
            "mayAsk": .bool(context.actor.isSignedIn && !isAdmin && may.startThread),
            "firstPostWaits": .bool(firstPostWaits),
        ]
        if let restriction = may.restriction { values["restriction"] = .text(restriction) }
        return .object(values)
    }

    func profile(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let profile = try mentors.profile(handle: request.parameters["handle"] ?? "", viewer: context.viewer) else {
            throw HTTPError.notFound
        }
        let page: TemplateObject = [
            "mentor": MentorViews.card(profile.mentor),
            "supports": .list(profile.supports.map(MentorViews.mentorship)), "hasSupports": .bool(!profile.supports.isEmpty),
            "recentAnswers": .list(profile.recentAnswers.map(MentorViews.answer)), "hasRecentAnswers": .bool(!profile.recentAnswers.isEmpty),
            "acceptedAnswers": .list(profile.acceptedAnswers.map(MentorViews.answer)), "hasAcceptedAnswers": .bool(!profile.acceptedAnswers.isEmpty),
            "isOwn": .bool(context.account?.id == profile.mentor.userID),
            "howToAsk": context.account?.id == profile.mentor.userID ? .bool(false) : try howToAsk(profile.mentor, context),
        ]
        return context.finish(pages.profile.response(InLayout(page, context)))
    }

    /// How the reader of a mentor's profile can ask them: mentors are asked to a thread, from
    /// its "Ask a mentor" page, so a member is sent to start one (told when a new member's first
    /// thread waits for approval first), a visitor to sign in, a suspended member told why not;
    /// a busy mentor is not asked to new threads (`Mentors.link`), which the page says instead.
    func howToAsk(_ mentor: MentorCard, _ context: RequestContext) throws -> TemplateValue {
        let may = ViewerCapabilities(context.actor, now: context.now)
        var values: TemplateObject = [
            "busy": .bool(mentor.availability == .unavailable),
            "visitor": .bool(!context.actor.isSignedIn),
            "signInURL": .text(ReturnPath.signInURL(returningTo: "/t/new")),
            "mayAsk": .bool(context.actor.isSignedIn && may.startThread),
            "firstPostWaits": .bool(try context.account.map { try app.network.posting.nextPostWaits(for: $0) } ?? false),
        ]
        if let restriction = may.restriction { values["restriction"] = .text(restriction) }
        return .object(values)
    }

    // MARK: A mentor's own profile and queue

    func editProfileForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        guard context.actor.isMentor else { return context.finish(app.pages.errorResponse(.forbidden, "Only mentors have a mentor profile", in: context)) }
        let card = try mentors.mentor(handle: account.handle)
        let form = FormState(values: [
            "headline": card?.headline ?? "", "bio": card?.bio ?? "", "availability": card?.availability.rawValue ?? "available",
        ])
        return try context.finish(editPage(context, form: form, selectedTopics: Set(card?.topics.map(\.slug) ?? [])))
    }

    func editProfile(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        let selected = Set(items.all("topics"))
        if case .rejected = submission {
            return try context.finish(editPage(context, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                               selectedTopics: selected, status: .forbidden))
        }
        let form = MentorProfileForm(headline: items["headline"] ?? "", bio: items["bio"] ?? "",
                                     topicSlugs: items.all("topics"), availability: items["availability"] ?? "")
        do {
            try mentors.updateProfile(by: context.actor, form)
        } catch MentorError.invalid(let errors) {
            return try context.finish(editPage(context, form: FormState(items: items, errors: errors),
                                               selectedTopics: selected, status: .unprocessableContent))
        }
        return context.redirect("/mentors/\(context.account?.handle ?? "")", notice: .profileSaved)
    }

    func queue(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        guard context.actor.isMentor else { return context.finish(app.pages.errorResponse(.forbidden, "The queue is for mentors", in: context)) }
        let queue = try mentors.queue(mentorID: account.id, viewer: context.viewer)
        let page: TemplateObject = [
            "waiting": .list(queue.waiting.map(MentorViews.queueItem)), "hasWaiting": .bool(!queue.waiting.isEmpty),
            "waitingCount": .int(queue.waiting.count),
            "done": .list(queue.done.map(MentorViews.queueItem)), "hasDone": .bool(!queue.done.isEmpty),
        ]
        return context.finish(pages.queue.response(InLayout(page, context)))
    }

    /// Asks before declining, with room for a note to the asker (issue 18).
    func declineForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        return try context.finish(declinePage(context, threadID: try request.id(), form: FormState()))
    }

    func decline(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        // Signed out meanwhile: the way to sign in, with the note to copy (`SignedOutForms`).
        guard context.account != nil else { return context.signInRedirect() }
        let threadID = try request.id()
        let submission = try app.checkedForm(request, context)
        guard case .valid(let items) = submission else {
            return try context.finish(declinePage(context, threadID: threadID,
                                                  form: FormState(items: submission.items, formMessage: CSRF.resubmitMessage), status: .forbidden))
        }
        do {
            try mentors.decline(by: context.actor, threadID: threadID, note: items["note"] ?? "")
        } catch MentorError.invalid(let errors) {
            return try context.finish(declinePage(context, threadID: threadID, form: FormState(items: items, errors: errors),
                                                  status: .unprocessableContent))
        }
        return context.redirect("/mentor/queue", notice: .declined)
    }

    /// The decline page for a thread waiting in the mentor's queue that is linked to them; 404 otherwise.
    func declinePage(_ context: RequestContext, threadID: Int64, form: FormState, status: HTTPStatus = .ok) throws -> Response {
        guard let account = context.account, context.actor.isMentor else { throw HTTPError(.forbidden, "The queue is for mentors") }
        // The queue offers a suspended mentor no Decline (`restriction`): the note is words to the asker.
        if context.actor.isSuspended(at: app.accounts.clock.now()) { throw HTTPError(.forbidden, Policy.suspensionMessage(context.actor)) }
        guard let item = try mentors.queue(mentorID: account.id, viewer: context.viewer).waiting
            .first(where: { $0.threadID == threadID && $0.linkedToYou }) else { throw HTTPError.notFound }
        let page: TemplateObject = [
            "threadID": .int(Int(threadID)), "threadTitle": .text(item.title),
            "threadURL": .text(BoardPaths.thread(id: threadID, slug: item.slug)),
            "askerName": .text(item.askedBy ?? item.authorName),
        ]
        return pages.decline.response(InLayout(page, context, form: form), status: status)
    }

    // MARK: Admin: roles and mentorships

    func admin(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        try context.admitToAdminPages()
        // `?organisation=&mentor=`: a member's request for a mentor (their notification's link) fills the form in.
        let query = try request.queryItems()
        let prefill = ["organisation": Self.nonEmpty(query["organisation"]), "mentor": Self.nonEmpty(query["mentor"])].compactMapValues { $0 }
        return try context.finish(adminPage(context, form: FormState(values: prefill), notice: roleNotice(context)))
    }

    /// The banner after a role change (the signed notice, with the member as its subject), said
    /// by the page from the member's name and role now: "Helen Smith is now a mentor."
    func roleNotice(_ context: RequestContext) throws -> String? {
        guard let notice = context.notice, notice.key == .userRoleChanged, let id = notice.subject,
              let user = try app.network.moderation.user(id: id) else { return nil }
        return "\(user.displayName) is now \(AdminUsersView.roleWithArticle(user.role))."
    }

    /// The role form asks first: a page says who changes from what to what, and which
    /// pathfinders' private spaces they lose. Nothing changes yet.
    func confirmRoleChange(_ request: Request) throws -> Response {
        try roleForm(request) { context, user, role, items in
            let preview = try app.network.moderation.previewRoleChange(by: context.actor, userID: user.id, to: role)
            let view = AdminConfirmView.mentorRoleChange(preview, reason: items["reason"] ?? "")
            return try app.pages.templates.template("admin-confirm").response(InLayout(view, context, form: FormState()))
        }
    }

    /// The confirmation page's button: the role changes, and the page says so by name.
    func changeRole(_ request: Request) throws -> Response {
        try roleForm(request) { context, user, role, items in
            try mentors.changeRole(by: context.actor, handle: user.handle, to: role, reason: items["reason"] ?? "")
            return context.redirect("/admin/mentors", notice: .userRoleChanged, subject: user.id)
        }
    }

    /// A role form (asking or confirming): the handle and role are checked, an error comes
    /// back on the page with what was typed, its summary linking to the field.
    func roleForm(_ request: Request,
                  act: (RequestContext, UserSummary, Role, [FormItem]) throws -> Response) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        if case .rejected = submission {
            return try context.finish(adminPage(context, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden))
        }
        func refused(_ field: String, _ message: String) throws -> Response {
            try context.finish(adminPage(context, form: FormState(items: items, errors: [FieldError(field, message)]), status: .unprocessableContent))
        }
        let handle = (items["handle"] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "@", with: "")
        guard !handle.isEmpty else { return try refused("handle", "Enter the handle of the person whose role you are changing") }
        guard let role = Role(rawValue: items["role"] ?? ""), role != .admin else { return try refused("role", "Select a role") }
        guard let user = try app.network.moderation.user(handle: handle) else { return try refused("handle", "There is no member with that handle") }
        guard user.role != Role.admin.rawValue else { return try refused("handle", "@\(user.handle) is an admin: change an admin’s role on the users page") }
        do {
            return try act(context, user, role, items)
        } catch ModerationError.invalid(let field, let message) {
            return try refused(field, message)
        } catch MentorError.notFound {
            return try refused("handle", "There is no member with that handle")
        }
    }

    func startMentorship(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        if case .rejected = submission {
            return try context.finish(adminPage(context, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden))
        }
        guard let started = CalendarDay.midnightUTC(items["started"] ?? "", years: 2000...2100) else {
            return try context.finish(adminPage(context, form: FormState(items: items, errors: [FieldError("started", "Enter the day the mentorship started, such as today")]),
                                                status: .unprocessableContent))
        }
        do {
            try mentors.startMentorship(by: context.actor, mentorHandle: items["mentor"] ?? "",
                                        organisationSlug: items["organisation"] ?? "", startedAt: started, note: items["note"] ?? "")
        } catch MentorError.invalid(let errors) {
            return try context.finish(adminPage(context, form: FormState(items: items, errors: errors), status: .unprocessableContent))
        }
        return context.redirect("/admin/mentors", notice: .mentorshipStarted)
    }

    /// "End" on /admin/mentors opens this page: who stops reading which private space. Only
    /// its Confirm button (the POST below) ends the mentorship.
    func confirmEndMentorship(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        try context.admitToAdminPages()
        guard let mentorship = try app.network.moderation.activeMentorship(by: context.actor, id: try request.id()) else {
            return context.redirect("/admin/mentors", notice: .mentorshipEnded)
        }
        let view = AdminConfirmView.endMentorship(mentorship)
        return context.finish(try app.pages.templates.template("admin-confirm").response(InLayout(view, context, form: FormState())))
    }

    func endMentorship(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        guard case .valid(let items) = submission else {
            // The confirmation page again, with the reason as typed, for an admin; a bare refusal otherwise.
            guard context.adminPagesRefusal == nil,
                  let mentorship = try app.network.moderation.activeMentorship(by: context.actor, id: try request.id()) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context))
            }
            let form = FormState(items: submission.items, formMessage: CSRF.resubmitMessage)
            return context.finish(try app.pages.templates.template("admin-confirm")
                .response(InLayout(AdminConfirmView.endMentorship(mentorship), context, form: form), status: .forbidden))
        }
        do {
            try mentors.endMentorship(by: context.actor, id: try request.id(), reason: items["reason"] ?? "")
        } catch MentorError.notFound {
            // Ended meanwhile (another admin, or Confirm twice): nothing to end, back to the list, as the GET does.
            return context.redirect("/admin/mentors", notice: .mentorshipEnded)
        }
        return context.redirect("/admin/mentors", notice: .mentorshipEnded)
    }

    // MARK: Ask a mentor

    func askForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let id = try request.id()
        // The thread page shows everyone the link: a visitor signs in and comes back here.
        guard context.account != nil else { return context.signInRedirect() }
        return try context.finish(askPage(context, threadID: id, form: FormState()))
    }

    func ask(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let id = try request.id()
        // Signed out since the form was opened: sign in and come back to it.
        guard context.account != nil else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        if case .rejected(let items, _) = submission {
            // A forged form learns nothing, not even whether the thread exists: always 403.
            guard let page = try? askPage(context, threadID: id, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                          status: .forbidden) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context))
            }
            return context.finish(page)
        }
        let slug: String
        do {
            slug = try mentors.link(by: context.actor, threadID: id, mentorHandles: submission.items.all("mentors"),
                                    now: app.accounts.clock.now())
        } catch MentorError.invalid(let errors) {
            return try context.finish(askPage(context, threadID: id, form: FormState(items: submission.items, errors: errors),
                                              status: .unprocessableContent))
        }
        return context.redirect(BoardPaths.thread(id: id, slug: slug), notice: .mentorsAsked)
    }

    /// Asks the admins to find a mentor for the thread (for a private one, to link one to its
    /// pathfinder), then back to the thread with a word saying what happens next.
    func askAdmins(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let id = try request.id()
        // Signed out since the form was opened: sign in and come back to it.
        guard context.account != nil else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        guard case .valid(let items) = submission else {
            guard let page = try? askPage(context, threadID: id, form: FormState(items: submission.items, formMessage: CSRF.resubmitMessage),
                                          status: .forbidden) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context))
            }
            return context.finish(page)
        }
        let asked: (slug: String, isPrivate: Bool, request: Mentors.AdminRequest)
        do {
            asked = try mentors.askAdminsForMentor(by: context.actor, threadID: id, mentorHandle: items["mentor"],
                                                   now: app.accounts.clock.now())
        } catch MentorError.invalid(let errors) {
            return try context.finish(askPage(context, threadID: id, form: FormState(items: items, errors: errors), status: .unprocessableContent))
        }
        // A request that still waits is not sent twice: the word says so (the ask page says when).
        let notice: SiteNotice = if case .alreadyWaiting = asked.request { .adminsAlreadyAsked }
            else { asked.isPrivate ? .adminsAskedForMentor : .adminsAskedToFindMentor }
        return context.redirect(BoardPaths.thread(id: id, slug: asked.slug), notice: notice)
    }

    // MARK: Pages

    func editPage(_ context: RequestContext, form: FormState, selectedTopics: Set<String>, status: HTTPStatus = .ok) throws -> Response {
        let selected = form.values["availability"] ?? "available"
        let page: TemplateObject = [
            "topics": .list(try topicOptions().map {
                ["value": .text($0.value), "name": .text($0.name), "checked": .bool(selectedTopics.contains($0.value))]
            }),
            "availabilities": .list(MentorAvailability.allCases.map {
                ["value": .text($0.rawValue), "name": .text($0.label), "checked": .bool($0.rawValue == selected)]
            }),
        ]
        return pages.edit.response(InLayout(page, context, form: form), status: status)
    }

    func adminPage(_ context: RequestContext, form: FormState, status: HTTPStatus = .ok, notice: String? = nil) throws -> Response {
        // Every way here (the page, a role or mentorship form coming back) passes the admin pages' gate.
        try context.admitToAdminPages()
        let all = try mentors.mentors()
        let page: TemplateObject = [
            "mentors": .list(all.map(MentorViews.card)),
            "hasMentors": .bool(!all.isEmpty),
            "mentorOptions": MentorViews.options(all.map { ($0.handle, $0.displayName) }, selected: form.values["mentor"]),
            "organisations": MentorViews.options(try organisationOptions(), selected: form.values["organisation"]),
            "mentorships": .list(try mentors.mentorships().map(MentorViews.mentorship)),
            "today": .text(String(DateText.iso(app.accounts.clock.now()).prefix(10))),
            "notice": notice.map { .text($0) } ?? .bool(false),
            "roleMember": .bool(form.values["role"] == Role.member.rawValue),
        ]
        return pages.admin.response(InLayout(page, context, form: form), status: status)
    }

    /// The ask-a-mentor page; the error page (403, with why) when Policy refuses the request.
    func askPage(_ context: RequestContext, threadID: Int64, form: FormState, status: HTTPStatus = .ok) throws -> Response {
        let request: MentorRequestPage
        do {
            request = try mentors.requestPage(threadID: threadID, by: context.actor)
        } catch MentorError.denied(let message) {
            return app.pages.errorResponse(.forbidden, message, in: context)
        }
        let page: TemplateObject = [
            "threadTitle": .text(request.threadTitle), "threadURL": .text(BoardPaths.thread(id: threadID, slug: request.threadSlug)),
            "action": .text("/t/\(threadID)/mentors"), "adminsAction": .text("/t/\(threadID)/mentors/admins"),
            "suggestions": .list(request.suggestions.map(MentorViews.suggestion)),
            "hasSuggestions": .bool(!request.suggestions.isEmpty), "whyNone": .text(MentorViews.whyNoSuggestions(request)),
            "spaceName": request.spaceName.map { TemplateValue.text($0) } ?? .bool(false),
            "matchingMentors": .list(request.matchingMentors.map(MentorViews.suggestion)),
            "busyNote": MentorViews.busyNote(request.busyMentors).map { .text($0) } ?? .bool(false),
            "askedAdmins": request.askedAdminsAt.map { .text(DateText.humanWithTime($0)) } ?? .bool(false),
            "mayAskAdmins": .bool(request.mayAskAdmins(now: app.accounts.clock.now())),
            // An admin following a request to the admins is one of them: shown where to find a mentor.
            "askerIsAdmin": .bool(context.actor.isAdmin),
            "askAgainOn": request.mayAskAdminsAgainAt.map { .text(DateText.human($0)) } ?? .bool(false),
            "noMatchingMentors": .bool(request.matchingMentors.isEmpty),
            "linked": .list(request.linked.map { ["name": .text($0.displayName), "url": BoardPaths.mentor($0.handle).map { .text($0) } ?? .bool(false)] }),
        ]
        return pages.ask.response(InLayout(page, context, form: form), status: status)
    }

    // MARK: Helpers

    func topicOptions() throws -> [(value: String, name: String)] {
        try app.network.topics.active().map { ($0.slug, $0.name) }
    }

    func organisationOptions() throws -> [(value: String, name: String)] {
        try app.accounts.organisations().map { ($0.slug, $0.name) }
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 80 else { return nil }
        return value
    }
}
