import CSQLite
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Database

/// Runs `body` on `count` threads at once and waits for all of them.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = LockedCondition(0)
    for index in 0..<count {
        Thread {
            body(index)
            done.update { $0 += 1 }
        }.start()
    }
    done.wait(until: { $0 == count }) { _ in }
}

struct ExpectedFailure: Error {}

/// Errors thrown on the threads of a concurrent test, kept so the test can expect none: a write
/// that failed must fail the test, not vanish in a `try?`.
final class ThreadErrors: Sendable {
    private let errors = Mutex<[String]>([])

    /// Runs `body`, recording what it throws.
    func record(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            errors.withLock { $0.append("\(error)") }
        }
    }

    var all: [String] { errors.withLock { $0 } }
}

@Suite("Store: reader pool, group-commit writer, backup", .timeLimit(.minutes(2)))
struct StoreTests {
    func withStore(_ configuration: Store.Configuration = Store.Configuration(),
                   _ body: (Store, TemporaryDirectory) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store(path: directory.file("store.sqlite3"), configuration: configuration)
        defer { store.close() }
        try store.writeWithoutTransaction { db in
            try db.execute("""
                CREATE TABLE entries (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, n INTEGER NOT NULL,
                                      UNIQUE (writer, n));
                """)
        }
        try body(store, directory)
    }

