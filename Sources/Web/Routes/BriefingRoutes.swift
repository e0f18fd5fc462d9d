import Board
import Foundation
import HTTPServer

/// Admins add, edit and retire briefing items and make answered threads into briefing notes
/// (issue 5). Every handler asks `Policy` for `.manageBriefing` first; `BriefingService` asks
/// again in its transaction and logs each change publicly. Forms follow the GOV.UK pattern and
/// keep what was typed.
struct BriefingRoutes: RouteCollection {
    let app: AppContext
    var briefing: BriefingService { app.network.briefing }

    func register(on routes: inout Routes) throws {
        routes.get("/briefing/new", newItemForm)
        routes.post("/briefing/new", newItem)
        routes.get("/briefing/{id:int}/edit", editForm)
        routes.post("/briefing/{id:int}/edit", edit)
        routes.get("/t/{id:int}/briefing-note", noteForm)
        routes.post("/t/{id:int}/briefing-note", note)
        routes.post("/briefing/{id:int}/retire", retire)
    }

    func newItemForm(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        return try formPage(ctx, itemID: nil, form: FormState(values: ["published": Self.isoDay(Date())]), topics: [])
    }

    func newItem(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        return try submit(ctx, request, itemID: nil)
    }

    func editForm(_ request: Request) throws -> Response {
        let id = try request.id()
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        guard let item = try briefing.item(id: id) else { throw HTTPError.notFound }
        let values = ["title": item.title, "url": item.url, "source": item.source, "published": Self.isoDay(item.publishedAt),
                      "summary": item.summary]
        return try formPage(ctx, itemID: id, form: FormState(values: values), topics: item.topicSlugs, retired: item.retired)
    }

    func edit(_ request: Request) throws -> Response {
        let id = try request.id()
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        guard try briefing.item(id: id) != nil else { throw HTTPError.notFound }
        return try submit(ctx, request, itemID: id)
    }

    func noteForm(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        let (page, url) = try noteOf(ctx, request)
        let values = ["title": page.thread.title, "url": url, "source": "Mutuals Network discussion", "published": Self.isoDay(Date())]
        return try formPage(ctx, itemID: nil, form: FormState(values: values), topics: page.thread.topics.map(\.slug),
                            noteFor: page.thread.id)
    }

    func note(_ request: Request) throws -> Response {
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        let (page, url) = try noteOf(ctx, request)
        return try submit(ctx, request, itemID: nil, noteFor: page.thread.id, url: url)
    }

    func retire(_ request: Request) throws -> Response {
        let id = try request.id()
        let ctx = try app.requestContext(for: request)
        if let refusal = refusal(ctx) { return refusal }
        guard let item = try briefing.item(id: id) else { throw HTTPError.notFound }
        switch try app.checkedForm(request, ctx) {
        case .rejected(let items, _):
            return try formPage(ctx, itemID: id, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                topics: item.topicSlugs, retired: item.retired, status: .forbidden)
        case .valid(let items):
            try briefing.setRetired(by: ctx.actor, id: id, items.value("retired") != "0")
            return ctx.redirect("/briefing", notice: .briefingSaved)
        }
    }

    // MARK: Helpers

    /// An answered public thread as a briefing note: an item whose address is the thread's
    /// accepted answer, with a summary the admin writes.
    func noteOf(_ ctx: RequestContext, _ request: Request) throws -> (ThreadPage, String) {
        let id = try request.id()
        guard let page = try app.network.reading.thread(id: id, page: 1, viewer: ctx.viewer) else { throw HTTPError.notFound }
        guard page.thread.organisationID == nil else { throw HTTPError(.forbidden, "Only public threads can become briefing notes") }
        guard let accepted = page.acceptedPostID else { throw HTTPError(.forbidden, "Mark the accepted answer before making this thread a briefing note") }
        return (page, app.siteURL(request)(try app.postPath(accepted)))
    }

    /// Visitors go to sign in; anyone but an admin gets 403 with the policy's reason.
    func refusal(_ ctx: RequestContext) -> Response? {
        guard ctx.account != nil else { return ctx.signInRedirect() }
        if case .denied(let reason) = Policy.decide(ctx.actor, .manageBriefing, .network) {
            return ctx.finish(app.pages.errorResponse(.forbidden, reason, in: ctx))
        }
        return nil
    }

    func submit(_ ctx: RequestContext, _ request: Request, itemID: Int64?, noteFor: Int64? = nil, url: String? = nil) throws -> Response {
        switch try app.checkedForm(request, ctx) {
        case .rejected(let items, _):
            return try formPage(ctx, itemID: itemID, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                topics: items.values("topics"), noteFor: noteFor, status: .forbidden)
        case .valid(var items):
            if let url { items = items.filter { $0.name != "url" } + [FormItem("url", url)] }
            let topics = items.values("topics")
            let form = BriefingItemForm(title: items.value("title") ?? "", url: items.value("url") ?? "", source: items.value("source") ?? "",
                                        published: items.value("published") ?? "", summary: items.value("summary") ?? "", topicSlugs: topics)
            do {
                try briefing.save(by: ctx.actor, itemID: itemID, form, noteOf: noteFor)
            } catch BriefingError.invalid(let errors) {
                return try formPage(ctx, itemID: itemID, form: FormState(items: items, errors: errors), topics: topics,
                                    noteFor: noteFor, status: .unprocessableContent)
            }
            return ctx.redirect("/briefing", notice: itemID == nil ? .briefingAdded : .briefingSaved)
        }
    }

    static func isoDay(_ date: Date) -> String {
        let civil = DateText.civil(date)
        return String(format: "%04d-%02d-%02d", civil.year, civil.month, civil.day)
    }

    func formPage(_ ctx: RequestContext, itemID: Int64?, form: FormState, topics: [String],
                  retired: Bool = false, noteFor: Int64? = nil, status: HTTPStatus = .ok) throws -> Response {
        let view = BriefingFormView(itemID: itemID, topics: try app.network.topics.active(), selected: Set(topics), retired: retired,
                                    noteFor: noteFor)
        return ctx.finish(app.pages.posting.briefingForm.response(InLayout(view, ctx, form: form), status: status))
    }
}
