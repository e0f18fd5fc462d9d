import CSQLite
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Database

/// Runs `body` on a new thread (which has no read scope) and waits for it.
func onAnotherThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Thread {
        let outcome = Result { try body() }
        result.withLock { $0 = outcome }
        done.signal()
    }.start()
    done.wait()
    guard let outcome = result.withLock({ $0 }) else { throw ExpectedFailure() }
    return try outcome.get()
}

@Suite("Store: read scopes", .timeLimit(.minutes(2)))
struct ReadScopeTests {
    func withStore(readers: Int = 8, _ body: (Store) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = Store.Configuration()
        configuration.maximumReaders = readers
        let store = try Store(path: directory.file("store.sqlite3"), configuration: configuration)
        defer { store.close() }
        try store.writeWithoutTransaction { db in
            try db.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        }
        try body(store)
    }

    func count(_ store: Store) throws -> Int {
        try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") } ?? -1
    }

    /// Another thread's write, committed before this returns.
    func insertElsewhere(_ store: Store, _ n: Int) throws {
        try onAnotherThread { try store.write { try $0.run("INSERT INTO entries(n) VALUES (?)", n) } }
    }

    /// `PRAGMA wal_checkpoint(PASSIVE)` on a connection of its own: whether every frame of the
    /// log could be copied back (no reader holds an older snapshot).
    func checkpointCompletes(_ store: Store) throws -> Bool {
        let connection = try Connection(path: store.path, role: .reader)
        var complete = false
        try connection.forEach("PRAGMA wal_checkpoint(PASSIVE)") { row in
            complete = row.int64(at: 0) == 0 && row.int64(at: 1) == row.int64(at: 2)
        }
        return complete
    }

    @Test func readsInAScopeShareOneSnapshotAndOneTransaction() throws {
        try withStore { store in
            let before = store.readerStatistics
            try store.readScope {
                #expect(try count(store) == 0)
                try insertElsewhere(store, 1)
                // Committed by another thread: this scope's snapshot does not have it.
                #expect(try count(store) == 0)
                #expect(try store.read { try $0.scalar(Int.self, "SELECT max(n) FROM entries") } == nil)
            }
            #expect(try count(store) == 1)
            let scoped = store.readerStatistics.since(before)
            // Three reads in the scope, one after it; the write's thread read nothing.
            #expect(scoped.checkouts == 2)
            #expect(scoped.transactions == 2)
        }
    }

    @Test func aWriteInAScopeIsSeenByItsNextRead() throws {
        try withStore { store in
            try store.readScope {
                #expect(try count(store) == 0)
                try store.write { try $0.run("INSERT INTO entries(n) VALUES (1)") }
                #expect(try count(store) == 1)
                try insertElsewhere(store, 2)
                // A fresh snapshot began after the write, before the other thread's commit, and holds.
                #expect(try count(store) == 1)
            }
        }
    }

    @Test func aWriteInsideAReadBodyKeepsTheBodysSnapshotUntilItReturns() throws {
        try withStore { store in
            try store.readScope {
                try store.read { db in
                    #expect(try db.scalar(Int.self, "SELECT count(*) FROM entries") == 0)
                    try store.write { try $0.run("INSERT INTO entries(n) VALUES (1)") }
                    #expect(try db.scalar(Int.self, "SELECT count(*) FROM entries") == 0)
                }
                #expect(try count(store) == 1)
            }
        }
    }

    @Test func theChangeCountInAScopeIsItsSnapshots() throws {
        try withStore { store in
            let start = store.changeCount
            try store.readScope {
                #expect(store.changeCount == start)  // no transaction yet: the live count
                _ = try count(store)
                try insertElsewhere(store, 1)
                // Another thread committed after this snapshot began: a cache keyed on the count
                // here must not file what this scope reads under the new count.
                #expect(store.changeCount == start)
                #expect(try onAnotherThread { store.changeCount } == start + 1)
                #expect(try count(store) == 0)
                try store.write { try $0.run("INSERT INTO entries(n) VALUES (2)") }
                #expect(store.changeCount == start + 2)  // the write ended the snapshot
                #expect(try count(store) == 2)
                #expect(store.changeCount == start + 2)
            }
            #expect(store.changeCount == start + 2)
        }
    }

