import Board
import Database
import DemoContent
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

private func slug(of table: String, _ world: TestSite) throws -> String {
    let sql = table == "topics" ? "SELECT slug FROM topics ORDER BY id LIMIT 1" : "SELECT slug FROM organisations ORDER BY id LIMIT 1"
    return try #require(try world.store.read { try $0.scalar(String.self, sql) })
}

@Suite(.serialized, .timeLimit(.minutes(3)))
struct ModerationTests {
    @Test func membersVisitorsAndSuspendedAdminsCannotReachAnyAdminRoute() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let router = try world.network.router()
            let admin = router.routes.filter { $0.pattern.hasPrefix("/admin") }
            #expect(admin.count >= 8)
            let member = try world.signedIn("sam_okafor")
            let visitor = world.browser()
            let before = try world.logCount()
            for route in admin {
                let path = route.pattern.split(separator: "/").map { $0.hasPrefix("{") ? "1" : String($0) }.joined(separator: "/")
                for browser in [member, visitor] {
                    try browser.get("/moderation")   // a fresh CSRF token from a page the browser can see
                    let response = route.method == .get
                        ? try browser.get("/" + path)
                        : try browser.post("/" + path, [("decision", "hide"), ("reason", "x"), ("change", "lock"), ("days", "1"),
                                                        ("role", "admin"), ("key", "flag_threshold"), ("value", "1")])
                    // A member is refused; a visitor is sent to sign in first (issue 18), and nothing changes.
                    if browser === member {
                        #expect(response.status == 403, "\(route.method) \(route.pattern) answered \(response.status)")
                    } else {
                        #expect(response.status == 303, "\(route.method) \(route.pattern) answered \(response.status)")
                        #expect(response.header("location")?.hasPrefix("/sign-in?") == true, "\(route.pattern)")
                    }
                }
            }
            #expect(try world.logCount() == before)
            #expect(try world.accounts.account(handle: "sam_okafor")?.role == .member)

