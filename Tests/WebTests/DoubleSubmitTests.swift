import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A form sent twice (a double click on "Post reply", a re-send after a slow answer) posted
/// twice: two identical replies, two identical threads (found by the sweep). The second is now
/// answered with the first (`Threads.sameReplySent`, `sameThreadSent`).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DoubleSubmitTests {
    @Test func theSameReplySentTwiceIsPostedOnce() throws {
        try withTestSite { site in
            let asker = try site.member(handle: "asker")
            try site.member(handle: "replier")
            let thread = try site.thread(by: asker, title: "Working capital in year one")
            let replier = try site.signedIn("replier")
            _ = try replier.get(thread.path)
            let form = [("body", "We negotiated an overdraft with the council as guarantor.")]
            let first = try replier.post("/t/\(thread.id)/reply", form)
            let second = try replier.post("/t/\(thread.id)/reply", form)
            #expect(first.status == 303 && second.status == 303)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", thread.id) == 2)
            let postID = try site.id("SELECT max(id) FROM posts WHERE thread_id = ?", thread.id)
            #expect(first.header("location")?.hasSuffix("#post-\(postID)") == true)
            #expect(second.header("location")?.hasSuffix("#post-\(postID)") == true, "the second goes to the first")

            // Other words are another reply; the same words after another post of theirs too.
            _ = try replier.get(thread.path)
            #expect(try replier.post("/t/\(thread.id)/reply", [("body", "And the bank wanted a charge on the lease.")]).status == 303)
            _ = try replier.get(thread.path)
            #expect(try replier.post("/t/\(thread.id)/reply", form).status == 303)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", thread.id) == 4)
        }
    }

    @Test func theSameThreadSentTwiceIsStartedOnce() throws {
        try withTestSite { site in
            try site.member(handle: "asker")
            _ = try site.topic("capital-and-finance")
            let asker = try site.signedIn("asker")
            _ = try asker.get("/t/new")
            let form = [("title", "Who guaranteed your overdraft?"), ("body", "Our bank asks for a parent guarantee."),
                        ("topics", "capital-and-finance"), ("space", "public")]
            let first = try asker.post("/t/new", form)
            let second = try asker.post("/t/new", form)
            #expect(first.status == 303 && second.status == 303)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM threads WHERE title = 'Who guaranteed your overdraft?'") == 1)
            #expect(first.header("location")?.components(separatedBy: "?").first
                    == second.header("location")?.components(separatedBy: "?").first)
        }
    }

    /// The rule itself: only the author's newest post in the thread, only within the window, and
    /// never one they deleted.
    @Test func onlyTheNewestPostWithinTheWindowCounts() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let replier = try network.member(handle: "replier")
            let thread = try network.thread(by: asker)
            let now = Date()
            let first = try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Same words", now: now)
            #expect(try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Same words",
                                      now: now.addingTimeInterval(5)) == first)
            // Another author's identical words are their own post.
            #expect(try Threads.reply(network.store, by: asker.viewer, threadID: thread.id, body: "Same words",
                                      now: now.addingTimeInterval(6)) != first)
            // After the window, the same words are a new post.
            let later = try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Same words",
                                          now: now.addingTimeInterval(Threads.resubmitWindow + 1))
            #expect(later != first)
            // A post its author deleted is not the one answered.
            try Threads.deleteOwn(network.store, by: replier.viewer, postID: later)
            let again = try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Same words",
                                          now: now.addingTimeInterval(Threads.resubmitWindow + 2))
            #expect(again != later)
        }
    }
}
