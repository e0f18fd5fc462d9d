import Board
import Foundation
import HTTPServer

/// Sign in and out, registration, the account pages, sessions, your data and two-factor.
/// Every POST passes `app.checkedForm` (Origin + CSRF token); a rejected form comes back with
/// what was typed.
struct AccountRoutes: RouteCollection {
    let app: AppContext
    var accounts: Accounts { app.accounts }
    var pages: AccountPages { app.pages.account }

    func register(on routes: inout Routes) throws {
        try app.accounts.pruneIfDue()
        routes.get("/sign-in", signInForm)
        routes.post("/sign-in", signIn)
        routes.get("/sign-in/two-factor", twoFactorChallenge)
        routes.post("/sign-in/two-factor", completeTwoFactor)
        routes.post("/sign-out", signOut)
        routes.get("/register", registrationForm)
        routes.post("/register", registerAccount)
        routes.get("/account", account)
        routes.post("/account", updateAccount)
        routes.get("/account/password", passwordForm)
        routes.post("/account/password", changePassword)
        routes.get("/account/sessions", sessions)
        routes.post("/account/sessions/{id}/end", endSession)
        routes.get("/account/data", data)
        routes.get("/account/data/download", downloadData)
        routes.post("/account/delete", deleteAccount)
        routes.get("/account/two-factor", twoFactor)
        routes.post("/account/two-factor/start", startTwoFactor)
        routes.post("/account/two-factor", confirmTwoFactor)
        routes.post("/account/two-factor/disable", disableTwoFactor)
    }

    // MARK: Sign in and out

