import Board
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// The word after an action is shown only to the browser that acted (`Notice`): a link that
/// carries it says nothing to anyone else, nor after it expires, nor when it was tampered with.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct NoticeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let mine = CSRF.secret(binding: "my-session-token")
    static let theirs = CSRF.secret(binding: "their-session-token")

    /// The `notice` value a redirect path carries.
    static func value(in path: String) throws -> String {
        let query = try #require(path.split(separator: "?", maxSplits: 1).last)
        let item = try #require(query.prefix { $0 != "#" }.split(separator: "&").first { $0.hasPrefix("notice=") })
        return String(item.dropFirst("notice=".count))
    }

    // MARK: The rule

    @Test func aNoticeMadeForThisBrowserIsShown() throws {
        let path = Notice(.replyPosted).path("/t/5-bonds?page=2#post-9", secret: Self.mine, now: Self.now)
        #expect(path.hasPrefix("/t/5-bonds?page=2&notice=reply-posted."))
        #expect(path.hasSuffix("#post-9"))
        #expect(Notice.verified(try Self.value(in: path), page: "/t/5-bonds", secret: Self.mine, now: Self.now) == Notice(.replyPosted))
    }

    @Test func anotherPersonsNoticeIsNotShown() throws {
        let path = Notice(.postDeleted).path("/t/5", secret: Self.theirs, now: Self.now)
        #expect(Notice.verified(try Self.value(in: path), page: "/t/5", secret: Self.mine, now: Self.now) == nil)
    }

    @Test(arguments: ["post-deleted", "post-deleted.1800000600", "post-deleted.1800000600.AAAAAAAAAAAAAAAA", "nonsense.1800000600.x",
                      "<script>", "", "...", "post-deleted.12.x.1800000600.AAAAAAAAAAAAAAAA"])
    func aForgedNoticeIsNotShown(value: String) {
        #expect(Notice.verified(value, page: "/t/5", secret: Self.mine, now: Self.now) == nil)
    }

    @Test func aNoticeWhoseKeyOrSubjectWasChangedIsNotShown() throws {
        let signed = try Self.value(in: Notice(.flagged).path("/t/5", secret: Self.mine, now: Self.now))
        let swapped = signed.replacingOccurrences(of: "flagged.", with: "post-deleted.")
        #expect(Notice.verified(swapped, page: "/t/5", secret: Self.mine, now: Self.now) == nil)
        // Made for one page, it says nothing on another (`/saved?notice=…` copied from `/t/5`).
        #expect(Notice.verified(signed, page: "/t/5", secret: Self.mine, now: Self.now) == Notice(.flagged))
        #expect(Notice.verified(signed, page: "/saved", secret: Self.mine, now: Self.now) == nil)

        let aboutSam = try Self.value(in: Notice(.userSuspended, subject: 12).path("/admin/users", secret: Self.mine, now: Self.now))
        #expect(Notice.verified(aboutSam, page: "/admin/users", secret: Self.mine, now: Self.now) == Notice(.userSuspended, subject: 12))
        let aboutSomeoneElse = aboutSam.replacingOccurrences(of: "suspended.12.", with: "suspended.13.")
        #expect(Notice.verified(aboutSomeoneElse, page: "/admin/users", secret: Self.mine, now: Self.now) == nil)
    }

    /// Shown until `Notice.lifetime` has passed, and not at or after it.
    @Test(arguments: [(Notice.lifetime - 1, true), (Notice.lifetime, false), (Notice.lifetime + 1, false)])
    func anExpiredNoticeIsNotShown(after seconds: TimeInterval, shown: Bool) throws {
        let value = try Self.value(in: Notice(.postSaved).path("/saved", secret: Self.mine, now: Self.now))
        #expect((Notice.verified(value, page: "/saved", secret: Self.mine, now: Self.now.addingTimeInterval(seconds)) != nil) == shown)
    }

    @Test func aNewNoticeReplacesAnOldOneOnThePath() throws {
        let path = Notice(.savedPostRemoved).path("/saved?q=x&notice=post-saved.1.abc", secret: Self.mine, now: Self.now)
        #expect(path.hasPrefix("/saved?q=x&notice=saved-post-removed."))
        #expect(path.components(separatedBy: "notice=").count == 2)
    }

    @Test func theVisitorsCacheNeverKeepsANotice() {
        var request = Request(method: .get, path: "/", pathSegments: [], query: "notice=signed-out.1.x")
        #expect(PageCache.key(for: request) == nil)
        request.query = "page=2&%6Eotice=x"
        #expect(PageCache.key(for: request) == nil)
        request.query = "page=2"
        #expect(PageCache.key(for: request) != nil)
        let banner = Response(status: .ok, body: Array("<main><div id=\"site-notice\">Post deleted.</div></main>".utf8))
        #expect(PageCache.entry(from: banner, version: 1, now: 0) == nil)
        let plain = Response(status: .ok, body: Array("<main>Threads</main>".utf8))
        #expect(PageCache.entry(from: plain, version: 1, now: 0) != nil)
    }

    @Test func theReturnPathDropsTheNotice() {
        let request = Request(method: .get, path: "/t/5-bonds", pathSegments: ["t", "5-bonds"], query: "page=2&notice=reply-posted.1.x")
        #expect(ReturnPath.of(request) == "/t/5-bonds?page=2")
    }

    @Test(arguments: [("/saved", SiteNotice.signInForSaved), ("/notifications", .signInForNotifications),
                      ("/admin/outbox", .signInForAdmin), ("/account/sessions", .signInForAccount), ("/following", .signInForFollowing),
                      ("/t/new", .signInNeeded), ("/savedx", .signInNeeded)])
    func theSignInPageSaysWhy(path: String, reason: SiteNotice) {
        #expect(SiteNotice.signInReason(for: path) == reason)
    }

    @Test func theTooManyRequestsPageSaysItOnce() {
        #expect(ErrorPage(status: .tooManyRequests, message: "Wait 3 seconds").advice == nil)
    }

    // MARK: End to end

    /// A's notice link, opened by B and by a visitor, shows no banner; A sees it, until it expires.
    @Test func aNoticeLinkSaysNothingToAnyoneElse() throws {
        try withTestSite(content: .demo) { world in
            let thread = try world.publicThread()
            let priya = try world.signedIn("priya_nair", landingOn: thread.path)
            let replied = try priya.post("/t/\(thread.id)/reply", [("body", "A word on the performance bond."), ("action", "post")])
            #expect(replied.status == 303)
            let location = try #require(replied.header("location"))
            #expect(location.contains("notice=reply-posted."))
            let path = String(location.prefix { $0 != "#" })
            let seen = try priya.get(path)
            #expect(seen.text.contains("id=\"site-notice\""))
            #expect(seen.text.contains("Reply posted."))

            let sam = try world.signedIn("sam_okafor")
            let other = try sam.get(path)
            #expect(other.status == 200)
            #expect(!other.text.contains("id=\"site-notice\""))
            #expect(!other.text.contains("Reply posted."))

            let visitor = world.browser()
            for _ in 0..<2 {
                let page = try visitor.get(path)
                #expect(page.status == 200)
                #expect(!page.text.contains("id=\"site-notice\""))
                #expect(page.header("x-cache") == nil)
            }

            world.clock.advance(Notice.lifetime + 1)
            #expect(!(try priya.get(path).text.contains("id=\"site-notice\"")))
        }
    }

    /// Signed out, the person who signed out is told so; the same link tells no one else.
    @Test func theSignedOutNoticeIsForThePersonWhoSignedOut() throws {
        try withTestSite(content: .demo) { world in
            let sam = try world.signedIn("sam_okafor", landingOn: "/")
            let out = try sam.post("/sign-out", [])
            let location = try #require(out.header("location"))
            #expect(location.hasPrefix("/?notice=signed-out."))
            #expect(try sam.follow(out).text.contains("You have signed out."))
            let visitor = world.browser()
            try visitor.get("/")
            #expect(!(try visitor.get(location).text.contains("You have signed out.")))
            #expect(!(try world.get(location).text.contains("You have signed out.")))
        }
    }

    /// Pages that need an account send a visitor to sign in with why, and back afterwards.
    @Test func aVisitorSentToSignInIsToldWhyAndComesBack() throws {
        try withTestSite(content: .demo) { world in
            let visitor = world.browser()
            let sent = try visitor.get("/saved")
            #expect(sent.status == 303)
            let location = try #require(sent.header("location"))
            #expect(location.hasPrefix("/sign-in?next=%2Fsaved&notice=sign-in-saved."))
            let signIn = try visitor.follow(sent)
            #expect(signIn.text.contains("Sign in to see your saved posts."))
            #expect(signIn.text.contains(">Important</h2>"))
            #expect(signIn.text.contains("name=\"next\" value=\"/saved\""))
            let done = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", world.passwords["sam_okafor"] ?? ""),
                                                     ("next", "/saved")])
            #expect(done.header("location") == "/saved")

            // The same link, opened by someone else, is a plain sign-in page.
            #expect(!(try world.browser().get(location).text.contains("Sign in to see your saved posts.")))
            // A voluntary "Sign in" says nothing of the kind.
            #expect(!(try world.browser().get("/sign-in?next=%2Fsaved").text.contains("id=\"site-notice\"")))

            // A Flag link followed by a visitor leads to sign-in and back, not to a 403.
            let post = try world.network.store.read { try #require(try $0.scalar(Int64.self, "SELECT min(id) FROM posts WHERE hidden = 0")) }
            let flag = try world.browser().get("/p/\(post)/flag")
            #expect(flag.status == 303)
            #expect(flag.header("location")?.hasPrefix("/sign-in?next=%2Fp%2F\(post)%2Fflag&notice=sign-in.") == true)
        }
    }

    /// Every admin page sends a visitor to sign in, not a 403; a member still gets the 403.
    @Test(arguments: ["/admin/queue", "/admin/outbox", "/admin/users", "/admin/settings", "/admin/mentors", "/admin/topics",
                      "/admin/invites", "/admin/organisations", "/admin/organisations/members", "/admin/threads/1"])
    func adminPagesSendVisitorsToSignIn(path: String) throws {
        try withTestSite(content: .demo) { world in
            let visitor = world.browser()
            let sent = try visitor.get(path)
            #expect(sent.status == 303)
            #expect(sent.header("location")?.hasPrefix("/sign-in?next=" + FormDecoder.encode(path) + "&notice=sign-in-admin.") == true)
            #expect(try visitor.follow(sent).text.contains("Sign in as an admin to use the admin pages."))
            // A session cookie that names no session is a visitor too.
            let stale = world.browser()
            stale.setCookie("__Host-session", "not-a-session")
            #expect(try stale.get(path).status == 303)
            #expect(try world.signedIn("sam_okafor").get(path).status == 403)
        }
    }

    /// The admin thread tools end on a word, back where the admin was.
    @Test func threadToolsEndWithAWord() throws {
        try withTestSite(content: .demo) { world in
            let thread = try world.publicThread()
            let admin = try world.signedIn("network_admin", landingOn: "/admin/threads/\(thread.id)")
            let locked = try admin.post("/admin/threads/\(thread.id)", [("change", "lock"), ("reason", "")])
            #expect(locked.header("location")?.hasPrefix("/admin/threads/\(thread.id)?notice=locked.") == true)
            #expect(try admin.follow(locked).text.contains("Thread locked. Members can no longer reply."))

            let unlocked = try admin.post("/admin/threads/\(thread.id)", [("change", "unlock"), ("reason", ""), ("back", thread.path)])
            #expect(unlocked.header("location")?.hasPrefix(thread.path + "?notice=unlocked.") == true)
            #expect(try admin.follow(unlocked).text.contains("Thread unlocked. Members can reply again."))

            let away = try admin.post("/admin/threads/\(thread.id)", [("change", "pin"), ("reason", ""), ("back", "//evil.example")])
            #expect(away.header("location")?.hasPrefix("/admin/threads/\(thread.id)?notice=pinned.") == true)

            let renamed = try admin.post("/admin/threads/\(thread.id)/rename", [("title", "A <b>new</b> title"), ("reason", "")])
            #expect(renamed.header("location")?.hasPrefix("/admin/threads/\(thread.id)?notice=renamed.") == true)
            #expect(try admin.follow(renamed).text.contains("Thread renamed."))

            let slow = try admin.post("/admin/threads/\(thread.id)/slow-mode", [("minutes", "10"), ("reason", "")])
            #expect(try admin.follow(slow).text.contains("Slow mode set."))
            let fast = try admin.post("/admin/threads/\(thread.id)/slow-mode", [("minutes", "0"), ("reason", "")])
            #expect(try admin.follow(fast).text.contains("Slow mode turned off."))
        }
    }

    /// Following, replying and editing end on the thread with a word.
    @Test func threadActionsEndWithAWord() throws {
        try withTestSite(content: .demo) { world in
            let thread = try world.publicThread()
            let sam = try world.signedIn("sam_okafor", landingOn: thread.path)
            let followed = try sam.post("/t/\(thread.id)/follow", [("action", "follow")])
            #expect(followed.header("location")?.hasPrefix(thread.path + "?notice=following.") == true)
            #expect(try sam.follow(followed).text.contains("You are following this thread."))
            let unfollowed = try sam.post("/t/\(thread.id)/follow", [("action", "unfollow")])
            #expect(try sam.follow(unfollowed).text.contains("You are no longer following this thread."))

            let replied = try sam.post("/t/\(thread.id)/reply", [("body", "Our bond came through in March."), ("action", "post")])
            let location = try #require(replied.header("location"))
            let postID = try world.id("SELECT max(p.id) FROM posts p JOIN users u ON u.id = p.author_id WHERE u.handle = 'sam_okafor'")
            #expect(location.hasSuffix("#post-\(postID)"))
            #expect(try sam.follow(replied).text.contains("Reply posted."))

            try sam.get("/p/\(postID)/edit")
            let edited = try sam.post("/p/\(postID)/edit", [("body", "Our bond came through in April."), ("action", "save")])
            #expect(edited.header("location")?.hasSuffix("#post-\(postID)") == true)
            #expect(try sam.follow(edited).text.contains("Your changes have been saved."))
        }
    }
}
