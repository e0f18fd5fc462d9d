import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Approving a held post, or dismissing a post's flags, says its words are fine: the decision is
/// refused when the post (or its thread's title) changed after the admin opened the queue. A held
/// post's author may edit it while it waits; the queue's Approve published the edited words
/// unread (found by the sweep: an innocuous first post, edited into spam while the admin read the
/// queue, went out to every reader and follower).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DecideOnShownTextTests {
    /// The queue form's `shown` value for post `id`.
    func shown(_ html: String, _ id: Int64) throws -> String {
        guard let item = html.range(of: "<section class=\"queue-item\" id=\"post-\(id)\""),
              let field = html.range(of: "name=\"shown\" value=\"", range: item.upperBound..<html.endIndex),
              let end = html.range(of: "\"", range: field.upperBound..<html.endIndex) else {
            throw TestNetworkError("no shown field for post \(id)")
        }
        return String(html[field.upperBound..<end.lowerBound])
    }

    @Test func aHeldPostEditedAfterTheQueueWasOpenedIsNotApprovedUnread() throws {
        try withTestSite { site in
            let asker = try site.member(handle: "asker")
            let newcomer = try site.member(handle: "newcomer")
            try site.admin()
            let thread = try site.thread(by: asker, title: "Working capital in year one")
            let held = try site.heldReply(to: thread, by: newcomer, body: "How did you size the overdraft?")

            let admin = try site.signedIn("admin")
            let queue = try admin.get("/admin/queue")
            let seen = try shown(queue.text, held)

            // The author edits the post while it waits.
            let author = try site.signedIn("newcomer")
            _ = try author.get("/p/\(held)/edit")
            #expect(try author.post("/p/\(held)/edit", [("body", "Cheap loans at spam.example, call now")]).status == 303)

            // Approve, from the queue as it was read: refused, nothing published.
            let refused = try admin.post("/admin/posts/\(held)/decide", [("shown", seen), ("decision", "approve"), ("reason", "")])
            #expect(refused.status == 422)
            #expect(refused.text.contains(Moderation.changedSinceShown))
            #expect(refused.text.contains("Cheap loans at spam.example"), "the queue shows the words as they are now")
            #expect(try site.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", held) == true)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM moderation_log WHERE action = 'approve_post'") == 0)

            // The page that came back carries the words as they are now: deciding on them works.
            let again = try shown(refused.text, held)
            #expect(again != seen)
            #expect(try admin.post("/admin/posts/\(held)/decide", [("shown", again), ("decision", "approve"), ("reason", "")]).status == 303)
            #expect(try site.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", held) == false)
        }
    }

    @Test func flagsAreNotDismissedOnWordsTheAdminDidNotRead() throws {
        try withTestSite { site in
            let asker = try site.member(handle: "asker")
            let writer = try site.member(handle: "writer")
            try site.member(handle: "reporter")
            try site.admin()
            let thread = try site.thread(by: asker, title: "Pension admission")
            let reply = try site.reply(to: thread, by: writer, body: "We used the LGPS admission route.")
            let reporter = try site.signedIn("reporter")
            _ = try reporter.get("/p/\(reply)/flag")
            #expect(try reporter.post("/p/\(reply)/flag", [("reason", "spam"), ("note", "")]).status == 303)

            let admin = try site.signedIn("admin")
            let seen = try shown(try admin.get("/admin/queue").text, reply)
            let author = try site.signedIn("writer")
            _ = try author.get("/p/\(reply)/edit")
            #expect(try author.post("/p/\(reply)/edit", [("body", "Now something else entirely")]).status == 303)

            let refused = try admin.post("/admin/posts/\(reply)/decide", [("shown", seen), ("decision", "dismiss"), ("reason", "")])
            #expect(refused.status == 422)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM flags WHERE post_id = ? AND status = 'open'", reply) == 1)

            // Removing words is not vouching for them: Hide still works from the page as read.
            #expect(try admin.post("/admin/posts/\(reply)/decide", [("shown", seen), ("decision", "hide"), ("reason", "Off topic")]).status == 303)
        }
    }
}