    @Test func writeReturnsAfterCommitAndReadSeesIt() throws {
        try withStore { store, _ in
            let id = try store.write { tx -> Int64 in
                try tx.run("INSERT INTO entries(writer, n) VALUES (?, ?)", 1, 1)
                return tx.lastInsertedRowID
            }
            #expect(id == 1)
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } == 1)
        }
    }

    @Test func aThrowingWriteLeavesNothingBehind() throws {
        try withStore { store, _ in
            #expect(throws: ExpectedFailure.self) {
                try store.write { tx in
                    try tx.run("INSERT INTO entries(writer, n) VALUES (?, ?)", 1, 1)
                    throw ExpectedFailure()
                }
            }
            let count = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") }
            #expect(count == 0)
        }
    }

    @Test func manyConcurrentWritersAreGroupCommittedAndFailuresStayAlone() throws {
        try withStore { store, _ in
            let writers = 32, perWriter = 25
            let outcomes = Mutex<(succeeded: Int, failedAsExpected: Int, unexpected: [String])>((0, 0, []))
            concurrently(writers) { writer in
                for n in 0..<perWriter {
                    do {
                        try store.write { tx in
                            try tx.run("INSERT INTO entries(writer, n) VALUES (?, ?)", writer, n)
                            // Every seventh write fails after it changed something.
                            if (writer * perWriter + n) % 7 == 0 { throw ExpectedFailure() }
                        }
                        outcomes.withLock { $0.succeeded += 1 }
                    } catch is ExpectedFailure {
                        outcomes.withLock { $0.failedAsExpected += 1 }
                    } catch {
                        outcomes.withLock { $0.unexpected.append("\(error)") }
                    }
                }
            }
            let (succeeded, failed, unexpected) = outcomes.withLock { ($0.succeeded, $0.failedAsExpected, $0.unexpected) }
            let total = writers * perWriter
            let expectedFailures = (0..<total).filter { $0 % 7 == 0 }.count
            #expect(unexpected.isEmpty)
            #expect(failed == expectedFailures)
            #expect(succeeded == total - expectedFailures)
            let stored = try store.read { db in
                try db.column(Int.self, "SELECT writer * \(perWriter) + n FROM entries ORDER BY 1")
            }
            #expect(stored == (0..<total).filter { $0 % 7 != 0 })
            let statistics = store.writerStatistics
            // Fewer transactions than writes: concurrent writes shared commits.
            #expect(statistics.largestBatch > 1)
            #expect(statistics.batches < statistics.writes)
        }
    }

    @Test func aConstraintViolationInABatchFailsOnlyThatWrite() throws {
        try withStore { store, _ in
            try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (0, 0)") }
            let errors = Mutex<[DatabaseError]>([])
            concurrently(16) { index in
                do {
                    try store.write { tx in
                        // Writer 0 collides with the existing row; the others are new.
                        try tx.run("INSERT INTO entries(writer, n) VALUES (?, 0)", index)
                    }
                } catch let error as DatabaseError {
                    errors.withLock { $0.append(error) }
                } catch {}
            }
            let caught = errors.withLock { $0 }
            #expect(caught.count == 1)
            #expect(caught.first?.isUniqueConstraintViolation == true)
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } == 16)
        }
    }

    @Test func beforeCommitRunsOncePerBatchInsideTheTransaction() throws {
        var configuration = Store.Configuration()
        configuration.beforeCommit = { tx in
            try tx.run("INSERT INTO entries(writer, n) VALUES (-1, (SELECT count(*) FROM entries WHERE writer = -1))")
        }
        try withStore(configuration) { store, _ in
            let errors = ThreadErrors()
            concurrently(8) { writer in
                for n in 0..<10 {
                    errors.record { try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (?, ?)", writer, n) } }
                }
            }
            #expect(errors.all.isEmpty)
            let written = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries WHERE writer >= 0") }
            #expect(written == 80)
            let hookRows = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries WHERE writer = -1") }
            #expect(hookRows == store.writerStatistics.batches)
        }
    }

    @Test func aFailingBeforeCommitFailsTheWholeBatch() throws {
        var configuration = Store.Configuration()
        configuration.beforeCommit = { _ in throw ExpectedFailure() }
        try withStore(configuration) { store, _ in
            #expect(throws: ExpectedFailure.self) {
                try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (1, 1)") }
            }
            let count = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") }
            #expect(count == 0)
        }
    }

    @Test func withoutGroupCommitEveryWriteIsItsOwnTransaction() throws {
        var configuration = Store.Configuration()
        configuration.maximumBatchSize = 1
        try withStore(configuration) { store, _ in
            let errors = ThreadErrors()
            concurrently(8) { writer in
                for n in 0..<10 {
                    errors.record { try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (?, ?)", writer, n) } }
                }
            }
            #expect(errors.all.isEmpty)
            let written = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") }
            #expect(written == 80)
            let statistics = store.writerStatistics
            #expect(statistics.largestBatch == 1)
            #expect(statistics.writes == 80)
            #expect(statistics.batches == 80)
        }
    }

    @Test func readsRunConcurrentlyUpToTheBound() throws {
        var configuration = Store.Configuration()
        configuration.maximumReaders = 3
        try withStore(configuration) { store, _ in
            let active = Mutex((now: 0, most: 0))
            let errors = ThreadErrors()
            concurrently(12) { _ in
                for _ in 0..<20 {
                    errors.record {
                        _ = try store.read { db -> Int? in
                            active.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                            defer { active.withLock { $0.now -= 1 } }
                            usleep(200)
                            return try db.scalar(Int.self, "SELECT count(*) FROM entries")
                        }
                    }
                }
            }
            #expect(errors.all.isEmpty)
            let most = active.withLock { $0.most }
            #expect(most <= 3)
            #expect(most >= 2)
        }
    }

    @Test func readSeesOneSnapshot() throws {
        try withStore { store, _ in
            try store.read { db in
                let before = try db.scalar(Int.self, "SELECT count(*) FROM entries")
                try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (9, 9)") }
                #expect(try db.scalar(Int.self, "SELECT count(*) FROM entries") == before)
            }
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } == 1)
        }
    }

    @Test func writingFromInsideAWriteIsRefusedNotDeadlocked() throws {
        try withStore { store, _ in
            let inner = try store.write { _ -> String in
                do {
                    try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (1, 1)") }
                    return "no error"
                } catch let error as DatabaseError {
                    return "\(error.primaryCode)"
                }
            }
            #expect(inner == "\(SQLITE_MISUSE)")
        }
    }

    @Test func aClosedStoreRefusesWork() throws {
        try withStore { store, _ in
            store.close()
            let write = #expect(throws: DatabaseError.self) { try store.write { _ in } }
            #expect(write?.primaryCode == SQLITE_MISUSE)
            #expect(throws: DatabaseError.self) { try store.read { _ in } }
        }
    }

    @Test func backupTakenDuringWritesOpensAndPassesIntegrityCheck() throws {
        try withStore { store, directory in
            let stop = Atomic<Bool>(false)
            let written = Atomic<Int>(0)
            let done = LockedCondition(0)
            let errors = ThreadErrors()
            for writer in 0..<4 {
                Thread {
                    var n = 0
                    while !stop.load(ordering: .relaxed) {
                        let value = n
                        errors.record {
                            try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (?, ?)", writer, value) }
                            written.add(1, ordering: .relaxed)
                        }
                        n += 1
                    }
                    done.update { $0 += 1 }
                }.start()
            }
            while written.load(ordering: .relaxed) < 200 { usleep(1_000) }
            let backupPath = directory.file("backup.sqlite3")
            try store.backup(to: backupPath)
            stop.store(true, ordering: .relaxed)
            done.wait(until: { $0 == 4 }) { _ in }
            #expect(errors.all.isEmpty)

            let copy = try Store(path: backupPath)
            defer { copy.close() }
            #expect(try copy.integrityProblems().isEmpty)
            let copied = try copy.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } ?? 0
            let live = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } ?? 0
            #expect(copied >= 200)
            #expect(copied <= live)
            #expect(!FileManager.default.fileExists(atPath: backupPath + ".partial"))
        }
    }

    /// `mutuals backup --to` naming the live database once renamed the copy over it and, when
    /// the check's connection closed, unlinked the `-wal` a running server was writing to: the
    /// server answered "database disk image is malformed" and later writes were lost.
    @Test func backupOntoTheDatabaseItselfIsRefusedAndChangesNothing() throws {
        try withStore { store, directory in
            try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (1, 1)") }
            let path = directory.file("store.sqlite3")
            let otherSpelling = directory.path + "/./store.sqlite3"
            for destination in [path, otherSpelling, path + "-wal", path + "-shm"] {
                #expect(throws: BackupError.self) { try store.backup(to: destination) }
            }
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
            // A folder, or a file in a folder that is not there, is named; SQLite said only
            // "unable to open database file".
            for destination in [directory.path, directory.file("missing/backup.sqlite3")] {
                #expect { try store.backup(to: destination) } throws: { error in
                    guard case BackupError.cannotWrite(let named, _) = error else { return false }
                    return named == destination && "\(error)".contains("Nothing was written")
                }
            }
            try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (1, 2)") }
            let count = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } ?? 0
            #expect(count == 2)
            #expect(try store.integrityProblems().isEmpty)
        }
    }

    /// A copy that fails its check never takes the destination's name: an older backup there is
    /// kept. (`Storage.backup` renamed the copy over it first and checked after.)
    @Test func aCopyThatFailsItsCheckLeavesTheOlderBackupInPlace() throws {
        try withStore { store, directory in
            try store.write { tx in try tx.run("INSERT INTO entries(writer, n) VALUES (1, 1)") }
            let destination = directory.file("backup.sqlite3")
            try Data("the older backup".utf8).write(to: URL(fileURLWithPath: destination))
            struct FailedCheck: Error {}
            var checked: [String] = []
            #expect(throws: FailedCheck.self) {
                try store.backup(to: destination) { path in
                    checked.append(path)
                    throw FailedCheck()
                }
            }
            #expect(checked == [destination + ".partial"])
            #expect(try String(contentsOfFile: destination, encoding: .utf8) == "the older backup")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".partial") }
            #expect(leftovers.isEmpty)

            try store.backup(to: destination)
            let copy = try Store(path: destination)
            defer { copy.close() }
            #expect(try copy.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } == 1)
        }
    }
}

