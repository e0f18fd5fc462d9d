import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Named regressions for the holes the security review of issue 16 found, at the service layer
/// (the end-to-end ones over HTTP are in WebTests). Each reproduces the attack as described.
@Suite struct PrivacyRegressionTests {
    struct Network {
        let store: Store
        let pathfinder: Int64
        let topic: Int64
        let member: Int64
        let outsider: Int64
        let mentor: Int64
        let admin: Int64
    }

    /// A pathfinder with a confirmed member, an outsider who *claims* the organisation
    /// (unconfirmed), a mentor linked to it, and an admin.
    func withNetwork(_ body: (Network) throws -> Void) throws {
        try withTestNetwork { world in
            let pathfinder = try world.organisation("tri-borough-mutual")
            let topic = try world.topic()
            let member = try world.member(of: pathfinder, handle: "member")
            let outsider = try world.unconfirmedMember(of: pathfinder, handle: "outsider")
            let mentor = try world.mentor(of: pathfinder, handle: "mentor")
            let admin = try world.admin()
            // New accounts' first posts are not held here: these tests are about reading.
            try world.store.write { try $0.run("UPDATE settings SET value = '0' WHERE key = ?", Setting.holdFirstPostsOfNewMembers.rawValue) }
            try body(Network(store: world.store, pathfinder: pathfinder.id, topic: topic, member: member.id,
                             outsider: outsider.id, mentor: mentor.id, admin: admin.id))
        }
    }

    func actor(_ store: Store, _ id: Int64) throws -> Actor {
        try store.read { (conn: Connection) throws in
            let account = try #require(try Accounts.account(conn, id: id))
            return try Actor.load(conn, account: account)
        }
    }

    func privateThread(_ network: Network, body: String = "Opening post") throws -> (thread: Int64, post: Int64) {
        try Threads.create(network.store, by: try actor(network.store, network.member).viewer,
                           NewThread(title: "CONFIDENTIAL redundancy plan", body: body,
                                     topicSlugs: ["capital-and-finance"], space: .organisation(network.pathfinder)),
                           now: Fixtures.now)
    }

    /// A public thread with its opening post, written as the network's tables hold one.
    static func thread(_ tx: Connection, author: Int64, topic: Int64, title: String) throws -> (thread: Int64, post: Int64) {
        try tx.run("INSERT INTO threads(title, slug, author_id, created_at, last_activity_at) VALUES (?, ?, ?, ?, ?)",
                   title, Slug.make(title), author, Fixtures.now, Fixtures.now)
        let thread = tx.lastInsertedRowID
        try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", thread, topic)
        try tx.run("""
            INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, renderer_version, created_at)
            VALUES (?, ?, 1, 'Held text', '<p>Held text</p>', 0, ?)
            """, thread, author, Fixtures.now)
        return (thread, tx.lastInsertedRowID)
    }

    /// Case 1: a self-declared (unconfirmed) member who follows the topic, or is @mentioned,
    /// hears nothing of a private thread, and a notification made before they lost access is
    /// not listed or counted.
    @Test func unconfirmedOrganisationHearsNothingOfPrivateThreads() throws {
        try withNetwork { network in
            try network.store.write { tx in
                try tx.run("INSERT INTO subscriptions(user_id, topic_id, created_at) VALUES (?, ?, ?)",
                           network.outsider, network.topic, Fixtures.now)
            }
            let started = try privateThread(network, body: "Please look, @outsider and @mentor")
            try network.store.read { (conn: Connection) throws in
                #expect(try Notifications.list(conn, userID: network.outsider).isEmpty)
                #expect(try Notifications.unreadCount(conn, userID: network.outsider) == 0)
                // The linked mentor may read it, so their mention stands.
                #expect(try Notifications.list(conn, userID: network.mentor).map(\.threadID) == [started.thread])
            }
            // A notification left over from when access was allowed is no longer shown.
            try network.store.write { tx in
                try tx.run("INSERT INTO notifications(user_id, kind, thread_id, post_id, created_at) VALUES (?, 'reply', ?, ?, ?)",
                           network.outsider, started.thread, started.post, Fixtures.now)
            }
            try network.store.read { (conn: Connection) throws in
                #expect(try Notifications.list(conn, userID: network.outsider).isEmpty)
                #expect(try Notifications.unreadCount(conn, userID: network.outsider) == 0)
            }
        }
    }

