import Foundation
import Testing
import TestSupport
@testable import Database

@Suite("Migrator: numbered, atomic, refuses newer files")
struct MigratorTests {
    static let migrations = [
        Migration(version: 1, name: "people", sql: "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),
        Migration(version: 2, name: "pets", sql: """
            CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES people(id));
            """),
    ]

    func withConnection(_ body: (Connection) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try body(try Connection(path: directory.file("m.sqlite3"), role: .writer))
    }

    @Test func appliesPendingMigrationsInOrderAndRecordsTheVersion() throws {
        try withConnection { db in
            let migrator = Migrator(Self.migrations)
            #expect(try migrator.migrate(db, upTo: 1) == MigrationOutcome(from: 0, to: 1))
            #expect(try Migrator.currentVersion(of: db) == 1)
            try db.run("INSERT INTO people(name) VALUES ('Ada')")
            #expect(try migrator.migrate(db) == MigrationOutcome(from: 1, to: 2))
            #expect(try migrator.migrate(db) == MigrationOutcome(from: 2, to: 2))
            #expect(try db.scalar(String.self, "SELECT name FROM people") == "Ada")
        }
    }

    @Test func aFailingMigrationLeavesTheDatabaseAsItWas() throws {
        try withConnection { db in
            let broken = Self.migrations + [Migration(version: 3, name: "broken", sql: """
                CREATE TABLE toys (id INTEGER PRIMARY KEY);
                INSERT INTO nowhere VALUES (1);
                """)]
            #expect(throws: DatabaseError.self) { try Migrator(broken).migrate(db) }
            let version = try Migrator.currentVersion(of: db)
            let toys = try db.scalar(Int.self, "SELECT count(*) FROM sqlite_master WHERE name = 'toys'")
            #expect(version == 2)
            #expect(toys == 0)
        }
    }

    @Test func foreignKeyViolationsRollTheMigrationBack() throws {
        try withConnection { db in
            let orphaning = Self.migrations + [Migration(version: 3, name: "orphan", sql: """
                INSERT INTO pets(owner_id) VALUES (42);
                """)]
            let error = #expect(throws: MigrationError.self) { try Migrator(orphaning).migrate(db) }
            #expect(error == .foreignKeyViolations(version: 3, problems: ["pets → people"]))
            let version = try Migrator.currentVersion(of: db)
            let pets = try db.scalar(Int.self, "SELECT count(*) FROM pets")
            #expect(version == 2)
            #expect(pets == 0)
        }
    }

    @Test func aDatabaseFromANewerVersionIsRefusedUntouched() throws {
        try withConnection { db in
            try db.execute("PRAGMA user_version = 7")
            let error = #expect(throws: MigrationError.self) { try Migrator(Self.migrations).migrate(db) }
            #expect(error == .databaseIsNewer(found: 7, supported: 2))
            #expect(error?.description.contains("newer mutuals") == true)
            #expect(try db.scalar(Int.self, "SELECT count(*) FROM sqlite_master") == 0)
            #expect(try Migrator.currentVersion(of: db) == 7)
        }
    }

    @Test func migrationsMustBeNumberedFromOne() throws {
        try withConnection { db in
            let gap = [Self.migrations[0], Migration(version: 3, name: "skipped two", sql: "SELECT 1;")]
            #expect(throws: MigrationError.self) { try Migrator(gap).migrate(db) }
            let version = try Migrator.currentVersion(of: db)
            #expect(version == 0)
        }
    }

    @Test func storeMigratesOnTheWriter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("s.sqlite3"))
        defer { store.close() }
        #expect(try store.migrate(Migrator(Self.migrations)) == MigrationOutcome(from: 0, to: 2))
        #expect(try store.read { try Migrator.currentVersion(of: $0) } == 2)
    }
}