    @Test func aThrowingBodyGivesTheConnectionBackWithNoTransaction() throws {
        try withStore(readers: 1) { store in
            #expect(throws: ExpectedFailure.self) {
                try store.readScope {
                    _ = try count(store)
                    throw ExpectedFailure()
                }
            }
            // The only reader came back, with no snapshot held: another thread reads, and a
            // checkpoint copies the whole log.
            try insertElsewhere(store, 1)
            #expect(try onAnotherThread { try count(store) } == 1)
            #expect(try checkpointCompletes(store))
        }
    }

    @Test func aThrowingReadEndsTheTransactionAndTheNextReadBeginsAnother() throws {
        try withStore { store in
            let before = store.readerStatistics
            try store.readScope {
                _ = try count(store)
                #expect(throws: ExpectedFailure.self) {
                    try store.read { _ -> Int in throw ExpectedFailure() }
                }
                try insertElsewhere(store, 1)
                #expect(try count(store) == 1)
            }
            let scoped = store.readerStatistics.since(before)
            #expect(scoped.checkouts == 1)
            #expect(scoped.transactions == 2)
        }
    }

    @Test func nestedScopesAreOneScope() throws {
        try withStore(readers: 1) { store in
            let before = store.readerStatistics
            try store.readScope {
                _ = try count(store)
                try store.readScope {
                    #expect(try count(store) == 0)
                    try store.readScope { try insertElsewhere(store, 1) }
                }
                // The inner scopes' ends did not end the transaction.
                #expect(try count(store) == 0)
                #expect(!(try checkpointCompletes(store)))
            }
            #expect(try checkpointCompletes(store))
            let scoped = store.readerStatistics.since(before)
            #expect(scoped.checkouts == 1)
            #expect(scoped.transactions == 1)
        }
    }

    @Test func aScopeThatReadsNothingTakesNoConnection() throws {
        try withStore(readers: 1) { store in
            let before = store.readerStatistics
            store.readScope {
                // With one reader, a connection held here would block the other thread for good.
                #expect((try? onAnotherThread { try count(store) }) == 0)
            }
            #expect(store.readerStatistics.since(before).checkouts == 1)
        }
    }

    @Test func aScopeLetsGoOfItsSnapshotWhenItEnds() throws {
        try withStore { store in
            try store.readScope {
                _ = try count(store)
                try insertElsewhere(store, 1)
                // This scope's snapshot is older than the log's end: the log cannot all be copied.
                #expect(!(try checkpointCompletes(store)))
            }
            #expect(try checkpointCompletes(store))
        }
    }

    @Test func scopesOfTwoStoresOnOneThreadAreSeparate() throws {
        try withStore { first in
            try withStore { second in
                try first.readScope {
                    try second.readScope {
                        _ = try count(first)
                        _ = try count(second)
                        try second.write { try $0.run("INSERT INTO entries(n) VALUES (1)") }
                        try insertElsewhere(first, 1)
                        #expect(try count(second) == 1)
                        #expect(try count(first) == 0)  // the write to the other store left this one's snapshot
                    }
                    #expect(try count(first) == 0)
                }
                #expect(try count(first) == 1)
            }
        }
    }

    @Test func manyThreadsInScopesShareASmallPool() throws {
        try withStore(readers: 2) { store in
            let before = store.readerStatistics
            let errors = ThreadErrors()
            concurrently(12) { index in
                for round in 0..<20 {
                    errors.record {
                        try store.readScope {
                            _ = try store.read { _ in
                                // A read inside a read uses the scope's connection, not a second one.
                                try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") }
                            }
                            if round % 5 == 0 { try store.write { try $0.run("INSERT INTO entries(n) VALUES (?)", index) } }
                            _ = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM entries") }
                        }
                    }
                }
            }
            #expect(errors.all.isEmpty)
            let used = store.readerStatistics.since(before)
            let total = try count(store)
            #expect(total == 12 * 4)
            // 240 scopes; the 48 that wrote took a connection again after their write.
            #expect(used.checkouts == 240 + 48)
            #expect(used.transactions == 240 + 48)
            let checkpointed = try checkpointCompletes(store)
            #expect(checkpointed)
        }
    }
}
