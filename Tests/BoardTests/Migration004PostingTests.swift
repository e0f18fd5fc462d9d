import Database
import DemoContent
import Foundation
import Testing
import TestSupport
@testable import Board

@Suite("Migration 4: posts, revisions and drafts up to 50,000 characters")
struct Migration004PostingTests {
    static func schemaObjects(_ db: Connection) throws -> [String] {
        try db.column(String.self, """
            SELECT type || ' ' || name FROM sqlite_schema
            WHERE tbl_name IN ('posts', 'post_revisions', 'drafts') AND name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name
            """)
    }

    @Test func upgradesAVersion3DatabaseWithPostsKeepingEverything() throws {
        try withTestNetwork(migratedTo: 3) { network in
            let store = network.store
            let before = try store.read { try Self.schemaObjects($0) }
            let author = try network.member(of: try network.organisation(), handle: "author").id
            let reader = try network.member(handle: "reader").id
            let thread = try network.thread(in: nil, by: author, topics: [try network.topic()]).id
            let reply = try store.write { tx -> Int64 in
                let reply = try tx.insertPost(threadID: thread, authorID: reader, body: "Employee ownership of the spinout", at: Fixtures.now + 60)
                try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", reply, thread)
                try tx.run("INSERT INTO post_revisions(post_id, body_markdown, edited_by, created_at) VALUES (?, 'earlier text', ?, ?)",
                           reply, reader, Fixtures.now + 90)
                try tx.run("INSERT INTO flags(post_id, reporter_id, reason, created_at) VALUES (?, ?, 'spam', ?)", reply, author, Fixtures.now + 120)
                try tx.run("INSERT INTO drafts(user_id, thread_id, body_markdown, updated_at) VALUES (?, ?, 'half a reply', ?)",
                           author, thread, Fixtures.now + 150)
                return reply
            }
            #expect(before.contains("trigger post_search_update"))

            let outcome = try store.migrate(Schema.migrator)
            #expect(outcome.to == Schema.migrations.count)
            #expect(try store.integrityProblems().isEmpty)
            try store.read { (db: Connection) throws -> Void in
                // The same indexes and triggers (plus migration 8's on posts), the rows, and
                // everything that points at posts.
                let migration8 = ["trigger thread_held_follows_opening_post", "trigger thread_held_opening_post_inserted"]
                let migration9 = ["trigger post_search_recent_delete", "trigger post_search_recent_update"]
                let migration16 = ["trigger mentor_answers_delete", "trigger mentor_answers_insert", "trigger mentor_answers_update"]
                let migration21 = ["trigger posts_enter_queue", "trigger posts_leave_queue"]
                let migration22 = ["trigger posts_released"]
                let migration26 = ["trigger search_lengths_post_deleted", "trigger search_lengths_post_edited"]
                let migration27 = ["trigger answer_restored", "trigger answer_set_aside"]
                #expect(try Self.schemaObjects(db) == (before + migration8 + migration9 + migration16 + migration21 + migration22
                                                      + migration26 + migration27).sorted())
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM posts") == 2)
                #expect(try db.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", thread) == reply)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM post_revisions WHERE post_id = ?", reply) == 1)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM flags WHERE post_id = ?", reply) == 1)
                #expect(try db.scalar(String.self, "SELECT body_markdown FROM drafts") == "half a reply")
                #expect(try db.scalar(Int.self, "PRAGMA foreign_keys") == 1)
                var violations = 0
                try db.forEach("PRAGMA foreign_key_check") { _ in violations += 1 }
                #expect(violations == 0)
                let sql = try db.scalar(String.self, "SELECT sql FROM sqlite_schema WHERE name = 'posts'") ?? ""
                #expect(sql.contains("CREATE TABLE posts (") || sql.contains("CREATE TABLE \"posts\" ("))
                #expect(sql.contains("50000"))
            }

            // Long bodies now fit; the counters and the search triggers still work on the rebuilt table.
            let long = String(repeating: "cooperative governance ", count: 2_000)   // 46,000 characters
            let newPost = try store.write { tx -> Int64 in
                let author = try #require(try tx.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'author'"))
                let id = try tx.insertPost(threadID: thread, authorID: author, body: long, at: Fixtures.now + 200)
                try tx.run("INSERT INTO post_revisions(post_id, body_markdown, edited_by, created_at) VALUES (?, ?, ?, ?)", id, long, author, Fixtures.now + 210)
                try tx.run("INSERT INTO drafts(user_id, thread_id, body_markdown, updated_at) VALUES (?, NULL, ?, ?)", author, long, Fixtures.now + 220)
                return id
            }
            try store.write { tx in
                try tx.run("UPDATE posts SET body_markdown = 'mutualisation pathway' WHERE id = ?", reply)
            }
            try store.read { (db: Connection) throws -> Void in
                #expect(try db.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", thread) == 2)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'governance'") == 1)
                #expect(try db.column(Int64.self, "SELECT rowid FROM post_search WHERE post_search MATCH 'governance'") == [newPost])
                #expect(try db.column(Int64.self, "SELECT rowid FROM post_search WHERE post_search MATCH 'mutualisation'") == [reply])
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'spinout'") == 0)
            }
            // Deleting a post still cascades to its revisions once foreign keys are back on.
            try store.write { tx in try tx.run("DELETE FROM posts WHERE id = ?", newPost) }
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM post_revisions WHERE post_id = ?", newPost) } == 0)
        }
    }

    @Test func bodyLimitIsFiftyThousand() {
        #expect(PostLimits.bodyLength.upperBound == 50_000)
    }
}
