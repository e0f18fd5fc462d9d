import CSQLite
import Foundation
import Testing
import TestSupport
@testable import Database

struct Item: RowDecodable, Equatable {
    let id: Int64
    let name: String
    let note: String?
    init(id: Int64, name: String, note: String?) { self.id = id; self.name = name; self.note = note }
    init(row: Row) throws { id = try row[0]; name = try row[1]; note = try row[2] }
}

@Suite("Connection: pragmas, binding, rows, errors, transactions")
struct ConnectionTests {
    func withWriter(_ body: (Connection, TemporaryDirectory) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try Connection(path: directory.file("test.sqlite3"), role: .writer)
        try connection.execute("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE CHECK (length(name) <= 10), note TEXT);
            CREATE TABLE children (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id));
            """)
        try body(connection, directory)
    }

    @Test func writerPragmasAreSetInOrder() throws {
        try withWriter { writer, directory in
            #expect(try writer.scalar(String.self, "PRAGMA journal_mode") == "wal")
            #expect(try writer.scalar(Int.self, "PRAGMA foreign_keys") == 1)
            #expect(try writer.scalar(Int.self, "PRAGMA synchronous") == 2)  // FULL
            #expect(try writer.scalar(Int.self, "PRAGMA busy_timeout") == 5_000)
            #expect(try writer.scalar(Int.self, "PRAGMA query_only") == 0)
            let reader = try Connection(path: directory.file("test.sqlite3"), role: .reader)
            #expect(try reader.scalar(Int.self, "PRAGMA query_only") == 1)
            #expect(try reader.scalar(Int.self, "PRAGMA foreign_keys") == 1)
        }
    }

    @Test func readerCannotWrite() throws {
        try withWriter { _, directory in
            let reader = try Connection(path: directory.file("test.sqlite3"), role: .reader)
            let error = #expect(throws: DatabaseError.self) {
                try reader.run("INSERT INTO items(name) VALUES ('x')")
            }
            #expect(error?.primaryCode == SQLITE_READONLY)
        }
    }

    @Test func everyBindableTypeRoundTrips() throws {
        try withWriter { db, _ in
            try db.execute("CREATE TABLE t (i INTEGER, i64 INTEGER, d REAL, s TEXT, b INTEGER, blob BLOB, date INTEGER, n TEXT)")
            let date = Date(timeIntervalSince1970: 1_326_153_600.123)
            let blob = Data([0, 1, 2, 255])
            let text = "Hammersmith & Fulham — “3BM” ✓"
            let nothing: String? = nil
            try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       42, Int64.max, 2.5, text, true, blob, date, nothing)
            try db.forEach("SELECT * FROM t") { row in
                let int: Int = try row[0]
                let int64: Int64 = try row[1]
                let double: Double = try row[2]
                let string: String = try row[3]
                let bool: Bool = try row[4]
                let data: Data = try row[5]
                let readDate: Date = try row[6]
                let null: String? = try row[7]
                let optionalString: String? = try row[3]
                #expect(int == 42)
                #expect(int64 == Int64.max)
                #expect(double == 2.5)
                #expect(string == text)
                #expect(bool == true)
                #expect(data == blob)
                #expect(readDate.databaseMilliseconds == date.databaseMilliseconds)
                #expect(null == nil)
                #expect(optionalString == text)
            }
            #expect(try db.scalar(String.self, "SELECT typeof(date) FROM t") == "integer")
            #expect(try db.scalar(Int64.self, "SELECT date FROM t") == 1_326_153_600_123)
        }
    }

    @Test func emptyStringAndEmptyBlobAreNotNull() throws {
        try withWriter { db, _ in
            try db.execute("CREATE TABLE t (s TEXT, b BLOB)")
            try db.run("INSERT INTO t VALUES (?, ?)", "", Data())
            #expect(try db.scalar(String.self, "SELECT typeof(s) || ',' || typeof(b) FROM t") == "text,blob")
        }
    }

    @Test func readingNullAsNonOptionalThrowsMismatch() throws {
        try withWriter { db, _ in
            try db.run("INSERT INTO items(name, note) VALUES (?, ?)", "a", nil)
            let error = #expect(throws: DatabaseError.self) {
                try db.forEach("SELECT note FROM items") { row in
                    let note: String = try row[0]
                    _ = note
                }
            }
            #expect(error?.primaryCode == SQLITE_MISMATCH)
            #expect(error?.sql == "SELECT note FROM items")
        }
    }

    @Test func rowsDecodeThroughExplicitInitialisers() throws {
        try withWriter { db, _ in
            try db.run("INSERT INTO items(name, note) VALUES (?, ?)", "one", "first")
            try db.run("INSERT INTO items(name, note) VALUES (?, ?)", "two", nil)
            let items = try db.query(Item.self, "SELECT id, name, note FROM items ORDER BY id")
            #expect(items == [Item(id: 1, name: "one", note: "first"), Item(id: 2, name: "two", note: nil)])
            #expect(try db.queryOne(Item.self, "SELECT id, name, note FROM items WHERE name = ?", "two")?.id == 2)
            #expect(try db.queryOne(Item.self, "SELECT id, name, note FROM items WHERE name = ?", "none") == nil)
            #expect(try db.column(String.self, "SELECT name FROM items ORDER BY id") == ["one", "two"])
        }
    }

    @Test func statementsAreCachedBySQLText() throws {
        try withWriter { db, _ in
            let first = try db.statement("SELECT count(*) FROM items")
            let second = try db.statement("SELECT count(*) FROM items")
            let other = try db.statement("SELECT count(*) FROM children")
            #expect(first === second)
            #expect(first !== other)
        }
    }

    /// Statements are also found by the address of their text's bytes. Text built at run time
    /// finds the statement a literal prepared; and when that text's bytes are freed and other
    /// text comes to live at the same address, the other text gets its own statement.
    @Test func statementsAreFoundByTextWhereverItsBytesLive() throws {
        try withWriter { db, _ in
            let literal = try db.statement("SELECT count(*) FROM items WHERE id > 0")
            for _ in 0..<3 {
                let built = ["SELECT count(*) FROM items", "WHERE id > 0"].joined(separator: " ")
                #expect(try db.statement(built) === literal)
            }
            for number in 1_000..<1_600 {
                let first = "SELECT " + String(number) + " AS n, 'padding past small strings'"
                _ = try db.statement(first)
                // Equal text, bytes of its own: found by text, kept by address, then freed.
                _ = try { try db.statement("SELECT " + String(number) + " AS n, 'padding past small strings'") }()
                // Text of the same length, likely at the address just freed.
                let other = "SELECT " + String(number + 5_000) + " AS n, 'padding past small strings'"
                #expect(try db.column(Int.self, other) == [number + 5_000])
            }
        }
    }

    @Test func uniqueViolationIsRecognisedAndCarriesSQLButNotValues() throws {
        try withWriter { db, _ in
            try db.run("INSERT INTO items(name) VALUES (?)", "secret-1")
            let error = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO items(name) VALUES (?)", "secret-1")
            }
            #expect(error?.isUniqueConstraintViolation == true)
            #expect(error?.extendedCode == ExtendedCode.constraintUnique)
            #expect(error?.sql == "INSERT INTO items(name) VALUES (?)")
            #expect(error?.description.contains("secret-1") == false)
            #expect(error?.message.contains("items.name") == true)
        }
    }

    @Test func foreignKeyCheckAndNotNullViolationsAreRecognised() throws {
        try withWriter { db, _ in
            let foreignKey = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO children(item_id) VALUES (?)", 999)
            }
            #expect(foreignKey?.isForeignKeyViolation == true)
            let check = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO items(name) VALUES (?)", "much too long a name")
            }
            #expect(check?.isCheckConstraintViolation == true)
            let notNull = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO items(name) VALUES (?)", nil)
            }
            #expect(notNull?.isNotNullViolation == true)
            #expect(notNull?.isConstraintViolation == true)
        }
    }

    @Test func syntaxErrorsAndWrongArgumentCountsAreReported() throws {
        try withWriter { db, _ in
            let syntax = #expect(throws: DatabaseError.self) { try db.run("SELEKT 1") }
            #expect(syntax?.primaryCode == SQLITE_ERROR)
            #expect(syntax?.sql == "SELEKT 1")
            let misuse = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO items(name, note) VALUES (?, ?)", "only one")
            }
            #expect(misuse?.primaryCode == SQLITE_MISUSE)
        }
    }

    struct Boom: Error {}

    @Test func transactionCommitsOnReturnAndRollsBackOnThrow() throws {
        try withWriter { db, _ in
            let id = try db.transaction { tx -> Int64 in
                try tx.run("INSERT INTO items(name) VALUES ('kept')")
                return tx.lastInsertedRowID
            }
            #expect(id == 1)
            #expect(throws: Boom.self) {
                try db.transaction { tx in
                    try tx.run("INSERT INTO items(name) VALUES ('lost')")
                    throw Boom()
                }
            }
            #expect(try db.column(String.self, "SELECT name FROM items") == ["kept"])
            #expect(db.isInTransaction == false)
        }
    }

    @Test func nestedTransactionsAreSavepoints() throws {
        try withWriter { db, _ in
            try db.transaction { outer in
                try outer.run("INSERT INTO items(name) VALUES ('outer')")
                #expect(throws: Boom.self) {
                    try outer.transaction { inner in
                        try inner.run("INSERT INTO items(name) VALUES ('inner')")
                        throw Boom()
                    }
                }
                try outer.savepoint { inner in
                    try inner.run("INSERT INTO items(name) VALUES ('inner2')")
                }
            }
            #expect(try db.column(String.self, "SELECT name FROM items ORDER BY id") == ["outer", "inner2"])
        }
    }

    @Test func integrityProblemsFindsForeignKeyViolations() throws {
        try withWriter { db, _ in
            #expect(try db.integrityProblems().isEmpty)
            try db.execute("PRAGMA foreign_keys = OFF")
            try db.run("INSERT INTO children(item_id) VALUES (?)", 7)
            let problems = try db.integrityProblems()
            #expect(problems.count == 1)
            #expect(problems.first?.contains("children") == true)
        }
    }
}
