import CSQLite
import Foundation
import Testing
import TestSupport
@testable import Database

/// The health the store reports to `/healthz`: a reader answers, and the writer is running, not
/// stuck, and has committed since its last storage failure.
@Suite struct StoreHealthTests {
    @Test func aFreshStoreIsHealthy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("health.sqlite3"))
        defer { store.close() }
        try store.write { try $0.execute("CREATE TABLE notes(body TEXT)") }
        #expect(store.healthProblems() == [])
        #expect(store.writerHealth.lastCommitAt != nil)
        #expect(store.writerHealth.batchStartedAt == nil)
    }

    /// A real SQLITE_FULL: the writer connection may not grow the file past its size
    /// (`max_page_count`), the way a full disk stops it. The failure is reported with SQLite's
    /// message until a write commits again.
    @Test func aFullDatabaseMakesTheWriterUnhealthyUntilAWriteCommits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("full.sqlite3"))
        defer { store.close() }
        try store.write { try $0.execute("CREATE TABLE notes(body BLOB)") }
        try store.writeWithoutTransaction { try $0.execute("PRAGMA max_page_count = 1") }

        let error = #expect(throws: DatabaseError.self) {
            try store.write { try $0.run("INSERT INTO notes VALUES (zeroblob(100000))") }
        }
        #expect(error?.primaryCode == SQLITE_FULL)
        #expect(error?.isStorageFailure == true)
        #expect(store.healthProblems() == ["writer: database or disk is full"])

        // Room again: the next write commits and the writer is healthy.
        try store.writeWithoutTransaction { try $0.execute("PRAGMA max_page_count = 1073741823") }
        try store.write { try $0.run("INSERT INTO notes VALUES (zeroblob(100000))") }
        #expect(store.healthProblems() == [])
    }

    /// A write that fails on its content (a constraint) says nothing about the storage.
    @Test func aRejectedWriteIsNotAStorageFailure() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("constraint.sqlite3"))
        defer { store.close() }
        try store.write { try $0.execute("CREATE TABLE handles(name TEXT UNIQUE)") }
        try store.write { try $0.run("INSERT INTO handles VALUES ('ada')") }
        #expect(throws: DatabaseError.self) { try store.write { try $0.run("INSERT INTO handles VALUES ('ada')") } }
        #expect(store.writerHealth.lastFailure == nil)
        #expect(store.healthProblems() == [])
    }

    @Test func aClosedStoreReportsBothSides() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("closed.sqlite3"))
        store.close()
        let problems = store.healthProblems()
        #expect(problems.count == 2)
        #expect(problems.first?.hasPrefix("reader: ") == true)
        #expect(problems.last == "writer: stopped")
    }

    /// Stuck and failed, decided from the recorded times (uptime nanoseconds) and `now`.
    @Test(arguments: [
        (WriterHealth(), UInt64(100), nil as String?),
        (WriterHealth(running: false), UInt64(100), "stopped"),
        (WriterHealth(batchStartedAt: 0), UInt64(30_000_000_000), nil),
        (WriterHealth(batchStartedAt: 0), UInt64(31_000_000_000), "a transaction has been open for 31 s"),
        (WriterHealth(lastCommitAt: 5, lastFailure: "disk I/O error", lastFailureAt: 4), UInt64(100), nil),
        (WriterHealth(lastCommitAt: 4, lastFailure: "disk I/O error", lastFailureAt: 5), UInt64(100), "disk I/O error"),
    ])
    func stuckAndFailedWriters(health: WriterHealth, now: UInt64, problem: String?) {
        #expect(health.problem(now: now, stuckAfter: 30_000_000_000) == problem)
    }

    @Test func fileSizesCountTheDatabaseAndItsLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("sizes.sqlite3"))
        defer { store.close() }
        try store.write { try $0.execute("CREATE TABLE notes(body BLOB)") }
        try store.write { try $0.run("INSERT INTO notes VALUES (zeroblob(50000))") }
        let sizes = store.fileSizes()
        // Committed pages sit in the WAL until a checkpoint copies them into the file.
        #expect(sizes.wal > 50_000)
        #expect(sizes.database > 0)  // the header page, written when the file turned to WAL
    }
}

extension WriterHealth {
    init(running: Bool = true, batchStartedAt: UInt64? = nil, lastCommitAt: UInt64? = nil,
         lastFailure: String? = nil, lastFailureAt: UInt64? = nil) {
        self.init()
        self.running = running
        self.batchStartedAt = batchStartedAt
        self.lastCommitAt = lastCommitAt
        self.lastFailure = lastFailure
        self.lastFailureAt = lastFailureAt
    }
}