/// Other processes' commits, noticed from the wal-index header as SQLite maps it
/// (`DataVersionWatcher`): each read scope asks as it begins, with no statement of its own.
@Suite("Store: another process's commits", .timeLimit(.minutes(2)))
struct OtherProcessCommitTests {
    /// A store of one table, `entries(id, n)`, at `path` in a fresh directory.
    func withStore(_ body: (Store, String) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite3")
        let store = try Store(path: path, configuration: Store.Configuration())
        defer { store.close() }
        try store.writeWithoutTransaction {
            try $0.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL DEFAULT '')")
        }
        try body(store, path)
    }

    @Test func anotherProcesssCommitMovesTheCountAtTheNextScope() throws { try withStore { store, path in
        #expect(!store.watchesSharedHeader)
        try store.watchOtherProcesses(interval: 1)  // closing waits for the poll thread to wake
        #expect(store.watchesSharedHeader)

        // Scopes with nothing committed in between see the same count, whoever reads.
        let quiet = try store.readScope { try store.read { _ in store.changeCount } }
        #expect(try store.readScope { try store.read { _ in store.changeCount } } == quiet)

        // Another process (python's sqlite3, a process of its own) commits: the next scope's
        // count has moved, and its read sees the row.
        let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('INSERT INTO entries(n) VALUES (7)'); c.commit()"
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, path]
        try python.run()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0)
        let (count, rows) = try store.readScope {
            try store.read { conn in (store.changeCount, try conn.scalar(Int.self, "SELECT count(*) FROM entries WHERE n = 7")) }
        }
        #expect(count != quiet)
        #expect(rows == 1)

        // The other process found this one still there: it did not rebuild the wal-index
        // under our mappings (which SQLite does when no process holds its dead-man switch).
        #expect(try Self.deadManSwitchHeld(path + "-shm"))

        // Another connection of this process, committing between two scopes, moves it too.
        let other = try Connection(path: path, role: .writer)
        try other.run("INSERT INTO entries(n) VALUES (8)")
        #expect(try store.readScope { try store.read { _ in store.changeCount } } != count)
    } }

    /// Starting to watch leaves every lock this process holds on the `-shm` file in place. A
    /// first version opened and closed the file itself, and closing any descriptor of a file
    /// drops all of the process's POSIX locks on it: SQLite's dead-man switch went, and another
    /// process opening the database truncated the file under our mappings (a bus error).
    @Test func watchingKeepsThisProcesssLocksOnTheSharedMemory() throws { try withStore { store, path in
        _ = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") }
        #expect(try Self.deadManSwitchHeld(path + "-shm"))
        try store.watchOtherProcesses(interval: 1)
        #expect(store.watchesSharedHeader)
        #expect(try Self.deadManSwitchHeld(path + "-shm"))
        _ = try store.readScope { try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } }
        #expect(try Self.deadManSwitchHeld(path + "-shm"))
    } }

    /// Whether this process holds a lock on byte 128 of `shmPath` (SQLite's dead-man switch,
    /// after the eight wal-index locks at 120), as `/proc/locks` lists it.
    static func deadManSwitchHeld(_ shmPath: String) throws -> Bool {
        try processLocks(on: shmPath).contains { $0.start == 128 }
    }

    /// The POSIX locks this process holds on the file at `path`, as `/proc/locks` lists them.
    static func processLocks(on path: String) throws -> [(type: Substring, start: Int, end: Int)] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        let inode = String(info.st_ino)
        let pid = String(getpid())
        let locks = try String(contentsOfFile: "/proc/locks", encoding: .utf8)
        return locks.split(separator: "\n").compactMap { line in
            // "1: POSIX  ADVISORY  READ 1234 00:2a:5678 128 128"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, fields[1] == "POSIX", fields[4] == pid, fields[5].hasSuffix(":" + inode),
                  let start = Int(fields[6]), let end = Int(fields[7]) else { return nil }
            return (fields[3], start, end)
        }
    }
}

