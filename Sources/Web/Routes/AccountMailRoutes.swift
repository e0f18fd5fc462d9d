import Board
import Foundation
import HTTPServer

/// The pages behind the links the network mails: forgotten passwords, reset links, address
/// confirmation and a change of address (issue 15). The rules are in Board
/// (`Accounts.requestPasswordReset`, `resetPassword`, `confirmEmail`, `requestEmailChange`).
struct AccountMailRoutes: RouteCollection {
    let app: AppContext
    let pages: MailPages
    var accounts: Accounts { app.accounts }

    init(app: AppContext) throws {
        self.app = app
        pages = try MailPages(app.pages.templates)
    }

    func register(on routes: inout Routes) throws {
        routes.get("/forgot-password", forgotPasswordForm)
        routes.post("/forgot-password", requestReset)
        routes.get("/forgot-password/sent", resetRequested)
        routes.get("/reset-password/{token}", resetPasswordForm)
        routes.post("/reset-password/{token}", resetPassword)
        routes.get("/confirm-email/{token}", confirmEmailPage)
        routes.post("/confirm-email/{token}", confirmEmail)
        routes.get("/account/email", emailForm)
        routes.post("/account/email", changeEmail)
        routes.post("/account/email/resend", resendConfirmation)
    }

    // MARK: Password reset

    func forgotPasswordForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        return context.finish(pages.forgotPassword.response(InLayout(FormState(), context)))
    }

    func requestReset(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        if case .rejected = submission {
            return context.finish(pages.forgotPassword.response(InLayout(FormState(items: items, formMessage: CSRF.resubmitMessage), context),
                                                                status: .forbidden))
        }
        let email = (items["email"] ?? "").trimmingCharacters(in: .whitespaces)
        if email.isEmpty {
            let form = FormState(items: items, errors: [FieldError("email", "Enter your email address")])
            return context.finish(pages.forgotPassword.response(InLayout(form, context), status: .unprocessableContent))
        }
        switch try accounts.requestPasswordReset(email: email, address: request.remoteAddress) {
        case .accepted:
            app.site.mailSender?.nudge()
            return context.redirect("/forgot-password/sent")
        case .throttled(let until):
            let seconds = ThrottleWait.seconds(until: until, now: accounts.clock.now())
            let message = "Too many requests for a reset link. Wait \(ThrottleWait.words(seconds)) and try again"
            var response = pages.forgotPassword.response(InLayout(FormState(items: items, errors: [FieldError("email", message)]), context),
                                                         status: .tooManyRequests)
            response.headers.set("Retry-After", String(seconds))
            return context.finish(response)
        }
    }

    /// The one answer, whether or not the address has an account.
    func resetRequested(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        return context.finish(pages.resetRequested.response(InLayout(TemplateObject(), context)))
    }

    func resetPasswordForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let token = request.parameters["token"] ?? ""
        if let problem = try accounts.resetLinkProblem(token: token) { return linkProblem(context, problem, purpose: .passwordReset) }
        return context.finish(pages.resetPassword.response(InLayout(TemplateObject(["token": .text(token)]), context, form: FormState())))
    }

    func resetPassword(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let token = request.parameters["token"] ?? ""
        let submission = try app.checkedForm(request, context)
        let page: TemplateObject = ["token": .text(token)]
        if case .rejected(let items, _) = submission {
            return context.finish(pages.resetPassword.response(InLayout(page, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage)),
                                                               status: .forbidden))
        }
        switch try accounts.resetPassword(token: token, newPassword: submission.items["newPassword"] ?? "") {
        case .reset(let handle):
            // The account's address is told, as after a change on the account page.
            try accounts.queuePasswordChangedNotice(handle: handle)
            app.site.mailSender?.nudge()
            // Every session of the account has ended, this browser's included.
            var response = context.redirect("/sign-in?reset=1")
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
            return response
        case .invalid(let errors):
            return context.finish(pages.resetPassword.response(InLayout(page, context, form: FormState(errors: errors)),
                                                               status: .unprocessableContent))
        case .invalidLink(let problem):
            return linkProblem(context, problem, purpose: .passwordReset)
        }
    }

    // MARK: Address confirmation

    /// The page a confirmation link opens: the address and a button that confirms it, signed in
    /// or not. Opening the link changes nothing (`Accounts.confirmationLink`: mail scanners open links).
    func confirmEmailPage(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let token = request.parameters["token"] ?? ""
        switch try accounts.confirmationLink(token: token) {
        case .unusable(let problem): return linkProblem(context, problem, purpose: .confirmAddress)
        case .live(let address): return confirmPage(context, token: token, address: address)
        }
    }

    /// The page with the address a live link confirms and its Confirm button.
    private func confirmPage(_ context: RequestContext, token: String, address: String, form: FormState = FormState(),
                             status: HTTPStatus = .ok) -> Response {
        let page: TemplateObject = ["token": .text(token), "address": .text(address)]
        return context.finish(pages.confirmEmail.response(InLayout(page, context, form: form), status: status))
    }

    /// The confirmation page's button: confirms the address.
    func confirmEmail(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let token = request.parameters["token"] ?? ""
        if case .rejected = try app.checkedForm(request, context) {
            guard case .live(let address) = try accounts.confirmationLink(token: token) else {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context))
            }
            return confirmPage(context, token: token, address: address, form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden)
        }
        switch try accounts.confirmEmail(token: token) {
        case .confirmed(let address, let changed, _):
            if changed { app.site.mailSender?.nudge() }   // the notice to the old address
            let page: TemplateObject = ["address": .text(address), "changed": .bool(changed), "signedIn": .bool(context.account != nil)]
            return context.finish(pages.emailConfirmed.response(InLayout(page, context)))
        case .invalid(let problem):
            return linkProblem(context, problem, purpose: .confirmAddress)
        case .addressTaken:
            let page: TemplateObject = [
                "heading": .text("That address belongs to another account"),
                "message": .text("Another account on the network now uses that email address, so your address has not changed."),
                "actionPath": .text("/account/email"), "actionText": .text("Choose another address"),
            ]
            return context.finish(pages.linkProblem.response(InLayout(page, context), status: .conflict))
        }
    }

    func emailForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        return context.finish(pages.changeEmail.response(InLayout(TemplateObject(["address": .text(account.email)]), context, form: FormState())))
    }

    func changeEmail(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        let page: TemplateObject = ["address": .text(account.email)]
        if case .rejected = submission {
            return context.finish(pages.changeEmail.response(InLayout(page, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage)),
                                                             status: .forbidden))
        }
        let outcome: Accounts.EmailChangeOutcome
        do {
            outcome = try accounts.requestEmailChange(userID: account.id, newEmail: items["email"] ?? "", password: items["password"] ?? "",
                                                      address: request.remoteAddress)
        } catch let throttled as PasswordAttemptsThrottled {
            let seconds = throttled.seconds(accounts.clock)
            let form = FormState(items: items, errors: [throttled.fieldError("password", seconds: seconds)])
            return context.finish(ThrottleWait.retrying(pages.changeEmail.response(InLayout(page, context, form: form), status: .tooManyRequests),
                                                        after: seconds))
        }
        switch outcome {
        case .linkSent:
            app.site.mailSender?.nudge()
            return context.redirect("/account", notice: .emailLinkSent)
        case .invalid(let errors):
            return context.finish(pages.changeEmail.response(InLayout(page, context, form: FormState(items: items, errors: errors)),
                                                             status: .unprocessableContent))
        case .tooSoon(let error):
            var response = pages.changeEmail.response(InLayout(page, context, form: FormState(items: items, errors: [error])),
                                                      status: .tooManyRequests)
            // The soonest another link may go: a minute after the last (the day's five wait longer).
            response.headers.set("Retry-After", "60")
            return context.finish(response)
        }
    }

    func resendConfirmation(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        if case .rejected = try app.checkedForm(request, context) {
            return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage))
        }
        switch try accounts.resendConfirmation(userID: account.id) {
        case .sent:
            app.site.mailSender?.nudge()
            return context.redirect("/account", notice: .emailLinkSent)
        case .tooSoon: return context.redirect("/account", notice: .emailLinkWait)
        case .alreadyConfirmed: return context.redirect("/account", notice: .emailAlreadyConfirmed)
        }
    }

    // MARK: Pages

    /// A clear page for a link that cannot be used, with the way to get a new one.
    func linkProblem(_ context: RequestContext, _ problem: AccountToken.Problem, purpose: AccountToken.Purpose) -> Response {
        let reset = purpose == .passwordReset
        let heading = switch problem {
        case .used: "This link has already been used"
        case .replaced: "This link was replaced by a newer one"
        case .expired: "This link has expired"
        case .unknown: "This link is not valid"
        }
        var message = switch problem {
        case .used: reset ? "Each reset link works once." : "Each confirmation link works once. If you followed it before, your address is confirmed."
        case .replaced: reset
            ? "A newer reset link was sent after this one, so this one no longer works. Use the link in the latest email, or ask for a new link below."
            : "A link for a different address was asked for after this one, so this one no longer works. Use the link in the latest email, or change the address again from your account page."
        case .expired: reset ? "Reset links last 1 hour." : "Confirmation links last 48 hours."
        case .unknown: "Check that you copied the whole link from the email. If it still does not work, ask for a new one."
        }
        if problem != .unknown, problem != .replaced { message += reset ? " Ask for a new link below." : " You can send a new one from your account page." }
        var page = TemplateObject()
        page["heading"] = .text(heading)
        page["message"] = .text(message)
        page["actionPath"] = .text(reset ? "/forgot-password" : "/account")
        page["actionText"] = .text(reset ? "Ask for a new reset link" : "Go to your account page")
        let status: HTTPStatus = problem == .unknown ? .notFound : .gone
        return context.finish(pages.linkProblem.response(InLayout(page, context), status: status))
    }
}

