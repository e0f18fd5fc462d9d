import Board
import Foundation
import HTTPServer

/// `/search` (issue 8): full-text search with filters. Whatever is typed becomes a valid FTS5
/// query (`SearchQuery`) or a message on the page; a search never answers 500 because of its input.
struct SearchRoutes: RouteCollection {
    let app: AppContext

    func register(on routes: inout Routes) throws {
        routes.get("/search", search)
    }

    func search(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let form = SearchForm(items: try request.queryItems())
        var view = SearchView(form: form)
        view.topics = try app.network.topics.active()
        view.organisations = try app.accounts.organisations()
        // "Written by": a handle, or a name that picks out one person (issue 18 item 11).
        var authorHandle: String?
        if let author = form.author {
            let matches = try app.network.search.people(matching: author)
            if let person = matches.first(where: { $0.handle == author.lowercased() }) ?? (matches.count == 1 ? matches.first : nil) {
                authorHandle = person.handle
                view.author = person
            } else if matches.isEmpty {
                view.message = "No one on the network is called “\(author)”. Check the name, or leave “Written by” empty."
            } else {
                view.authorChoices = matches
            }
        }
        let words = form.q.trimmingCharacters(in: .whitespacesAndNewlines)
        if !words.isEmpty, form.page == 1 { view.people = try app.network.search.people(matching: words) }
        guard view.message == nil, view.authorChoices.isEmpty, form.dateErrors.isEmpty, !words.isEmpty || authorHandle != nil else {
            // Nothing to search yet (the empty form), the author to choose first, or a date to correct:
            // searching without the date would answer a question the person did not ask.
            let status: HTTPStatus = view.message == nil && form.dateErrors.isEmpty ? .ok : .unprocessableContent
            return context.finish(app.pages.search.page.response(InLayout(view, context), status: status))
        }
        var query: SearchQuery?
        if !words.isEmpty {
            switch Result(catching: { () throws(SearchQuery.Problem) in try SearchQuery(parsing: form.q) }) {
            case .failure(let problem): view.message = problem.message
            case .success(let parsed): query = parsed
            }
        }
        if view.message == nil {
            let searchRequest = SearchRequest(
                query: query, topicSlug: form.topic, organisationSlug: form.organisation,
                authorHandle: authorHandle, answered: form.answered, from: form.fromDate,
                until: form.toDate.map { $0.addingTimeInterval(86_400) }, page: form.page)
            do {
                view.results = try app.network.search.search(searchRequest, viewer: context.viewer)
            } catch let error as SearchError {
                view.message = error.message
            }
        }
        let status: HTTPStatus = view.message == nil ? .ok : .unprocessableContent
        return context.finish(app.pages.search.page.response(InLayout(view, context), status: status))
    }
}