    /// Case 3: a mentor whose role is changed to member loses the private space at once, on
    /// every path, even while a mentorship row is still active.
    @Test func demotedMentorLosesThePrivateSpace() throws {
        try withNetwork { network in
            let started = try privateThread(network, body: "Our zebracorn numbers")
            let before = try actor(network.store, network.mentor)
            try network.store.read { (conn: Connection) throws in
                #expect(try PageQueries.thread(conn, id: started.thread, page: 1, viewer: before.viewer) != nil)
            }
            try network.store.write { tx in try tx.run("UPDATE users SET role = 'member' WHERE id = ?", network.mentor) }
            let after = try actor(network.store, network.mentor)
            try network.store.read { (conn: Connection) throws in
                #expect(try PageQueries.thread(conn, id: started.thread, page: 1, viewer: after.viewer) == nil)
                let page = try #require(try PageQueries.organisation(conn, slug: "tri-borough-mutual", viewer: after.viewer))
                #expect(!page.canReadPrivateSpace)
                #expect(page.privateThreads.isEmpty)
                let found = try SearchQueries.search(conn, SearchRequest(query: try SearchQuery(parsing: "zebracorn")), viewer: after.viewer)
                #expect(found.hits.isEmpty)
                // Even a viewer built before the demotion is refused: the role is read in the query.
                #expect(try PageQueries.thread(conn, id: started.thread, page: 1, viewer: before.viewer) == nil)
            }
            #expect(throws: PostingError.threadNotFound) {
                try Threads.reply(network.store, by: before.viewer, threadID: started.thread, body: "Still here?")
            }
            let replies = try network.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", started.thread) }
            #expect(replies == 1)
        }
    }

    /// Case 8: a post awaiting approval cannot be quoted into a reply box, and the flag page of a
    /// held thread does not exist for someone who cannot read it.
    @Test func postsAwaitingApprovalDoNotLeak() throws {
        try withNetwork { network in
            let held = try network.store.write { tx in
                try Self.thread(tx, author: network.member, topic: network.topic, title: "Held title")
            }
            let (thread, opening) = (held.thread, held.post)
            try network.store.write { tx in try tx.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", opening) }
            let stranger = try actor(network.store, network.outsider)
            try network.store.read { (conn: Connection) throws in
                #expect(try Threads.quote(conn, postID: opening, threadID: thread, viewer: stranger.viewer) == nil)
                let state = try #require(try Resource.PostState.load(conn, id: opening))
                #expect(Policy.decide(stranger, .flag, .post(state)) == .notFound)
                // Its author and admins still may.
                let author = try actor(network.store, network.member)
                #expect(try Threads.quote(conn, postID: opening, threadID: thread, viewer: author.viewer) != nil)
            }
            // A held reply in a public thread: the thread is readable, the reply's text is not.
            let open = try network.store.write { tx in
                try Self.thread(tx, author: network.member, topic: network.topic, title: "An open question")
            }.thread
            let reply = try network.store.write { tx -> Int64 in
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, renderer_version, created_at, held_for_approval)
                    VALUES (?, ?, 2, 'Secret reply', '<p>Secret reply</p>', 0, ?, 1)
                    """, open, network.admin, Fixtures.now)
                return tx.lastInsertedRowID
            }
            try network.store.read { (conn: Connection) throws in
                #expect(try Threads.quote(conn, postID: reply, threadID: open, viewer: stranger.viewer) == nil)
                #expect(throws: PostingError.postNotFound) { try Threads.revisions(conn, postID: reply, viewer: stranger.viewer) }
            }
        }
    }

    /// Case 11a: a suspended member cannot mark an answer.
    @Test func suspendedMemberCannotAcceptAnAnswer() throws {
        try withNetwork { network in
            let thread = try network.store.write { tx in
                try Self.thread(tx, author: network.member, topic: network.topic, title: "Which bond did you take?")
            }.thread
            let reply = try Threads.reply(network.store, by: try actor(network.store, network.admin).viewer, threadID: thread, body: "An answer")
            try network.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'spam' WHERE id = ?",
                           Date().addingTimeInterval(86_400), network.member)
            }
            let suspended = try actor(network.store, network.member)
            #expect(throws: PostingError.suspended) {
                try Threads.acceptAnswer(network.store, by: suspended.viewer, threadID: thread, postID: reply)
            }
            let accepted = try network.store.read { try $0.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", thread) }
            #expect(accepted == nil)
        }
    }

    /// Case 11b: an organisation page lists only members an admin has confirmed.
    @Test func organisationPageListsOnlyConfirmedMembers() throws {
        try withNetwork { network in
            try network.store.read { (conn: Connection) throws in
                let page = try #require(try PageQueries.organisation(conn, slug: "tri-borough-mutual", viewer: .visitor))
                #expect(page.members.map(\.handle) == ["member"])
            }
        }
    }
}
