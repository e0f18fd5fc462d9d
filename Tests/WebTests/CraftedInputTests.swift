import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Crafted text in forms (review of 3 December): names that got around the sign-in throttle
/// with a 500, and NUL-led or control-laden text that failed a table's CHECK or reached the page.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CraftedInputTests {
    // MARK: Thread addresses

    /// A thread address's segment (`/t/ID-slug`), read by bytes: ASCII digits only, at most 18
    /// of them, then nothing or a hyphen and the slug, whatever it holds.
    @Test func threadPathSegments() {
        #expect(parsed("42-pension-scheme") == "42 pension-scheme")
        #expect(parsed("42") == "42 ")
        #expect(parsed("42-") == "42 ")
        #expect(parsed("007-x") == "7 x")
        #expect(parsed("12-café-ö") == "12 café-ö")
        #expect(parsed(String(repeating: "9", count: 18)) == "999999999999999999 ")
        for refused in ["", "-", "-1-x", "x42", "42x", "42_x", String(repeating: "9", count: 19), "4\u{301}2-x", "٤٢-x", "４２-x", "42\u{301}-x"] {
            #expect(parsed(refused) == nil, "\(refused)")
        }
    }

    private func parsed(_ segment: String) -> String? {
        ReadingRoutes.parseThreadPath(segment).map { "\($0.id) \($0.slug)" }
    }

    // MARK: The throttle's keys

    /// A NUL-led name, 300 combining sequences, 200 flags: each once gave 30 × 500 (the key
    /// failed `length(key) BETWEEN 1 AND 254`); now 422 until the limit, then 429, as a plain name.
    @Test(arguments: ["nobody-plain", "\u{0}nobody", String(repeating: "q\u{301}", count: 300), String(repeating: "🇬🇧", count: 200)])
    func craftedNamesAreThrottledLikeAPlainOne(identifier: String) throws {
        try withTestSite(clock: TestClock()) { world in
            let browser = world.browser()
            var statuses: [Int] = []
            for _ in 0..<30 { statuses.append(try world.signIn(browser, identifier, "x").status) }
            #expect(statuses == Array(repeating: 422, count: 3) + Array(repeating: 429, count: 27))
        }
    }

    /// The Board itself, without the form's clean-up: a NUL-led name is counted (under the name
    /// without it), and the address's failures with it.
    @Test func theServiceCountsANulLedName() throws {
        try withTestSite(clock: TestClock()) { world in
            var outcomes: [String] = []
            for _ in 0..<5 {
                switch try world.accounts.signIn(identifier: "\u{0}nobody", password: "x", address: "192.0.2.1", userAgent: "") {
                case .refused: outcomes.append("refused")
                case .throttled: outcomes.append("throttled")
                default: outcomes.append("other")
                }
            }
            #expect(outcomes == ["refused", "refused", "refused", "throttled", "throttled"])
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM login_attempts WHERE scope = 'address' AND key = '192.0.2.1'") == 3)
        }
    }

    /// Every key is one SQLite's CHECK accepts, whatever was typed, and the same input always
    /// gives the same key.
    @Test(arguments: ["", "\u{0}", "\u{0}nobody", String(repeating: "q\u{301}", count: 300), String(repeating: "🇬🇧", count: 200),
                      String(repeating: "é", count: 254), "plain_name", " Mixed Case "])
    func keysAlwaysFitTheCheck(typed: String) throws {
        try withTestNetwork { network in
            for key in [SignInThrottle.accountKey(typed), SignInThrottle.accountKey(typed, prefix: "reset:"),
                        SignInThrottle.storable("reset:" + SignInThrottle.addressKey(typed))] {
                let length = try network.store.read { try $0.scalar(Int.self, "SELECT length(?)", key) } ?? 0
                #expect((1...254).contains(length), "\(key.debugDescription)")
            }
            #expect(SignInThrottle.accountKey(typed) == SignInThrottle.accountKey(typed))
        }
        #expect(SignInThrottle.accountKey("plain_name") == "plain_name")
        #expect(SignInThrottle.accountKey("\u{0}nobody") == "nobody")
    }

    /// A reset asked for an address of 300 characters answers as for any address (it once was a 500).
    @Test func forgotPasswordWithAVeryLongAddress() throws {
        func statuses(_ email: String) throws -> [String] {
            try withTestSite(clock: TestClock()) { world in
                let browser = world.browser()
                try browser.get("/forgot-password")
                return try (0..<5).map { _ in
                    let response = try browser.post("/forgot-password", [("email", email)])
                    return "\(response.status) \(response.header("location") ?? "")"
                }
            }
        }
        let long = String(repeating: "a", count: 288) + "@example.org"
        let answers = try statuses(long)
        #expect(answers.first == "303 /forgot-password/sent")
        #expect(answers == (try statuses("someone@example.org")))
        #expect(!answers.contains { $0.hasPrefix("5") })
    }

    // MARK: Control characters in forms

    @Test func formTextDropsControlCharacters() {
        #expect(FormText.multiLine("\u{0}he\u{1}llo\u{7F}\u{85}\u{9F}\tA\r\nB") == "hello\tA\r\nB")
        #expect(FormText.oneLine("\u{0}A\ttitle\r\nwith\u{0B}breaks\u{85}end") == "A title  withbreaks end")
        let items = FormText.cleaned([FormItem("body", "\u{0}a\nb"), FormItem("title", "a\nb"), FormItem("password", "\u{0}pw\n")])
        #expect(items == [FormItem("body", "a\nb"), FormItem("title", "a b"), FormItem("password", "\u{0}pw\n")])
    }

    /// Each of these once answered 500 (the NUL made SQLite's `length()` 0 and the CHECK failed).
    /// Now the NUL is dropped and the form comes back with what is left and the usual error.
    /// Every named textarea of the site's templates keeps its line breaks: a field left out of
    /// `FormText.multiLineFields` would have its paragraphs joined into one line.
    @Test func everyTextareaIsAMultiLineField() throws {
        let directory = repositoryRoot + "/Templates"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }
        var names: Set<String> = []
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for match in text.matches(of: /<textarea[^>]*\sname="([^"]+)"/) { names.insert(String(match.1)) }
        }
        #expect(names.contains("body"))
        #expect(names.subtracting(FormText.multiLineFields).isEmpty, "textareas not kept as several lines: \(names.subtracting(FormText.multiLineFields).sorted())")
    }

    @Test func nulLedTextGetsTheFormBackNotA500() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let thread = try world.publicThread()
            try sam.get(thread.path)
            let reply = try sam.post("/t/\(thread.id)/reply", [("body", "\u{0}\u{1}"), ("action", "post")])
            #expect(reply.status == 422)
            #expect(reply.text.contains("Enter your message"))

            let posted = try sam.post("/t/\(thread.id)/reply", [("body", "\u{0}hello from the test"), ("action", "post")])
            #expect(posted.status == 303)
            let postID = try world.id("SELECT max(p.id) FROM posts p JOIN users u ON u.id = p.author_id WHERE u.handle = 'sam_okafor'")
            #expect(try world.scalar(String.self, "SELECT body_markdown FROM posts WHERE id = ?", postID) == "hello from the test")
            try sam.get("/p/\(postID)/edit")
            let edit = try sam.post("/p/\(postID)/edit", [("body", "\u{0}"), ("action", "post")])
            #expect(edit.status == 422)
            #expect(edit.text.contains("Enter your message"))

            try sam.get("/t/new")
            let new = try sam.post("/t/new", [("title", "\u{0}Hi"), ("body", "\u{0}Body kept"), ("action", "post")])
            #expect(new.status == 422)
            #expect(new.text.contains("value=\"Hi\""))
            #expect(new.text.contains("Body kept</textarea>"))

            let admin = try world.signedIn("network_admin")
            // Each form comes back with what was typed (the NUL dropped) and its error.
            for (path, fields, kept) in [
                ("/admin/organisations", [("name", "\u{0}R"), ("slug", "riverside-care"), ("kind", "pathfinder"), ("region", ""), ("description", "")], "value=\"R\""),
                ("/admin/topics", [("name", "\u{0}P"), ("slug", "procurement"), ("description", "")], "value=\"P\""),
                ("/admin/threads/\(thread.id)/rename", [("title", "\u{0}Hi"), ("reason", "")], "value=\"Hi\""),
            ] {
                try admin.get(path)
                let response = try admin.post(path, fields)
                #expect((400..<500).contains(response.status), "\(path): \(response.status)")
                #expect(response.text.contains(kept), "\(path)")
                #expect(!response.text.contains("\u{0}"), "\(path)")
            }
        }
    }

    /// A \x01 or \x0b typed into a title never reaches the page (`<title>`, `<h1>`).
    @Test func controlCharactersNeverReachThePage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 ORDER BY position LIMIT 1"))
            try sam.get("/t/new")
            let created = try sam.post("/t/new", [("title", "\u{1}Staff\u{0B} councils\nand pay"), ("body", "Text\u{1} here"),
                                                  ("topics", topic), ("space", "public"), ("action", "post")])
            #expect(created.status == 303)
            let location = try #require(created.header("location"))
            let page = try sam.get(String(location.prefix { $0 != "#" }))
            #expect(page.status == 200)
            #expect(page.text.contains("Staff councils and pay"))
            #expect(!page.text.unicodeScalars.contains { $0.value < 0x20 && $0.value != 0x0A && $0.value != 0x0D && $0.value != 0x09 })
        }
    }

    // MARK: Two-factor step and favicon

    /// After the right password, any page that needs an account sends the person back to the
    /// code step (keeping where they were going), not to the password.
    @Test func pagesNeedingSignInReturnToTheTwoFactorStep() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let browser = world.browser()
            try world.register(browser, handle: "two_step")
            try browser.get("/account/two-factor")
            #expect(try browser.post("/account/two-factor/start", []).status == 303)
            try browser.get("/account/two-factor")
            let account = try #require(try world.accounts.account(handle: "two_step"))
            let secret = try #require(try world.store.read { try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ?", account.id) })
            #expect(try browser.post("/account/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now)), ("password", TestNetwork.password)]).status == 200)
            world.clock.advance(31)

            let second = world.browser()
            #expect(try world.signIn(second, "two_step").header("location") == "/sign-in/two-factor")
            let away = try second.get("/account")
            #expect(away.status == 303)
            #expect(away.header("location") == "/sign-in/two-factor?next=%2Faccount")
            // A visitor with no pending sign-in still goes to the password.
            #expect(try world.browser().get("/account").header("location")?.hasPrefix("/sign-in?next=%2Faccount") == true)
            let step = try second.get("/sign-in/two-factor?next=%2Faccount")
            #expect(step.status == 200)
            let done = try second.post("/sign-in/two-factor", [("code", TOTP.code(secret: Array(secret), at: world.clock.now)), ("next", "/account")])
            #expect(done.status == 303)
            #expect(done.header("location") == "/account")
            #expect(try second.get("/account").status == 200)
        }
    }

    @Test func faviconIsServed() throws {
        try withTestSite { world in
            for path in ["/favicon.ico", "/static/favicon.ico"] {
                let icon = try world.browser().get(path)
                #expect(icon.status == 200, "\(path)")
                #expect(icon.header("content-type") == "image/x-icon", "\(path)")
                #expect(Array(icon.body.prefix(4)) == [0, 0, 1, 0], "\(path)")
                #expect(icon.body.count < 1024, "\(path)")
            }
            #expect(try world.browser().get("/").text.contains("<link rel=\"icon\" href=\"/static/favicon.ico\">"))
        }
    }
}
