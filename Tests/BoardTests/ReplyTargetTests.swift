import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// A reply's `replyTo` (the post it answers or quotes) must be a post of the same thread whose
/// text the replier may read (the one rule, `Visibility`): never another member's post held for
/// approval, nor a hidden post unless the replier is an admin. Such a reply is refused as a post
/// from another thread is, and nothing is stored (docs/visibility.md).
@Suite struct ReplyTargetTests {
    func storedReplyTo(_ network: TestNetwork, _ postID: Int64) throws -> Int64? {
        try network.store.read { try $0.scalar(Int64.self, "SELECT reply_to_post_id FROM posts WHERE id = ?", postID) }
    }

    func postCount(_ network: TestNetwork, _ thread: TestThread) throws -> Int {
        try network.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", thread.id) } ?? 0
    }

    @Test func anotherMembersHeldPostCannotBeAnswered() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let replier = try network.member(handle: "replier")
            let newcomer = try network.member(handle: "newcomer")
            let thread = try network.thread(by: asker, title: "Staff shares at spin-out")
            let held = try network.heldReply(to: thread, by: newcomer, body: "Held for approval")
            let before = try postCount(network, thread)
            #expect(throws: PostingError.postNotFound) {
                try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Answering a post I cannot see", replyTo: held)
            }
            #expect(try postCount(network, thread) == before, "nothing stored")
            // Its author may read it, so may answer it.
            let own = try Threads.reply(network.store, by: newcomer.viewer, threadID: thread.id, body: "Adding to my own post", replyTo: held)
            #expect(try storedReplyTo(network, own) == held)
        }
    }

    @Test func aHiddenPostCanBeAnsweredByAnAdminOnly() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let replier = try network.member(handle: "replier")
            let writer = try network.member(handle: "writer")
            let admin = try network.admin()
            let thread = try network.thread(by: asker, title: "Pension admission bodies")
            let hidden = try network.hiddenReply(to: thread, by: writer, hiddenBy: admin)
            let before = try postCount(network, thread)
            #expect(throws: PostingError.postNotFound) {
                try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Answering a hidden post", replyTo: hidden)
            }
            #expect(try postCount(network, thread) == before, "nothing stored")
            // The read rule lets admins read a hidden post's text, so an admin may answer it.
            let adminReply = try Threads.reply(network.store, by: admin.viewer, threadID: thread.id, body: "About the post I hid", replyTo: hidden)
            #expect(try storedReplyTo(network, adminReply) == hidden)
        }
    }

    @Test func aVisiblePostIsStoredAsTheOneAnswered() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let replier = try network.member(handle: "replier")
            let thread = try network.thread(by: asker, title: "TUPE and the pension")
            let answer = try network.reply(to: thread, by: asker, body: "A visible answer")
            let reply = try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Thank you", replyTo: answer)
            #expect(try storedReplyTo(network, reply) == answer)
            // A post of another thread is still refused.
            let other = try network.thread(by: asker, title: "Another thread")
            #expect(throws: PostingError.postNotFound) {
                try Threads.reply(network.store, by: replier.viewer, threadID: other.id, body: "Wrong thread", replyTo: answer)
            }
        }
    }
}
