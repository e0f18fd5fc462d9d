import Board
import Database
import Foundation
import HTTPServer

/// `/search` (issue 8): full-text search with filters. Whatever is typed becomes a valid FTS5
/// query (`SearchQuery`) or a message on the page; a search never answers 500 because of its input.
enum SearchRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        router.get("/search") { request in
            let context = try app.requestContext(for: request)
            let items = try request.queryItems()
            let form = SearchForm(items: items)
            var view = SearchView(form: form)
            let topics = try app.store.read { try $0.query(TopicOption.self,
                "SELECT slug, name FROM topics WHERE retired = 0 ORDER BY position") }
            view.topics = topics
            if form.q.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                // The empty form: nothing searched yet.
                return context.finish(app.pages.search.page.response(InLayout(view, context)))
            }
            switch Result(catching: { () throws(SearchQuery.Problem) in try SearchQuery(parsing: form.q) }) {
            case .failure(let problem):
                view.message = problem.message
            case .success(let query):
                let searchRequest = SearchRequest(
                    query: query, topicSlug: form.topic, organisationSlug: form.organisation,
                    authorHandle: form.author, answered: form.answered, from: form.fromDate,
                    until: form.toDate.map { $0.addingTimeInterval(86_400) }, page: form.page)
                let viewer = context.viewer
                do {
                    view.results = try app.store.read { try SearchQueries.search($0, searchRequest, viewer: viewer) }
                } catch is DatabaseError {
                    // Defence in depth: the builder only emits valid expressions, but a query SQLite
                    // still refuses is the searcher's to rephrase, not a server error.
                    view.message = "That search could not be run. Try fewer or simpler words."
                }
            }
            let status: HTTPStatus = view.message == nil ? .ok : .unprocessableContent
            return context.finish(app.pages.search.page.response(InLayout(view, context), status: status))
        }
    }
}

/// The search page's template, registered by `PageLibrary`.
struct SearchPages: Sendable {
    static let templateNames = ["search", "search-result"]
    let page: Template

    init(_ templates: TemplateLibrary) throws {
        page = try templates.template("search")
    }
}

struct TopicOption: RowDecodable, Sendable {
    let slug: String
    let name: String
    init(row: Row) throws { slug = try row["slug"]; name = try row["name"] }
}

/// The query string of `/search`, read leniently: a filter that does not parse is ignored.
struct SearchForm: Sendable {
    var q = ""
    var topic: String?
    var organisation: String?
    var author: String?
    var answered: SearchAnswered = .any
    var from = ""
    var to = ""
    var page = 1

    init(items: [FormItem]) {
        func value(_ name: String) -> String? {
            guard let raw = items.last(where: { $0.name == name })?.value else { return nil }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty || trimmed.utf8.count > 200 ? nil : trimmed
        }
        q = String((items.last(where: { $0.name == "q" })?.value ?? "").prefix(4000))
        topic = value("topic")
        organisation = value("organisation")
        author = value("author").map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 }
        answered = value("answered").flatMap(SearchAnswered.init(rawValue:)) ?? .any
        from = value("from") ?? ""
        to = value("to") ?? ""
        if let text = value("page"), text.utf8.count <= 4, let number = Int(text), number >= 1 { page = number }
    }

    var fromDate: Date? { Self.date(from) }
    var toDate: Date? { Self.date(to) }

    /// "2026-11-29" → midnight UTC of that day; anything else → nil.
    static func date(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day), (1970...9999).contains(year) else { return nil }
        // Howard Hinnant's days-from-civil.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days) * 86_400)
    }

    /// The query string for `page` with every filter kept.
    func url(page: Int) -> String {
        var parts = ["q=" + FormDecoder.encode(q)]
        if let topic { parts.append("topic=" + FormDecoder.encode(topic)) }
        if let organisation { parts.append("organisation=" + FormDecoder.encode(organisation)) }
        if let author { parts.append("author=" + FormDecoder.encode(author)) }
        if answered != .any { parts.append("answered=" + answered.rawValue) }
        if !from.isEmpty { parts.append("from=" + FormDecoder.encode(from)) }
        if !to.isEmpty { parts.append("to=" + FormDecoder.encode(to)) }
        if page > 1 { parts.append("page=\(page)") }
        return "/search?" + parts.joined(separator: "&")
    }
}

struct SearchView: TemplateRenderable {
    var form: SearchForm
    var topics: [TopicOption] = []
    var results: SearchResults?
    var message: String?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "searchQuery", "q": return .text(form.q)
        case "searched": return .bool(results != nil || message != nil)
        case "message": return .text(message)
        case "topicOptions":
            return .list(topics.map { topic in
                ["slug": .text(topic.slug), "name": .text(topic.name), "selected": .bool(topic.slug == form.topic)]
            })
        case "answeredOptions":
            let labels: [(SearchAnswered, String)] = [(.any, "Any"), (.answered, "Answered"),
                                                      (.unanswered, "Not answered yet"), (.mentor, "Answered by a mentor")]
            return .list(labels.map { option, label in
                ["value": .text(option.rawValue), "label": .text(label), "selected": .bool(option == form.answered)]
            })
        case "organisation": return .text(form.organisation ?? "")
        case "author": return .text(form.author ?? "")
        case "from": return .text(form.from)
        case "to": return .text(form.to)
        case "hasResults": return .bool(!(results?.hits.isEmpty ?? true))
        case "noResults": return .bool(results.map { $0.hits.isEmpty && $0.page == 1 } == true)
        case "beyondResults":
            guard let results, results.hits.isEmpty, results.page > 1 else { return nil }
            return .int(results.page)
        case "firstPageURL": return .text(form.url(page: 1))
        case "partial": return .bool(results?.isPartial == true)
        case "widestCandidates":
            // 10000 → "10,000"
            let digits = Array(String(SearchQueries.widestCandidateLimit))
            let grouped = digits.enumerated().map { index, digit in
                (index > 0 && (digits.count - index) % 3 == 0 ? "," : "") + String(digit)
            }
            return .text(grouped.joined())
        case "results":
            guard let results else { return nil }
            return .list(results.hits.map { hit in
                let url = BoardPaths.thread(id: hit.threadID, slug: hit.threadSlug)
                    + (hit.position > PageQueries.postsPerPage ? "?page=\((hit.position - 1) / PageQueries.postsPerPage + 1)" : "")
                    + "#post-\(hit.postID)"
                return [
                    "url": .text(url), "titleHTML": .html(hit.titleHTML), "snippetHTML": .html(hit.snippetHTML),
                    "authorName": .text(hit.authorName), "authorURL": .text(BoardPaths.user(hit.authorHandle)),
                    "dateISO": .text(DateText.iso(hit.createdAt)), "dateText": .text(DateText.human(hit.createdAt)),
                    "private": .bool(hit.isPrivate), "answered": .bool(hit.hasAcceptedAnswer),
                    "reply": .bool(hit.position > 1),
                ]
            })
        case "previousURL":
            guard let results, results.page > 1 else { return nil }
            return .text(form.url(page: results.page - 1))
        case "nextURL":
            guard let results, results.hasNextPage else { return nil }
            return .text(form.url(page: results.page + 1))
        case "pageNumber":
            guard let results, results.page > 1 || results.hasNextPage else { return nil }
            return .int(results.page)
        default: return nil
        }
    }
}
