import Board
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// "Sign in to reply" (and the other ways to sign in from a page) come back to that page, and
/// the `next` they carry is followed only when it is a path on this site.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SignInReturnTests {
    /// Values of `next` that must never be followed: other hosts, schemes, backslashes, control
    /// characters, and the same hidden behind percent-escapes.
    static let openRedirectAttempts = [
        "//evil.example", "//evil.example/t/1", "https://evil.example", "http:/evil.example", "/\\evil.example",
        "\\\\evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "%2F%2Fevil.example", "/%2F/evil.example",
        "/%2f%2fevil.example", "/%5Cevil.example", "/%5cevil.example", "/\t/evil.example", " //evil.example",
        "/%0D%0ALocation:%20https://evil.example", "/\r\nLocation: https://evil.example", "/%00", "evil.example", "",
        "/%zz", "/" + String(repeating: "a", count: 600),
    ]

    @Test func signInToReplyComesBackToTheReplyForm() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let visitor = world.browser()
            let page = try visitor.get(thread.path)
            let encodedNext = FormDecoder.encode(thread.path + "#reply-heading")
            #expect(page.text.contains("<a href=\"/sign-in?next=\(encodedNext)\">Sign in to reply</a>"))

            let signIn = try visitor.get("/sign-in?next=\(encodedNext)")
            #expect(signIn.status == 200)
            #expect(signIn.text.contains("<input type=\"hidden\" name=\"next\" value=\"\(thread.path)#reply-heading\">"))
            let done = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", world.passwords["sam_okafor"] ?? ""),
                                                     ("next", thread.path + "#reply-heading")])
            #expect(done.status == 303)
            #expect(done.header("location") == thread.path + "#reply-heading")
            // A browser keeps the fragment to itself.
            let back = try visitor.get(thread.path)
            #expect(back.status == 200)
            #expect(back.text.contains("<label class=\"label\" for=\"body\">Your reply</label>"))

            // Already signed in, the sign-in page sends a local `next` on at once.
            #expect(try visitor.get("/sign-in?next=\(encodedNext)").header("location") == thread.path + "#reply-heading")
            #expect(try visitor.get("/sign-in?next=%2F%2Fevil.example").header("location") == "/account")
        }
    }

    @Test func aRefusedSignInKeepsTheReturnPath() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let visitor = world.browser()
            try visitor.get("/sign-in?next=%2Fsaved")
            let wrong = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", "not the password"), ("next", "/saved")])
            #expect(wrong.status == 422)
            #expect(wrong.text.contains("name=\"next\" value=\"/saved\""))
            // A bad `next` typed into the form does not come back on the page.
            let bad = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", ""), ("next", "//evil.example")])
            #expect(bad.status == 422)
            #expect(bad.text.contains("name=\"next\" value=\"\""))
            #expect(!bad.text.contains("evil.example"))
            let right = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", world.passwords["sam_okafor"] ?? ""),
                                                      ("next", "/saved")])
            #expect(right.header("location") == "/saved")
        }
    }

    @Test func openRedirectAttemptsFallBackToTheHomePage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            for attempt in Self.openRedirectAttempts {
                let browser = world.browser()
                // As a query parameter: the page carries no `next` at all.
                let page = try browser.get("/sign-in?next=" + FormDecoder.encode(attempt))
                #expect(page.status == 200, "\(attempt.debugDescription)")
                #expect(page.text.contains("<input type=\"hidden\" name=\"next\" value=\"\">"), "\(attempt.debugDescription)")
                #expect(!page.text.contains("evil.example"), "\(attempt.debugDescription)")
                // As the form field: signed in, and sent home.
                let done = try browser.post("/sign-in", [("identifier", "sam_okafor"), ("password", world.passwords["sam_okafor"] ?? ""),
                                                         ("next", attempt)])
                #expect(done.status == 303, "\(attempt.debugDescription)")
                #expect(done.header("location") == "/", "\(attempt.debugDescription)")
            }
            // The query string itself may hide the attempt behind a second encoding.
            for raw in ["%2F%252F%252Fevil.example", "%2F%255Cevil.example", "https%3A%2F%2Fevil.example", "javascript%3Aalert(1)"] {
                let page = try world.browser().get("/sign-in?next=" + raw)
                #expect(page.text.contains("<input type=\"hidden\" name=\"next\" value=\"\">"), "\(raw)")
            }
        }
    }

    @Test func localPathsAreKeptAsTheyAre() {
        for path in ["/", "/t/12-a-slug#reply-heading", "/t/12-a-slug?page=3#reply-heading", "/search?q=staff+shares&page=2",
                     "/search?q=staff%20shares", "/topics/governance?filter=answered", "/t/new"] {
            #expect(ReturnPath.validated(path) == path, "\(path)")
        }
        for attempt in Self.openRedirectAttempts {
            #expect(ReturnPath.validated(attempt) == nil, "\(attempt.debugDescription)")
            #expect(ReturnPath.signInURL(returningTo: attempt) == "/sign-in", "\(attempt.debugDescription)")
        }
    }

    @Test func theTwoFactorStepCarriesTheReturnPath() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "two_step")
            try browser.get("/account/two-factor")
            #expect(try browser.post("/account/two-factor/start", []).status == 303)
            let account = try #require(try world.accounts.account(handle: "two_step"))
            let secret = try #require(try world.store.read { try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ?", account.id) })
            try browser.get("/account/two-factor")
            #expect(try browser.post("/account/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now)), ("password", TestNetwork.password)]).status == 200)
            world.clock.advance(31)  // a fresh code for the sign-in below (a code works once)

            let second = world.browser()
            try second.get("/sign-in?next=%2Fsaved")
            let step1 = try second.post("/sign-in", [("identifier", "two_step"), ("password", "correct horse battery"), ("next", "/saved")])
            #expect(step1.status == 303)
            #expect(step1.header("location") == "/sign-in/two-factor?next=%2Fsaved")
            let challenge = try second.follow(step1)
            #expect(challenge.status == 200)
            #expect(challenge.text.contains("<input type=\"hidden\" name=\"next\" value=\"/saved\">"))
            let wrong = try second.post("/sign-in/two-factor", [("code", "000000"), ("next", "/saved")])
            #expect(wrong.status == 422)
            #expect(wrong.text.contains("name=\"next\" value=\"/saved\""))
            let done = try second.post("/sign-in/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now)), ("next", "/saved")])
            #expect(done.status == 303)
            #expect(done.header("location") == "/saved")
            #expect(try second.follow(done).status == 200)

            // A bad `next` at the second step falls back to the home page.
            world.clock.advance(31)
            let third = world.browser()
            try third.get("/sign-in")
            let pending = try third.post("/sign-in", [("identifier", "two_step"), ("password", "correct horse battery"), ("next", "//evil.example")])
            #expect(pending.header("location") == "/sign-in/two-factor")
            try third.follow(pending)
            let fallback = try third.post("/sign-in/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now)),
                                                                  ("next", "https://evil.example")])
            #expect(fallback.status == 303)
            #expect(fallback.header("location") == "/")
        }
    }

    @Test func otherWaysToSignInFromAPageComeBackToIt() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let visitor = world.browser()
            let slug = try #require(try world.scalar(String.self, "SELECT slug FROM topics ORDER BY position LIMIT 1"))
            // The header's link names the page it is on, query included.
            let topic = try visitor.get("/topics/\(slug)?filter=answered")
            #expect(topic.text.contains("href=\"/sign-in?next=\(FormDecoder.encode("/topics/\(slug)?filter=answered"))\">Sign in</a>"))
            // …but not on the sign-in and registration pages themselves.
            #expect(try visitor.get("/sign-in?next=%2Fsaved").text.contains("<a class=\"site-nav__link\" href=\"/sign-in\">Sign in</a>"))
            #expect(try visitor.get("/register").text.contains("<a class=\"site-nav__link\" href=\"/sign-in\">Sign in</a>"))

            // Pages that need an account send a visitor to sign in and back.
            let thread = try world.publicThread()
            #expect(try visitor.get("/t/\(thread.id)/mentors").header("location")?.hasPrefix("/sign-in?next=%2Ft%2F\(thread.id)%2Fmentors&notice=sign-in.") == true)
            #expect(try visitor.get("/saved").header("location")?.hasPrefix("/sign-in?next=%2Fsaved&notice=sign-in-saved.") == true)
            #expect(try visitor.get("/following").header("location")?.hasPrefix("/sign-in?next=%2Ffollowing&notice=sign-in-following.") == true)
            let newThread = try visitor.get("/t/new")
            #expect(newThread.header("location")?.hasPrefix("/sign-in?next=%2Ft%2Fnew&notice=sign-in.") == true)
            try visitor.follow(newThread)
            let done = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", world.passwords["sam_okafor"] ?? ""),
                                                     ("next", "/t/new")])
            #expect(done.header("location") == "/t/new")
            #expect(try visitor.follow(done).text.contains("name=\"title\""))
        }
    }
}
