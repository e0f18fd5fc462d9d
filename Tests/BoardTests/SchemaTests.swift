import Database
import DemoContent
import Foundation
import Testing
import TestSupport
@testable import Board

@Suite("Schema: migrations from every version, constraints, triggers")
struct SchemaTests {
    /// Puts rows in every table that exists at `version`.
    static func insertData(_ network: TestNetwork, atVersion version: Int) throws {
        guard version >= 1 else { return }
        let organisation = try network.organisation()
        let author = try network.member(of: organisation, handle: "author")
        let topic = try network.topic()
        let thread = try network.thread(in: .organisation(organisation), by: author, topics: [topic])
        try network.reply(to: thread, by: author, body: "A reply about bonds", at: Fixtures.now + 60)
        // From version 2 the row exists already (migration 2's defaults); an admin's change is an update.
        try network.store.write { tx in
            try tx.run("""
                INSERT INTO settings(key, value, updated_at) VALUES ('instance_name', 'Kept Name', 1)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """)
        }
    }

    @Test(arguments: Array(0..<Schema.migrations.count))
    func upgradesFromEveryEarlierVersionKeepingData(from version: Int) throws {
        try withTestNetwork(migratedTo: version) { network in
            let store = network.store
            try Self.insertData(network, atVersion: version)
            let outcome = try store.migrate(Schema.migrator)
            #expect(outcome == MigrationOutcome(from: version, to: Schema.migrator.latestVersion))
            #expect(try store.integrityProblems().isEmpty)
            try store.read { (db: Connection) throws -> Void in
                if version >= 1 {
                    #expect(try db.scalar(Int.self, "SELECT count(*) FROM posts") == 2)
                    #expect(try db.scalar(Int.self, "SELECT reply_count FROM threads") == 1)
                    // A value set before migration 2 is not overwritten by its defaults.
                    #expect(try db.scalar(String.self, "SELECT value FROM settings WHERE key = 'instance_name'") == "Kept Name")
                }
                // Migration 2's work is there whatever the starting point.
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM sqlite_master WHERE name = 'posts_by_author'") == 1)
                #expect(try db.scalar(String.self, "SELECT value FROM settings WHERE key = 'registration'") == "invite_only")
                // Migration 3 (accounts): existing users keep their organisation confirmed.
                #expect(try db.scalar(String.self, "SELECT value FROM settings WHERE key = 'require_two_factor_for_admins'") == "0")
                if version >= 1 {
                    #expect(try db.scalar(Int.self, "SELECT organisation_confirmed FROM users WHERE handle = 'author'") == 1)
                }
            }
        }
    }

    @Test func aNewerDatabaseIsRefusedByOpenStore() throws {
        try withTestNetwork { network in
            let (store, directory) = (network.store, network.directory)
            try store.writeWithoutTransaction { try $0.execute("PRAGMA user_version = 99") }
            store.close()
            let error = #expect(throws: MigrationError.self) { try Storage.openStore(dataDirectory: directory) }
            #expect(error == .databaseIsNewer(found: 99, supported: Schema.migrations.count))
        }
    }