    // `next` (query, then hidden field): the local path to return to once signed in (`ReturnPath`).
    func signInForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let next = ReturnPath.validated(try request.queryItems()["next"])
        if context.account != nil { return context.redirect(next ?? "/account") }
        let registered = try request.queryItems()["registered"] == "1"
        let reset = try request.queryItems()["reset"] == "1"
        // Just registered: signing in leads to the welcome page unless another was asked for.
        let returnTo = next ?? (registered ? "/welcome" : "")
        // Sent here by "require sign-in to read" (`ReadingGate`), which answers before there is a
        // request context to sign a notice with: the page says why from the setting itself.
        let membersOnly = try next != nil && context.notice == nil && accounts.readingRequiresSignIn()
        return context.finish(pages.signIn.response(InLayout(FormState(values: ["next": returnTo, "registered": registered ? "1" : "",
                                                                                "reset": reset ? "1" : "",
                                                                                "membersOnly": membersOnly ? "1" : ""]),
                                                             context)))
    }

    func signIn(_ request: Request) throws -> Response {
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
            let required = try app.network.settings.adminsRequireTwoFactor()
            let mustEnrol = account.role == .admin && !account.twoFactorEnabled && required
            var response = context.redirect(mustEnrol ? "/account/two-factor" : next ?? "/")
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, session.token,
                                                                          maxAge: Int(accounts.limits.sessionAbsolute)))
            return response
        case .twoFactorRequired(let pending):
            var response = context.redirect("/sign-in/two-factor" + nextQuery(next))
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, pending.token, maxAge: nil))
            return response
        case .refused(let message):
            let form = FormState(items: items, errors: [FieldError("identifier", message)])
            return context.finish(pages.signIn.response(InLayout(form, context), status: .unprocessableContent))
        case .throttled(let until):
            let seconds = ThrottleWait.seconds(until: until, now: accounts.clock.now())
            let message = "Too many attempts to sign in. Wait \(ThrottleWait.words(seconds)) and try again"
            var response = pages.signIn.response(InLayout(FormState(items: items, errors: [FieldError("identifier", message)]), context),
                                                 status: .tooManyRequests)
            response.headers.set("Retry-After", String(seconds))
            return context.finish(response)
        }
    }

    func twoFactorChallenge(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let next = ReturnPath.validated(try request.queryItems()["next"])
        guard let token = request.cookie(context.cookies.session), try accounts.resolvePendingSession(token: token) != nil else {
            return context.redirect("/sign-in" + nextQuery(next))
        }
        return context.finish(pages.twoFactorChallenge.response(InLayout(FormState(values: ["next": next ?? ""]), context)))
    }

    func completeTwoFactor(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        let next = ReturnPath.validated(submission.items["next"])
        if case .rejected = submission {
            return context.finish(pages.twoFactorChallenge.response(
                InLayout(FormState(values: ["next": next ?? ""], formMessage: CSRF.resubmitMessage), context), status: .forbidden))
        }
        guard let token = request.cookie(context.cookies.session) else { return context.redirect("/sign-in" + nextQuery(next)) }
        let code = submission.items["code"] ?? ""
        guard let (session, _) = try accounts.completeTwoFactor(pendingToken: token, code: code,
                                                              userAgent: request.headers["user-agent"] ?? "") else {
            if try accounts.resolvePendingSession(token: token) == nil { return context.redirect("/sign-in" + nextQuery(next)) }
            let form = FormState(values: ["next": next ?? ""],
                                 errors: [FieldError("code", code.isEmpty ? "Enter the code from your authenticator app" : "The code is not right, or has expired")])
            return context.finish(pages.twoFactorChallenge.response(InLayout(form, context), status: .unprocessableContent))
        }
        var response = context.redirect(next ?? "/")
        response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, session.token,
                                                                      maxAge: Int(accounts.limits.sessionAbsolute)))
        return response
    }

    func signOut(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        // Already signed out (in another tab, or the session ended): there is nothing to undo,
        // so the person lands where signing out leads rather than on "send it again".
        if context.account == nil { return context.redirect(try signedOutPath(request)) }
        // Signing out is state-changing too: a forged sign-out is a nuisance, so it is checked.
        if case .rejected = try app.checkedForm(request, context) {
            return context.finish(app.pages.errorResponse(.forbidden, CSRF.resubmitMessage, in: context))
        }
        if let token = request.cookie(context.cookies.session) { try accounts.endSession(token: token) }
        // Back to the page they were on when a visitor may read it; home otherwise.
        var response = try app.signedOutRedirect(request, context, to: try signedOutPath(request), notice: .signedOut)
        response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
        return response
    }

    /// The page signing out from `request` leads to (`ReturnPath.afterSignOut`): the page it was
    /// pressed on when a visitor may read it, by the one visibility rule for what depends on it
    /// (a thread, an organisation, a profile); home when reading needs signing in, or otherwise.
    func signedOutPath(_ request: Request) throws -> String {
        guard try !accounts.readingRequiresSignIn() else { return "/" }
        let visitor = Actor.visitor.viewer
        return try ReturnPath.afterSignOut(request) { page in
            switch page {
            case .open: true
            case .thread(let id): try app.network.reading.readableThreadSlug(id: id, viewer: visitor) != nil
            case .organisation(let slug): try app.network.reading.organisation(slug: slug, viewer: visitor) != nil
            case .profile(let handle): try handle.utf8.count <= 30 && app.network.reading.profile(handle: handle) != nil
            case .mentor(let handle): try app.network.mentors.profile(handle: handle, viewer: visitor) != nil
            }
        }
    }

    // MARK: Registration

    func registrationForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        // Signed in: a second account would be made while the first stayed signed in (found by
        // the journeys sweep). As the sign-in page does, it leads to the account.
        if context.account != nil { return context.redirect("/account", notice: .alreadySignedIn) }
        let code = (try request.queryItems())["invite"] ?? ""
        return try context.finish(registerPage(context, form: FormState(values: ["invite": code]), inviteCode: code))
    }

    func registerAccount(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        let code = items["invite"] ?? ""
        if case .rejected = submission {
            return try context.finish(registerPage(context, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                   inviteCode: code, status: .forbidden))
        }
        // Signed in: no second account (the token is checked first, as on every form).
        if context.account != nil { return context.redirect("/account", notice: .alreadySignedIn) }
        let form = Registration(handle: items["handle"] ?? "", displayName: items["displayName"] ?? "", email: items["email"] ?? "",
                                password: items["password"] ?? "", organisationSlug: items["organisation"] ?? "")
        let outcome = try accounts.register(form, inviteCode: code, address: request.remoteAddress)
        let message: String
        switch outcome {
        case .registered, .emailAlreadyRegistered:
            app.site.mailSender?.nudge()  // the confirmation link (docs/mail.md)
            // One answer for both, so registering does not confirm an address has an account (docs/security.md).
            return context.redirect("/sign-in?registered=1")
        case .invalid(let errors):
            return try context.finish(registerPage(context, form: FormState(items: items, errors: errors), inviteCode: code,
                                                   status: .unprocessableContent))
        case .closed: message = "Registration is closed on this network"
        case .inviteRequired: message = "You need an invite to register on this network. Ask an admin for an invite link"
        case .invalidInvite: message = "This invite link has expired or has already been used. Ask an admin for a new one"
        case .tooManyRegistrations: message = "Too many accounts have been registered from your connection today. Try again tomorrow"
        }
        let status: HTTPStatus = outcome.isRateLimited ? .tooManyRequests : .forbidden
        return try context.finish(registerPage(context, form: FormState(items: items, formMessage: message), inviteCode: code,
                                               status: status))
    }

    // MARK: Account

    func account(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let notice = try emailNotice(context.notice, userID: account.id)
        let form = FormState(values: ["displayName": account.displayName, "bio": account.bio,
                                      "organisation": try organisationSlug(account.organisationID) ?? ""])
        return try context.finish(accountPage(context, account, form: form, notice: notice))
    }

    func updateAccount(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        let items = submission.items
        if case .rejected = submission {
            return try context.finish(accountPage(context, account, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                  status: .forbidden))
        }
        let errors: [FieldError]
        do {
            errors = try accounts.updateProfile(by: context.actor, displayName: items["displayName"] ?? "", bio: items["bio"] ?? "",
                                                organisationSlug: items["organisation"] ?? "")
        } catch ProfileError.denied(let message) {
            // Suspended (`Accounts.updateProfile` asks): the form comes back with what was typed.
            // The page says why already (its suspension notice and the locked fields' hint), so
            // the error summary does not say it twice.
            let shownOnPage = account.isSuspended(at: app.accounts.clock.now())
            return try context.finish(accountPage(context, account, form: FormState(items: items, formMessage: shownOnPage ? nil : message),
                                                  status: .forbidden))
        }
        if !errors.isEmpty {
            return try context.finish(accountPage(context, account, form: FormState(items: items, errors: errors),
                                                  status: .unprocessableContent))
        }
        return context.redirect("/account", notice: .accountSaved)
    }

    func passwordForm(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        return context.finish(pages.password.response(InLayout(FormState(), context)))
    }

    func changePassword(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let session = context.session else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        if case .rejected(let items, _) = submission {
            return context.finish(pages.password.response(InLayout(FormState(items: items, formMessage: CSRF.resubmitMessage), context),
                                                          status: .forbidden))
        }
        let items = submission.items
        let errors: [FieldError]
        do {
            errors = try accounts.changePassword(userID: session.account.id, current: items["currentPassword"] ?? "",
                                                 new: items["newPassword"] ?? "", keepingSession: session.sessionID,
                                                 address: request.remoteAddress)
        } catch let throttled as PasswordAttemptsThrottled {
            let seconds = throttled.seconds(accounts.clock)
            let form = FormState(items: items, errors: [throttled.fieldError("currentPassword", seconds: seconds)])
            return context.finish(ThrottleWait.retrying(pages.password.response(InLayout(form, context), status: .tooManyRequests),
                                                        after: seconds))
        }
        if !errors.isEmpty {
            return context.finish(pages.password.response(InLayout(FormState(items: items, errors: errors), context),
                                                          status: .unprocessableContent))
        }
        app.site.mailSender?.nudge()   // the notice to the account's address
        return context.redirect("/account/sessions", notice: .passwordChanged)
    }

    // MARK: Sessions

    func sessions(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let session = context.session else { return context.signInRedirect() }
        return try context.finish(sessionsPage(context, session, notice: nil))
    }

    func endSession(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let session = context.session else { return context.signInRedirect() }
        if case .rejected = try app.checkedForm(request, context) {
            return try context.finish(sessionsPage(context, session, notice: nil,
                                                   form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden))
        }
        guard let id = request.parameters["id"].flatMap(Int64.init) else { throw HTTPError.notFound }
        guard try accounts.endSession(id: id, userID: session.account.id) else { throw HTTPError.notFound }
        if id == session.sessionID {
            // This browser signed out: the same word as the Sign out button.
            var response = try app.signedOutRedirect(request, context, to: "/", notice: .signedOut)
            response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
            return response
        }
        return context.redirect("/account/sessions", notice: .sessionEnded)
    }

    // MARK: Your data

    func data(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        return context.finish(pages.data.response(InLayout(FormState(), context)))
    }

    func downloadData(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let body = try accounts.exportData(userID: account.id)
        return context.finish(Response(status: .ok, headers: HTTPHeaders([
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Disposition", "attachment; filename=\"mutuals-\(account.handle).json\""),
        ]), body: body))
    }

    func deleteAccount(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
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
        do {
            if errors.isEmpty, try !accounts.deleteAccount(userID: account.id, password: password, address: request.remoteAddress) {
                errors.append(FieldError("password", "Your password is not right"))
            }
        } catch let throttled as PasswordAttemptsThrottled {
            let seconds = throttled.seconds(accounts.clock)
            let form = FormState(items: items, errors: [throttled.fieldError("password", seconds: seconds)])
            return context.finish(ThrottleWait.retrying(pages.data.response(InLayout(form, context), status: .tooManyRequests),
                                                        after: seconds))
        } catch ProfileError.denied(let reason) {
            return context.finish(pages.data.response(InLayout(FormState(items: items, formMessage: reason), context), status: .forbidden))
        }
        if !errors.isEmpty {
            return context.finish(pages.data.response(InLayout(FormState(items: items, errors: errors), context), status: .unprocessableContent))
        }
        var response = try app.signedOutRedirect(request, context, to: "/", notice: .accountDeleted)
        response.headers.add("Set-Cookie", context.cookies.setCookie(context.cookies.session, "", maxAge: 0))
        return response
    }

    // MARK: Two-factor

    func twoFactor(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        return try context.finish(twoFactorPage(context, account, form: FormState()))
    }

    func startTwoFactor(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        if case .rejected = try app.checkedForm(request, context) {
            return try context.finish(twoFactorPage(context, account, form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden))
        }
        if !account.twoFactorEnabled { _ = try accounts.beginTwoFactorSetup(userID: account.id) }
        return context.redirect("/account/two-factor")
    }

    func confirmTwoFactor(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        if case .rejected(let items, _) = submission {
            return try context.finish(twoFactorPage(context, account, form: FormState(items: items, formMessage: CSRF.resubmitMessage),
                                                    status: .forbidden))
        }
        let outcome: Accounts.TwoFactorEnrolment
        do {
            outcome = try accounts.confirmTwoFactor(userID: account.id, code: submission.items["code"] ?? "",
                                                    password: submission.items["password"] ?? "", address: request.remoteAddress)
        } catch let throttled as PasswordAttemptsThrottled {
            let seconds = throttled.seconds(accounts.clock)
            let form = FormState(errors: [throttled.fieldError("password", seconds: seconds)])
            return context.finish(ThrottleWait.retrying(try twoFactorPage(context, account, form: form, status: .tooManyRequests),
                                                        after: seconds))
        }
        let codes: [String]
        switch outcome {
        case .enabled(let recoveryCodes): codes = recoveryCodes
        case .invalid(let errors):
            return try context.finish(twoFactorPage(context, account, form: FormState(errors: errors), status: .unprocessableContent))
        }
        guard let updated = try accounts.account(id: account.id) else { return context.signInRedirect() }
        return try context.finish(twoFactorPage(context, updated, form: FormState(), recoveryCodes: codes))
    }

    func disableTwoFactor(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let account = context.account else { return context.signInRedirect() }
        let submission = try app.checkedForm(request, context)
        if case .rejected = submission {
            return try context.finish(twoFactorPage(context, account, form: FormState(formMessage: CSRF.resubmitMessage), status: .forbidden))
        }
        do {
            guard try accounts.disableTwoFactor(userID: account.id, password: submission.items["password"] ?? "",
                                                address: request.remoteAddress) else {
                let form = FormState(errors: [FieldError("password", "Your password is not right")])
                return try context.finish(twoFactorPage(context, account, form: form, status: .unprocessableContent))
            }
        } catch let throttled as PasswordAttemptsThrottled {
            let seconds = throttled.seconds(accounts.clock)
            let form = FormState(errors: [throttled.fieldError("password", seconds: seconds)])
            return context.finish(ThrottleWait.retrying(try twoFactorPage(context, account, form: form, status: .tooManyRequests),
                                                        after: seconds))
        }
        return context.redirect("/account/two-factor")
    }

    // MARK: Pages

    /// `?next=PATH` for a checked return path, or nothing.
    func nextQuery(_ next: String?) -> String {
        next.map { "?next=" + FormDecoder.encode($0) } ?? ""
    }

    func organisationSlug(_ id: Int64?) throws -> String? {
        guard let id else { return nil }
        return try app.network.reading.organisation(id: id)?.slug
    }

    func organisationList(selected: String) throws -> TemplateValue {
        .list(try app.accounts.organisations().map {
            ["slug": .text($0.slug), "name": .text($0.name), "selected": .bool($0.slug == selected)]
        })
    }

    func registerPage(_ context: RequestContext, form: FormState, inviteCode: String,
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
            let organisation = try organisationName(invite.organisationID)
            page["inviteDescription"] = .text("You have been invited to join as a \(invite.role.rawValue)"
                + (organisation.map { " of \($0)" } ?? "") + ".")
            page["inviteOrganisation"] = .bool(invite.organisationID != nil)
        }
        page["organisations"] = try organisationList(selected: form.values["organisation"] ?? "")
        return app.pages.account.register.response(InLayout(page, context, form: form), status: status)
    }

    func organisationName(_ id: Int64?) throws -> String? {
        guard let id else { return nil }
        return try app.network.reading.organisation(id: id)?.name
    }

    func accountPage(_ context: RequestContext, _ account: Account, form: FormState,
                     notice: String? = nil, status: HTTPStatus = .ok) throws -> Response {
        var page = TemplateObject()
        page["handle"] = .text(account.handle)
        page["role"] = .text(account.role.rawValue)
        page["notice"] = TemplateValue.text(notice)
        if account.isSuspended(at: app.accounts.clock.now()) {
            page["suspension"] = .text(Policy.suspensionMessage(context.actor) + ".")
        }
        page["twoFactorStatus"] = .text(account.twoFactorEnabled ? "on" : "off")
        if let email = try app.accounts.emailStatus(userID: account.id) {
            page["email"] = .text(email.address)
            page["emailConfirmed"] = .bool(email.confirmed)
            page["pendingEmail"] = TemplateValue.text(email.pendingAddress)
            page["canResend"] = .bool(!email.confirmed || email.pendingAddress != nil)
        }
        page["feedToken"] = TemplateValue.text(try app.accounts.readingRequiresSignIn() ? try app.accounts.feedToken(userID: account.id) : nil)
        page["organisations"] = try organisationList(selected: form.values["organisation"] ?? "")
        // A chosen organisation waits for an admin (issue 18): say so, and what it means.
        if !account.organisationConfirmed, let id = account.organisationID {
            page["organisationPending"] = .text(try app.accounts.organisations().first { $0.id == id }?.name)
        }
        page["isMentor"] = .bool(account.role == .mentor)
        return app.pages.account.account.response(InLayout(page, context, form: form), status: status).carryingSecrets()
    }

    func sessionsPage(_ context: RequestContext, _ session: ResolvedSession, notice: String?,
                      form: FormState = FormState(), status: HTTPStatus = .ok) throws -> Response {
        let display = DateFormatter()
        display.locale = Locale(identifier: "en_GB")
        display.timeZone = TimeZone(identifier: "UTC")
        display.dateFormat = "d MMMM yyyy, HH:mm 'UTC'"
        let iso = ISO8601DateFormatter()
        let rows: [TemplateValue] = try app.accounts.sessions(of: session.account.id).map { s in
            ["id": .text(String(s.id)), "userAgent": .text(UserAgentText.describe(s.userAgent)),
             "current": .bool(s.id == session.sessionID),
             "created": .text(display.string(from: s.createdAt)), "createdISO": .text(iso.string(from: s.createdAt)),
             "lastSeen": .text(display.string(from: s.lastSeenAt)), "lastSeenISO": .text(iso.string(from: s.lastSeenAt))]
        }
        var page = TemplateObject()
        page["sessions"] = .list(rows)
        page["notice"] = TemplateValue.text(notice)
        return app.pages.account.sessions.response(InLayout(page, context, form: form), status: status)
    }

    func twoFactorPage(_ context: RequestContext, _ account: Account, form: FormState,
                       recoveryCodes: [String]? = nil, status: HTTPStatus = .ok) throws -> Response {
        var page = TemplateObject()
        page["enabled"] = .bool(account.twoFactorEnabled)
        let required = try app.network.settings.adminsRequireTwoFactor()
        page["required"] = .bool(account.role == .admin && required)
        if !account.twoFactorEnabled, let secret = try app.accounts.pendingTwoFactorSecret(userID: account.id) {
            page["secret"] = .text(secret)
        }
        if account.twoFactorEnabled { page["recoveryLeft"] = .int(try app.accounts.recoveryCodesLeft(userID: account.id)) }
        if let recoveryCodes {
            page["recoveryCodes"] = ["codes": .list(recoveryCodes.map { ["code": .text($0)] })]
        }
        return app.pages.account.twoFactorSetup.response(InLayout(page, context, form: form), status: status).carryingSecrets()
    }
}

