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