    @Test func moderationLogIsAppendOnly() throws {
        try withTestNetwork { network in
            let store = network.store
            let admin = try network.admin().id
            try store.write { tx in
                try tx.run("""
                    INSERT INTO moderation_log(actor_id, action, target_type, target_id, reason, created_at)
                    VALUES (?, 'hide_post', 'post', 1, 'spam', ?)
                    """, admin, Fixtures.now)
            }
            let update = #expect(throws: DatabaseError.self) {
                try store.write { tx in try tx.run("UPDATE moderation_log SET reason = 'changed'") }
            }
            #expect(update?.isTriggerRejection == true)
            #expect(update?.message.contains("append-only") == true)
            let delete = #expect(throws: DatabaseError.self) {
                try store.write { tx in try tx.run("DELETE FROM moderation_log") }
            }
            #expect(delete?.isTriggerRejection == true)
            let reason = try store.read { try $0.scalar(String.self, "SELECT reason FROM moderation_log") }
            #expect(reason == "spam")
        }
    }

    @Test func connectionsAreDefensive() throws {
        try withTestNetwork { network in
            let store = network.store
            // FTS5's shadow tables can only be changed through the FTS5 table itself.
            let shadow = #expect(throws: DatabaseError.self) {
                try store.write { tx in try tx.run("DELETE FROM post_search_data") }
            }
            #expect(shadow?.message.contains("may not be modified") == true)
        }
    }

    @Test func handlesAreUniqueWhateverTheirCase() throws {
        try withTestNetwork { network in
            let store = network.store
            try network.member(handle: "Sam")
            let error = #expect(throws: DatabaseError.self) {
                try store.write { tx in _ = try tx.insertUser(handle: "sam", displayName: "Other", email: "other@example.org",
                                                              passwordHash: "!", role: "member", organisationID: nil, bio: "", at: Fixtures.now) }
            }
            #expect(error?.isUniqueConstraintViolation == true)
        }
    }

    @Test(arguments: [
        "UPDATE users SET role = 'owner'",
        "UPDATE users SET handle = 'has space'",
        "UPDATE users SET suspended_until = 5",  // a suspension needs its reason
        "INSERT INTO organisations(slug, name, kind, created_at) VALUES ('x-y', 'Name', 'charity', 0)",
        "INSERT INTO subscriptions(user_id, created_at) VALUES (1, 0)",  // neither thread nor topic
        "UPDATE threads SET title = 'abc'",
        "UPDATE posts SET hidden = 1",  // hidden needs hidden_by
    ])
    func checkConstraintsRejectBadValues(sql: String) throws {
        try withTestNetwork { network in
            let store = network.store
            let user = try network.member(handle: "member")
            try network.thread(by: user, topics: [try network.topic()])
            let error = #expect(throws: DatabaseError.self) {
                try store.write { tx in try tx.run(sql) }
            }
            #expect(error?.isCheckConstraintViolation == true)
        }
    }

    @Test func organisationWithPrivateThreadsCannotBeDeleted() throws {
        try withTestNetwork { network in
            let store = network.store
            let organisation = try network.organisation()
            let user = try network.member(of: organisation, handle: "member")
            try network.thread(in: .organisation(organisation), by: user, topics: [try network.topic()])
            let error = #expect(throws: DatabaseError.self) {
                try store.write { tx in try tx.run("DELETE FROM organisations") }
            }
            #expect(error?.isForeignKeyViolation == true)
            let threads = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM threads WHERE organisation_id IS NOT NULL") }
            #expect(threads == 1)
        }
    }

    @Test func postsKeepThreadCountersAndTopicActivityInStep() throws {
        try withTestNetwork { network in
            let store = network.store
            let user = try network.member(handle: "member")
            let topic = try network.topic()
            let thread = try network.thread(by: user, topics: [topic]).id
            let last = try store.write { tx -> Int64 in
                _ = try tx.insertPost(threadID: thread, authorID: user.id, body: "two", at: Fixtures.now + 10)
                return try tx.insertPost(threadID: thread, authorID: user.id, body: "three", at: Fixtures.now + 20)
            }
            try store.read { (db: Connection) throws -> Void in
                #expect(try db.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", thread) == 2)
                #expect(try db.scalar(Int64.self, "SELECT last_post_id FROM threads WHERE id = ?", thread) == last)
                #expect(try db.column(Int.self, "SELECT position FROM posts WHERE thread_id = ? ORDER BY position", thread) == [1, 2, 3])
                let activity = try db.scalar(Date.self, "SELECT last_activity_at FROM thread_topics WHERE thread_id = ? AND topic_id = ?", thread, topic)
                #expect(activity == Fixtures.now + 20)
            }
            try store.write { tx in try tx.run("DELETE FROM posts WHERE id = ?", last) }
            #expect(try store.read { try $0.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", thread) } == 1)
        }
    }
}

@Suite("Schema.migrations: numbered 1...N, shipped ones unchanged")
struct MigrationListTests {
    @Test func versionsAreOneToNInOrderWithoutGaps() throws {
        let versions = Schema.migrations.map(\.version)
        #expect(!versions.isEmpty)
        #expect(versions == Array(1...Schema.migrations.count))
        #expect(Schema.migrator.latestVersion == versions.last)
        try Schema.migrator.validate()
        #expect(Set(Schema.migrations.map(\.name)).count == versions.count)
    }

