import Database
@testable import DemoContent
import Foundation
import Testing
import TestSupport
@testable import Board

@Suite("Demo and scale seeding", .timeLimit(.minutes(2)))
struct DemoTests {
    let cheapHasher = PasswordHasher(n: 1 << 10, r: 8, p: 1)

    @Test func demoSeedsTheBriefingsWorldAndPrintableAccounts() throws {
        try withTestNetwork { network in
            let store = network.store
            let accounts = try Demo.seed(store, hasher: cheapHasher)
            #expect(accounts.map(\.role) == ["member", "mentor", "admin"])
            try store.read { (db: Connection) throws -> Void in
                let organisations = try db.column(String.self, "SELECT name FROM organisations ORDER BY id")
                #expect(organisations.contains { $0.contains("Tri-borough") })
                #expect(organisations.contains("Central Surrey Health"))
                #expect(organisations.contains("Anglian Community Enterprise"))
                #expect(try db.scalar(String.self, "SELECT kind FROM organisations WHERE slug = 'john-lewis-partnership'") == "mentor_organisation")
                let topics = try db.column(String.self, "SELECT name FROM topics ORDER BY position")
                #expect(topics.count == 10)
                #expect(topics.first == "Capital and finance")
                #expect(topics.last == "Policy and announcements")
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM briefing_items") ?? 0 >= 5)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM briefing_items b WHERE NOT EXISTS (SELECT 1 FROM briefing_item_topics t WHERE t.briefing_item_id = b.id)") == 0)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM threads") ?? 0 >= 5)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM threads WHERE organisation_id IS NOT NULL") ?? 0 >= 1)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE ended_at IS NULL") == 1)
                // The printed passwords are the ones stored.
                for account in accounts {
                    let hash = try db.scalar(String.self, "SELECT password_hash FROM users WHERE handle = ?", account.handle) ?? ""
                    #expect(cheapHasher.verify(account.password, against: hash))
                    #expect(try db.scalar(String.self, "SELECT role FROM users WHERE handle = ?", account.handle) == account.role)
                }
            }
            #expect(try store.integrityProblems().isEmpty)
            #expect(try Demo.seedIfEmpty(store) == nil)
        }
    }

    @Test func pageQueriesRespectPrivacy() throws {
        try withTestNetwork { network in
            let store = network.store
            _ = try Demo.seed(store, hasher: cheapHasher)
            try store.read { (db: Connection) throws -> Void in
                let triBorough = try db.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = 'tri-borough-mutual'")
                let member = try db.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'sam_okafor'")
                let mentor = try db.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'helen_marsh'")
                let outsider = try db.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'tom_beckett'")
                let privateTitle = "Shadow board terms of reference — draft for comment"
                let visitor = try PageQueries.home(db, viewer: .visitor).map(\.title)
                #expect(!visitor.contains(privateTitle))
                #expect(visitor.count == 5)
                let insider = try PageQueries.home(db, viewer: Viewer(userID: member, organisationID: triBorough, isAdmin: false)).map(\.title)
                #expect(insider.contains(privateTitle))
                let linkedMentor = try PageQueries.home(db, viewer: Viewer(userID: mentor, organisationID: nil, isAdmin: false)).map(\.title)
                #expect(linkedMentor.contains(privateTitle))
                let other = try PageQueries.home(db, viewer: Viewer(userID: outsider, organisationID: nil, isAdmin: false)).map(\.title)
                #expect(!other.contains(privateTitle))

                let governance = try PageQueries.topic(db, slug: "governance-and-legal-form", viewer: .visitor)
                #expect(governance?.threads.allSatisfy { $0.organisationID == nil } == true)
                #expect(governance?.threads.isEmpty == false)
                #expect(governance?.briefingTitles.isEmpty == false)
                #expect(try PageQueries.topic(db, slug: "no-such-topic", viewer: .visitor) == nil)

                let privateID = try db.scalar(Int64.self, "SELECT id FROM threads WHERE organisation_id IS NOT NULL") ?? -1
                #expect(try PageQueries.thread(db, id: privateID, page: 1, viewer: .visitor) == nil)
                let page = try PageQueries.thread(db, id: privateID, page: 1, viewer: Viewer(userID: member, organisationID: triBorough, isAdmin: false))
                #expect(page?.posts.map(\.position) == [1, 2])
                #expect(page?.mentorNames == ["Helen Marsh"])
                #expect(page?.thread.topics.map(\.slug) == ["governance-and-legal-form", "leadership-and-culture"])
            }
        }
    }

    @Test func scaleSeedAddsPostsAndRestoresTriggers() throws {
        try withTestNetwork { network in
            let store = network.store
            _ = try Demo.seed(store, hasher: cheapHasher)
            let triggersBefore = try store.read { try $0.column(String.self, "SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name") }
            let report = try ScaleSeed.seed(store, posts: 3_000)
            #expect(report.posts == 3_000)
            #expect(report.threads > 100)
            try store.read { (db: Connection) throws -> Void in
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM posts") == 3_000 + 14)
                #expect(try db.column(String.self, "SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name") == triggersBefore)
                // Counters computed by the seed agree with what the triggers would keep.
                #expect(try db.scalar(Int.self, """
                    SELECT count(*) FROM threads t
                    WHERE t.reply_count <> (SELECT count(*) - 1 FROM posts p WHERE p.thread_id = t.id)
                       OR t.last_post_id <> (SELECT max(id) FROM posts p WHERE p.thread_id = t.id)
                       OR t.last_poster_id <> (SELECT author_id FROM posts p WHERE p.id = t.last_post_id)
                       OR t.last_activity_at <> (SELECT max(created_at) FROM posts p WHERE p.thread_id = t.id)
                    """) == 0)
                #expect(try db.scalar(Int.self, """
                    SELECT count(*) FROM thread_topics tt JOIN threads t ON t.id = tt.thread_id
                    WHERE tt.last_activity_at <> t.last_activity_at
                    """) == 0)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'commissioner'") ?? 0 > 0)
                // Every thread keeps its topic ids (migration 20), as the triggers would have.
                #expect(try db.scalar(Int.self, """
                    SELECT count(*) FROM threads t
                    WHERE t.topic_ids IS NOT (SELECT group_concat(topic_id) FROM thread_topics WHERE thread_id = t.id)
                    """) == 0)
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM threads WHERE topic_ids IS NULL") == 0)
                // Each value the other set-aside triggers keep, against a count from the posts.
                for (value, drifted) in Self.driftFromBaseTables(db) {
                    #expect(drifted == 0, "\(value) differs from a count of the base tables in \(drifted) rows")
                }
                // Not vacuous: the seed writes mentor replies, and topics count many threads.
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM threads WHERE mentor_answers > 0") ?? 0 > 10)
                #expect(try db.scalar(Int.self, "SELECT min(threads) FROM topic_thread_counts WHERE organisation_id = 0") ?? 0 > 10)
            }
            try SearchTests.ftsIntegrity(store)
            #expect(try store.integrityProblems().isEmpty)
            // Triggers work again after the seed.
            try store.write { tx in
                let thread = try tx.scalar(Int64.self, "SELECT max(id) FROM threads") ?? 0
                let author = try tx.scalar(Int64.self, "SELECT max(id) FROM users") ?? 0
                _ = try tx.insertPost(threadID: thread, authorID: author, body: "zanzibar", at: Date())
            }
            #expect(try SearchTests.postsMatching(store, "zanzibar").count == 1)
        }
    }

    /// How many rows of each trigger-kept value differ from a count of the tables it describes,
    /// written here independently of the migrations' recounts.
    static func driftFromBaseTables(_ db: Connection) -> [(value: String, rows: Int)] {
        let checks: [(String, String)] = [
            ("threads.mentor_answers", """
                SELECT count(*) FROM threads t
                WHERE t.mentor_answers <> (SELECT count(*) FROM posts p JOIN users u ON u.id = p.author_id
                                           WHERE p.thread_id = t.id AND p.position > 1 AND p.hidden = 0
                                             AND p.deleted_by_author = 0 AND p.held_for_approval = 0 AND u.role = 'mentor')
                """),
            ("topic_thread_counts", """
                WITH listed AS (
                    SELECT tt.topic_id, coalesce(t.organisation_id, 0) AS organisation_id, count(*) AS threads
                    FROM thread_topics tt JOIN threads t ON t.id = tt.thread_id
                    WHERE t.hidden = 0 AND t.held = 0 GROUP BY 1, 2),
                kept AS (SELECT topic_id, organisation_id, threads FROM topic_thread_counts WHERE threads > 0)
                SELECT (SELECT count(*) FROM (SELECT * FROM listed EXCEPT SELECT * FROM kept))
                     + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM listed))
                """),
            ("topic_helpful", """
                WITH marked AS (
                    SELECT tt.topic_id, h.post_id, count(*) AS marks
                    FROM helpful_marks h JOIN posts p ON p.id = h.post_id JOIN thread_topics tt ON tt.thread_id = p.thread_id
                    GROUP BY 1, 2),
                kept AS (SELECT topic_id, post_id, marks FROM topic_helpful)
                SELECT (SELECT count(*) FROM (SELECT * FROM marked EXCEPT SELECT * FROM kept))
                     + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM marked))
                """),
            ("threads.held", """
                SELECT count(*) FROM threads t
                WHERE t.held <> EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = t.id AND p.position = 1 AND p.held_for_approval = 1)
                """),
            ("post_search_pending", "SELECT count(*) FROM post_search_pending"),
            ("post_releases", "SELECT count(*) FROM post_releases"),
        ]
        return checks.map { value, sql in (value, (try? db.scalar(Int.self, sql)) ?? -1) }
    }

    /// The same posts written with the triggers set aside (then counted) and through them leave
    /// every table alike, so a trigger the seed does not know about fails here.
    @Test func scaleSeedLeavesWhatTheTriggersWouldHave() throws {
        try withTestNetwork { network in
            _ = try Demo.seed(network.store, hasher: cheapHasher)
            let aside = network.directory + "/aside.sqlite", kept = network.directory + "/kept.sqlite"
            try network.store.writeWithoutTransaction { connection in
                try connection.run("VACUUM INTO ?", aside)
                try connection.run("VACUUM INTO ?", kept)
            }
            let keptStore = try Store(path: kept, configuration: Storage.boardConfiguration())
            let keptCounts = try keptStore.writeWithoutTransaction { connection in
                try connection.transaction(.immediate) { tx in
                    try ScaleSeed.generate(tx, posts: 3_000, seed: 2012, setTriggersAside: false, progress: { _ in })
                }
            }
            keptStore.close()
            let asideStore = try Store(path: aside, configuration: Storage.boardConfiguration())
            defer { asideStore.close() }
            let report = try ScaleSeed.seed(asideStore, posts: 3_000, seed: 2012)
            #expect(report.threads == keptCounts.threads)

            let (tables, differences) = try asideStore.writeWithoutTransaction { connection in
                try connection.run("ATTACH DATABASE ? AS kept", kept)
                defer { try? connection.execute("DETACH DATABASE kept") }
                // Every ordinary table; the full-text indexes' own tables differ in layout (one
                // rebuild against row by row), and their contents are checked by `ftsIntegrity`.
                let tables = try connection.column(String.self, """
                    SELECT name FROM main.sqlite_master m
                    WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
                      AND NOT EXISTS (SELECT 1 FROM main.sqlite_master v
                                      WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
                                        AND m.name IN (v.name || '_data', v.name || '_idx', v.name || '_content',
                                                       v.name || '_docsize', v.name || '_config'))
                    ORDER BY name
                    """)
                var differences: [String] = []
                for table in tables {
                    // The name comes from sqlite_master; quoted as an identifier anyway.
                    let name = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    let rows = try connection.scalar(Int.self, """
                        SELECT (SELECT count(*) FROM (SELECT * FROM main.\(name) EXCEPT SELECT * FROM kept.\(name)))
                             + (SELECT count(*) FROM (SELECT * FROM kept.\(name) EXCEPT SELECT * FROM main.\(name)))
                        """) ?? -1
                    if rows != 0 { differences.append("\(table): \(rows) rows differ") }
                }
                return (tables, differences)
            }
            #expect(differences == [])
            #expect(Set(["threads", "thread_topics", "topic_thread_counts", "topic_helpful", "posts", "post_releases"])
                        .isSubset(of: tables))
        }
    }

    @Test func slugsAreSafe() {
        #expect(Slug.make("Tender asks for a £2m performance bond — is that even lawful?") == "tender-asks-for-a-2m-performance-bond-is-that-even-lawful")
        #expect(Slug.make("Café & co-op") == "cafe-co-op")
        #expect(Slug.make("???") == "thread")
        #expect(Slug.make(String(repeating: "word ", count: 40)).count <= 80)
    }
}