            // An admin whose account is suspended (set directly: Policy refuses to suspend admins) cannot act.
            let adminBrowser = try world.signedIn("network_admin")
            #expect(try adminBrowser.get("/admin/queue").status == 200)
            let until = world.clock.now.addingTimeInterval(86_400)
            try world.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'Account under review' WHERE handle = 'network_admin'", until)
            }
            let refused = try adminBrowser.get("/admin/queue")
            #expect(refused.status == 403)
            #expect(refused.text.contains("Account under review"))
            // Every admin page, not only the queue: /admin/mentors (its mentorships and their
            // notes, its role and mentorship forms) used to ask only whether the role was admin.
            for route in admin where route.method == .get {
                let path = route.pattern.split(separator: "/").map { $0.hasPrefix("{") ? "1" : String($0) }.joined(separator: "/")
                let page = try adminBrowser.get("/" + path)
                #expect(page.status == 403, "GET \(route.pattern) answered \(page.status) to a suspended admin")
                #expect(!page.text.contains("Start mentorship"), "GET \(route.pattern)")
            }
            try adminBrowser.get("/moderation")
            let role = try adminBrowser.post("/admin/mentors/role", [("handle", ""), ("role", "member"), ("reason", "")])
            #expect(role.status == 403)
            #expect(!role.text.contains("Start mentorship"))
            try adminBrowser.get("/moderation")
            let post = try adminBrowser.post("/admin/threads/1", [("change", "lock"), ("reason", "")])
            #expect(post.status == 403)
            #expect(try world.logCount() == before)
        }
    }

    @Test func flagsFromOneMemberCountOnceAndTheThresholdHidesThePost() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            try admin.get("/admin/settings")
            #expect(try admin.post("/admin/settings", [("flag_threshold", "2")]).status == 303)
            let postID = try world.replyID(by: "helen_marsh")

            let priya = try world.signedIn("priya_nair")
            let form = try priya.get("/p/\(postID)/flag")
            #expect(form.status == 200)
            #expect(form.text.contains("Confidential or personal information"))
            let missing = try priya.post("/p/\(postID)/flag", [("reason", "other"), ("note", "")])
            #expect(missing.status == 422)
            #expect(missing.text.contains("Say what is wrong with the post"))
            let first = try priya.post("/p/\(postID)/flag", [("reason", "confidential"), ("note", "Names a colleague")])
            // Back to the post on its thread, with the word (issue 18), not the blank form again.
            #expect(first.status == 303)
            #expect(first.header("location")?.contains("notice=flagged.") == true)
            #expect(first.header("location")?.hasSuffix("#post-\(postID)") == true)
            let back = try priya.follow(first)
            #expect(back.text.contains("Thank you for flagging the post. An admin will look at it."))
            #expect(back.text.contains("id=\"post-\(postID)\""))
            try priya.get("/p/\(postID)/flag")
            let again = try priya.follow(try priya.post("/p/\(postID)/flag", [("reason", "spam"), ("note", "")]))
            #expect(again.text.contains("You have already flagged this post"))
            let flags = try world.store.read { try $0.scalar(Int64.self, "SELECT count(*) FROM flags WHERE post_id = ?", postID) }
            #expect(flags == 1)
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", postID) } == false)

            // A brand-new account's flag is recorded but does not count towards hiding.
            let newcomer = world.browser()
            try world.register(newcomer, handle: "newcomer")
            try newcomer.get("/p/\(postID)/flag")
            #expect(try newcomer.post("/p/\(postID)/flag", [("reason", "spam")]).status == 303)
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", postID) } == false)

            // The second established member reaches the threshold.
            let tom = try world.signedIn("tom_beckett")
            try tom.get("/p/\(postID)/flag")
            let second = try tom.follow(try tom.post("/p/\(postID)/flag", [("reason", "confidential")]))
            #expect(second.text.contains("it is hidden until an admin looks at it"))
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", postID) } == true)
            #expect(try world.lastLogAction() == "hide_post")
            let log = try world.browser().get("/moderation")
            #expect(log.text.contains("Automatic (flags)"))
            #expect(!log.text.contains("@tom_beckett"))   // reporters are not named in the public log

            // Readers get the reason in place of the text; the author still sees their text.
            let helen = try world.userID("helen_marsh")
            let priyaID = try world.userID("priya_nair")
            let forReader = try world.store.read {
                try ModerationQueries.postModeration($0, postID: postID, viewer: Viewer(userID: priyaID, organisationID: nil, isAdmin: false))
            }
            #expect(forReader?.showText == false)
            #expect(forReader?.hiddenReason.contains("Hidden automatically") == true)
            let forAuthor = try world.store.read {
                try ModerationQueries.postModeration($0, postID: postID, viewer: Viewer(userID: helen, organisationID: nil, isAdmin: false))
            }
            #expect(forAuthor?.showText == true)

            // The queue groups the flags on the post, with reasons and reporters.
            let queue = try admin.get("/admin/queue")
            #expect(queue.text.contains("flagged by @priya_nair: “Names a colleague”"))
            #expect(queue.text.contains("flagged by @tom_beckett"))
            #expect(queue.text.contains("flagged by @newcomer"))

            // Own posts cannot be flagged.
            let own = try world.replyID(by: "priya_nair")
            #expect(try priya.get("/p/\(own)/flag").status == 403)
        }
    }

    @Test func everyActionWritesExactlyOneLogEntry() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let postID = try world.replyID(by: "helen_marsh")
            let otherPost = try world.replyID(by: "sam_okafor")
            let threadID = try world.id("SELECT id FROM threads WHERE organisation_id IS NULL AND ?1 = ?1 ORDER BY id LIMIT 1", "")
            let sam = try world.userID("sam_okafor")
            let tom = try world.userID("tom_beckett")
            let heldPost = try world.replyID(by: "tom_beckett")
            try world.store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", heldPost) }
            let priya = try world.signedIn("priya_nair")

            var covered: Set<ModerationAction> = []
            func act(_ action: ModerationAction, _ path: String, _ fields: [(String, String)], page: String,
                     file: StaticString = #filePath, line: UInt = #line) throws {
                let before = try world.logCount()
                try admin.get(page)
                let response = try admin.post(path, fields)
                #expect(response.status == 303, "\(action) answered \(response.status): \(response.text.prefix(400))")
                #expect(try world.logCount() == before + 1, "\(action)")
                #expect(try world.lastLogAction() == action.rawValue)
                covered.insert(action)
            }
            // Flagging is not a moderation action: it writes no entry (below the threshold).
            let beforeFlag = try world.logCount()
            try priya.get("/p/\(otherPost)/flag")
            try priya.post("/p/\(otherPost)/flag", [("reason", "off_topic")])
            #expect(try world.logCount() == beforeFlag)

            try act(.resolveFlag, "/admin/posts/\(otherPost)/decide", [("decision", "dismiss"), ("reason", "On topic")], page: "/admin/queue")
            try act(.approvePost, "/admin/posts/\(heldPost)/decide", [("decision", "approve"), ("reason", "")], page: "/admin/queue")
            try act(.hidePost, "/admin/posts/\(postID)/decide", [("decision", "hide"), ("reason", "Names a colleague")], page: "/admin/queue")
            try act(.restorePost, "/admin/posts/\(postID)/decide", [("decision", "restore"), ("reason", "Edited")], page: "/admin/queue")
            // "Delete for good" asks first, saying what goes; only the confirmation deletes.
            let ask = try admin.post("/admin/posts/\(postID)/decide", [("decision", "delete"), ("reason", "Spam link")])
            #expect(ask.status == 200)
            #expect(ask.text.contains("for good?"))
            #expect(ask.text.contains("action=\"/admin/posts/\(postID)/delete\""))
            try act(.rejectPost, "/admin/posts/\(postID)/delete", [("reason", "Spam link")], page: "/admin/queue")
            try act(.lockThread, "/admin/threads/\(threadID)", [("change", "lock"), ("reason", "Heated")], page: "/admin/threads/\(threadID)")
            try act(.unlockThread, "/admin/threads/\(threadID)", [("change", "unlock"), ("reason", "")], page: "/admin/threads/\(threadID)")
            try act(.pinThread, "/admin/threads/\(threadID)", [("change", "pin"), ("reason", "")], page: "/admin/threads/\(threadID)")
            try act(.unpinThread, "/admin/threads/\(threadID)", [("change", "unpin"), ("reason", "")], page: "/admin/threads/\(threadID)")
            try act(.moveThread, "/admin/threads/\(threadID)/move", [("organisation", try slug(of: "organisations", world)), ("reason", "Asked by the author")],
                    page: "/admin/threads/\(threadID)")
            try act(.moveThread, "/admin/threads/\(threadID)/move", [("organisation", ""), ("reason", "")], page: "/admin/threads/\(threadID)")
            try act(.retagThread, "/admin/threads/\(threadID)/topics", [("topics", try slug(of: "topics", world)), ("reason", "")],
                    page: "/admin/threads/\(threadID)")
            try act(.hideThread, "/admin/threads/\(threadID)", [("change", "hide"), ("reason", "Names a colleague in the title")],
                    page: "/admin/threads/\(threadID)")
            #expect(try world.browser().get("/t/\(threadID)").status == 404)
            try act(.restoreThread, "/admin/threads/\(threadID)", [("change", "restore"), ("reason", "")], page: "/admin/threads/\(threadID)")
            try act(.renameThread, "/admin/threads/\(threadID)/rename", [("title", "A clearer title for this question"), ("reason", "")],
                    page: "/admin/threads/\(threadID)")
            try act(.slowModeThread, "/admin/threads/\(threadID)/slow-mode", [("minutes", "10"), ("reason", "Heated")],
                    page: "/admin/threads/\(threadID)")
            // Slow mode: after a reply, the same member waits the interval.
            let replyTime = world.clock.now
            try Threads.reply(world.store, by: Viewer(userID: sam, organisationID: nil, isAdmin: false), threadID: threadID,
                              body: "A calm reply", now: replyTime)
            let wait = try world.store.read { try Moderation.slowModeWait($0, threadID: threadID, userID: sam, now: replyTime.addingTimeInterval(60)) }
            #expect(wait == 540)
            let later = try world.store.read { try Moderation.slowModeWait($0, threadID: threadID, userID: sam, now: replyTime.addingTimeInterval(601)) }
            #expect(later == nil)
            #expect(try admin.get("/moderation").text.contains("A clearer title for this question"))
            try act(.suspendUser, "/admin/users/\(sam)/suspend/confirm", [("days", "3"), ("reason", "Off-topic posts")], page: "/admin/users")
            try act(.unsuspendUser, "/admin/users/\(sam)/lift", [("reason", "")], page: "/admin/users")
            try act(.changeRole, "/admin/users/\(tom)/role/confirm", [("role", "mentor"), ("reason", "")], page: "/admin/users")
            try act(.changeSetting, "/admin/settings", [("hold_first_posts_of_new_members", "0")], page: "/admin/settings")
            try act(.editTopic, "/admin/topics", [("name", "Procurement and contracts"), ("slug", "procurement-and-contracts"),
                                                  ("description", "Tenders, bonds and contract renewals")], page: "/admin/topics")
            let topic = try world.id("SELECT id FROM topics WHERE slug = ?", "procurement-and-contracts")
            try act(.editTopic, "/admin/topics/\(topic)", [("action", "save"), ("name", "Contracts and tenders"), ("description", "Renewals")],
                    page: "/admin/topics")
            try act(.editTopic, "/admin/topics/\(topic)", [("action", "up")], page: "/admin/topics")
            try act(.editTopic, "/admin/topics/\(topic)", [("action", "retire")], page: "/admin/topics")
            try act(.editTopic, "/admin/topics/\(topic)", [("action", "restore")], page: "/admin/topics")
            let topicsPage = try admin.get("/admin/topics")
            #expect(topicsPage.text.contains("Contracts and tenders"))
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT retired FROM topics WHERE id = ?", topic) } == false)
            try act(.editOrganisation, "/admin/organisations", [("name", "Riverside Care Mutual"), ("slug", "riverside-care"),
                                                               ("kind", "pathfinder"), ("region", "North West"), ("description", "")],
                    page: "/admin/organisations")
            let organisationID = try world.id("SELECT id FROM organisations WHERE slug = ?", "riverside-care")
            try act(.editOrganisation, "/admin/organisations/\(organisationID)", [("name", "Riverside Care CIC"), ("kind", "pathfinder"),
                                                                                 ("region", "North West"), ("description", "Adult social care")],
                    page: "/admin/organisations")
            #expect(try admin.get("/admin/organisations").text.contains("Riverside Care CIC"))
            // The briefing is changed like the rest: Policy first, one public log entry each.
            let briefingTopic = try #require(try world.store.read { try $0.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 LIMIT 1") })
            try act(.editBriefing, "/briefing/new", [("title", "Shared services: a guide"), ("url", "https://example.org/shared-services"),
                                                     ("source", "Example Institute"), ("published", "2026-01-05"),
                                                     ("summary", "How mutuals share back-office services."), ("topics", briefingTopic)],
                    page: "/briefing/new")
            let briefingItem = try world.id("SELECT id FROM briefing_items WHERE title = ?", "Shared services: a guide")
            try act(.editBriefing, "/briefing/\(briefingItem)/retire", [("retired", "1")], page: "/briefing/\(briefingItem)/edit")
            let briefingLog = try world.browser().get("/moderation").text
            #expect(briefingLog.contains("changed the briefing:"))
            #expect(briefingLog.contains("Retired “Shared services: a guide”"))
            let made = try { () throws -> ClientResponse in
                let before = try world.logCount()
                try admin.get("/admin/invites")
                let response = try admin.post("/admin/invites", [("role", "member"), ("organisation", ""), ("days", "14"), ("uses", "2")])
                #expect(try world.logCount() == before + 1)
                #expect(try world.lastLogAction() == "create_invite")
                covered.insert(.createInvite)
                return response
            }()
            #expect(made.status == 303)
            #expect(try admin.follow(made).text.contains("/register?invite="))
            let invite = try world.id("SELECT max(id) FROM invites WHERE ?1 = ?1", "")
            try act(.revokeInvite, "/admin/invites/\(invite)/revoke", [], page: "/admin/invites")
            let settingsBefore = try world.logCount()
            try admin.get("/admin/settings")
            #expect(try admin.post("/admin/settings", [("new_account_posts_per_day", "3")]).status == 303)
            #expect(try admin.post("/admin/settings", [("new_account_days", "7")]).status == 303)
            #expect(try world.logCount() == settingsBefore + 2)
            let limits = try world.store.read { try Moderation.accountLimits($0) }
            #expect(limits.newAccountPostsPerDay == 3)
            #expect(limits.newAccountPeriod == 7 * 86_400)
            #expect(try admin.post("/admin/settings", [("new_account_days", "999")]).status == 422)
            // Mentor actions land in the same log, and the log page shows them (it left them out).
            try act(.startMentorship, "/admin/mentorships", [("mentor", "tom_beckett"), ("organisation", try slug(of: "organisations", world)),
                                                             ("started", "2026-01-05"), ("note", "Weekly calls")], page: "/admin/mentors")
            let mentorship = try world.id("SELECT max(id) FROM mentorships WHERE ?1 = ?1", "")
            try act(.endMentorship, "/admin/mentorships/\(mentorship)/end", [("reason", "Programme finished")],
                    page: "/admin/mentorships/\(mentorship)/end")
            try act(.linkMentor, "/t/\(threadID)/mentors", [("mentors", "tom_beckett")], page: "/t/\(threadID)/mentors")
            let mentorLog = try world.browser().get("/moderation").text
            #expect(mentorLog.contains("started the mentorship of Tom Beckett with "))
            #expect(mentorLog.contains("Weekly calls"))
            #expect(mentorLog.contains("ended the mentorship of Tom Beckett with "))
            #expect(mentorLog.contains("Programme finished"))
            #expect(mentorLog.contains("linked a mentor to"))
            #expect(mentorLog.contains("Linked Tom Beckett (@tom_beckett)"))
            #expect(covered == Set(ModerationAction.allCases))

            // Each decision closed the flags it answered; the deleted post is gone, its entry stays.
            #expect(try world.store.read { try $0.scalar(Int64.self, "SELECT count(*) FROM flags WHERE status = 'open'") } == 0)
            #expect(try world.store.read { try $0.scalar(Int64.self, "SELECT count(*) FROM posts WHERE id = ?", postID) } == 0)
            #expect(try world.accounts.account(handle: "tom_beckett")?.role == .mentor)

            // The log is append-only.
            #expect(throws: (any Error).self) { try world.store.write { try $0.run("DELETE FROM moderation_log") } }
            let log = try world.browser().get("/moderation")
            #expect(log.text.contains("Off-topic posts"))
            #expect(log.text.contains("@network_admin"))

            // Refused actions write nothing: a reason is required to hide.
            let before = try world.logCount()
            try admin.get("/admin/queue")
            let refused = try admin.post("/admin/posts/\(otherPost)/decide", [("decision", "hide"), ("reason", " ")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("Enter a reason"))
            #expect(try world.logCount() == before)
        }
    }

    @Test func suspensionStopsWritingUntilItExpiresAndSaysWhy() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let sam = try world.userID("sam_okafor")
            try admin.get("/admin/users?q=sam")
            #expect(try admin.post("/admin/users/\(sam)/suspend/confirm", [("days", "1"), ("reason", "Repeated personal remarks")]).status == 303)
            let users = try admin.get("/admin/users?q=sam")
            #expect(users.text.contains("Repeated personal remarks"))

            let member = try world.signedIn("sam_okafor")
            let postID = try world.replyID(by: "helen_marsh")
            let refused = try member.get("/p/\(postID)/flag")
            #expect(refused.status == 403)
            #expect(refused.text.contains("Repeated personal remarks"))
            #expect(try member.get("/moderation").status == 200)   // they can still read

            world.clock.advance(2 * 86_400)
            let form = try member.get("/p/\(postID)/flag")
            #expect(form.status == 200)
            #expect(try member.post("/p/\(postID)/flag", [("reason", "spam")]).status == 303)

            // Admins cannot be suspended, nor suspend themselves.
            let adminID = try world.userID("network_admin")
            try admin.get("/admin/users")
            #expect(try admin.post("/admin/users/\(adminID)/suspend", [("days", "1"), ("reason", "Test")]).status == 403)
            try admin.get("/admin/users")
            #expect(try admin.post("/admin/users/\(adminID)/suspend/confirm", [("days", "1"), ("reason", "Test")]).status == 403)
        }
    }

    @Test func heldPostsAreInvisibleToOthersUntilApproved() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let newcomer = world.browser()
            try world.register(newcomer, handle: "fresh_member")
            let authorID = try world.userID("fresh_member")
            let threadID = try world.id("SELECT id FROM threads WHERE organisation_id IS NULL AND locked = 0 AND ?1 = ?1 ORDER BY id LIMIT 1", "")
            let now = world.clock.now
            let text = "A first reply from a new account about staff shareholding"
            let postID = try Threads.reply(world.store, by: Viewer(userID: authorID, organisationID: nil, isAdmin: false),
                                           threadID: threadID, body: text, now: world.clock.now)
            let held = try world.store.write { try Moderation.holdIfNewAuthor($0, postID: postID, authorID: authorID, now: now) }
            #expect(held)

            let reader = try world.signedIn("priya_nair")
            #expect(!(try reader.follow(try reader.get("/t/\(threadID)")).text.contains(text)))
            let readerID = try world.userID("priya_nair")
            let asReader = try world.store.read {
                try ModerationQueries.postModeration($0, postID: postID, viewer: Viewer(userID: readerID, organisationID: nil, isAdmin: false))
            }
            #expect(asReader?.visible == false)
            let asAuthor = try world.store.read {
                try ModerationQueries.postModeration($0, postID: postID, viewer: Viewer(userID: authorID, organisationID: nil, isAdmin: false))
            }
            #expect(asAuthor?.visible == true)
            #expect(asAuthor?.awaitingApproval == true)

            let admin = try world.signedIn("network_admin")
            let queue = try admin.get("/admin/queue")
            #expect(queue.text.contains("Awaiting approval"))
            #expect(queue.text.contains(text))
            #expect(try admin.post("/admin/posts/\(postID)/decide", [("decision", "approve"), ("reason", "")]).status == 303)
            #expect(try reader.follow(try reader.get("/t/\(threadID)")).text.contains(text))
            #expect(!(try admin.get("/admin/queue").text.contains(text)))

            // Once one post is approved, later posts are not held.
            let next = try Threads.reply(world.store, by: Viewer(userID: authorID, organisationID: nil, isAdmin: false),
                                         threadID: threadID, body: "A second reply", now: world.clock.now)
            #expect(try world.store.write { try Moderation.holdIfNewAuthor($0, postID: next, authorID: authorID, now: now) } == false)
        }
    }

    @Test func logEntriesAboutPrivateThreadsHideTheirTitles() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let privateID = try world.id("SELECT id FROM threads WHERE organisation_id IS NOT NULL AND title LIKE ? LIMIT 1", DemoSite.privateTitle + "%")
            let admin = try world.signedIn("network_admin")
            try admin.get("/admin/threads/\(privateID)")
            #expect(try admin.post("/admin/threads/\(privateID)", [("change", "lock"), ("reason", "Resolved")]).status == 303)
            #expect(try admin.get("/moderation").text.contains(DemoSite.privateTitle))
            let outsider = try world.browser().get("/moderation")
            #expect(outsider.text.contains("Resolved"))
            #expect(outsider.text.contains("a thread you cannot see"))
            #expect(!outsider.text.contains(DemoSite.privateTitle))
        }
    }
}
