import Database
import DemoContent
import Foundation
import Testing
import TestSupport
@testable import Board

/// Migration 8: a thread whose opening post awaits approval is held out of lists and counts.
@Suite("Migration 8: threads held for approval")
struct Migration008HeldThreadsTests {
    static let author = Viewer(userID: 1, organisationID: nil, isAdmin: false)

    func listed(_ store: Store, _ viewer: Viewer) throws -> Set<Int64> {
        try store.read { Set(try PageQueries.home($0, viewer: viewer).map(\.id)) }
    }

    func count(_ store: Store) throws -> Int {
        try store.read { try PageQueries.topicCounts($0, viewer: .visitor).first?.threadCount ?? -1 }
    }

    func held(_ store: Store, _ thread: Int64) throws -> Bool {
        try store.read { try $0.scalar(Bool.self, "SELECT held FROM threads WHERE id = ?", thread) } ?? false
    }

    @Test func upgradesAVersion7DatabaseHoldingThreadsWhoseOpeningPostIsHeld() throws {
        try withTestNetwork(migratedTo: 7) { network in
            let store = network.store
            let person = try network.member(handle: "author")
            let topic = try network.topic()
            let opened = try network.thread(by: person, title: "Waiting for an admin", topics: [topic])
            let approved = try network.thread(by: person, title: "Approved long ago", topics: [topic]).id
            try store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", opened.openingPostID) }
            let (author, waiting) = (person.id, opened.id)
            #expect(try count(store) == 2)   // migration 7 counted it
            #expect(try store.migrate(Schema.migrator).to == Schema.migrations.count)
            #expect(try store.integrityProblems().isEmpty)
            #expect(try held(store, waiting))
            #expect(try !held(store, approved))
            #expect(try count(store) == 1)
            #expect(try listed(store, .visitor) == [approved])
            #expect(try listed(store, Viewer(userID: author + 1, organisationID: nil, isAdmin: false)) == [approved])
            #expect(try listed(store, Viewer(userID: author, organisationID: nil, isAdmin: false)) == [approved, waiting])
            #expect(try listed(store, Viewer(userID: nil, organisationID: nil, isAdmin: true)) == [approved, waiting])
            #expect(try store.read { try PageQueries.thread($0, id: waiting, page: 1, viewer: .visitor) } == nil)
        }
    }

    @Test func theThreadFollowsItsOpeningPost() throws {
        try withTestNetwork { network in
            let store = network.store
            let admin = try network.admin().id
            let author = try network.member(handle: "author")
            let topic = try network.topic()
            let newcomer = try network.thread(by: author, title: "A newcomer asks", topics: [topic])
            let established = try network.thread(by: author, title: "An established thread", topics: [topic])
            let (thread, post, other, otherPost) = (newcomer.id, newcomer.openingPostID, established.id, established.openingPostID)
            func set(_ sql: String, _ id: Int64) throws {
                try store.write { try $0.run(sql, arguments: [admin, id]) }
            }
            #expect(try count(store) == 2)
            try set("UPDATE posts SET held_for_approval = 1 WHERE ?1 IS NOT NULL AND id = ?2", post)
            #expect(try held(store, thread))
            #expect(try count(store) == 1)
            // Approved: listed and counted.
            try set("UPDATE posts SET held_for_approval = 0 WHERE ?1 IS NOT NULL AND id = ?2", post)
            #expect(try !held(store, thread))
            #expect(try count(store) == 2)
            // Held again, then hidden by an admin (as the queue does: no longer held, hidden): still out.
            try set("UPDATE posts SET held_for_approval = 1 WHERE ?1 IS NOT NULL AND id = ?2", post)
            try set("UPDATE posts SET held_for_approval = 0, hidden = 1, hidden_by = ?1, hidden_reason = 'spam' WHERE id = ?2", post)
            #expect(try held(store, thread))
            #expect(try count(store) == 1)
            // Restored by an admin: listed, as approving would.
            try set("UPDATE posts SET hidden = 0, hidden_by = NULL, hidden_reason = NULL WHERE ?1 IS NOT NULL AND id = ?2", post)
            #expect(try !held(store, thread))
            #expect(try count(store) == 2)
            // Hiding the opening post of an approved thread leaves the thread listed, as before.
            try set("UPDATE posts SET hidden = 1, hidden_by = ?1, hidden_reason = 'rude' WHERE id = ?2", otherPost)
            #expect(try !held(store, other))
            #expect(try count(store) == 2)
            // A held reply does not hold its thread.
            let reply = try store.write { try $0.insertPost(threadID: other, authorID: admin, body: "A reply", at: Fixtures.now + 60) }
            try set("UPDATE posts SET held_for_approval = 1 WHERE ?1 IS NOT NULL AND id = ?2", reply)
            #expect(try !held(store, other))
            // An opening post written already held (as a bulk import might) holds its thread.
            let imported = try store.write { tx -> Int64 in
                let topic = try #require(try tx.scalar(Int64.self, "SELECT id FROM topics LIMIT 1"))
                try tx.run("""
                    INSERT INTO threads(title, slug, author_id, created_at, last_activity_at) VALUES ('Imported thread', 'imported-thread', ?, ?, ?)
                    """, admin, Fixtures.now, Fixtures.now)
                let id = tx.lastInsertedRowID
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", id, topic)
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, renderer_version, created_at, held_for_approval)
                    VALUES (?, ?, 1, 'Imported', '<p>Imported</p>', 0, ?, 1)
                    """, id, admin, Fixtures.now)
                return id
            }
            #expect(try held(store, imported))
            #expect(try count(store) == 2)
        }
    }
}