/// While the writer is idle, the watcher's connection holds the newest snapshot open, so the
/// readers' shared locks on the same WAL read-mark slot are counted in this process instead of
/// taken with `fcntl(2)` (`DataVersionWatcher.holdNewestSnapshot`). What must hold besides: it
/// never keeps the writer's checkpoints from finishing or the WAL from starting again at its
/// beginning, and another process's commit makes it let go.
@Suite("Store: the newest snapshot held while the writer is idle", .timeLimit(.minutes(2)))
struct HeldSnapshotTests {
    /// `OtherProcessCommitTests`' store, watching for other processes' commits.
    func withWatchedStore(_ body: (Store, String) throws -> Void) throws {
        try OtherProcessCommitTests().withStore { store, path in
            try store.watchOtherProcesses(interval: 1)
            try body(store, path)
        }
    }

    /// Waits (up to 5 s) for the writer to take the snapshot again after answering a write.
    static func waitForHold(_ store: Store) throws {
        for _ in 0..<500 where !store.holdsSnapshot { usleep(10_000) }
        try #require(store.holdsSnapshot)
    }

    /// The read-mark slots (bytes 123 to 127 of the `-shm` file, after the writer's, the
    /// checkpointer's and the recovery locks) this process holds a shared lock on.
    static func readMarksHeld(_ shmPath: String) throws -> [Int] {
        try OtherProcessCommitTests.processLocks(on: shmPath).compactMap { lock in
            lock.type == "READ" && (123...127).contains(lock.start) && lock.start == lock.end ? lock.start - 123 : nil
        }
    }

