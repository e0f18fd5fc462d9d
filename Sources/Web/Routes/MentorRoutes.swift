import Board
import Database
import Foundation
import HTTPServer

/// Mentors (issue 6): the directory and profiles, a mentor's own profile and queue, admins'
/// roles and mentorships, and asking mentors to a thread. Rules live in `Board.Mentors` and
/// `Policy`; every POST passes `app.checkedForm`.
enum MentorRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        let pages = app.pages.mentor

        // MARK: Directory and profiles

        router.get("/mentors") { request in
            let context = try app.requestContext(for: request)
            let query = try request.queryItems()
            let filter = MentorFilter(topicSlug: nonEmpty(query["topic"]), organisationSlug: nonEmpty(query["organisation"]),
                                      availability: nonEmpty(query["availability"]).flatMap(MentorAvailability.init(rawValue:)))
            let (mentors, topics, organisations) = try app.store.read { conn in
                (try MentorDirectory.mentors(conn, filter: filter), try topicOptions(conn), try organisationOptions(conn))
            }
            let page: TemplateObject = [
                "mentors": .list(mentors.map(MentorViews.card)),
                "count": .int(mentors.count),
                "topics": MentorViews.options(topics, selected: filter.topicSlug),
                "organisations": MentorViews.options(organisations, selected: filter.organisationSlug),
                "availabilities": MentorViews.options(MentorAvailability.allCases.map { ($0.rawValue, $0.label) },
                                                      selected: filter.availability?.rawValue),
                "filtered": .bool(filter != MentorFilter()),
            ]
            return context.finish(pages.directory.response(InLayout(page, context)))
        }

        router.get("/mentors/{handle}") { request in
            let context = try app.requestContext(for: request)
            let handle = request.parameters["handle"] ?? ""
            guard let profile = try app.store.read({ try MentorDirectory.profile($0, handle: handle, viewer: context.viewer) }) else {
                throw HTTPError.notFound
            }
            let page: TemplateObject = [
                "mentor": MentorViews.card(profile.mentor),
                "supports": .list(profile.supports.map(MentorViews.mentorship)),
                "recentAnswers": .list(profile.recentAnswers.map(MentorViews.answer)),
                "acceptedAnswers": .list(profile.acceptedAnswers.map(MentorViews.answer)),
                "isOwn": .bool(context.account?.id == profile.mentor.userID),
            ]
            return context.finish(pages.profile.response(InLayout(page, context)))
        }

        // MARK: A mentor's own profile and queue

        router.get("/mentor/profile") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return AccountRoutes.redirect("/sign-in", context) }
            guard context.actor.isMentor else { return context.finish(app.pages.errorResponse(.forbidden, "Only mentors have a mentor profile")) }
            let card = try app.store.read { try MentorDirectory.mentor($0, handle: account.handle) }
            let form = FormState(values: [
                "headline": card?.headline ?? "", "bio": card?.bio ?? "", "availability": card?.availability.rawValue ?? "available",
            ])
            return try context.finish(editPage(app, context, form: form, selectedTopics: Set(card?.topics.map(\.slug) ?? [])))
        }

        router.post("/mentor/profile") { request in
            let context = try app.requestContext(for: request)
            let submission = try app.checkedForm(request, context)
            let items = submission.items
            let selected = Set(items.all("topics"))
            if case .rejected = submission {
                return try context.finish(editPage(app, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                   selectedTopics: selected, status: .forbidden))
            }
            let form = MentorProfileForm(headline: items["headline"] ?? "", bio: items["bio"] ?? "",
                                         topicSlugs: items.all("topics"), availability: items["availability"] ?? "")
            do {
                try Mentors.updateProfile(app.store, by: context.actor, form)
            } catch MentorError.invalid(let errors) {
                return try context.finish(editPage(app, context, form: FormState(items: items, errors: errors),
                                                   selectedTopics: selected, status: .unprocessableContent))
            } catch MentorError.denied(let message) {
                return context.finish(app.pages.errorResponse(.forbidden, message))
            }
            return AccountRoutes.redirect("/mentors/\(context.account?.handle ?? "")", context)
        }

        router.get("/mentor/queue") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return AccountRoutes.redirect("/sign-in", context) }
            guard context.actor.isMentor else { return context.finish(app.pages.errorResponse(.forbidden, "The queue is for mentors")) }
            let queue = try app.store.read { try MentorQueries.queue($0, mentorID: account.id, viewer: context.viewer) }
            let page: TemplateObject = [
                "linked": .list(queue.linkedToYou.map(MentorViews.queueItem)),
                "items": .list(queue.items.map(MentorViews.queueItem)),
            ]
            return context.finish(pages.queue.response(InLayout(page, context)))
        }

        router.post("/mentor/queue/decline") { request in
            let context = try app.requestContext(for: request)
            guard case .valid(let items) = try app.checkedForm(request, context) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage))
            }
            guard let threadID = items["thread"].flatMap({ Int64($0) }) else { throw HTTPError.notFound }
            try mapped { try Mentors.decline(app.store, by: context.actor, threadID: threadID) }
            return AccountRoutes.redirect("/mentor/queue", context)
        }

        // MARK: Admin: roles and mentorships

        router.get("/admin/mentors") { request in
            let context = try app.requestContext(for: request)
            guard Policy.isAdmin(context.actor) else { return context.finish(app.pages.errorResponse(.forbidden, "Only admins can do that")) }
            return try context.finish(adminPage(app, context, form: FormState()))
        }

        router.post("/admin/mentors/role") { request in
            let context = try app.requestContext(for: request)
            let submission = try app.checkedForm(request, context)
            if case .rejected(let items, _) = submission {
                return try context.finish(adminPage(app, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden))
            }
            let items = submission.items
            guard let role = Role(rawValue: items["role"] ?? "") else {
                return try context.finish(adminPage(app, context, form: FormState(items: items, errors: [FieldError("role", "Select a role")]),
                                                    status: .unprocessableContent))
            }
            do {
                try Mentors.changeRole(app.store, by: context.actor, handle: items["handle"] ?? "", to: role, reason: items["reason"] ?? "")
            } catch MentorError.notFound {
                return try context.finish(adminPage(app, context, form: FormState(items: items, errors: [FieldError("handle", "There is no member with that handle")]),
                                                    status: .unprocessableContent))
            } catch MentorError.denied(let message) {
                return context.finish(app.pages.errorResponse(.forbidden, message))
            }
            return AccountRoutes.redirect("/admin/mentors", context)
        }

        router.post("/admin/mentorships") { request in
            let context = try app.requestContext(for: request)
            let submission = try app.checkedForm(request, context)
            if case .rejected(let items, _) = submission {
                return try context.finish(adminPage(app, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage), status: .forbidden))
            }
            let items = submission.items
            guard let started = parseDate(items["started"] ?? "") else {
                return try context.finish(adminPage(app, context, form: FormState(items: items, errors: [FieldError("started", "Enter the start date as YYYY-MM-DD")]),
                                                    status: .unprocessableContent))
            }
            do {
                try Mentors.startMentorship(app.store, by: context.actor, mentorHandle: items["mentor"] ?? "",
                                            organisationSlug: items["organisation"] ?? "", startedAt: started, note: items["note"] ?? "")
            } catch MentorError.invalid(let errors) {
                return try context.finish(adminPage(app, context, form: FormState(items: items, errors: errors), status: .unprocessableContent))
            } catch MentorError.denied(let message) {
                return context.finish(app.pages.errorResponse(.forbidden, message))
            }
            return AccountRoutes.redirect("/admin/mentors", context)
        }

        router.post("/admin/mentorships/{id:int}/end") { request in
            let context = try app.requestContext(for: request)
            guard case .valid(let items) = try app.checkedForm(request, context) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage))
            }
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            try mapped { try Mentors.endMentorship(app.store, by: context.actor, id: id, reason: items["reason"] ?? "") }
            return AccountRoutes.redirect("/admin/mentors", context)
        }

        // MARK: Ask a mentor

        router.get("/t/{id:int}/mentors") { request in
            let context = try app.requestContext(for: request)
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            // The thread page shows everyone the link: a visitor signs in and comes back here.
            guard context.account != nil else { return PostingRoutes.signInRedirect(context) }
            return try context.finish(askPage(app, context, threadID: id, form: FormState()))
        }

        router.post("/t/{id:int}/mentors") { request in
            let context = try app.requestContext(for: request)
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let submission = try app.checkedForm(request, context)
            if case .rejected(let items, _) = submission {
                // A forged form learns nothing, not even whether the thread exists: always 403.
                guard let page = try? askPage(app, context, threadID: id, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                              status: .forbidden) else {
                    return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage))
                }
                return context.finish(page)
            }
            do {
                try Mentors.link(app.store, by: context.actor, threadID: id, mentorHandles: submission.items.all("mentors"))
            } catch MentorError.invalid(let errors) {
                return try context.finish(askPage(app, context, threadID: id, form: FormState(items: submission.items, errors: errors),
                                                  status: .unprocessableContent))
            } catch MentorError.notFound {
                throw HTTPError.notFound
            } catch MentorError.denied(let message) {
                return context.finish(app.pages.errorResponse(.forbidden, message))
            }
            let slug = try app.store.read { try $0.scalar(String.self, "SELECT slug FROM threads WHERE id = ?", id) } ?? ""
            return AccountRoutes.redirect(BoardPaths.thread(id: id, slug: slug), context)
        }
    }

    // MARK: Pages

    static func editPage(_ app: AppContext, _ context: RequestContext, form: FormState, selectedTopics: Set<String>,
                         status: HTTPStatus = .ok) throws -> Response {
        let topics = try app.store.read { try topicOptions($0) }
        let selected = form.values["availability"] ?? "available"
        let page: TemplateObject = [
            "topics": .list(topics.map { ["value": .text($0.value), "name": .text($0.name), "checked": .bool(selectedTopics.contains($0.value))] }),
            "availabilities": .list(MentorAvailability.allCases.map {
                ["value": .text($0.rawValue), "name": .text($0.label), "checked": .bool($0.rawValue == selected)]
            }),
        ]
        return app.pages.mentor.edit.response(InLayout(page, context, form: form), status: status)
    }

    static func adminPage(_ app: AppContext, _ context: RequestContext, form: FormState, status: HTTPStatus = .ok) throws -> Response {
        guard Policy.isAdmin(context.actor) else { return app.pages.errorResponse(.forbidden, "Only admins can do that") }
        let (mentors, organisations, mentorships) = try app.store.read { conn in
            (try MentorDirectory.mentors(conn), try organisationOptions(conn), try MentorDirectory.mentorships(conn))
        }
        let page: TemplateObject = [
            "mentors": .list(mentors.map(MentorViews.card)),
            "mentorOptions": MentorViews.options(mentors.map { ($0.handle, $0.displayName) }, selected: form.values["mentor"]),
            "organisations": MentorViews.options(organisations, selected: form.values["organisation"]),
            "mentorships": .list(mentorships.map(MentorViews.mentorship)),
            "today": .text(String(DateText.iso(Date()).prefix(10))),
        ]
        return app.pages.mentor.admin.response(InLayout(page, context, form: form), status: status)
    }

    static func askPage(_ app: AppContext, _ context: RequestContext, threadID: Int64, form: FormState,
                        status: HTTPStatus = .ok) throws -> Response {
        guard let thread = try app.store.read({ conn in
            try conn.queryOne(ThreadTitleRow.self, "SELECT author_id, organisation_id, locked, hidden, title, slug FROM threads WHERE id = ?", threadID)
        }) else { throw HTTPError.notFound }
        switch Policy.decide(context.actor, .requestMentor, .thread(thread.state)) {
        case .allowed: break
        case .notFound: throw HTTPError.notFound
        case .denied(let message): return app.pages.errorResponse(.forbidden, message)
        }
        let (suggestions, linked) = try app.store.read { conn in
            (try MentorQueries.suggestions(conn, threadID: threadID), try MentorQueries.linkedMentors(conn, threadID: threadID))
        }
        let page: TemplateObject = [
            "threadTitle": .text(thread.title), "threadURL": .text(BoardPaths.thread(id: threadID, slug: thread.slug)),
            "action": .text("/t/\(threadID)/mentors"),
            "suggestions": .list(suggestions.map(MentorViews.suggestion)),
            "linked": .list(linked.map { ["name": .text($0.displayName), "url": .text("/mentors/\($0.handle)")] }),
        ]
        return app.pages.mentor.ask.response(InLayout(page, context, form: form), status: status)
    }

    // MARK: Helpers

    static func topicOptions(_ conn: Connection) throws -> [(value: String, name: String)] {
        try conn.query(OptionRow.self, "SELECT slug, name FROM topics WHERE retired = 0 ORDER BY position").map { ($0.value, $0.name) }
    }

    static func organisationOptions(_ conn: Connection) throws -> [(value: String, name: String)] {
        try conn.query(OptionRow.self, "SELECT slug, name FROM organisations ORDER BY name").map { ($0.value, $0.name) }
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 80 else { return nil }
        return value
    }

    /// "2026-03-01" → midnight UTC that day; anything else → nil.
    static func parseDate(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day), (2000...2100).contains(year) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day else { return nil }
        return date
    }

    /// Runs a Board call, turning `MentorError` into the HTTP error it means.
    static func mapped(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch MentorError.notFound {
            throw HTTPError.notFound
        } catch MentorError.denied(let message) {
            throw HTTPError(.forbidden, message)
        } catch MentorError.invalid(let errors) {
            throw HTTPError.badRequest(errors.first?.message ?? "That cannot be done")
        }
    }
}

struct OptionRow: RowDecodable {
    let value: String
    let name: String
    init(row: Row) throws {
        value = try row["slug"]
        name = try row["name"]
    }
}

struct ThreadTitleRow: RowDecodable {
    let state: Resource.ThreadState
    let title: String
    let slug: String
    init(row: Row) throws {
        state = Resource.ThreadState(authorID: try row["author_id"], organisationID: try row["organisation_id"],
                                     locked: try row["locked"], hidden: try row["hidden"])
        title = try row["title"]
        slug = try row["slug"]
    }
}
