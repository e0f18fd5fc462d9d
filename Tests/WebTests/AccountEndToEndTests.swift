import Board
import Database
import Foundation
import HTTPServer
import Synchronization
import Testing
import TestSupport
@testable import Web

@Suite(.serialized, .timeLimit(.minutes(2)))
struct AccountEndToEndTests {
    @Test func openRegistrationSignsInWithSecureHostCookie() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try browser.get("/register")
            let registered = try browser.post("/register", [("invite", ""), ("handle", "ada_l"), ("displayName", "Ada_L"),
                                                            ("email", "ada_l@example.org"), ("password", "correct horse battery"), ("organisation", "")])
            #expect(registered.status == 303)
            #expect(registered.header("location") == "/sign-in?registered=1")
            #expect(registered.headers("set-cookie").allSatisfy { !$0.hasPrefix("__Host-session=") })
            #expect(try browser.follow(registered).text.contains("Thank you for registering"))
            let response = try world.signIn(browser, "ada_l")
            #expect(response.status == 303)
            let cookie = try #require(response.headers("set-cookie").first { $0.hasPrefix("__Host-session=") })
            #expect(cookie.contains("; Path=/"))
            #expect(cookie.contains("; HttpOnly"))
            #expect(cookie.contains("; SameSite=Lax"))
            #expect(cookie.contains("; Secure"))
            #expect(!cookie.lowercased().contains("domain="))
            let token = try #require(browser.cookie("__Host-session"))
            #expect(Digest.fromBase64URL(token)?.count == 32)
            // Stored as SHA-256 only.
            let stored = try world.store.read { try $0.column(Data.self, "SELECT token_hash FROM sessions") }
            #expect(stored == [Data(Digest.sha256(try #require(Digest.fromBase64URL(token))))])
            let account = try browser.get("/account")
            #expect(account.status == 200)
            #expect(account.text.contains(">Ada_L</a>"))
            #expect(account.text.contains("action=\"/sign-out\""))
        }
    }

    @Test func registrationProblemsKeepWhatWasTyped() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try browser.get("/register")
            let response = try browser.post("/register", [("handle", "Bad Handle!"), ("displayName", "Grace <Hopper>"),
                                                          ("email", "not-an-email"), ("password", "shrtpw9")])
            #expect(response.status == 422)
            let html = response.text
            #expect(html.contains("<title>Error: Register – Mutuals Network</title>"))
            #expect(html.contains("There is a problem"))
            #expect(html.contains("<a href=\"#handle\">Handle must only include lower-case letters"))
            #expect(html.contains("<a href=\"#email\">Enter an email address in the correct format"))
            #expect(html.contains("Password must be 10 characters or more"))
            #expect(html.contains("value=\"Bad Handle!\""))
            #expect(html.contains("value=\"Grace &lt;Hopper&gt;\""))
            #expect(!html.contains("shrtpw9"))
            let common = try browser.post("/register", [("handle", "grace"), ("displayName", "Grace"),
                                                        ("email", "grace@example.org"), ("password", "password2024")])
            #expect(common.text.contains("Password is too common"))
            try world.register(world.browser(), handle: "taken_one")
            let taken = try world.register(world.browser(), handle: "taken_one")
            #expect(taken.status == 422)
            #expect(taken.text.contains("That handle is taken"))
        }
    }

    @Test func inviteOnlyAndClosedModes() throws {
        try withTestSite(clock: TestClock(), registration: .inviteOnly) { world in
            let refused = try world.register(world.browser(), handle: "no_invite")
            #expect(refused.status == 403)
            #expect(refused.text.contains("You need an invite to register"))
            _ = try world.accounts.addUser(handle: "boss", email: "boss@example.org", displayName: nil, role: .admin,
                                           password: "a long admin password")
            let organisation = try world.store.write { tx in
                try tx.run("INSERT INTO organisations(slug, name, kind, created_at) VALUES ('tri-borough', 'Tri-borough', 'pathfinder', 0)")
                return tx.lastInsertedRowID
            }
            let code = try world.accounts.createInvite(role: .mentor, organisationSlug: "tri-borough", createdBy: nil)
            let page = try world.browser().get("/register?invite=\(code)")
            #expect(page.text.contains("You have been invited to join as a mentor of Tri-borough."))
            let browser = world.browser()
            let response = try world.register(browser, handle: "invited", invite: code)
            #expect(response.status == 303)
            let account = try #require(try world.accounts.account(handle: "invited"))
            #expect(account.role == .mentor)
            #expect(account.memberOrganisationID == organisation)
            // Single use: a second registration with the same code is refused.
            let again = try world.register(world.browser(), handle: "invited_two", invite: code)
            #expect(again.status == 403)
            #expect(again.text.contains("expired or has already been used"))
            // Expired invites are refused.
            let late = try world.accounts.createInvite(role: .member, organisationSlug: nil, createdBy: nil, validFor: 60)
            world.clock.advance(61)
            #expect(try world.register(world.browser(), handle: "too_late", invite: late).status == 403)
            // Limited uses.
            let twice = try world.accounts.createInvite(role: .member, organisationSlug: nil, createdBy: nil, maxUses: 2)
            #expect(try world.register(world.browser(), handle: "first_use", invite: twice).status == 303)
            #expect(try world.register(world.browser(), handle: "second_use", invite: twice).status == 303)
            #expect(try world.register(world.browser(), handle: "third_use", invite: twice).status == 403)
        }
        try withTestSite(clock: TestClock(), registration: .closed) { world in
            let page = try world.browser().get("/register")
            #expect(page.text.contains("Registration is closed"))
            #expect(!page.text.contains("action=\"/register\""))
            let refused = try world.register(world.browser(), handle: "closed_out")
            #expect(refused.status == 403)
            #expect(try world.accounts.account(handle: "closed_out") == nil)
        }
    }

    @Test func registrationsPerAddressAreLimited() throws {
        var limits = AccountLimits()
        limits.registrationsPerAddressPerDay = 2
        try withTestSite(clock: TestClock(), limits: limits, registration: .open) { world in
            #expect(try world.register(world.browser(), handle: "one_a").status == 303)
            #expect(try world.register(world.browser(), handle: "two_b").status == 303)
            let third = try world.register(world.browser(), handle: "three_c")
            #expect(third.status == 429)
            #expect(third.text.contains("Too many accounts"))
            world.clock.advance(86_401)
            #expect(try world.register(world.browser(), handle: "four_d").status == 303)
        }
    }

    @Test func signInByHandleOrEmailAndSignOut() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            try world.register(world.browser(), handle: "sam_o")
            let browser = world.browser()
            let byHandle = try world.signIn(browser, "sam_o")
            #expect(byHandle.status == 303)
            let firstToken = try #require(browser.cookie("__Host-session"))
            #expect(try browser.get("/account").status == 200)
            let signOut = try browser.post("/sign-out", [])
            #expect(signOut.status == 303)
            #expect(signOut.headers("set-cookie").contains { $0.hasPrefix("__Host-session=;") && $0.contains("Max-Age=0") })
            #expect(browser.cookie("__Host-session") == nil)
            #expect(try world.accounts.resolveSession(token: firstToken) == nil)
            #expect(try browser.get("/account").status == 303)
            let byEmail = try world.signIn(browser, "SAM_O@example.org")
            #expect(byEmail.status == 303)
            #expect(browser.cookie("__Host-session") != firstToken)
        }
    }

    @Test func wrongPasswordAndUnknownAccountGetTheSameAnswer() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            try world.register(world.browser(), handle: "real_one")
            let wrong = try world.signIn(world.browser(), "real_one", "not the password")
            let unknown = try world.signIn(world.browser(), "nobody_here", "not the password")
            #expect(wrong.status == 422)
            #expect(unknown.status == 422)
            for response in [wrong, unknown] {
                #expect(response.text.contains("Enter a correct handle or email address and password"))
                #expect(response.text.contains("<title>Error: Sign in – Mutuals Network</title>"))
                #expect(!response.text.contains("not the password"))
            }
            #expect(wrong.text.contains("value=\"real_one\""))
        }
    }

    @Test func repeatedFailuresDelayThenLockThenRelease() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            try world.register(world.browser(), handle: "target")
            world.clock.advance(1)  // failures count after the sign-in that followed registering
            let limits = world.accounts.limits
            for _ in 0..<limits.freeFailures {
                #expect(try world.signIn(world.browser(), "target", "wrong password!").status == 422)
            }
            // Now a delay: the next attempt right away is throttled, even with the right password.
            let throttled = try world.signIn(world.browser(), "target")
            #expect(throttled.status == 429)
            #expect(throttled.header("retry-after") != nil)
            #expect(throttled.text.contains("Too many attempts to sign in"))
            // The page says the wait the header gives ("Wait 1 second", not "1 minute").
            let wait = try #require(throttled.header("retry-after").flatMap { Int($0) })
            #expect(throttled.text.contains("Wait \(ThrottleWait.words(wait)) and try again"))
            #expect(ThrottleWait.words(1) == "1 second" && ThrottleWait.words(45) == "45 seconds")
            #expect(ThrottleWait.words(60) == "1 minute" && ThrottleWait.words(61) == "2 minutes")
            // The same answer for an account that does not exist, after the same failures.
            for _ in 0..<limits.freeFailures { _ = try world.signIn(world.browser(), "ghost", "wrong password!") }
            #expect(try world.signIn(world.browser(), "ghost", "wrong password!").text.contains("Too many attempts to sign in"))
            // Keep failing, waiting out each growing delay, until the lock.
            var failures = limits.freeFailures
            while failures < limits.lockAfterFailures {
                world.clock.advance(pow(2, Double(failures - limits.freeFailures)) + 0.5)
                #expect(try world.signIn(world.browser(), "target", "wrong password!").status == 422)
                failures += 1
            }
            world.clock.advance(120)
            let locked = try world.signIn(world.browser(), "target")
            #expect(locked.status == 429)
            #expect(locked.text.contains("Too many attempts to sign in. Wait 1"))
            world.clock.advance(limits.lockDuration)
            #expect(try world.signIn(world.browser(), "target").status == 303)
        }
    }

    @Test func sessionsExpireWhenIdleAndAfterTheirAbsoluteLifetime() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "idle_one")
            world.clock.advance(world.accounts.limits.sessionIdle - 60)
            #expect(try browser.get("/account").status == 200)   // use refreshes last seen
            world.clock.advance(world.accounts.limits.sessionIdle - 60)
            #expect(try browser.get("/account").status == 200)
            world.clock.advance(world.accounts.limits.sessionIdle + 1)
            #expect(try browser.get("/account").status == 303)    // idle expiry

            let busy = world.browser()
            #expect(try world.signIn(busy, "idle_one").status == 303)
            var elapsed: TimeInterval = 0
            while elapsed < world.accounts.limits.sessionAbsolute - 86_400 {
                world.clock.advance(86_400)
                elapsed += 86_400
                #expect(try busy.get("/account").status == 200)
            }
            world.clock.advance(86_401)
            #expect(try busy.get("/account").status == 303)       // absolute expiry, however busy
        }
    }

    @Test func sessionsPageListsAndRevokesSessions() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let laptopAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
            let phoneAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            let laptop = world.browser(laptopAgent)
            try world.register(laptop, handle: "two_devices")
            let phone = world.browser(phoneAgent)
            #expect(try world.signIn(phone, "two_devices").status == 303)
            let page = try laptop.get("/account/sessions")
            // Browsers in a person's words, not their raw User-Agent strings (issue 18 item 15).
            #expect(page.text.contains("Chrome on Linux <strong>(this browser)</strong>"))
            #expect(page.text.contains("Safari on iOS"))
            #expect(!page.text.contains("AppleWebKit"))
            let sessions = try world.accounts.sessions(of: try #require(try world.accounts.account(handle: "two_devices")).id)
            let phoneSession = try #require(sessions.first { $0.userAgent == phoneAgent })
            let ended = try laptop.post("/account/sessions/\(phoneSession.id)/end", [])
            #expect(ended.status == 303)
            #expect(try phone.get("/account").status == 303)
            #expect(try laptop.get("/account").status == 200)
            // Someone else's session id is not found.
            let other = world.browser()
            try world.register(other, handle: "someone_else")
            try other.get("/account/sessions")
            let laptopSession = try #require(sessions.first { $0.userAgent == laptopAgent })
            #expect(try other.post("/account/sessions/\(laptopSession.id)/end", []).status == 404)
            #expect(try laptop.get("/account").status == 200)
        }
    }

    @Test func changingPasswordEndsEveryOtherSession() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let here = world.browser("Here")
            try world.register(here, handle: "changer")
            let there = world.browser("There")
            #expect(try world.signIn(there, "changer").status == 303)
            try here.get("/account/password")
            let wrong = try here.post("/account/password", [("currentPassword", "nope nope nope"), ("newPassword", "a new long passphrase")])
            #expect(wrong.status == 422)
            #expect(wrong.text.contains("Your current password is not right"))
            try here.get("/account/password")
            let changed = try here.post("/account/password", [("currentPassword", "correct horse battery"), ("newPassword", "a new long passphrase")])
            #expect(changed.status == 303)
            #expect(try here.get("/account").status == 200)
            #expect(try there.get("/account").status == 303)
            #expect(try world.signIn(world.browser(), "changer", "correct horse battery").status == 422)
            #expect(try world.signIn(world.browser(), "changer", "a new long passphrase").status == 303)
        }
    }

    @Test func csrfFailureKeepsTheFormsText() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try browser.get("/register")
            let response = try browser.post("/register", [("handle", "kept_text"), ("displayName", "Kept Text"),
                                                          ("email", "kept@example.org"), ("password", "correct horse battery")],
                                             csrf: "forged")
            #expect(response.status == 403)
            #expect(response.text.contains("Your form was not sent because it could not be checked"))
            #expect(response.text.contains("value=\"kept_text\""))
            #expect(response.text.contains("value=\"Kept Text\""))
            #expect(response.text.contains("value=\"kept@example.org\""))
            #expect(try world.accounts.account(handle: "kept_text") == nil)
            // The page carries a good token: submitting again works.
            let again = try browser.post("/register", [("handle", "kept_text"), ("displayName", "Kept Text"),
                                                       ("email", "kept@example.org"), ("password", "correct horse battery")])
            #expect(again.status == 303)
            #expect(try world.signIn(browser, "kept_text").status == 303)
            // Signed in: the profile form too, and the token changed with the session.
            try browser.get("/account")
            let profile = try browser.post("/account", [("displayName", "New Name"), ("bio", "Typed at length"), ("organisation", "")],
                                           csrf: "stale")
            #expect(profile.status == 403)
            #expect(profile.text.contains("Typed at length"))
            #expect(try world.accounts.account(handle: "kept_text")?.displayName == "Kept Text")
        }
    }

    @Test func crossOriginAndOriginlessPostsAreRefused() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "origin_check")
            try browser.get("/account")
            let evil = try browser.post("/account", [("displayName", "Pwned"), ("bio", ""), ("organisation", "")],
                                        origin: .some("https://evil.example"))
            #expect(evil.status == 403)
            let none = try browser.post("/account", [("displayName", "Pwned"), ("bio", ""), ("organisation", "")], origin: .some(nil))
            #expect(none.status == 403)
            #expect(try world.accounts.account(handle: "origin_check")?.displayName == "Origin_Check")
            let same = try browser.post("/account", [("displayName", "Fine"), ("bio", ""), ("organisation", "")])
            #expect(same.status == 303)
            #expect(try world.accounts.account(handle: "origin_check")?.displayName == "Fine")
        }
    }

    @Test func securityHeadersOnPagesErrorsRedirectsAndStaticFiles() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            let responses = [
                try browser.get("/sign-in"),
                try browser.get("/no-such-page"),
                try browser.get("/account"),
                try browser.get("/static/site.css"),
                try browser.post("/sign-in", [("identifier", "x"), ("password", "y")], origin: .some("https://evil.example")),
            ]
            #expect(responses.map(\.status) == [200, 404, 303, 200, 403])
            for response in responses {
                let csp = try #require(response.header("content-security-policy"))
                #expect(csp.contains("default-src 'self'"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(response.header("x-content-type-options") == "nosniff")
                #expect(response.header("referrer-policy") != nil)
                #expect(response.header("strict-transport-security")?.hasPrefix("max-age=") == true)
            }
        }
    }

    @Test func yourDataDownloadAndDeletion() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "leaver")
            let download = try browser.get("/account/data/download")
            #expect(download.status == 200)
            #expect(download.header("content-type") == "application/json; charset=utf-8")
            #expect(download.header("content-disposition")?.contains("attachment") == true)
            #expect(download.text.contains("\"handle\" : \"leaver\""))
            #expect(download.text.contains("\"email\" : \"leaver@example.org\""))
            try browser.get("/account/data")
            let unconfirmed = try browser.post("/account/delete", [("password", "correct horse battery")])
            #expect(unconfirmed.status == 422)
            #expect(unconfirmed.text.contains("Select to confirm"))
            let deleted = try browser.post("/account/delete", [("password", "correct horse battery"), ("confirm", "yes")])
            #expect(deleted.status == 303)
            #expect(try world.accounts.account(handle: "leaver") == nil)
            #expect(try browser.get("/account").status == 303)
            let name = try world.store.read { try $0.scalar(String.self, "SELECT display_name FROM users WHERE deleted_at IS NOT NULL") }
            #expect(name == "former member")
            #expect(try world.signIn(world.browser(), "leaver").status == 422)
        }
    }

    @Test func twoFactorEnrolmentAndChallenge() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "two_step")
            try browser.get("/account/two-factor")
            #expect(try browser.post("/account/two-factor/start", []).status == 303)
            let setup = try browser.get("/account/two-factor")
            let account = try #require(try world.accounts.account(handle: "two_step"))
            let secretText = try #require(try world.accounts.pendingTwoFactorSecret(userID: account.id))
            #expect(setup.text.contains("<code>\(secretText)</code>"))
            let secret = try #require(try world.store.read { try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ?", account.id) })
            let confirmed = try browser.post("/account/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now)), ("password", TestNetwork.password)])
            #expect(confirmed.status == 200)
            #expect(confirmed.text.contains("Keep these recovery codes"))
            let recovery = confirmed.text.components(separatedBy: "<li><code>").dropFirst().compactMap { $0.components(separatedBy: "</code>").first }
            #expect(recovery.count == 10)

            let second = world.browser()
            let step1 = try world.signIn(second, "two_step")
            #expect(step1.status == 303)
            #expect(step1.header("location") == "/sign-in/two-factor")
            #expect(try second.get("/account").status == 303)     // not signed in yet
            let challenge = try second.get("/sign-in/two-factor")
            // Lost the app and the codes: the page says who can help, and how to leave.
            #expect(challenge.text.contains("Ask the people who run this network to turn two-factor sign-in off for your account."))
            #expect(challenge.text.contains("<a href=\"/sign-in\">Sign in with another account</a>"))
            #expect(try second.post("/sign-in/two-factor", [("code", "000000")]).status == 422)
            let done = try second.post("/sign-in/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now))])
            #expect(done.status == 303)
            #expect(try second.get("/account").status == 200)
            // The same code cannot sign in twice (replay).
            let replay = world.browser()
            _ = try world.signIn(replay, "two_step")
            try replay.get("/sign-in/two-factor")
            #expect(try replay.post("/sign-in/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now))]).status == 422)

            // A recovery code works once.
            let third = world.browser()
            _ = try world.signIn(third, "two_step")
            try third.get("/sign-in/two-factor")
            #expect(try third.post("/sign-in/two-factor", [("code", recovery[0])]).status == 303)
            let fourth = world.browser()
            _ = try world.signIn(fourth, "two_step")
            try fourth.get("/sign-in/two-factor")
            #expect(try fourth.post("/sign-in/two-factor", [("code", recovery[0])]).status == 422)
        }
    }

    /// Turning two-factor on asked for nothing but the code: someone holding only a session
    /// could put their own authenticator on the account and lock its owner out for good (a reset
    /// link still asks for the code). It asks for the password too (`Accounts.confirmPassword`).
    @Test func turningTwoFactorOnAsksForThePassword() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "two_step")
            world.clock.advance(1)
            try browser.get("/account/two-factor")
            #expect(try browser.post("/account/two-factor/start", []).status == 303)
            let setup = try browser.get("/account/two-factor")
            #expect(setup.text.contains("autocomplete=\"current-password\""))
            let account = try #require(try world.accounts.account(handle: "two_step"))
            let secret = try #require(try world.store.read { try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ?", account.id) })
            let code = TOTP.code(secret: Array(secret), at: world.clock.now)
            let missing = try browser.post("/account/two-factor", [("code", code)])
            #expect(missing.status == 422)
            #expect(missing.text.contains("Enter your password"))
            let wrong = try browser.post("/account/two-factor", [("code", code), ("password", "not my password")])
            #expect(wrong.status == 422)
            #expect(wrong.text.contains("Your password is not right"))
            #expect(try world.accounts.account(id: account.id)?.twoFactorEnabled == false)
            // Starting again while it is on changes nothing.
            let on = try browser.post("/account/two-factor", [("code", code), ("password", TestNetwork.password)])
            #expect(on.status == 200)
            #expect(try world.accounts.account(id: account.id)?.twoFactorEnabled == true)
            _ = try world.accounts.beginTwoFactorSetup(userID: account.id)
            #expect(try world.accounts.account(id: account.id)?.twoFactorEnabled == true)
        }
    }

    @Test func adminsCanBeRequiredToUseTwoFactor() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            _ = try world.accounts.addUser(handle: "chief", email: "chief@example.org", displayName: "Chief", role: .admin,
                                           password: "correct horse battery")
            try world.accounts.setAdminsRequireTwoFactor(true)
            let browser = world.browser()
            let signIn = try world.signIn(browser, "chief")
            #expect(signIn.status == 303)
            #expect(signIn.header("location") == "/account/two-factor")
            let page = try browser.get("/account/two-factor")
            #expect(page.text.contains("Admins must use two-factor sign-in on this network"))
            // Until enrolled the session acts as a member.
            let app = try AppContext(site: SiteConfiguration(publicDirectory: repositoryRoot + "/Public", templatesDirectory: repositoryRoot + "/Templates"),
                                     network: Network(accounts: world.accounts))
            let token = try #require(browser.cookie("__Host-session"))
            var request = Request(method: .get, path: "/", pathSegments: [], host: "127.0.0.1", isSecure: true)
            request.headers.add("Cookie", "__Host-session=\(token)")
            #expect(try app.requestContext(for: request).actor.role == .member)
            #expect(app.viewer(for: request).isAdmin == false)
            #expect(app.currentUser(for: request)?.handle == "chief")
            try world.accounts.setAdminsRequireTwoFactor(false)
            #expect(app.viewer(for: request).isAdmin)
        }
    }

    @Test func plainHTTPOnLocalhostUsesUnprefixedCookies() throws {
        let plain = Request(method: .get, path: "/", pathSegments: [], host: "localhost:8080", isSecure: false)
        let cookies = SessionCookies(for: plain)
        #expect(cookies.session == "session")
        #expect(!cookies.setCookie(cookies.session, "x", maxAge: 10).contains("Secure"))
        let remote = Request(method: .get, path: "/", pathSegments: [], host: "mutuals.example", isSecure: false)
        #expect(SessionCookies(for: remote).session == "__Host-session")
        #expect(SessionCookies(for: remote).secure)
        let tls = Request(method: .get, path: "/", pathSegments: [], host: "localhost:8443", isSecure: true)
        #expect(SessionCookies(for: tls).setCookie("__Host-session", "x", maxAge: nil) == "__Host-session=x; Path=/; HttpOnly; SameSite=Lax; Secure")
    }

    @Test func refererIsAcceptedWhenOriginIsAbsent() {
        var request = Request(method: .post, path: "/sign-in", pathSegments: ["sign-in"], host: "127.0.0.1:8443", isSecure: true)
        request.headers.add("Referer", "https://127.0.0.1:8443/sign-in")
        #expect(CSRF.isSameOrigin(request))
        var evil = Request(method: .post, path: "/sign-in", pathSegments: ["sign-in"], host: "127.0.0.1:8443", isSecure: true)
        evil.headers.add("Referer", "https://127.0.0.1:8443.evil.example/")
        #expect(!CSRF.isSameOrigin(evil))
        var downgrade = Request(method: .post, path: "/sign-in", pathSegments: ["sign-in"], host: "127.0.0.1:8443", isSecure: true)
        downgrade.headers.add("Origin", "http://127.0.0.1:8443")
        #expect(!CSRF.isSameOrigin(downgrade))
    }

    @Test func suspendedUsersCanSignInAndSeeWhyAndUntilWhen() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "paused")
            let until = world.clock.now.addingTimeInterval(3 * 86_400)
            try world.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'Repeated off-topic posts' WHERE handle = 'paused'", until)
            }
            let page = try browser.get("/account")
            #expect(page.status == 200)
            #expect(page.text.contains("Your account is suspended until"))
            #expect(page.text.contains("Repeated off-topic posts"))
            #expect(page.text.contains("You can still read the network"))
        }
    }
}
