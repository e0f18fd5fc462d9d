import CSQLite
import Foundation
import Testing
import TestSupport
@testable import Database

/// Writes the storage refuses (issue 17, "the disk fills"): each caller gets an error that says
/// it was the storage, and the writer goes on: once space comes back, the next write commits
/// without reopening anything. `max_page_count` at the file's size makes SQLite answer exactly
/// as on a full disk (SQLITE_FULL); `query_only` as on a read-only file (SQLITE_READONLY).
@Suite(.timeLimit(.minutes(2)))
struct StorageFailureTests {
    func withStore(_ body: (Store) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("store.sqlite3"))
        defer { store.close() }
        try store.writeWithoutTransaction { try $0.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)") }
        try body(store)
    }

    /// A row that needs new pages whatever free space the file has.
    static let blob = Data(repeating: 7, count: 64 * 1024)

    @Test func aFullDiskFailsEachWriteAsStorageAndTheWriterRecovers() throws {
        try withStore { store in
            try store.writeWithoutTransaction { connection in
                let pages = try connection.scalar(Int.self, "PRAGMA page_count") ?? 0
                try connection.execute("PRAGMA max_page_count = \(pages)")
            }
            let errors = ThreadErrors()
            concurrently(8) { _ in
                do {
                    try store.write { try $0.run("INSERT INTO blobs(data) VALUES (?)", Self.blob) }
                    errors.record { throw ExpectedFailure() }  // none may succeed
                } catch let error as DatabaseError where error.storageFailure == .full {
                } catch {
                    errors.record { throw error }
                }
            }
            #expect(errors.all.isEmpty)
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM blobs") } == 0)

            try store.writeWithoutTransaction { try $0.execute("PRAGMA max_page_count = 1073741823") }
            concurrently(8) { _ in
                errors.record { try store.write { try $0.run("INSERT INTO blobs(data) VALUES (?)", Self.blob) } }
            }
            #expect(errors.all.isEmpty)
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM blobs") } == 8)
        }
    }

    @Test func aReadOnlyDatabaseFailsAsStorageAndTheWriterRecovers() throws {
        try withStore { store in
            try store.writeWithoutTransaction { try $0.execute("PRAGMA query_only = ON") }
            #expect {
                try store.write { try $0.run("INSERT INTO blobs(data) VALUES (?)", Self.blob) }
            } throws: { ($0 as? DatabaseError)?.storageFailure == .readOnly }
            try store.writeWithoutTransaction { try $0.execute("PRAGMA query_only = OFF") }
            try store.write { try $0.run("INSERT INTO blobs(data) VALUES (?)", Self.blob) }
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM blobs") } == 1)
        }
    }

    @Test(arguments: [(SQLITE_FULL, StorageFailure.full), (SQLITE_READONLY, .readOnly), (SQLITE_IOERR, .ioError),
                      (SQLITE_IOERR | (3 << 8), .ioError), (SQLITE_CANTOPEN, .cannotOpen), (SQLITE_BUSY, .busy)])
    func storageCodesAreStorageFailures(code: Int32, failure: StorageFailure) {
        #expect(DatabaseError(extendedCode: code, message: "").storageFailure == failure)
    }

    @Test(arguments: [SQLITE_CONSTRAINT, ExtendedCode.constraintUnique, SQLITE_ERROR, SQLITE_MISUSE, SQLITE_ABORT])
    func otherCodesAreNot(code: Int32) {
        #expect(DatabaseError(extendedCode: code, message: "").storageFailure == nil)
    }
}
