import Board
import Foundation
import HTTPServer

/// `/admin/outbox`: what is queued, what failed (with a Retry button), and what was recently
/// sent or dropped. Admins only, as every `/admin` page (Policy: viewModerationQueue).
struct OutboxRoutes: RouteCollection {
    let app: AppContext
    let pages: MailPages
    var outbox: OutboxService { app.network.outbox }

    init(app: AppContext) throws {
        self.app = app
        pages = try MailPages(app.pages.templates)
    }

    func register(on routes: inout Routes) throws {
        routes.get("/admin/outbox", list)
        routes.post("/admin/outbox/{id:int}/retry", retry)
    }

    func list(_ request: Request) throws -> Response {
        let context = try admitted(request)
        let id = context.notice?.subject
        let notice = id.flatMap { context.notice?.key == .messageRequeued ? "Message \($0) is queued again and will be sent shortly" : nil }
        let problem = id.flatMap { context.notice?.key == .messageNotFailed ? "Message \($0) is no longer failed, so it was not queued again" : nil }
        return context.finish(try page(context, notice: notice, problem: problem))
    }

    func retry(_ request: Request) throws -> Response {
        let id = try request.id()
        let context = try admitted(request)
        if case .rejected = try app.checkedForm(request, context) {
            return context.finish(try page(context, notice: nil, problem: CSRF.resubmitMessage, status: .forbidden))
        }
        switch try outbox.retry(by: context.actor, id: id) {
        case .queued:
            app.site.mailSender?.nudge()
            return context.redirect("/admin/outbox", notice: .messageRequeued, subject: id)
        case .notFailed: return context.redirect("/admin/outbox", notice: .messageNotFailed, subject: id)
        case .notFound: throw HTTPError.notFound
        case .denied(let message): throw HTTPError(.forbidden, message)
        }
    }

    func admitted(_ request: Request) throws -> RequestContext {
        let context = try app.requestContext(for: request)
        try context.admitToAdminPages()
        return context
    }

    func page(_ context: RequestContext, notice: String?, problem: String?, status: HTTPStatus = .ok) throws -> Response {
        let counts = try outbox.counts()
        func section(_ state: OutboxItem.State, _ heading: String, _ empty: String, timeHeading: String, limit: Int) throws -> TemplateValue {
            let rows: [TemplateValue] = try outbox.list(state: state, limit: limit).map { item in
                let time = state == .queued ? item.nextAttemptAt : item.finishedAt
                var row = TemplateObject()
                row["id"] = .text(String(item.id))
                row["kind"] = .text(item.kind.rawValue.replacingOccurrences(of: "_", with: " "))
                row["to"] = .text(item.toAddress)
                row["attempts"] = .int(item.attempts)
                row["created"] = .text(DateText.humanWithTime(item.createdAt))
                row["createdISO"] = .text(DateText.iso(item.createdAt))
                row["time"] = TemplateValue.text(time.map(DateText.humanWithTime))
                row["timeISO"] = TemplateValue.text(time.map(DateText.iso))
                row["lastError"] = .text(item.lastError ?? "")
                row["retryable"] = .bool(state == .failed)
                return .object(row)
            }
            return .object(TemplateObject([
                "id": .text(state.rawValue), "heading": .text(heading), "empty": .text(empty),
                "timeHeading": .text(timeHeading), "rows": .list(rows), "hasRows": .bool(!rows.isEmpty),
                "retryable": .bool(state == .failed),
            ]))
        }
        var view = TemplateObject()
        view["notice"] = TemplateValue.text(notice)
        view["problem"] = TemplateValue.text(problem)
        view["transport"] = .bool(app.site.mailSender?.hasTransport ?? false)
        for state in OutboxItem.State.allCases { view["\(state.rawValue)Count"] = .int(counts[state] ?? 0) }
        view["sections"] = .list([
            try section(.queued, "Queued", "Nothing is waiting to be sent.", timeHeading: "Next attempt", limit: 200),
            try section(.failed, "Failed", "No message has failed.", timeHeading: "Failed", limit: 200),
            try section(.sent, "Recently sent", "Nothing has been sent yet.", timeHeading: "Sent", limit: 50),
            try section(.dropped, "Recently dropped", "No message has been dropped.", timeHeading: "Dropped", limit: 50),
        ])
        return pages.outbox.response(InLayout(view, context), status: status)
    }
}
