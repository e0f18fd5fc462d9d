import Board
import Database
import Foundation
import HTTPServer

/// Admins add, edit and retire briefing items (issue 5). Every handler asks `Policy` for
/// `.manageBriefing`; forms follow the GOV.UK pattern and keep what was typed.
enum BriefingAdminRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        router.get("/briefing/new") { request in
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            return try formPage(app, ctx, itemID: nil, form: FormState(values: ["published": isoDay(Date())]), topics: [])
        }
        router.post("/briefing/new") { request in
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            return try submit(app, ctx, request, itemID: nil)
        }
        router.get("/briefing/{id:int}/edit") { request in
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            guard let item = try app.store.read({ try BriefingRecord.load($0, id: id) }) else { throw HTTPError.notFound }
            let values = ["title": item.title, "url": item.url, "source": item.source, "published": isoDay(item.publishedAt),
                          "summary": item.summary]
            return try formPage(app, ctx, itemID: id, form: FormState(values: values), topics: item.topicSlugs, retired: item.retired)
        }
        router.post("/briefing/{id:int}/edit") { request in
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            guard try app.store.read({ try BriefingRecord.load($0, id: id) }) != nil else { throw HTTPError.notFound }
            return try submit(app, ctx, request, itemID: id)
        }
        router.get("/t/{id:int}/briefing-note") { request in
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            let (page, url) = try briefingNote(app, ctx, request)
            let values = ["title": page.thread.title, "url": url, "source": "Mutuals Network discussion", "published": isoDay(Date())]
            return try formPage(app, ctx, itemID: nil, form: FormState(values: values), topics: page.thread.topics.map(\.slug),
                                noteFor: page.thread.id)
        }
        router.post("/t/{id:int}/briefing-note") { request in
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            let (page, url) = try briefingNote(app, ctx, request)
            return try submit(app, ctx, request, itemID: nil, noteFor: page.thread.id, url: url)
        }

        router.post("/briefing/{id:int}/retire") { request in
            guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let ctx = try app.requestContext(for: request)
            if let refusal = refusal(app, ctx) { return refusal }
            guard let item = try app.store.read({ try BriefingRecord.load($0, id: id) }) else { throw HTTPError.notFound }
            switch try app.checkedForm(request, ctx) {
            case .rejected(let items, _):
                return try formPage(app, ctx, itemID: id, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                    topics: item.topicSlugs, retired: item.retired, status: .forbidden)
            case .valid(let items):
                let retire = items.value("retired") != "0"
                try app.store.write { try $0.run("UPDATE briefing_items SET retired = ? WHERE id = ?", retire, id) }
                return PostingRoutes.redirect("/briefing", ctx)
            }
        }
    }

    /// An answered public thread as a briefing note: an item whose address is the thread's
    /// accepted answer, with a summary the admin writes.
    static func briefingNote(_ app: AppContext, _ ctx: RequestContext, _ request: Request) throws -> (ThreadPage, String) {
        guard let id = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
        guard let page = try app.store.read({ try PageQueries.thread($0, id: id, page: 1, viewer: ctx.viewer) }) else { throw HTTPError.notFound }
        guard page.thread.organisationID == nil else { throw HTTPError(.forbidden, "Only public threads can become briefing notes") }
        guard let accepted = page.acceptedPostID else { throw HTTPError(.forbidden, "Mark the accepted answer before making this thread a briefing note") }
        return (page, SiteURL(request: request)(try PostingRoutes.postPath(app, postID: accepted)))
    }

    /// Visitors go to sign in; anyone but an admin gets 403 with the policy's reason.
    static func refusal(_ app: AppContext, _ ctx: RequestContext) -> Response? {
        guard ctx.account != nil else { return PostingRoutes.signInRedirect(ctx) }
        if case .denied(let reason) = Policy.decide(ctx.actor, .manageBriefing, .network) {
            return ctx.finish(app.pages.errorResponse(.forbidden, reason))
        }
        return nil
    }

    static func submit(_ app: AppContext, _ ctx: RequestContext, _ request: Request, itemID: Int64?,
                       noteFor: Int64? = nil, url: String? = nil) throws -> Response {
        switch try app.checkedForm(request, ctx) {
        case .rejected(let items, _):
            return try formPage(app, ctx, itemID: itemID, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                topics: items.values("topics"), noteFor: noteFor, status: .forbidden)
        case .valid(var items):
            if let url { items = items.filter { $0.name != "url" } + [FormItem("url", url)] }
            let topics = items.values("topics")
            let (input, errors) = validate(items, topics: topics)
            guard let input, errors.isEmpty else {
                return try formPage(app, ctx, itemID: itemID, form: FormState(items: items, errors: errors), topics: topics,
                                    noteFor: noteFor, status: .unprocessableContent)
            }
            let userID = ctx.actor.userID
            let now = Date()
            let unknownTopic: Bool = try app.store.write { tx in
                var topicIDs: [Int64] = []
                for slug in Set(topics) {
                    guard let id = try tx.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ? AND retired = 0", slug) else { return true }
                    topicIDs.append(id)
                }
                let id: Int64
                if let itemID {
                    try tx.run("UPDATE briefing_items SET title = ?, url = ?, source = ?, published_at = ?, summary = ? WHERE id = ?",
                               input.title, input.url, input.source, input.published, input.summary, itemID)
                    try tx.run("DELETE FROM briefing_item_topics WHERE briefing_item_id = ?", itemID)
                    id = itemID
                } else {
                    try tx.run("""
                        INSERT INTO briefing_items(title, url, source, published_at, summary, added_by, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, input.title, input.url, input.source, input.published, input.summary, userID, now)
                    id = tx.lastInsertedRowID
                }
                for topicID in topicIDs {
                    try tx.run("INSERT INTO briefing_item_topics(briefing_item_id, topic_id) VALUES (?, ?)", id, topicID)
                }
                return false
            }
            if unknownTopic {
                return try formPage(app, ctx, itemID: itemID, form: FormState(items: items, errors: [FieldError("topics", "Select topics from the list")]),
                                    topics: topics, noteFor: noteFor, status: .unprocessableContent)
            }
            return PostingRoutes.redirect("/briefing", ctx)
        }
    }

    struct Input {
        let title, url, source, summary: String
        let published: Date
    }

    static func validate(_ items: [FormItem], topics: [String]) -> (Input?, [FieldError]) {
        let title = PostLimits.normalise(items.value("title") ?? "")
        let url = (items.value("url") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let source = PostLimits.normalise(items.value("source") ?? "")
        let summary = PostLimits.normalise(items.value("summary") ?? "")
        let publishedText = (items.value("published") ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [FieldError] = []
        if title.unicodeScalars.count < 3 { errors.append(FieldError("title", "Enter a title of 3 characters or more")) }
        else if title.unicodeScalars.count > 200 { errors.append(FieldError("title", "Title must be 200 characters or fewer")) }
        if !isWebAddress(url) { errors.append(FieldError("url", "Enter a web address starting with http:// or https://")) }
        if source.isEmpty { errors.append(FieldError("source", "Enter the source")) }
        else if source.unicodeScalars.count > 120 { errors.append(FieldError("source", "Source must be 120 characters or fewer")) }
        let published = parseDay(publishedText)
        if published == nil { errors.append(FieldError("published", "Enter the published date as YYYY-MM-DD")) }
        if summary.isEmpty { errors.append(FieldError("summary", "Enter a summary")) }
        else if summary.unicodeScalars.count > 4000 { errors.append(FieldError("summary", "Summary must be 4,000 characters or fewer")) }
        if topics.isEmpty { errors.append(FieldError("topics", "Select at least one topic")) }
        guard let published, errors.isEmpty else { return (nil, errors) }
        return (Input(title: title, url: url, source: source, summary: summary, published: published), [])
    }

    /// An absolute http or https address with a host, no spaces, at most 2,000 characters.
    static func isWebAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 2000, !text.contains(where: \.isWhitespace),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return false }
        return text.lowercased().hasPrefix("http://") || text.lowercased().hasPrefix("https://")
    }

    static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1990...2100).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    static func isoDay(_ date: Date) -> String {
        let civil = DateText.civil(date)
        return String(format: "%04d-%02d-%02d", civil.year, civil.month, civil.day)
    }

    static func formPage(_ app: AppContext, _ ctx: RequestContext, itemID: Int64?, form: FormState, topics: [String],
                         retired: Bool = false, noteFor: Int64? = nil, status: HTTPStatus = .ok) throws -> Response {
        let allTopics = try app.store.read { try $0.query(TopicChoice.self, "SELECT slug, name FROM topics WHERE retired = 0 ORDER BY position, name") }
        let view = BriefingFormView(itemID: itemID, topics: allTopics, selected: Set(topics), retired: retired, noteFor: noteFor)
        return ctx.finish(app.pages.posting.briefingForm.response(InLayout(view, ctx, form: form), status: status))
    }
}

/// A briefing item as its edit form needs it.
struct BriefingRecord: RowDecodable {
    let title, url, source, summary: String
    let publishedAt: Date
    let retired: Bool
    var topicSlugs: [String] = []

    init(row: Row) throws {
        title = try row["title"]
        url = try row["url"]
        source = try row["source"]
        summary = try row["summary"]
        publishedAt = try row["published_at"]
        retired = try row["retired"]
    }

    static func load(_ conn: Connection, id: Int64) throws -> BriefingRecord? {
        guard var record = try conn.queryOne(BriefingRecord.self,
            "SELECT title, url, source, summary, published_at, retired FROM briefing_items WHERE id = ?", id) else { return nil }
        record.topicSlugs = try conn.column(String.self, """
            SELECT t.slug FROM briefing_item_topics b JOIN topics t ON t.id = b.topic_id WHERE b.briefing_item_id = ?
            """, id)
        return record
    }
}

struct BriefingFormView: TemplateRenderable {
    var itemID: Int64?
    var topics: [TopicChoice]
    var selected: Set<String>
    var retired: Bool
    /// Making a briefing note of this thread: the address is fixed to its accepted answer.
    var noteFor: Int64?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "heading": .text(noteFor != nil ? "Make this thread a briefing note" : itemID == nil ? "Add a briefing item" : "Edit a briefing item")
        case "action": .text(noteFor.map { "/t/\($0)/briefing-note" } ?? itemID.map { "/briefing/\($0)/edit" } ?? "/briefing/new")
        case "isNote": .bool(noteFor != nil)
        case "editing": .bool(itemID != nil)
        case "retireAction": itemID.map { .text("/briefing/\($0)/retire") }
        case "retired": .bool(retired)
        case "startThreadURL": itemID.map { .text("/t/new?briefing=\($0)") }
        case "topicChoices":
            .list(topics.map { topic in
                ["slug": .text(topic.slug), "name": .text(topic.name), "checked": .bool(selected.contains(topic.slug))]
            })
        default: nil
        }
    }
}
