import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// `LiveFeed.changes` gives each post once, when it becomes readable: a new reply by id, a reply
/// approved from the queue by its release (migration 22), whichever side of the position it is.
@Suite struct LiveFeedReleaseTests {
    func ids(_ feed: LiveFeed, _ position: inout LiveFeed.Position) throws -> [Int64] {
        let changes = try feed.changes(after: position, watchedUsers: [])
        position = changes.position
        return changes.posts.map(\.post.id)
    }

    @Test func aHeldReplyComesOnceWhenApprovedAndNeverWhenRefused() throws {
        try withTestNetwork { network in
            let store = network.store
            let feed = LiveFeed(store: store)
            let admin = try network.actor(try network.admin().handle)
            let author = try network.member(handle: "asker")
            let newcomer = try network.member(handle: "newcomer")
            let thread = try network.thread(by: author)
            var position = try feed.latest()

            let waiting = try network.heldReply(to: thread, by: newcomer, body: "Waiting")
            let later = try network.reply(to: thread, by: author, body: "Later")
            #expect(try ids(feed, &position) == [later], "a held reply is not sent")
            #expect(position.post == later)

            // Approved after the position passed it: sent by its release, once.
            try Moderation.decide(store, actor: admin, postID: waiting, .approve)
            #expect(try ids(feed, &position) == [waiting])
            #expect(try ids(feed, &position).isEmpty)

            // Approved before the position reaches it: sent by id, not by its release as well.
            let quick = try network.heldReply(to: thread, by: newcomer, body: "Approved at once")
            try Moderation.decide(store, actor: admin, postID: quick, .approve)
            let next = try network.reply(to: thread, by: author, body: "Next")
            #expect(try ids(feed, &position) == [quick, next])
            #expect(try ids(feed, &position).isEmpty)

            // Still held (a held reply cannot be hidden: `Moderation.mayHide`), then deleted from
            // the queue: never released, never sent.
            let spam = try network.heldReply(to: thread, by: newcomer, body: "Spam")
            #expect(try ids(feed, &position).isEmpty)
            #expect(throws: (any Error).self) { try Moderation.decide(store, actor: admin, postID: spam, .hide(reason: "spam")) }
            #expect(try ids(feed, &position).isEmpty)
            try Moderation.decide(store, actor: admin, postID: spam, .delete(reason: "spam"))
            #expect(try ids(feed, &position).isEmpty)
            #expect(try store.read { try $0.scalar(Int64.self, "SELECT count(*) FROM post_releases") } == 2)
        }
    }

    /// A database at schema 21 gets `post_releases` and its trigger: a post approved after the
    /// upgrade is released.
    @Test func anUpgradedDatabaseReleasesApprovedPosts() throws {
        try withTestNetwork(migratedTo: 21) { network in
            let author = try network.member(handle: "asker")
            let thread = try network.thread(by: author)
            let waiting = try network.heldReply(to: thread, by: try network.member(handle: "newcomer"))
            #expect(try network.store.migrate(Schema.migrator).to == Schema.migrations.count)
            let feed = LiveFeed(store: network.store)
            var position = try feed.latest()
            try Moderation.decide(network.store, actor: try network.actor(try network.admin().handle), postID: waiting, .approve)
            #expect(try ids(feed, &position) == [waiting])
            #expect(try network.store.integrityProblems().isEmpty)
        }
    }
}
