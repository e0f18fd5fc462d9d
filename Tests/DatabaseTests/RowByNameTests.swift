import CSQLite
import Foundation
import Testing
import TestSupport
@testable import Database

/// A thread line as a page reads it: plain columns, a join with a clashing name given an alias,
/// and an expression given an alias.
private struct ThreadLine: RowDecodable, Equatable {
    let id: Int64
    let title: String
    let authorName: String
    let note: String?
    let answered: Bool

    init(id: Int64, title: String, authorName: String, note: String?, answered: Bool) {
        self.id = id; self.title = title; self.authorName = authorName; self.note = note; self.answered = answered
    }

    init(row: Row) throws {
        id = try row["id"]
        title = try row["title"]
        authorName = try row["author_name"]
        note = try row["note"]
        answered = try row["answered"]
    }
}

/// The same fields read in the reverse of the SELECT's order.
private struct ThreadLineBackwards: RowDecodable {
    let line: ThreadLine
    init(row: Row) throws {
        let answered: Bool = try row["answered"]
        let note: String? = try row["note"]
        let authorName: String = try row["author_name"]
        let title: String = try row["title"]
        let id: Int64 = try row["id"]
        line = ThreadLine(id: id, title: title, authorName: authorName, note: note, answered: answered)
    }
}

/// A decoder that reads a whole row into a nested decoder, then one more column.
private struct ThreadHeader: RowDecodable {
    let line: ThreadLine
    let acceptedPostID: Int64?
    init(row: Row) throws {
        line = try ThreadLine(row: row)
        acceptedPostID = try row["accepted_post_id"]
    }
}

private struct Pair: RowDecodable, Equatable {
    let a: String, b: String
    init(a: String, b: String) { self.a = a; self.b = b }
    init(row: Row) throws { a = try row["a"]; b = try row["b"] }
}

@Suite("Row: columns read by name")
struct RowByNameTests {
    /// Two users and three threads; thread 2 has a note and an accepted post, thread 3 is by Bea.
    func withForum(_ body: (Connection) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try Connection(path: directory.file("rows.sqlite3"), role: .writer)
        try db.execute("""
            CREATE TABLE users (id INTEGER PRIMARY KEY, display_name TEXT NOT NULL);
            CREATE TABLE threads (id INTEGER PRIMARY KEY, title TEXT NOT NULL, author_id INTEGER NOT NULL REFERENCES users(id),
                                  note TEXT, accepted_post_id INTEGER);
            INSERT INTO users VALUES (10, 'Ada Lovelace'), (20, 'Bea Fairfax');
            INSERT INTO threads VALUES (1, 'Spinning out a library service', 10, NULL, NULL),
                                       (2, 'Pensions after the transfer', 10, 'pinned by admins', 7),
                                       (3, 'Board elections', 20, NULL, NULL);
            """)
        try body(db)
    }

    static let lineSQL = """
        SELECT t.id, t.title, u.display_name AS author_name, t.note, t.accepted_post_id IS NOT NULL AS answered
        FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = ?
        """

