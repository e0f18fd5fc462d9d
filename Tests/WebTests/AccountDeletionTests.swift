@testable import Board
import Database
import Foundation
import Testing
import TestSupport
@testable import Web

/// Deleting an account (`/account/delete`) scrubbed the profile and ended the sessions, but left
/// the person's drafts, notifications, follows, saved posts, read marks, links and mail behind.
/// Now what was theirs alone goes and what the community reads stays (`Accounts.anonymise`).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AccountDeletionTests {
    /// Tables with a `user_id` column whose rows stay when their person leaves: a "This helped"
    /// mark is counted on someone else's post. Every other such table is the person's own, so a
    /// table added later is deleted with the account unless it is named here.
    static let keptForTheCommunity: Set<String> = ["helpful_marks"]

    func rows(_ site: TestSite, _ table: String, of userID: Int64) throws -> Int {
        // `table` comes from sqlite_master, not from input.
        try site.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM \(table) WHERE user_id = ?", userID) } ?? -1
    }

    func tablesWithUserID(_ site: TestSite) throws -> [String] {
        try site.store.read {
            try $0.column(String.self, """
                SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND c.name = 'user_id' ORDER BY m.name
                """)
        }
    }

    @Test func whatWasTheirsGoesWhatTheCommunityReadsStays() throws {
        try withTestSite(clock: TestClock()) { site in
            let network = Network(accounts: site.accounts)
            let now = site.clock.now
            let topic = try site.network.topic()
            let leaver = try site.network.member(handle: "leaver")
            let bob = try site.network.member(handle: "bob")
            let own = try site.network.thread(by: leaver, title: "Pension liabilities on transfer")
            let others = try site.network.thread(by: bob, title: "Choosing a legal form")
            let answer = try site.network.reply(to: others, by: leaver, body: "We chose a community benefit society")

            // Everything a member leaves about the place, through the services that make it.
            _ = try site.accounts.signIn(identifier: "leaver", password: TestNetwork.password, address: "192.0.2.1", userAgent: "test")
            try network.drafts.save(userID: leaver.id, threadID: others.id, title: "", body: "Half a reply", now: now)
            try network.drafts.save(userID: leaver.id, threadID: nil, title: "A question not yet asked", body: "Private words", now: now)
            _ = try network.following.setThread(others.id, .follow, viewer: leaver.viewer, now: now)
            _ = try network.following.setTopic(slug: "capital-and-finance", following: true, userID: leaver.id, now: now)
            _ = try network.following.setBookmark(postID: others.openingPostID, saved: true, viewer: leaver.viewer, now: now)
            _ = try network.visits.seen(userID: leaver.id, threadID: others.id, postIDs: [others.openingPostID])
            try network.notifications.setEnabledKinds(userID: leaver.id, [.reply])
            var preferences = try network.mailDigest.preferences(userID: leaver.id)
            preferences.weeklyBriefing = false
            preferences.deliveries[.mention] = .never
            try network.mailDigest.savePreferences(userID: leaver.id, preferences)
            #expect(try site.accounts.requestPasswordReset(email: "leaver@example.org", address: "192.0.2.1") == .accepted)
            _ = try network.helpful.mark(by: Actor(userID: leaver.id, role: .member), postID: others.openingPostID, helped: true, now: now)
            // Bob answers the leaver's thread: the leaver is notified; bob marks the leaver's answer.
            _ = try network.posting.reply(by: bob.viewer, threadID: own.id, body: "Ask the actuary early", replyTo: nil)
            _ = try network.helpful.mark(by: Actor(userID: bob.id, role: .member), postID: answer, helped: true, now: now)
            // The leaver answers bob's thread: bob is notified of something the leaver did.
            _ = try network.posting.reply(by: leaver.viewer, threadID: others.id, body: "And speak to the unions", replyTo: nil)
            _ = try network.moderation.flag(by: Actor(userID: leaver.id, role: .member), postID: others.openingPostID,
                                            reason: .other, note: "Names a colleague")
            _ = topic

            let tables = try tablesWithUserID(site)
            for table in ["sessions", "drafts", "subscriptions", "bookmarks", "thread_visits", "notification_settings",
                          "notification_mail_settings", "weekly_briefing_opt_outs", "account_tokens", "mail_outbox",
                          "notifications", "helpful_marks"] {
                #expect(tables.contains(table))
                #expect(try rows(site, table, of: leaver.id) > 0, "\(table) holds something of the leaver's before")
            }
            let bobsNotifications = try rows(site, "notifications", of: bob.id)
            #expect(bobsNotifications > 0)

            let browser = try site.signedIn("leaver", landingOn: "/account/data")
            let deleted = try browser.post("/account/delete", [("password", TestNetwork.password), ("confirm", "yes")])
            #expect(deleted.status == 303)

            for table in tables where !Self.keptForTheCommunity.contains(table) {
                #expect(try rows(site, table, of: leaver.id) == 0, "\(table) still holds the deleted person's rows")
            }
            // Kept: their posts (as a former member's), the marks they gave and got, their flag,
            // and bob's notifications of their reply.
            #expect(try rows(site, "helpful_marks", of: leaver.id) == 1)
            #expect(try site.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM posts WHERE author_id = ?", leaver.id) } == 3)
            #expect(try site.store.read { try $0.scalar(Int.self, "SELECT helpful_count FROM posts WHERE id = ?", answer) } == 1)
            #expect(try site.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM flags WHERE reporter_id = ?", leaver.id) } == 1)
            #expect(try rows(site, "notifications", of: bob.id) == bobsNotifications)
            let page = try site.browser().get(others.path)
            #expect(page.text.contains("We chose a community benefit society"))
            #expect(page.text.contains("former member"))
        }
    }

    /// The only admin could delete their account and leave the network with nobody to approve
    /// posts, answer flags or make a new admin. They are asked to make another admin first.
    @Test func theOnlyAdminCannotLeave() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.network.admin()
            let browser = try site.signedIn("admin", landingOn: "/account/data")
            let refused = try browser.post("/account/delete", [("password", TestNetwork.password), ("confirm", "yes")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("You are the only admin of this network, so your account cannot be deleted yet."))
            #expect(refused.text.contains("value=\"yes\" checked"))
            #expect(try site.accounts.account(id: admin.id) != nil)

            _ = try site.network.admin(handle: "second_admin")
            try browser.get("/account/data")
            #expect(try browser.post("/account/delete", [("password", TestNetwork.password), ("confirm", "yes")]).status == 303)
            #expect(try site.accounts.account(id: admin.id) == nil)
            // The last one left stays.
            let last = try site.signedIn("second_admin", landingOn: "/account/data")
            #expect(try last.post("/account/delete", [("password", TestNetwork.password), ("confirm", "yes")]).status == 403)
            // Two admins leaving at once each pass the first check while the other is there; the
            // scrub asks again in its own transaction, so the last one stays.
            let lastID = try site.userID("second_admin")
            #expect(throws: ProfileError.self) { try site.accounts.anonymise(userID: lastID) }
            #expect(try site.accounts.account(id: lastID) != nil)
        }
    }

    /// A member who asked to join an organisation and then left: the admins' notification of the
    /// request stayed unread, counted in their header, leading to a request no page lists.
    @Test func leavingSettlesTheAdminsNoticeOfAMembershipRequest() throws {
        try withTestSite(clock: TestClock(), registration: .open) { site in
            let organisation = try site.network.organisation()
            _ = try site.network.admin()
            let browser = site.browser()
            try browser.get("/register")
            #expect(try browser.post("/register", [("invite", ""), ("handle", "joiner"), ("displayName", "Joiner"), ("email", "joiner@example.org"),
                                                   ("password", TestNetwork.password), ("organisation", organisation.slug)]).status == 303)
            func unread() throws -> Int {
                try site.store.read {
                    try $0.scalar(Int.self, """
                        SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
                         WHERE u.handle = 'admin' AND n.kind = 'organisation_requested' AND n.read_at IS NULL
                        """)
                } ?? -1
            }
            #expect(try unread() == 1)
            #expect(try site.signIn(browser, "joiner").status == 303)
            site.clock.advance(1)
            try browser.get("/account/data")
            #expect(try browser.post("/account/delete", [("password", TestNetwork.password), ("confirm", "yes")]).status == 303)
            #expect(try unread() == 0)
            let admin = try site.signedIn("admin")
            #expect(!(try admin.get("/").text.contains("id=\"unread-count\"")), "nothing unread in the admin's header")
        }
    }
}