extension AppContext {
    /// The answer to a post (a new thread, a reply, an edit) sent after its session ended: signed
    /// out in another tab, expired, or ended by a password change. A redirect to sign in would
    /// drop what was typed, so the sign-in page comes back in place, 403, with the text to copy
    /// inside its form (a mistyped password keeps it too), and signing in leads back to the page
    /// the form was on (`RequestContext.returnPath`), else to `formPath`. With nothing typed, or
    /// part-way through a two-factor sign-in, it is the usual `signInRedirect`. Every other form
    /// answered with the way to sign in comes here too (`SignedOutForms`).
    /// - Parameter post: the text was a post (the page says "not posted"); otherwise it was
    ///   another form's words ("not saved").
    func signInToSend(_ context: RequestContext, typed: String, formPath: String, post: Bool = true) -> Response {
        guard !typed.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !context.awaitingTwoFactor else {
            return context.signInRedirect()
        }
        let next = ReturnPath.validated(context.returnPath) ?? formPath
        var values = ["next": next, "kept": typed]
        if !post { values["keptForm"] = "1" }
        return context.finish(pages.account.signIn.response(InLayout(FormState(values: values), context), status: .forbidden))
    }
}

extension Accounts.RegistrationOutcome {
    var isRateLimited: Bool {
        if case .tooManyRegistrations = self { return true }
        return false
    }
}

