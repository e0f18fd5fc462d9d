import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A post awaiting approval is approved or deleted, never hidden (docs/visibility.md), and a
/// reply cannot name a post its writer may not read as the one it answers.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HeldPostPagesTests {
    struct World {
        let thread: TestThread
        let held: Int64
        let path: String
    }

    func setUp(_ site: TestSite) throws -> World {
        let asker = try site.member(handle: "asker")
        try site.member(handle: "reader")
        let newcomer = try site.member(handle: "newcomer")
        try site.admin()
        let thread = try site.thread(by: asker, title: "Working capital in year one")
        let held = try site.heldReply(to: thread, by: newcomer, body: "A held reply nobody else has seen")
        return World(thread: thread, held: held, path: try site.threadPath(thread.id))
    }

    /// The queue item of post `id` on the queue page.
    func queueItem(_ html: String, _ id: Int64) -> String? {
        guard let start = html.range(of: "<section class=\"queue-item\" id=\"post-\(id)\""),
              let end = html.range(of: "</section>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test func aHeldPostIsNotOfferedHideAndHidingItIsRefused() throws {
        try withTestSite { site in
            let world = try setUp(site)
            let admin = try site.signedIn("admin")
            let queue = try admin.get("/admin/queue")
            let item = try #require(queueItem(queue.text, world.held))
            #expect(item.contains("value=\"approve\""))
            #expect(item.contains("value=\"delete\""))
            #expect(!item.contains("value=\"hide\""), "a held post is approved or deleted, not hidden")

            // The thread page offers no Hide either: admins get a link to the post in the queue.
            let thread = try admin.get(world.path)
            #expect(thread.text.contains("<a href=\"/admin/queue#post-\(world.held)\">Decide on it in the moderation queue</a>"))
            #expect(!thread.text.contains("value=\"hide\""))
            let newcomer = try site.signedIn("newcomer")
            #expect(!(try newcomer.get(world.path)).text.contains("/admin/queue#post-"), "only admins get the link")

            // A Hide sent anyway is refused on the queue page, and changes nothing.
            let refused = try admin.post("/admin/posts/\(world.held)/decide", [("decision", "hide"), ("reason", "Spam")])
            #expect(refused.status == 422)
            #expect(refused.text.contains(Moderation.heldPostCannotBeHidden))
            #expect(try site.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", world.held) == true)
            #expect(try site.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", world.held) == false)
            #expect(try site.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", world.thread.id) == 0)
            let reader = try site.signedIn("reader")
            let readersPage = try reader.get(world.path).text
            #expect(!readersPage.contains("hidden by a moderator"))
            #expect(!readersPage.contains("Newcomer"))

            // Approved, it may be hidden like any post.
            try admin.get("/admin/queue")
            #expect(try admin.post("/admin/posts/\(world.held)/decide", [("decision", "approve"), ("reason", "")]).status == 303)
            try admin.get("/admin/queue")
            #expect(try admin.post("/admin/posts/\(world.held)/decide", [("decision", "hide"), ("reason", "Names a colleague")]).status == 303)
            #expect(try reader.get(world.path).text.contains("This post was hidden by a moderator: Names a colleague"))
        }
    }

    /// Deleting a held reply for good (how one is turned down) told its author nothing: their
    /// post, marked "awaiting approval", just vanished. Now they hear of it, with the reason.
    @Test func theAuthorOfAPostDeletedForGoodIsToldWhy() throws {
        try withTestSite { site in
            let world = try setUp(site)
            let admin = try site.signedIn("admin", landingOn: "/admin/queue")
            // The page that asks first does not advise hiding it, which a held reply cannot be.
            let confirm = try admin.post("/admin/posts/\(world.held)/decide", [("decision", "delete"), ("reason", "Names a colleague")])
            #expect(confirm.status == 200)
            #expect(!confirm.text.contains("hide it instead"))
            #expect(confirm.text.contains("It is awaiting approval, so nobody else has seen it; to show it, approve it instead."))
            #expect(try admin.post("/admin/posts/\(world.held)/delete", [("reason", "Names a colleague")]).status == 303)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM posts WHERE id = ?", world.held) == 0)

            let newcomer = try site.signedIn("newcomer")
            let page = try newcomer.get("/notifications")
            #expect(page.text.contains("A moderator deleted your post in “Working capital in year one” for good, saying: “Names a colleague”"))
            #expect(page.text.contains("href=\"\(world.path)\""))
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
                                    try site.userID("newcomer")) == 1)
            // Nobody else hears of it.
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM notifications WHERE kind = 'moderation'") == 1)
        }
    }

    @Test func aReplyToAPostTheReplierMayNotReadIsRefusedWithItsText() throws {
        try withTestSite { site in
            let world = try setUp(site)
            let reader = try site.signedIn("reader")
            try reader.get(world.path)
            let refused = try reader.post("/t/\(world.thread.id)/reply", [("body", "My answer to the question"),
                                                                         ("replyTo", String(world.held)), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("The post you are replying to cannot be found"))
            #expect(refused.text.contains("My answer to the question</textarea>"), "the text comes back in the form")
            // Without the link, so sending it again posts a plain reply.
            #expect(refused.text.contains("Send your reply again to post it without that link."))
            #expect(refused.text.contains("<input type=\"hidden\" name=\"replyTo\" value=\"\">"))
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", world.thread.id) == 2)

            // The opening post may be answered.
            try reader.get(world.path)
            let posted = try reader.post("/t/\(world.thread.id)/reply", [("body", "My answer to the question"),
                                                                        ("replyTo", String(world.thread.openingPostID)), ("action", "post")])
            #expect(posted.status == 303)
            #expect(try site.scalar(Int64.self, "SELECT reply_to_post_id FROM posts WHERE thread_id = ? ORDER BY id DESC LIMIT 1",
                                    world.thread.id) == world.thread.openingPostID)
        }
    }
}
