import Board
import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// What a thread page offers its reader leads somewhere real (a newcomer's review).
extension HeldThreadListingTests {
    /// The page links to the thread's feed only when the feed exists: a private thread, or one
    /// awaiting approval, has none (`FeedQueries.thread` reads as a visitor), so no 404 link.
    @Test func aThreadPageLinksToAFeedOnlyWhenThereIsOne() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let held = try startHeldThread(world, handle: "feed_member", title: "Feed links on a held question",
                                           body: "Does this page link to a feed?", place: place)
            let own = try held.browser.get(held.path)
            #expect(own.status == 200)
            #expect(!own.text.contains("/t/\(held.threadID)/feed.atom"))
            #expect(try held.browser.get("/t/\(held.threadID)/feed.atom").status == 404)

            // A private thread, read by a member of its space.
            let (privateID, reader) = try #require(try world.store.read { conn -> (Int64, String)? in
                guard let id = try conn.scalar(Int64.self, "SELECT id FROM threads WHERE organisation_id IS NOT NULL AND held = 0 AND hidden = 0 ORDER BY id LIMIT 1"),
                      let handle = try conn.scalar(String.self, """
                        SELECT u.handle FROM users u JOIN threads t ON t.organisation_id = u.organisation_id
                        WHERE t.id = ? AND u.organisation_confirmed = 1 AND u.role = 'member' AND u.deleted_at IS NULL ORDER BY u.id LIMIT 1
                        """, id) else { return nil }
                return (id, handle)
            })
            let member = try world.signedIn(reader)
            let privatePage = try member.get("/t/\(privateID)")
            let privatePath = try #require(privatePage.header("location"))
            let page = try member.get(privatePath)
            #expect(page.status == 200)
            #expect(!page.text.contains("/t/\(privateID)/feed.atom"))
            #expect(try member.get("/t/\(privateID)/feed.atom").status == 404)

            // Approved, the held thread is public: its page links to a feed that answers.
            let admin = try world.signedIn("network_admin", landingOn: "/admin/queue")
            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "approve"), ("reason", "")]).status == 303)
            #expect(try held.browser.get(held.path).text.contains("/t/\(held.threadID)/feed.atom"))
            #expect(try world.browser().get("/t/\(held.threadID)/feed.atom").status == 200)
        }
    }

    /// Mentors cannot read a thread awaiting approval, so none can be asked to it: the page says
    /// when asking becomes possible instead of "They have been told" to mentors who never are.
    @Test func mentorsAreAskedOnlyOnceAHeldQuestionIsApproved() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let held = try startHeldThread(world, handle: "asking_member", title: "Which mentor knows pensions well?",
                                           body: "We need a mentor on pensions.", place: place)
            let mentor = try #require(try world.store.read {
                try $0.scalar(String.self, "SELECT handle FROM users WHERE role = 'mentor' AND deleted_at IS NULL ORDER BY id LIMIT 1")
            })
            let page = try held.browser.get(held.path)
            #expect(!page.text.contains("/t/\(held.threadID)/mentors\""))
            #expect(page.text.contains(Policy.mentorsAfterApproval))

            let form = try held.browser.get("/t/\(held.threadID)/mentors")
            #expect(form.status == 403)
            #expect(form.text.contains(Policy.mentorsAfterApproval))
            try held.browser.get(held.path)
            #expect(try held.browser.post("/t/\(held.threadID)/mentors", [("mentors", mentor)]).status == 403)
            #expect(try held.browser.post("/t/\(held.threadID)/mentors/admins", [("mentor", "")]).status == 403)
            #expect(try world.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM thread_mentors WHERE thread_id = ?", held.threadID) } == 0)

            // Suspended meanwhile, the asker is not told of asking later: the suspension says why.
            try world.store.write {
                try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = 'Testing' WHERE handle = 'asking_member'",
                           Date().addingTimeInterval(86_400))
            }
            #expect(!(try held.browser.get(held.path).text.contains(Policy.mentorsAfterApproval)))
            try world.store.write { try $0.run("UPDATE users SET suspended_until = NULL, suspension_reason = NULL WHERE handle = 'asking_member'") }

            // Approved, the question can have mentors asked to it.
            let admin = try world.signedIn("network_admin", landingOn: "/admin/queue")
            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "approve"), ("reason", "")]).status == 303)
            let approved = try held.browser.get(held.path)
            #expect(approved.text.contains("/t/\(held.threadID)/mentors\""))
            #expect(!approved.text.contains(Policy.mentorsAfterApproval))
            #expect(try held.browser.get("/t/\(held.threadID)/mentors").status == 200)
            #expect(try held.browser.post("/t/\(held.threadID)/mentors", [("mentors", mentor)]).status == 303)
        }
    }

    /// A held question an admin turned down (its opening post hidden) kept telling its author
    /// they could ask a mentor "once an admin has approved your question": no approval is coming.
    @Test func aTurnedDownQuestionDoesNotPromiseApproval() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let held = try startHeldThread(world, handle: "turned_down", title: "Can we skip the tender entirely?",
                                           body: "Asking for a friend.", place: place)
            let admin = try world.signedIn("network_admin", landingOn: "/admin/queue")
            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "hide"), ("reason", "Ask in the procurement thread")]).status == 303)

            let page = try held.browser.get(held.path).text
            #expect(!page.contains(Policy.mentorsAfterApproval))
            #expect(page.contains(ReplyFormView.turnedDown + "."))
            #expect(page.contains("Ask in the procurement thread"))
            #expect(!page.contains("/t/\(held.threadID)/mentors\""))
        }
    }

    /// A question an admin turned down still offered its author the reply form, and the reply
    /// went into a thread no one else will ever see. The form is offered exactly when the POST
    /// would take the reply (`Policy.replyRefusal`, asked by both and by the write): an admin
    /// may still answer the author there; the author is told why not, and a reply sent anyway
    /// (a page open from before) comes back with its text.
    @Test func aTurnedDownQuestionOffersNoReplyFormAndTakesNoReply() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let held = try startHeldThread(world, handle: "turned_down", title: "Can we skip the tender entirely?",
                                           body: "Asking for a friend.", place: place)
            let replyForm = "action=\"/t/\(held.threadID)/reply\""
            let before = try held.browser.get(held.path).text
            #expect(before.contains(replyForm), "awaiting approval, its author may add to it")
            let admin = try world.signedIn("network_admin", landingOn: "/admin/queue")
            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "hide"), ("reason", "Ask in the procurement thread")]).status == 303)
            func replies() throws -> Int {
                try world.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", held.threadID) } ?? -1
            }

            let page = try held.browser.get(held.path).text
            #expect(!page.contains(replyForm))
            #expect(page.contains(Policy.turnedDownNoReplies))
            let refused = try held.browser.post("/t/\(held.threadID)/reply", [("body", "But surely we can?"), ("replyTo", ""), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains(Policy.turnedDownNoReplies))
            #expect(refused.text.contains("But surely we can?"), "the text comes back to copy")
            #expect(try replies() == 1)

            // An admin may still answer its author there.
            let adminPage = try admin.get(held.path).text
            #expect(adminPage.contains(replyForm))
            let answered = try admin.post("/t/\(held.threadID)/reply", [("body", "The procurement thread has your answer."), ("replyTo", ""), ("action", "post")])
            #expect(answered.status == 303)
            #expect(try replies() == 2)
        }
    }

    /// After posting a reply, its author is not sent to it as "new since your last visit"; a
    /// reader who had seen the thread before is.
    @Test func yourOwnReplyIsNotTheFirstNewPostToYou() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let threadID = try #require(try world.store.read {
                try $0.scalar(Int64.self, "SELECT id FROM threads WHERE organisation_id IS NULL AND held = 0 AND hidden = 0 AND locked = 0 ORDER BY id LIMIT 1")
            })
            let other = try world.signedIn("helen_marsh")
            let path = try #require(try other.get("/t/\(threadID)").header("location"))
            #expect(try other.get(path).status == 200)

            let author = try world.signedIn("priya_nair")
            #expect(try author.get(path).status == 200)
            let posted = try author.post("/t/\(threadID)/reply", [("body", "My own reply, seen as I post it"), ("action", "post")])
            #expect(posted.status == 303)
            let landing = try author.get(String(try #require(posted.header("location")).prefix { $0 != "#" }))
            #expect(landing.text.contains("My own reply, seen as I post it"))
            #expect(!landing.text.contains("new since your last visit"))

            #expect(try other.get(path).text.contains("new since your last visit"))
        }
    }
}
