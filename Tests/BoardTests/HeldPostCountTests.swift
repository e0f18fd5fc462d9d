import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Migration 21: a post held for approval is its author's and the admins' alone, so its thread
/// does not count it (reply count, last activity and who made it, "new replies") until it
/// leaves the queue; its author and the admins still find it on the thread's pages.
@Suite struct HeldPostCountTests {
    struct Counters: RowDecodable, Equatable, CustomStringConvertible {
        let replies: Int, lastPostID: Int64?, lastPosterID: Int64?, lastActivity: Date
        init(row: Row) throws {
            replies = try row["reply_count"]; lastPostID = try row["last_post_id"]
            lastPosterID = try row["last_poster_id"]; lastActivity = try row["last_activity_at"]
        }
        init(replies: Int, lastPostID: Int64?, lastPosterID: Int64?, lastActivity: Date) {
            self.replies = replies; self.lastPostID = lastPostID; self.lastPosterID = lastPosterID; self.lastActivity = lastActivity
        }
        var description: String { "\(replies) replies, last \(lastPostID ?? 0) by \(lastPosterID ?? 0)" }
    }

    func counters(_ store: Store, _ thread: TestThread) throws -> Counters {
        try #require(try store.read {
            try $0.queryOne(Counters.self, "SELECT reply_count, last_post_id, last_poster_id, last_activity_at FROM threads WHERE id = ?", thread.id)
        })
    }

    @Test func aHeldReplyCountsOnlyOnceItLeavesTheQueue() throws {
        try withTestNetwork { network in
            let store = network.store
            let topic = try network.topic("capital-and-finance")
            let asker = try network.member(handle: "asker")
            let reader = try network.member(handle: "reader")
            let newcomer = try network.member(handle: "newcomer")
            let admin = try network.admin()
            let thread = try network.thread(by: asker, title: "Working capital in year one", topics: [topic])
            let answer = try network.reply(to: thread, by: reader, body: "Visible answer", at: Fixtures.now + 60)
            let before = Counters(replies: 1, lastPostID: answer, lastPosterID: reader.id, lastActivity: Fixtures.now + 60)
            #expect(try counters(store, thread) == before)
            // The reader has seen everything anyone may read.
            try store.write { try $0.run("INSERT INTO thread_visits(user_id, thread_id, last_seen_post_id) VALUES (?, ?, ?)", reader.id, thread.id, answer) }

            let held = try network.heldReply(to: thread, by: newcomer, body: "Held reply", at: Fixtures.now + 120)
            #expect(try counters(store, thread) == before, "a held reply changes nothing others see")
            let board = Network(accounts: network.accounts)
            for viewer in [Viewer.visitor, reader.viewer, asker.viewer] {
                let listed = try #require(try board.reading.home(viewer: viewer).latest.first { $0.id == thread.id })
                #expect(listed.replyCount == 1)
                #expect(listed.lastPosterName != "Newcomer")
                let onTopic = try #require(try board.reading.topic(slug: "capital-and-finance", viewer: viewer, filter: .all)?.threads.first { $0.id == thread.id })
                #expect(onTopic.replyCount == 1)
            }
            #expect(try board.reading.home(viewer: reader.viewer).latest.first { $0.id == thread.id }?.hasNewPosts == false,
                    "no \"new replies\" the reader could never open")
            // Its author and the admins still see it, on the thread's last page.
            for viewer in [newcomer.viewer, admin.viewer] {
                let page = try #require(try board.reading.thread(id: thread.id, page: 1, viewer: viewer))
                #expect(page.posts.map(\.id).contains(held))
            }
            #expect(try board.reading.thread(id: thread.id, page: 1, viewer: reader.viewer)?.posts.map(\.id).contains(held) == false)

            // Approved: counted, and the newest post, so the thread's last.
            try Moderation.decide(store, actor: Actor(userID: admin.id, role: .admin), postID: held, .approve, now: network.clock.now)
            #expect(try counters(store, thread) == Counters(replies: 2, lastPostID: held, lastPosterID: newcomer.id, lastActivity: Fixtures.now + 120))
            #expect(try board.reading.home(viewer: reader.viewer).latest.first { $0.id == thread.id }?.hasNewPosts == true)
        }
    }

    @Test func anOlderHeldReplyApprovedLeavesTheNewestLast_andARejectedOneNeverCounted() throws {
        try withTestNetwork { network in
            let store = network.store
            let asker = try network.member(handle: "asker")
            let reader = try network.member(handle: "reader")
            let newcomer = try network.member(handle: "newcomer")
            let admin = try network.admin()
            let actor = Actor(userID: admin.id, role: .admin)
            let thread = try network.thread(by: asker, title: "Pension deficit questions")
            let held = try network.heldReply(to: thread, by: newcomer, body: "Held first", at: Fixtures.now + 60)
            let later = try network.reply(to: thread, by: reader, body: "Visible later", at: Fixtures.now + 120)
            let rejected = try network.heldReply(to: thread, by: newcomer, body: "Held, then rejected", at: Fixtures.now + 180)
            #expect(try counters(store, thread) == Counters(replies: 1, lastPostID: later, lastPosterID: reader.id, lastActivity: Fixtures.now + 120))

            try Moderation.decide(store, actor: actor, postID: held, .approve, now: network.clock.now)
            #expect(try counters(store, thread) == Counters(replies: 2, lastPostID: later, lastPosterID: reader.id, lastActivity: Fixtures.now + 120))
            try Moderation.decide(store, actor: actor, postID: rejected, .delete(reason: "Spam"), now: network.clock.now)
            #expect(try counters(store, thread) == Counters(replies: 2, lastPostID: later, lastPosterID: reader.id, lastActivity: Fixtures.now + 120))
        }
    }

    /// Pages go by position: a held post past the last page anyone else sees is on a page of its
    /// own for its author, and that page is not offered to others.
    @Test func theAuthorReachesAHeldPostOnAPageOfItsOwn() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let reader = try network.member(handle: "reader")
            let newcomer = try network.member(handle: "newcomer")
            let thread = try network.thread(by: asker, title: "A long thread of answers")
            for index in 1..<PageQueries.postsPerPage {
                try network.reply(to: thread, by: reader, body: "Answer \(index)", at: Fixtures.now + Double(index))
            }
            let held = try network.heldReply(to: thread, by: newcomer, body: "Held on page two", at: Fixtures.now + 100)
            let board = Network(accounts: network.accounts)
            let authors = try #require(try board.reading.thread(id: thread.id, page: 2, viewer: newcomer.viewer))
            #expect(authors.pageCount == 2)
            #expect(authors.posts.map(\.id) == [held])
            let others = try #require(try board.reading.thread(id: thread.id, page: 2, viewer: reader.viewer))
            #expect(others.pageCount == 1)
            #expect(others.page == 1)
        }
    }

    @Test func anUpgradedDatabaseCountsItsHeldPostsOut() throws {
        try withTestNetwork(migratedTo: 20) { network in
            let store = network.store
            let asker = try network.member(handle: "asker")
            let reader = try network.member(handle: "reader")
            let newcomer = try network.member(handle: "newcomer")
            let thread = try network.thread(by: asker, title: "Counted before the fix")
            let answer = try network.reply(to: thread, by: reader, body: "Visible", at: Fixtures.now + 60)
            _ = try network.heldReply(to: thread, by: newcomer, body: "Held", at: Fixtures.now + 120)
            #expect(try counters(store, thread).replies == 2, "counted, before migration 21")
            #expect(try store.migrate(Schema.migrator).to == Schema.migrations.count)
            #expect(try counters(store, thread) == Counters(replies: 1, lastPostID: answer, lastPosterID: reader.id, lastActivity: Fixtures.now + 60))
            #expect(try store.integrityProblems().isEmpty)
        }
    }
}
