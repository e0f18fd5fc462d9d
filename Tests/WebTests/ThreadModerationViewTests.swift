import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// What moderation looks like on the thread page itself: held and hidden posts, the Flag link,
/// and slow mode refusing a reply while keeping its text.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ThreadModerationViewTests {
    @Test func hiddenPostsShowTheReasonToReadersAndTheTextToTheirAuthor() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let threadID = try world.id("SELECT thread_id FROM posts WHERE id = ? AND ?1 = ?1", String(postID))
            let text = try #require(try world.store.read { try $0.scalar(String.self, "SELECT body_html FROM posts WHERE id = ?", postID) })
            try world.store.write {
                try $0.run("""
                    UPDATE posts SET hidden = 1, hidden_reason = 'Names a colleague',
                           hidden_by = (SELECT id FROM users WHERE role = 'admin' LIMIT 1) WHERE id = ?
                    """, postID)
            }
            let reader = try world.signedIn("priya_nair")
            let readerPage = try reader.follow(try reader.get("/t/\(threadID)")).text
            #expect(readerPage.contains("This post was hidden by a moderator: Names a colleague"))
            #expect(!readerPage.contains(text))
            let author = try world.signedIn("tom_beckett")
            let authorPage = try author.follow(try author.get("/t/\(threadID)")).text
            #expect(authorPage.contains("This post was hidden by a moderator: Names a colleague"))
            #expect(authorPage.contains(text))
        }
    }

    @Test func flagLinkForSignedInReadersOfOthersPosts() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let threadID = try world.id("SELECT thread_id FROM posts WHERE id = ? AND ?1 = ?1", String(postID))
            let reader = try world.signedIn("priya_nair")
            #expect(try reader.follow(try reader.get("/t/\(threadID)")).text.contains("href=\"/p/\(postID)/flag\""))
            let visitor = world.browser()
            #expect(!(try visitor.follow(try visitor.get("/t/\(threadID)")).text.contains("/p/\(postID)/flag")))
            let author = try world.signedIn("tom_beckett")
            #expect(!(try author.follow(try author.get("/t/\(threadID)")).text.contains("/p/\(postID)/flag")))
        }
    }

    /// A held reply reaches nobody (no reply or mention notification) until an admin approves
    /// it; then it does, as if it had just been written.
    @Test func heldReplyNotifiesNobodyUntilApproved() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            try world.store.write { try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('hold_first_posts_of_new_members', '1', 0) ON CONFLICT(key) DO UPDATE SET value = '1'") }
            let threadID = try world.id("""
                SELECT t.id FROM threads t JOIN users u ON u.id = t.author_id
                WHERE t.organisation_id IS NULL AND t.locked = 0 AND u.handle <> 'priya_nair' AND ?1 = ?1 ORDER BY t.id LIMIT 1
                """, "")
            let newcomer = world.browser()
            _ = try world.register(newcomer, handle: "fresh_member")
            try world.store.write { try $0.run("UPDATE users SET created_at = ? WHERE handle = 'fresh_member'", Date()) }
            _ = try newcomer.follow(try newcomer.get("/t/\(threadID)"))
            #expect(try newcomer.post("/t/\(threadID)/reply", [("body", "A question for @priya_nair about staff shares"),
                                                              ("action", "post")]).status == 303)
            let postID = try world.id("SELECT max(id) FROM posts WHERE thread_id = ?", String(threadID))
            func notified() throws -> [String] {
                try world.store.read {
                    try $0.column(String.self, """
                        SELECT u.handle || ':' || n.kind FROM notifications n JOIN users u ON u.id = n.user_id
                        WHERE n.post_id = ? AND n.kind IN ('reply', 'mention') ORDER BY 1
                        """, postID)
                }
            }
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", postID) } == true)
            #expect(try notified().isEmpty)
            let admin = try world.signedIn("network_admin")
            try admin.get("/admin/queue")
            #expect(try admin.post("/admin/posts/\(postID)/decide", [("decision", "approve"), ("reason", "")]).status == 303)
            let after = try notified()
            let author = try world.store.read {
                try $0.scalar(String.self, "SELECT u.handle FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = ?", threadID)
            }
            #expect(after.contains("priya_nair:mention"))
            #expect(after.contains("\(author ?? ""):reply"))
            #expect(!after.contains { $0.hasPrefix("fresh_member:") })
        }
    }

    @Test func heldPostIsMarkedForItsAuthorAndAbsentForOthers() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            try world.store.write { try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('hold_first_posts_of_new_members', '1', 0) ON CONFLICT(key) DO UPDATE SET value = '1'") }
            let newcomer = world.browser()
            _ = try world.register(newcomer, handle: "fresh_member")
            let threadID = try world.id("SELECT id FROM threads WHERE organisation_id IS NULL AND locked = 0 AND ?1 = ?1 ORDER BY id LIMIT 1", "")
            _ = try newcomer.follow(try newcomer.get("/t/\(threadID)"))
            let text = "First words from a new account about a community interest company"
            #expect(try newcomer.post("/t/\(threadID)/reply", [("body", text), ("action", "post")]).status == 303)
            let own = try newcomer.follow(try newcomer.get("/t/\(threadID)")).text
            #expect(own.contains(text))
            #expect(own.contains("Awaiting approval"))
            let reader = try world.signedIn("priya_nair")
            #expect(!(try reader.follow(try reader.get("/t/\(threadID)")).text.contains(text)))
        }
    }

    @Test func slowModeRefusesAQuickSecondReplyAndKeepsItsText() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let threadID = try world.id("SELECT id FROM threads WHERE organisation_id IS NULL AND locked = 0 AND ?1 = ?1 ORDER BY id LIMIT 1", "")
            try world.store.write { try $0.run("UPDATE threads SET slow_mode_seconds = 600 WHERE id = ?", threadID) }
            let member = try world.signedIn("priya_nair")
            _ = try member.follow(try member.get("/t/\(threadID)"))
            #expect(try member.post("/t/\(threadID)/reply", [("body", "A first considered reply"), ("action", "post")]).status == 303)
            _ = try member.follow(try member.get("/t/\(threadID)"))
            let refused = try member.post("/t/\(threadID)/reply", [("body", "A hasty second reply"), ("action", "post")])
            #expect(refused.status != 303)
            #expect(refused.text.contains("slow mode"))
            #expect(refused.text.contains("A hasty second reply"))
        }
    }
}