/// The templates of the mail-link pages and of the outbox.
struct MailPages: Sendable {
    static let templateNames = ["forgot-password", "forgot-password-sent", "reset-password", "mail-link-problem",
                                "email-confirm", "email-confirmed", "account-email", "admin-outbox"]

    let forgotPassword: Template
    let resetRequested: Template
    let resetPassword: Template
    let linkProblem: Template
    let confirmEmail: Template
    let emailConfirmed: Template
    let changeEmail: Template
    let outbox: Template

    init(_ templates: TemplateLibrary) throws {
        try templates.require(Self.templateNames)
        forgotPassword = try templates.template("forgot-password")
        resetRequested = try templates.template("forgot-password-sent")
        resetPassword = try templates.template("reset-password")
        linkProblem = try templates.template("mail-link-problem")
        confirmEmail = try templates.template("email-confirm")
        emailConfirmed = try templates.template("email-confirmed")
        changeEmail = try templates.template("account-email")
        outbox = try templates.template("admin-outbox")
    }
}

extension AccountRoutes {
    /// The account page's own word after a link was sent, naming the address (`SiteNotice.emailLinkSent`);
    /// the other mail notices are fixed texts in the layout's banner.
    func emailNotice(_ notice: Notice?, userID: Int64) throws -> String? {
        guard notice?.key == .emailLinkSent, let status = try accounts.emailStatus(userID: userID) else { return nil }
        return "We have sent a confirmation link to \(status.pendingAddress ?? status.address). It lasts 48 hours"
    }
}
