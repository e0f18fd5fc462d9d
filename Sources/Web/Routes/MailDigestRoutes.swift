import Board
import Foundation
import HTTPServer

/// Unsubscribing from a mail's signed link, and the weekly briefing on the web (issue 15).
///
/// `/unsubscribe/{token}` needs no sign-in (`ReadingGate.open`): GET shows what the link turns
/// off and a button; POST turns it off at once. The button's form carries the CSRF token like
/// every form, but a mail client's RFC 8058 one-click POST cannot: a POST whose whole body is
/// `List-Unsubscribe=One-Click` is accepted without it. That is the only CSRF exemption on the
/// site, and it is safe because the signed token in the address is itself the proof: a forged
/// request can do nothing the link's holder could not.
struct MailDigestRoutes: RouteCollection {
    let app: AppContext
    let unsubscribePage: Template
    let weeklyPage: Template
    var mailDigest: MailDigestService { app.network.mailDigest }

    static let templateNames = ["unsubscribe", "briefing-weekly"]
    /// RFC 8058 §3.1: the body a one-click unsubscribe POST carries.
    static let oneClickBody = "List-Unsubscribe=One-Click"

    init(app: AppContext) throws {
        self.app = app
        try app.pages.templates.require(Self.templateNames)
        unsubscribePage = try app.pages.templates.template("unsubscribe")
        weeklyPage = try app.pages.templates.template("briefing-weekly")
    }

    func register(on routes: inout Routes) throws {
        routes.get("/unsubscribe/{token}", unsubscribeForm)
        routes.post("/unsubscribe/{token}", unsubscribe)
        routes.get("/briefing/weekly", currentWeek)
        routes.get("/briefing/weekly/{week}", app.pageCache.visitors(weekly))  // visitors' copies kept (PageCache)
    }

    static let invalidLink = """
        This unsubscribe link is not valid. It may have been cut short when it was copied: \
        try the whole link from the email, or sign in and choose which emails you get on your notification settings page.
        """

    func unsubscribeForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let token = request.parameters["token"] ?? ""
        guard let scope = try mailDigest.unsubscribeScope(token: token) else { throw HTTPError.badRequest(Self.invalidLink) }
        let view = UnsubscribeView(token: token, scope: scope, done: false)
        return context.finish(unsubscribePage.response(InLayout(view, context)))
    }

    func unsubscribe(_ request: Request) throws -> Response {
        let token = request.parameters["token"] ?? ""
        if Self.isOneClick(request) {
            guard try mailDigest.unsubscribe(token: token) != nil else { throw HTTPError.badRequest(Self.invalidLink) }
            return Response.text("You are unsubscribed.\n")
        }
        let context = try app.requestContext(for: request)
        let scope = try mailDigest.unsubscribeScope(token: token)
        guard case .valid = try app.checkedForm(request, context) else {
            guard let scope else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            return context.finish(unsubscribePage.response(
                InLayout(UnsubscribeView(token: token, scope: scope, done: false), context,
                         form: FormState(formMessage: CSRF.resubmitMessage)), status: .forbidden))
        }
        guard let scope else { throw HTTPError.badRequest(Self.invalidLink) }
        guard try mailDigest.unsubscribe(token: token) != nil else { throw HTTPError.badRequest(Self.invalidLink) }
        return context.finish(unsubscribePage.response(InLayout(UnsubscribeView(token: token, scope: scope, done: true), context)))
    }

    /// Whether the POST is an RFC 8058 one-click unsubscribe: its only field is
    /// `List-Unsubscribe=One-Click`, sent as `application/x-www-form-urlencoded` or (§8.1's
    /// example) as `multipart/form-data`.
    static func isOneClick(_ request: Request) -> Bool {
        guard request.body.count <= 1024 else { return false }
        let body = String(decoding: request.body, as: UTF8.self)
        let type = request.headers["content-type"] ?? ""
        if type.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = type.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")),
                  !boundary.isEmpty else { return false }
            let parts = body.components(separatedBy: "--" + boundary).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty && $0 != "--" }
            guard parts.count == 1, let part = parts.first else { return false }
            let sections = part.components(separatedBy: "\r\n\r\n")
            return sections.count == 2 && sections[0].lowercased().contains("name=\"list-unsubscribe\"")
                && sections[1].trimmingCharacters(in: .whitespacesAndNewlines) == "One-Click"
        }
        return body.trimmingCharacters(in: .whitespacesAndNewlines) == oneClickBody
    }

    /// `/briefing/weekly`: this week's digest.
    func currentWeek(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        return context.redirect("/briefing/weekly/\(ISOWeek(containing: app.network.accounts.clock.now()))")
    }

    /// `/briefing/weekly/2026-W49`: visitors see the public digest, members their own.
    func weekly(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let week = ISOWeek(request.parameters["week"] ?? "") else { throw HTTPError.notFound }
        let digest = try mailDigest.weeklyDigest(week: week, viewer: context.viewer)
        let view = WeeklyDigestView(digest: digest, signedIn: context.account != nil,
                                    current: ISOWeek(containing: app.network.accounts.clock.now()))
        return context.finish(weeklyPage.response(InLayout(view, context)))
    }
}