    @Test func readsAliasesAndBareColumnNames() throws {
        try withForum { db in
            let line = try #require(try db.queryOne(ThreadLine.self, Self.lineSQL, 2))
            #expect(line == ThreadLine(id: 2, title: "Pensions after the transfer", authorName: "Ada Lovelace",
                                       note: "pinned by admins", answered: true))
            // A bare column with no table prefix is named the same way.
            let bare = try #require(try db.queryOne(ThreadLine.self, """
                SELECT id, title, 'Someone' AS author_name, note, 0 AS answered FROM threads WHERE id = ?
                """, 3))
            #expect(bare == ThreadLine(id: 3, title: "Board elections", authorName: "Someone", note: nil, answered: false))
        }
    }

    @Test func nullReadsAsNilIntoAnOptionalAndThrowsIntoANonOptional() throws {
        try withForum { db in
            let line = try #require(try db.queryOne(ThreadLine.self, Self.lineSQL, 1))
            #expect(line.note == nil)
            #expect(line.answered == false)
            let error = #expect(throws: DatabaseError.self) {
                try db.forEach("SELECT note FROM threads WHERE id = 1") { row in
                    let _: String = try row["note"]
                }
            }
            #expect(error?.primaryCode == SQLITE_MISMATCH)
            #expect(error?.message.contains("note") == true)
        }
    }

    @Test func anUnknownNameThrowsAMisuseNamingIt() throws {
        try withForum { db in
            let error = #expect(throws: DatabaseError.self) {
                try db.forEach("SELECT id, title FROM threads") { row in
                    let _: String = try row["titel"]
                }
            }
            #expect(error?.primaryCode == SQLITE_MISUSE)
            #expect(error?.message.contains("titel") == true)
            #expect(error?.sql == "SELECT id, title FROM threads")
            // Names are matched exactly: an alias hides the column's own name.
            #expect(throws: DatabaseError.self) {
                try db.forEach("SELECT title AS heading FROM threads") { row in
                    let _: String = try row["title"]
                }
            }
        }
    }

    @Test func aNameTwoColumnsShareThrowsAndTheOtherColumnsStillRead() throws {
        try withForum { db in
            let sql = "SELECT t.id, t.title, u.id FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = 3"
            var title: String?
            let error = #expect(throws: DatabaseError.self) {
                try db.forEach(sql) { row in
                    title = try row["title"]
                    let _: Int64 = try row["id"]
                }
            }
            #expect(title == "Board elections")
            #expect(error?.primaryCode == SQLITE_MISUSE)
            #expect(error?.message.contains("id") == true)
            #expect(error?.message.contains("AS") == true)
            // Asking first for the shared name throws too (not only when found after another).
            #expect(throws: DatabaseError.self) {
                try db.forEach(sql) { row in let _: Int64 = try row["id"] }
            }
            // With aliases the same columns read.
            var ids: (Int64, Int64)?
            try db.forEach("SELECT t.id AS thread_id, t.title, u.id AS user_id FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = 3") { row in
                ids = (try row["thread_id"], try row["user_id"])
            }
            #expect(ids?.0 == 3)
            #expect(ids?.1 == 20)
        }
    }

    @Test func aReorderedSelectDecodesTheSameValues() throws {
        try withForum { db in
            let inOrder = try db.query(ThreadLine.self, """
                SELECT t.id, t.title, u.display_name AS author_name, t.note, t.accepted_post_id IS NOT NULL AS answered
                FROM threads t JOIN users u ON u.id = t.author_id ORDER BY t.id
                """)
            let reordered = try db.query(ThreadLine.self, """
                SELECT t.accepted_post_id IS NOT NULL AS answered, t.note, t.title, u.display_name AS author_name, t.id
                FROM threads t JOIN users u ON u.id = t.author_id ORDER BY t.id
                """)
            #expect(inOrder.count == 3)
            #expect(reordered == inOrder)
            // Extra columns the decoder does not read change nothing either.
            let widened = try db.query(ThreadLine.self, """
                SELECT u.id AS user_id, t.note, t.id, t.author_id, t.title, t.accepted_post_id IS NOT NULL AS answered,
                       u.display_name AS author_name
                FROM threads t JOIN users u ON u.id = t.author_id ORDER BY t.id
                """)
            #expect(widened == inOrder)
        }
    }

    @Test func aCachedStatementReadsByNameEveryTimeItRuns() throws {
        try withForum { db in
            // The same SQL text: one prepared statement, run 300 times with different threads,
            // interleaved with another statement and with decoders reading in other orders.
            for run in 0..<300 {
                let id = Int64(run % 3 + 1)
                let line = try #require(try db.queryOne(ThreadLine.self, Self.lineSQL, id))
                #expect(line.id == id)
                #expect(line.authorName == (id == 3 ? "Bea Fairfax" : "Ada Lovelace"))
                #expect(line.answered == (id == 2))
                if run % 7 == 0 {
                    let backwards = try #require(try db.queryOne(ThreadLineBackwards.self, Self.lineSQL, id))
                    #expect(backwards.line == line)
                    let name = try db.scalar(String.self, "SELECT display_name FROM users WHERE id = ?", id == 3 ? 20 : 10)
                    #expect(name == line.authorName)
                }
            }
            #expect(try db.query(ThreadLine.self, Self.lineSQL, 99).isEmpty)
            // A failed lookup leaves the statement usable.
            #expect(throws: DatabaseError.self) {
                try db.forEach(Self.lineSQL, arguments: [1]) { row in let _: String = try row["missing"] }
            }
            #expect(try db.queryOne(ThreadLine.self, Self.lineSQL, 3)?.title == "Board elections")
        }
    }

    @Test func columnsReadOutOfOrderTwiceAndFromEveryRow() throws {
        try withForum { db in
            let sql = """
                SELECT t.id, t.title, u.display_name AS author_name, t.note, t.accepted_post_id IS NOT NULL AS answered
                FROM threads t JOIN users u ON u.id = t.author_id ORDER BY t.id
                """
            let forwards = try db.query(ThreadLine.self, sql)
            let backwards = try db.query(ThreadLineBackwards.self, sql).map(\.line)
            #expect(backwards == forwards)
            // Scattered reads, one name twice, across every row of one run.
            var seen: [String] = []
            try db.forEach(sql) { row in
                let note: String? = try row["note"]
                let id: Int64 = try row["id"]
                let answered: Bool = try row["answered"]
                let title: String = try row["title"]
                let again: Int64 = try row["id"]
                let author: String = try row["author_name"]
                #expect(again == id)
                seen.append("\(id) \(title) \(author) \(note ?? "-") \(answered)")
            }
            #expect(seen == [
                "1 Spinning out a library service Ada Lovelace - false",
                "2 Pensions after the transfer Ada Lovelace pinned by admins true",
                "3 Board elections Bea Fairfax - false",
            ])
        }
    }

    @Test func aNestedDecoderReadsTheWholeRowByName() throws {
        try withForum { db in
            let header = try #require(try db.queryOne(ThreadHeader.self, """
                SELECT t.id, t.title, u.display_name AS author_name, t.note, t.accepted_post_id IS NOT NULL AS answered,
                       t.accepted_post_id
                FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = ?
                """, 2))
            #expect(header.line.title == "Pensions after the transfer")
            #expect(header.line.answered)
            #expect(header.acceptedPostID == 7)
        }
    }

    @Test func aStatementPreparedAgainAfterASchemaChangeReadsTheNewColumns() throws {
        try withForum { db in
            try db.execute("CREATE TABLE pairs (a TEXT, b TEXT); INSERT INTO pairs VALUES ('A', 'B')")
            #expect(try db.queryOne(Pair.self, "SELECT * FROM pairs") == Pair(a: "A", b: "B"))
            // The table made again with its columns the other way round: SQLite prepares the
            // cached `SELECT *` again, and its columns come back in the new order.
            try db.execute("DROP TABLE pairs; CREATE TABLE pairs (b TEXT, a TEXT); INSERT INTO pairs(a, b) VALUES ('A', 'B')")
            #expect(try db.queryOne(Pair.self, "SELECT * FROM pairs") == Pair(a: "A", b: "B"))
            // A column added later can be read by name too.
            try db.execute("ALTER TABLE pairs ADD COLUMN c TEXT DEFAULT 'C'")
            var c: String?
            try db.forEach("SELECT * FROM pairs") { row in c = try row["c"] }
            #expect(c == "C")
        }
    }
}