    @Test func heldBetweenWritesAndReadersStillSeeEveryCommit() throws { try withWatchedStore { store, path in
        try Self.waitForHold(store)  // taken once the watcher started, the writer being idle
        for n in 1...5 {
            try store.write { try $0.run("INSERT INTO entries(body) VALUES (?)", "entry \(n)") }
            // A read right after the write sees it, held snapshot or not (it is not the readers').
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } == n)
            try Self.waitForHold(store)
            // Held on one read-mark slot, in the kernel's table of this process's locks.
            #expect(try Self.readMarksHeld(path + "-shm").count == 1)
            // A reader shares that slot, as nothing has been committed since: while its
            // transaction is open the snapshot is still held and the process holds that one
            // lock and no other (the reader's own is a count in the process, no `fcntl`).
            let (count, held, locks) = try store.readScope {
                try store.read { conn in
                    (try conn.scalar(Int.self, "SELECT count(*) FROM entries"), store.holdsSnapshot, try Self.readMarksHeld(path + "-shm"))
                }
            }
            #expect(count == n)
            #expect(held)
            #expect(locks.count == 1)
        }
    } }

    @Test func neverHoldsBackCheckpointsOrTheWALStartingAgain() throws { try withWatchedStore { store, path in
        let checkpointer = try Connection(path: path, role: .writer)
        let body = String(repeating: "x", count: 2_000)
        var walSizes: [Int64] = []
        for round in 0..<30 {
            try store.write { tx in
                for _ in 0..<20 { try tx.run("INSERT INTO entries(body) VALUES (?)", body) }
            }
            try Self.waitForHold(store)
            // Held at the newest commit, the snapshot does not stop a checkpoint from copying
            // every frame back: (busy, frames in the WAL, frames checkpointed).
            var result: (Int, Int, Int) = (-1, -1, -2)
            try checkpointer.forEach("PRAGMA wal_checkpoint(PASSIVE)") { row in
                result = (try row[0], try row[1], try row[2])
            }
            #expect(result.0 == 0, "round \(round): the checkpoint was busy")
            #expect(result.1 == result.2, "round \(round): \(result.2) of \(result.1) frames checkpointed")
            walSizes.append(store.fileSizes().wal)
        }
        // Let go before each write, so each write starts the WAL again from its beginning: it
        // does not grow round by round (a snapshot held across writes kept it growing).
        #expect(walSizes.last == walSizes[1], "the WAL grew from \(walSizes[1]) to \(walSizes.last ?? 0) bytes")
    } }

    @Test func anotherProcesssCommitMakesItLetGoUntilTheWriterIsNextIdle() throws { try withWatchedStore { store, path in
        try Self.waitForHold(store)
        let other = try Connection(path: path, role: .writer)
        try other.run("INSERT INTO entries(body) VALUES ('from elsewhere')")
        // The next scope asks (`check`), sees the header moved, and lets go: a process writing
        // alongside is not held back by a snapshot older than its commit.
        #expect(try store.readScope { try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } } == 1)
        #expect(!store.holdsSnapshot)
        #expect(try Self.readMarksHeld(path + "-shm").isEmpty)
        // A TRUNCATE checkpoint, which waits for every reader to leave the WAL, now finishes.
        var busy = -1
        try other.forEach("PRAGMA wal_checkpoint(TRUNCATE)") { row in busy = try row[0] }
        #expect(busy == 0)
        // This store's next write is followed by the hold again.
        try store.write { try $0.run("INSERT INTO entries(body) VALUES ('here')") }
        try Self.waitForHold(store)
        // Jobs that manage their own transactions run with it let go too.
        try store.writeWithoutTransaction { try $0.execute("VACUUM") }
        try Self.waitForHold(store)
        #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } == 2)
    } }
}