/// How long a throttled form asks the person to wait: the same number of seconds as its
/// `Retry-After`, in words ("45 seconds", "2 minutes"), so the page and the header agree.
enum ThrottleWait {
    static func seconds(until: Date, now: Date) -> Int {
        max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    static func words(_ seconds: Int) -> String {
        if seconds < 60 { return seconds == 1 ? "1 second" : "\(seconds) seconds" }
        let minutes = (seconds + 59) / 60
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }

    /// `response` (a form come back with the wait on it, status 429) with the `Retry-After` it promises.
    static func retrying(_ response: Response, after seconds: Int) -> Response {
        var response = response
        response.headers.set("Retry-After", String(seconds))
        return response
    }
}

/// A current password asked again too soon after wrong ones (`Accounts.confirmPassword`): each
/// form that asks for it comes back with what was typed, this on its password field, 429 and
/// `Retry-After` (`ThrottleWait.retrying`).
extension PasswordAttemptsThrottled: ResponseError {
    var status: HTTPStatus { .tooManyRequests }
    var message: String { "Too many wrong passwords. Wait a few minutes and try again" }

    /// The seconds `Retry-After` gives, by the network's clock.
    func seconds(_ clock: Clock) -> Int { ThrottleWait.seconds(until: until, now: clock.now()) }

    /// The error on the form's password field, in the same words as the header's wait.
    func fieldError(_ field: String, seconds: Int) -> FieldError {
        FieldError(field, "Too many wrong passwords. Wait \(ThrottleWait.words(seconds)) and try again")
    }
}