    /// SHA-256 of each shipped SQL migration's text, as it shipped. A mismatch means a shipped
    /// migration was edited: databases that already ran it would never see the change. Put the
    /// change in a new migration instead. (Migration 4 is code; its own tests cover it.)
    @Test func shippedMigrationSQLIsUnchanged() {
        let shipped: [(version: Int, sql: String, sha256: String)] = [
            (1, Migration001Initial.sql, "6ce467e1bfe02aa0fff41efd889093477af9604fd9a8711219010cd840adbdae"),
            (2, Migration002PostsByAuthor.sql, "df1f2e6b10f044587cfd1915d4dbb6405a6fe3b0c70d41cb51239e800abf3f90"),
            (3, Migration003Accounts.sql, "1ab466582f60a7d79c3716b7ace820c0394103c6f9c3bc4b6b5671b90c16f7e6"),
            (5, Migration005Moderation.sql, "361b76c8e393af720a6339c99cd269b7e7ede092ce966122bc4d186db7e47f74"),
            (6, Migration006NotificationSettings.sql, "6c1d9d36412bbe36194278c48a07afd43c1381c62ad8bc9b24fad86f9e33d842"),
            (7, Migration007TopicCounts.sql, "e5a2a2c023bcbcabd7e2d01b91873fbba248fe10bd085de08628ccfd02c4fcf1"),
            (8, Migration008HeldThreads.sql, "95df71667f6ea751dd80b6b1b4de20259c31fbf70de1625aed32fb5fe1290e97"),
            (9, Migration009RecentSearch.sql, "1021680d6dffa00194e2fc256fbf287672962c3a29a0bfcd575f4367c253e2e4"),
            (16, Migration016MentorAnswers.sql, "31c9ef6afa69598e03764928011d0c962741a5915e8783b3f1c7750911d59687"),
            (18, Migration018TopicHelpful.sql, "05e0f0e41db184f7e6b140a7499c96d119b025abd10107d343684adf8122553f"),
            (20, Migration020ThreadTopicIDs.sql, "f41901a6b438bcdbc47d33a940e83f81778d5d0a2f9e7fc24e400c85a8a5d2ff"),
            (21, Migration021HeldPostsUncounted.sql, "b4192fa2fd7adac6bc7d6f46a703648c98b17cb8c88d77808c2eb3992060adc5"),
        ]
        for migration in shipped {
            let digest = Digest.sha256(Array(migration.sql.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(digest == migration.sha256, "migration \(migration.version) changed after it shipped")
        }
    }
}

@Suite("Full-text search stays in step with posts and threads")
struct SearchTests {
    static func postsMatching(_ store: Store, _ query: String) throws -> [Int64] {
        try store.read { try $0.column(Int64.self, "SELECT rowid FROM post_search WHERE post_search MATCH ? ORDER BY rowid", query) }
    }

    static func ftsIntegrity(_ store: Store) throws {
        // FTS5's own check: the index must match the external content table exactly.
        try store.write { tx in
            try tx.execute("INSERT INTO post_search(post_search, rank) VALUES ('integrity-check', 1)")
            try tx.execute("INSERT INTO thread_search(thread_search, rank) VALUES ('integrity-check', 1)")
            try tx.execute("INSERT INTO post_search_recent(post_search_recent, rank) VALUES ('integrity-check', 1)")
        }
        // With far fewer posts than its window, the recent index holds every post, with its
        // plain text (migration 11).
        try store.read { db in
            let posts = try db.column(String.self, "SELECT id || ':' || body_text FROM posts ORDER BY id")
            let recent = try db.column(String.self, "SELECT rowid || ':' || body FROM post_search_recent ORDER BY rowid")
            #expect(recent == posts)
        }
    }

    /// Migration 9's index of the newest posts: exactly the posts within its window, through
    /// inserts, edits and deletes, and rebuilt the same after a bulk load.
    @Test func theRecentIndexHoldsExactlyTheNewestPosts() throws {
        try withTestNetwork { network in
            let store = network.store
            let window: Int64 = 3
            let author = try network.member(handle: "member").id
            let thread = try network.thread(in: nil, by: author, topics: [try network.topic()]).id
            let ids = try store.write { tx -> [Int64] in
                var ids: [Int64] = []
                for number in 1...8 {
                    ids.append(try tx.insertPost(threadID: thread, authorID: author, body: "wombat note \(number)", at: Fixtures.now))
                }
                try SearchIndex.indexPending(tx, window: window)
                return ids
            }
            func recent(_ match: String? = nil) throws -> [Int64] {
                try store.read { db in
                    if let match {
                        return try db.column(Int64.self, "SELECT rowid FROM post_search_recent WHERE post_search_recent MATCH ? ORDER BY rowid", match)
                    }
                    return try db.column(Int64.self, "SELECT rowid FROM post_search_recent ORDER BY rowid")
                }
            }
            #expect(try recent() == Array(ids[5...7]))
            try store.write { tx in
                try tx.run("UPDATE posts SET body_markdown = 'an edited numbat' WHERE id = ?", ids[7])
                try tx.run("UPDATE posts SET body_markdown = 'an old numbat' WHERE id = ?", ids[0])
                try tx.run("DELETE FROM posts WHERE id = ?", ids[6])
                try SearchIndex.indexPending(tx, window: window)
            }
            #expect(try recent() == [ids[5], ids[7]])
            #expect(try recent("numbat") == [ids[7]])
            #expect(try recent("wombat") == [ids[5]])
            let added = try store.write { tx -> Int64 in
                let post = try tx.insertPost(threadID: thread, authorID: author, body: "a newer wombat", at: Fixtures.now)
                try SearchIndex.indexPending(tx, window: window)
                return post
            }
            #expect(try recent() == [ids[7], added])
            try store.write { tx in
                try tx.execute("INSERT INTO post_search_recent(post_search_recent, rank) VALUES ('integrity-check', 1)")
                try SearchIndex.rebuildRecent(tx, window: window)
            }
            #expect(try recent() == [ids[7], added])
            #expect(try recent("wombat") == [added])
        }
    }

    @Test func insertEditAndDeleteAreReflected() throws {
        try withTestNetwork { network in
            let store = network.store
            let user = try network.member(handle: "member")
            let opened = try network.thread(by: user, title: "Performance bonds in tenders", body: "The tender wants a performance bond.",
                                            topics: [try network.topic()])
            let (thread, first) = (opened.id, opened.openingPostID)
            let second = try network.reply(to: opened, by: user, body: "Ask for the shareholding model.")
            #expect(try Self.postsMatching(store, "bond") == [first])
            #expect(try Self.postsMatching(store, "shareholding") == [second])
            #expect(try Self.postsMatching(store, "tenders") == [first])  // porter stemming: tender/tenders

            try store.write { tx in
                try tx.run("UPDATE posts SET body_markdown = ?, edited_at = ? WHERE id = ?",
                           "Now about the asset lock instead.", Fixtures.now, second)
            }
            #expect(try Self.postsMatching(store, "shareholding").isEmpty)
            #expect(try Self.postsMatching(store, "asset lock") == [second])

            try store.write { tx in try tx.run("DELETE FROM posts WHERE id = ?", first) }
            #expect(try Self.postsMatching(store, "bond").isEmpty)

            try store.write { tx in try tx.run("UPDATE threads SET title = ? WHERE id = ?", "Asset locks explained", thread) }
            let titles = try store.read { try $0.column(Int64.self, "SELECT rowid FROM thread_search WHERE thread_search MATCH 'asset'") }
            #expect(titles == [thread])
            let stale = try store.read { try $0.column(Int64.self, "SELECT rowid FROM thread_search WHERE thread_search MATCH 'performance'") }
            #expect(stale.isEmpty)
            try Self.ftsIntegrity(store)

            try store.write { tx in try tx.run("DELETE FROM threads WHERE id = ?", thread) }
            #expect(try Self.postsMatching(store, "asset").isEmpty)
            try Self.ftsIntegrity(store)
        }
    }

    @Test func postsWrittenEditedAndDeletedInOneBatchLeaveTheIndexSound() throws {
        try withTestNetwork { network in
            let store = network.store
            let author = try network.member(handle: "member").id
            let thread = try network.thread(in: nil, by: author, topics: [try network.topic()]).id
            // Many writers at once, so several of these share a batch (and its indexing).
            concurrentlyRun(16) { index in
                _ = try? store.write { tx in
                    let post = try tx.insertPost(threadID: thread, authorID: author, body: "draft wording \(index)", at: Fixtures.now)
                    switch index % 4 {
                    case 0: try tx.run("UPDATE posts SET body_markdown = ? WHERE id = ?", "final wording pensions", post)
                    case 1: try tx.run("DELETE FROM posts WHERE id = ?", post)
                    case 2: throw CancellationError()  // rolled back: queued id must go too
                    default: break
                    }
                }
            }
            try Self.ftsIntegrity(store)
            #expect(try Self.postsMatching(store, "pensions").count == 4)
            #expect(try Self.postsMatching(store, "draft").count == 4)
            let pending = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM post_search_pending") }
            #expect(pending == 0)
        }
    }
}
