import Board
import Foundation
import HTTPServer

/// Sign in and out, registration, the account pages, sessions, your data and two-factor.
/// Every POST passes `app.checkedForm` (Origin + CSRF token); a rejected form comes back with
/// what was typed.
enum AccountRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        let pages = app.pages.account
        let accounts = app.accounts
        try accounts.pruneIfDue()

        // MARK: Sign in and out

        // `next` (query, then hidden field): the local path to return to once signed in (`ReturnPath`).
        router.get("/sign-in") { request in
            let context = try app.requestContext(for: request)
            let next = ReturnPath.validated(try request.queryItems()["next"])
            if context.account != nil { return redirect(next ?? "/account", context) }
            let registered = try request.queryItems()["registered"] == "1" ? "1" : ""
            return context.finish(pages.signIn.response(InLayout(FormState(values: ["next": next ?? "", "registered": registered]), context)))
        }

        router.post("/sign-in") { request in
            let context = try app.requestContext(for: request)
            let submission = try app.checkedForm(request, context)
            let next = ReturnPath.validated(submission.items["next"])
            // What was typed comes back on a refusal, with only a checked `next`.
            let items = submission.items.filter { $0.name != "next" } + [FormItem("next", next ?? "")]
            if case .rejected = submission {
                return context.finish(pages.signIn.response(
                    InLayout(FormState(items: items, formMessage: CSRF.resubmitMessage), context), status: .forbidden))
            }
            let identifier = items["identifier"] ?? ""
            let password = items["password"] ?? ""
            var errors: [FieldError] = []
            if identifier.isEmpty { errors.append(FieldError("identifier", "Enter your handle or email address")) }
            if password.isEmpty { errors.append(FieldError("password", "Enter your password")) }
            if !errors.isEmpty {
                return context.finish(pages.signIn.response(InLayout(FormState(items: items, errors: errors), context), status: .unprocessableContent))
            }
            let outcome = try accounts.signIn(identifier: identifier, password: password, address: request.remoteAddress,
                                              userAgent: request.headers["user-agent"] ?? "")
            switch outcome {
            case .signedIn(let session, let account):
                let required = try accounts.adminsRequireTwoFactor()
                let mustEnrol = account.role == .admin && !account.twoFactorEnabled && required
                var response = redirect(mustEnrol ? "/account/two-factor" : next ?? "/", context)
                response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, session.token,
                                                                              maxAge: Int(accounts.limits.sessionAbsolute)))
                return response
            case .twoFactorRequired(let pending):
                var response = redirect("/sign-in/two-factor" + nextQuery(next), context)
                response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, pending.token, maxAge: nil))
                return response
            case .refused(let message):
                let form = FormState(items: items, errors: [FieldError("identifier", message)])
                return context.finish(pages.signIn.response(InLayout(form, context), status: .unprocessableContent))
            case .throttled(let until):
                let minutes = max(1, Int((until.timeIntervalSince(accounts.clock.now()) / 60).rounded(.up)))
                let message = "Too many attempts to sign in. Wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again"
                var response = pages.signIn.response(InLayout(FormState(items: items, errors: [FieldError("identifier", message)]), context),
                                                     status: .tooManyRequests)
                response.headers.set("Retry-After", String(max(1, Int(until.timeIntervalSince(accounts.clock.now()).rounded(.up)))))
                return context.finish(response)
            }
        }

        router.get("/sign-in/two-factor") { request in
            let context = try app.requestContext(for: request)
            let next = ReturnPath.validated(try request.queryItems()["next"])
            guard let token = request.cookie(context.cookies.session), try accounts.resolvePendingSession(token: token) != nil else {
                return redirect("/sign-in" + nextQuery(next), context)
            }
            return context.finish(pages.twoFactorChallenge.response(InLayout(FormState(values: ["next": next ?? ""]), context)))
        }

        router.post("/sign-in/two-factor") { request in
            let context = try app.requestContext(for: request)
            let submission = try app.checkedForm(request, context)
            let next = ReturnPath.validated(submission.items["next"])
            if case .rejected = submission {
                return context.finish(pages.twoFactorChallenge.response(
                    InLayout(FormState(values: ["next": next ?? ""], formMessage: CSRF.resubmitMessage), context), status: .forbidden))
            }
            guard let token = request.cookie(context.cookies.session) else { return redirect("/sign-in" + nextQuery(next), context) }
            let code = submission.items["code"] ?? ""
            guard let (session, _) = try accounts.completeTwoFactor(pendingToken: token, code: code,
                                                                  userAgent: request.headers["user-agent"] ?? "") else {
                if try accounts.resolvePendingSession(token: token) == nil { return redirect("/sign-in" + nextQuery(next), context) }
                let form = FormState(values: ["next": next ?? ""],
                                     errors: [FieldError("code", code.isEmpty ? "Enter the code from your authenticator app" : "The code is not right, or has expired")])
                return context.finish(pages.twoFactorChallenge.response(InLayout(form, context), status: .unprocessableContent))
            }
            var response = redirect(next ?? "/", context)
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, session.token,
                                                                          maxAge: Int(accounts.limits.sessionAbsolute)))
            return response
        }

        router.post("/sign-out") { request in
            let context = try app.requestContext(for: request)
            // Signing out is state-changing too: a forged sign-out is a nuisance, so it is checked.
            if case .rejected = try app.checkedForm(request, context) {
                return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage))
            }
            if let token = request.cookie(context.cookies.session) { try accounts.endSession(token: token) }
            var response = redirect("/", context)
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
            return response
        }

        // MARK: Registration

        router.get("/register") { request in
            let context = try app.requestContext(for: request)
            let code = (try request.queryItems())["invite"] ?? ""
            return try context.finish(registerPage(app, context, form: FormState(values: ["invite": code]), inviteCode: code))
        }

        router.post("/register") { request in
            let context = try app.requestContext(for: request)
            let submission = try app.checkedForm(request, context)
            let items = submission.items
            let code = items["invite"] ?? ""
            if case .rejected = submission {
                return try context.finish(registerPage(app, context, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                       inviteCode: code, status: .forbidden))
            }
            let form = Registration(handle: items["handle"] ?? "", displayName: items["displayName"] ?? "", email: items["email"] ?? "",
                                    password: items["password"] ?? "", organisationSlug: items["organisation"] ?? "")
            let outcome = try accounts.register(form, inviteCode: code, address: request.remoteAddress)
            let message: String
            switch outcome {
            case .registered, .emailAlreadyRegistered:
                // One answer for both, so registering does not confirm an address has an account (docs/security.md).
                return redirect("/sign-in?registered=1", context)
            case .invalid(let errors):
                return try context.finish(registerPage(app, context, form: FormState(items: items, errors: errors), inviteCode: code,
                                                       status: .unprocessableContent))
            case .closed: message = "Registration is closed on this network"
            case .inviteRequired: message = "You need an invite to register on this network. Ask an admin for an invite link"
            case .invalidInvite: message = "This invite link has expired or has already been used. Ask an admin for a new one"
            case .tooManyRegistrations: message = "Too many accounts have been registered from your connection today. Try again tomorrow"
            }
            let status: HTTPStatus = outcome.isRateLimited ? .tooManyRequests : .forbidden
            return try context.finish(registerPage(app, context, form: FormState(items: items, formMessage: message), inviteCode: code,
                                                   status: status))
        }

        // MARK: Account

        router.get("/account") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            let query = try request.queryItems()
            let notice: String? = query["welcome"] != nil ? "Your account has been created"
                : query["saved"] != nil ? "Your changes have been saved" : nil
            let form = FormState(values: ["displayName": account.displayName, "bio": account.bio,
                                          "organisation": try organisationSlug(app, account.organisationID) ?? ""])
            return try context.finish(accountPage(app, context, account, form: form, notice: notice))
        }

        router.post("/account") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            let submission = try app.checkedForm(request, context)
            let items = submission.items
            if case .rejected = submission {
                return try context.finish(accountPage(app, context, account, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                      status: .forbidden))
            }
            let errors = try accounts.updateProfile(userID: account.id, displayName: items["displayName"] ?? "", bio: items["bio"] ?? "",
                                                    organisationSlug: items["organisation"] ?? "")
            if !errors.isEmpty {
                return try context.finish(accountPage(app, context, account, form: FormState(items: items, errors: errors),
                                                      status: .unprocessableContent))
            }
            return redirect("/account?saved=1", context)
        }

        router.get("/account/password") { request in
            let context = try app.requestContext(for: request)
            guard context.account != nil else { return redirect("/sign-in", context) }
            return context.finish(pages.password.response(InLayout(FormState(), context)))
        }

        router.post("/account/password") { request in
            let context = try app.requestContext(for: request)
            guard let session = context.session else { return redirect("/sign-in", context) }
            let submission = try app.checkedForm(request, context)
            if case .rejected(let items, _) = submission {
                return context.finish(pages.password.response(InLayout(FormState(items: items, formMessage: CSRF.resubmitMessage), context),
                                                              status: .forbidden))
            }
            let items = submission.items
            let errors = try accounts.changePassword(userID: session.account.id, current: items["currentPassword"] ?? "",
                                                     new: items["newPassword"] ?? "", keepingSession: session.sessionID)
            if !errors.isEmpty {
                return context.finish(pages.password.response(InLayout(FormState(items: items, errors: errors), context),
                                                              status: .unprocessableContent))
            }
            return redirect("/account/sessions?changed=1", context)
        }

        // MARK: Sessions

        router.get("/account/sessions") { request in
            let context = try app.requestContext(for: request)
            guard let session = context.session else { return redirect("/sign-in", context) }
            let notice: String? = switch true {
            case (try request.queryItems())["changed"] != nil: "Your password has been changed and your other sessions have ended"
            case (try request.queryItems())["ended"] != nil: "That session has been signed out"
            default: nil
            }
            return try context.finish(sessionsPage(app, context, session, notice: notice))
        }

        router.post("/account/sessions/{id}/end") { request in
            let context = try app.requestContext(for: request)
            guard let session = context.session else { return redirect("/sign-in", context) }
            if case .rejected = try app.checkedForm(request, context) {
                return try context.finish(sessionsPage(app, context, session, notice: nil,
                                                       form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden))
            }
            guard let id = request.parameters["id"].flatMap(Int64.init) else { throw HTTPError.notFound }
            guard try accounts.endSession(id: id, userID: session.account.id) else { throw HTTPError.notFound }
            if id == session.sessionID {
                var response = redirect("/", context)
                response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
                return response
            }
            return redirect("/account/sessions?ended=1", context)
        }

        // MARK: Your data

        router.get("/account/data") { request in
            let context = try app.requestContext(for: request)
            guard context.account != nil else { return redirect("/sign-in", context) }
            return context.finish(pages.data.response(InLayout(FormState(), context)))
        }

        router.get("/account/data/download") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            let body = try accounts.exportData(userID: account.id)
            return context.finish(Response(status: .ok, headers: HTTPHeaders([
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Disposition", "attachment; filename=\"mutuals-\(account.handle).json\""),
            ]), body: body))
        }

        router.post("/account/delete") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            let submission = try app.checkedForm(request, context)
            let items = submission.items
            if case .rejected = submission {
                return context.finish(pages.data.response(InLayout(FormState(items: items, formMessage: CSRF.resubmitMessage), context),
                                                          status: .forbidden))
            }
            var errors: [FieldError] = []
            let password = items["password"] ?? ""
            if password.isEmpty { errors.append(FieldError("password", "Enter your password")) }
            if items["confirm"] != "yes" { errors.append(FieldError("confirm", "Select to confirm you understand your account will be deleted")) }
            if errors.isEmpty, try !accounts.deleteAccount(userID: account.id, password: password) {
                errors.append(FieldError("password", "Your password is not right"))
            }
            if !errors.isEmpty {
                return context.finish(pages.data.response(InLayout(FormState(items: items, errors: errors), context), status: .unprocessableContent))
            }
            var response = redirect("/", context)
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
            return response
        }

        // MARK: Two-factor

        router.get("/account/two-factor") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            return try context.finish(twoFactorPage(app, context, account, form: FormState()))
        }

        router.post("/account/two-factor/start") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            if case .rejected = try app.checkedForm(request, context) {
                return try context.finish(twoFactorPage(app, context, account, form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden))
            }
            if !account.twoFactorEnabled { _ = try accounts.beginTwoFactorSetup(userID: account.id) }
            return redirect("/account/two-factor", context)
        }

        router.post("/account/two-factor") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            let submission = try app.checkedForm(request, context)
            if case .rejected(let items, _) = submission {
                return try context.finish(twoFactorPage(app, context, account, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                        status: .forbidden))
            }
            guard let codes = try accounts.confirmTwoFactor(userID: account.id, code: submission.items["code"] ?? "") else {
                let form = FormState(errors: [FieldError("code", "The code is not right. Enter the 6-digit code your app shows now")])
                return try context.finish(twoFactorPage(app, context, account, form: form, status: .unprocessableContent))
            }
            guard let updated = try accounts.account(id: account.id) else { return redirect("/sign-in", context) }
            return try context.finish(twoFactorPage(app, context, updated, form: FormState(), recoveryCodes: codes))
        }

        router.post("/account/two-factor/disable") { request in
            let context = try app.requestContext(for: request)
            guard let account = context.account else { return redirect("/sign-in", context) }
            let submission = try app.checkedForm(request, context)
            if case .rejected = submission {
                return try context.finish(twoFactorPage(app, context, account, form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden))
            }
            guard try accounts.disableTwoFactor(userID: account.id, password: submission.items["password"] ?? "") else {
                let form = FormState(errors: [FieldError("password", "Your password is not right")])
                return try context.finish(twoFactorPage(app, context, account, form: form, status: .unprocessableContent))
            }
            return redirect("/account/two-factor", context)
        }
    }

    // MARK: Pages

    /// `?next=PATH` for a checked return path, or nothing.
    static func nextQuery(_ next: String?) -> String {
        next.map { "?next=" + FormDecoder.encode($0) } ?? ""
    }

    /// A 303 See Other (the POST-redirect-GET pattern), carrying the context's cookies.
    static func redirect(_ location: String, _ context: RequestContext) -> Response {
        context.finish(Response(status: .seeOther, headers: HTTPHeaders([("Location", location)])))
    }

    static func organisationSlug(_ app: AppContext, _ id: Int64?) throws -> String? {
        guard let id else { return nil }
        return try app.store.read { try $0.scalar(String.self, "SELECT slug FROM organisations WHERE id = ?", id) }
    }

    static func organisationList(_ app: AppContext, selected: String) throws -> TemplateValue {
        .list(try app.accounts.organisations().map {
            ["slug": .text($0.slug), "name": .text($0.name), "selected": .bool($0.slug == selected)]
        })
    }

    static func registerPage(_ app: AppContext, _ context: RequestContext, form: FormState, inviteCode: String,
                             status: HTTPStatus = .ok) throws -> Response {
        let mode = try app.accounts.registrationMode()
        let invite = inviteCode.isEmpty ? nil : try app.accounts.invite(code: inviteCode)
        var page = TemplateObject()
        var closed: String?
        if !inviteCode.isEmpty, invite == nil {
            closed = "This invite link has expired or has already been used. Ask an admin for a new one."
        } else if invite == nil, mode == .closed {
            closed = "Registration is closed on this network."
        } else if invite == nil, mode == .inviteOnly {
            closed = "You need an invite to register on this network. Ask an admin for an invite link."
        }
        page["closedMessage"] = TemplateValue.text(closed)
        page["canRegister"] = .bool(closed == nil)
        if let invite {
            let organisation = try organisationName(app, invite.organisationID)
            page["inviteDescription"] = .text("You have been invited to join as a \(invite.role.rawValue)"
                + (organisation.map { " of \($0)" } ?? "") + ".")
            page["inviteOrganisation"] = .bool(invite.organisationID != nil)
        }
        page["organisations"] = try organisationList(app, selected: form.values["organisation"] ?? "")
        return app.pages.account.register.response(InLayout(page, context, form: form), status: status)
    }

    static func organisationName(_ app: AppContext, _ id: Int64?) throws -> String? {
        guard let id else { return nil }
        return try app.store.read { try $0.scalar(String.self, "SELECT name FROM organisations WHERE id = ?", id) }
    }

    static func accountPage(_ app: AppContext, _ context: RequestContext, _ account: Account, form: FormState,
                            notice: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        var page = TemplateObject()
        page["handle"] = .text(account.handle)
        page["role"] = .text(account.role.rawValue)
        page["notice"] = TemplateValue.text(notice)
        if account.isSuspended(at: app.accounts.clock.now()) {
            page["suspension"] = .text(Policy.suspensionMessage(context.actor) + ".")
        }
        page["twoFactorStatus"] = .text(account.twoFactorEnabled ? "on" : "off")
        page["feedToken"] = TemplateValue.text(try app.accounts.readingRequiresSignIn() ? try app.accounts.feedToken(userID: account.id) : nil)
        page["organisations"] = try organisationList(app, selected: form.values["organisation"] ?? "")
        return app.pages.account.account.response(InLayout(page, context, form: form), status: status)
    }

    static func sessionsPage(_ app: AppContext, _ context: RequestContext, _ session: ResolvedSession, notice: String?,
                             form: FormState = FormState(), status: HTTPStatus = .ok) throws -> Response {
        let display = DateFormatter()
        display.locale = Locale(identifier: "en_GB")
        display.timeZone = TimeZone(identifier: "UTC")
        display.dateFormat = "d MMMM yyyy, HH:mm 'UTC'"
        let iso = ISO8601DateFormatter()
        let rows: [TemplateValue] = try app.accounts.sessions(of: session.account.id).map { s in
            ["id": .text(String(s.id)), "userAgent": .text(s.userAgent.isEmpty ? "Unknown browser" : s.userAgent),
             "current": .bool(s.id == session.sessionID),
             "created": .text(display.string(from: s.createdAt)), "createdISO": .text(iso.string(from: s.createdAt)),
             "lastSeen": .text(display.string(from: s.lastSeenAt)), "lastSeenISO": .text(iso.string(from: s.lastSeenAt))]
        }
        var page = TemplateObject()
        page["sessions"] = .list(rows)
        page["notice"] = TemplateValue.text(notice)
        return app.pages.account.sessions.response(InLayout(page, context, form: form), status: status)
    }

    static func twoFactorPage(_ app: AppContext, _ context: RequestContext, _ account: Account, form: FormState,
                              recoveryCodes: [String]? = nil, status: HTTPStatus = .ok) throws -> Response {
        var page = TemplateObject()
        page["enabled"] = .bool(account.twoFactorEnabled)
        let required = try app.accounts.adminsRequireTwoFactor()
        page["required"] = .bool(account.role == .admin && required)
        if !account.twoFactorEnabled, let secret = try app.accounts.pendingTwoFactorSecret(userID: account.id) {
            page["secret"] = .text(secret)
        }
        if account.twoFactorEnabled { page["recoveryLeft"] = .int(try app.accounts.recoveryCodesLeft(userID: account.id)) }
        if let recoveryCodes {
            page["recoveryCodes"] = ["codes": .list(recoveryCodes.map { ["code": .text($0)] })]
        }
        return app.pages.account.twoFactorSetup.response(InLayout(page, context, form: form), status: status)
    }
}

extension Accounts.RegistrationOutcome {
    var isRateLimited: Bool {
        if case .tooManyRegistrations = self { return true }
        return false
    }
}
