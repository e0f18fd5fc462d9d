import CSQLite
import Foundation

/// The database as the rest of the program sees it: a bounded pool of reader connections and
/// exactly one writer thread that group-commits.
///
/// ```swift
/// let store = try Store(path: "data/mutuals.sqlite3")
/// let title = try store.read { conn in try conn.scalar(String.self, "SELECT title FROM threads WHERE id = ?", id) }
/// let id = try store.write { tx in
///     try tx.run("INSERT INTO topics(slug, name, position) VALUES (?, ?, ?)", slug, name, 11)
///     return tx.lastInsertedRowID
/// }
/// ```
///
/// Both calls are synchronous and may be made from any number of threads at once. `read` runs
/// its closure on the calling thread; `write` runs it on the writer thread and returns only
/// once the transaction holding it has committed.
public final class Store: Sendable {
    /// Tuning knobs, each with its default.
    public struct Configuration: Sendable {
        /// Most reader connections open at once; more concurrent readers wait. Default 8.
        public var maximumReaders: Int = 8
        /// How long a statement waits for a lock held by another process. Default 5 s.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// Most writes committed in one transaction. 1 turns group commit off (one transaction,
        /// one fsync, per write), which only benchmarks want. Default 256.
        public var maximumBatchSize: Int = 256
        /// Runs once per batch on the writer, after the last write's savepoint and before
        /// COMMIT, in the same transaction: for work that is cheaper done once per batch than once
        /// per write (Board indexes new posts for full-text search here). If it throws, the
        /// whole batch is rolled back and every write in it fails with its error. Default none.
        public var beforeCommit: (@Sendable (Connection) throws -> Void)?
        /// Bytes of the file each reader maps (`PRAGMA mmap_size`); 0 reads through read(2)
        /// into SQLite's own page cache instead. Default 2 GiB, which SQLite caps at just under
        /// (`SQLITE_MAX_MMAP_SIZE`, 0x7fff0000 in Debian's build): a database of 1M posts is
        /// 1.4 GB, and with 1 GiB mapped the pages past it, most of the search index, were read
        /// and copied through read(2) (docs/PERFORMANCE.md, "Memory" and "Fourteenth round").
        public var readerMemoryMapBytes: Int64 = 2 << 30

        public init() {}
    }

    /// The database file.
    public let path: String
    public let configuration: Configuration
    private let readers: ReaderPool
    private let writer: Writer
    private let otherProcesses: DataVersionWatcher

    /// Opens (creating if needed) the database file at `path`: the writer connection now,
    /// reader connections on first use.
    /// - Throws: `DatabaseError` if the file cannot be opened or set up.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.configuration = configuration
        // The writer opens first: it is the one that switches the file to WAL.
        let rowLengths = RowLengths()
        let connection = try Connection(path: path, role: .writer,
                                        busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds, rowLengths: rowLengths)
        let watcher = DataVersionWatcher()
        otherProcesses = watcher
        // While the writer is idle, the watcher holds the newest snapshot open, so readers'
        // WAL read locks are counted in this process, not taken from the kernel (see there).
        writer = Writer(connection: connection, maximumBatchSize: configuration.maximumBatchSize,
                        beforeCommit: configuration.beforeCommit,
                        idle: Writer.Idle(begin: { watcher.holdNewestSnapshot() }, end: { watcher.releaseSnapshot() }))
        readers = ReaderPool(path: path, capacity: configuration.maximumReaders,
                             busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                             memoryMapBytes: configuration.readerMemoryMapBytes, rowLengths: rowLengths)
    }

    deinit {
        close()
    }

    /// Runs `body` on a reader connection, inside one read transaction so every query it makes
    /// sees the same snapshot. Inside a read scope (`readScope`) on this thread, the scope's
    /// connection and transaction are used instead.
    /// - Throws: what `body` throws, or `DatabaseError`.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        if let scope = ReadScopes.current(for: readers) {
            return try scope.read(body)
        }
        return try readers.withConnection { connection in
            try connection.transaction(.deferred, body)
        }
    }

    /// Runs `body` with every `read` it makes on this thread sharing one reader connection and
    /// one read transaction: one checkout, one BEGIN and one ROLLBACK for the lot instead of one
    /// each (a page makes about ten). The connection is checked out at the first read, so a
    /// scope that reads nothing costs nothing.
    ///
    /// - Read-your-writes: a `write` (or `writeWithoutTransaction`, `backup`, a health check) on
    ///   this thread first ends the scope's transaction and gives its connection back, so the
    ///   next read takes a new snapshot that holds the write. (A write made inside a running read
    ///   body ends it when that body returns.)
    /// - Nested scopes are one scope; the outermost one's end ends the transaction and returns
    ///   the connection, whether `body` returned or threw. A read body that throws ends the
    ///   transaction too, and the next read begins a fresh one.
    /// - Hold it for one request at most: an open read transaction pins its WAL snapshot, which
    ///   stops checkpoints from finishing, and holds one of the pool's connections.
    public func readScope<T>(_ body: () throws -> T) rethrows -> T {
        try ReadScopes.run(readers, liveChangeCount: { [unowned self] in self.liveChangeCount },
                           noteOtherCommits: { [unowned self] in self.otherProcesses.check() }, body)
    }

    /// What the readers have run: connections lent, read transactions, statements.
    public var readerStatistics: ReaderStatistics { readers.statistics }

    /// Ends this thread's read scope's transaction and gives its connection back, if it holds
    /// one (before anything that waits on another connection).
    private func releaseReadScope() {
        ReadScopes.current(for: readers)?.release()
    }

    /// Runs `body` on the writer, in a savepoint of the current batch's transaction, and
    /// returns once that transaction has committed (so the write is durable).
    ///
    /// If `body` throws, its changes are rolled back and the error is rethrown here; other
    /// writes in the same batch are unaffected. Calling `write` from inside a `write` body
    /// throws `SQLITE_MISUSE` (the writer would otherwise wait for itself): use the connection
    /// the body was given. The body must have no effects outside the database.
    /// - Throws: what `body` throws, or `DatabaseError` (including a failed COMMIT).
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        releaseReadScope()
        let job = PendingWrite(isTransactional: true, body: body)
        try writer.submit(job)
        return try job.wait()
    }

    /// Runs `body` on the writer connection with no transaction around it, alone (not batched):
    /// for work that manages transactions itself, such as migrations or `VACUUM`.
    @discardableResult
    public func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        releaseReadScope()
        let job = PendingWrite(isTransactional: false, body: body)
        try writer.submit(job)
        return try job.wait()
    }

    /// Applies `migrator`'s pending migrations on the writer.
    /// - Returns: the schema versions before and after.
    /// - Throws: `MigrationError` (e.g. the file is from a newer version) or `DatabaseError`.
    @discardableResult
    public func migrate(_ migrator: Migrator) throws -> MigrationOutcome {
        try writeWithoutTransaction { connection in try migrator.migrate(connection) }
    }

    /// The problems found by `PRAGMA integrity_check` and `PRAGMA foreign_key_check`; empty when
    /// the database is sound.
    public func integrityProblems() throws -> [String] {
        releaseReadScope()
        return try readers.withConnection { try $0.integrityProblems() }
    }

    /// A number that changes whenever the database may have changed: it counts this store's
    /// committed transactions, plus the commits of other processes (`mutuals user role` while the
    /// server runs) once `watchOtherProcesses` has seen them. A cache that notes it before reading
    /// and finds it unchanged afterwards knows nothing it read has changed since. Never decreases.
    ///
    /// On a thread whose read scope has a transaction open, it is the count noted just before
    /// that transaction began: what the scope's reads see is no older than it, so a cache that
    /// keys what it read on it can never file old data under a newer count (a count noted after
    /// the snapshot began, while another thread committed, would).
    public var changeCount: UInt64 {
        if let scope = ReadScopes.current(for: readers), let noted = scope.snapshotChangeCount {
            return noted
        }
        otherProcesses.check()
        return liveChangeCount
    }

    /// `changeCount` as it is now, whatever this thread's scope sees.
    private var liveChangeCount: UInt64 {
        writer.committed.load(ordering: .acquiring) &+ otherProcesses.changes.load(ordering: .acquiring)
    }

    /// Starts watching for other processes' commits (`DataVersionWatcher`: the wal-index header,
    /// or `PRAGMA data_version` on a connection of its own), asked as each read scope begins and
    /// every `interval` seconds, so that `changeCount` also moves when another process commits.
    /// Stops at `close`. Idempotent.
    public func watchOtherProcesses(interval: Double = 0.25) throws {
        try otherProcesses.start(path: path, interval: interval,
                                 busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        writer.idleAgain()  // the watcher's connection is there now: hold the snapshot if idle
    }

    /// Whether other processes' commits are noticed from the mapped wal-index header (WAL mode),
    /// not by a statement: false until `watchOtherProcesses`.
    var watchesSharedHeader: Bool { otherProcesses.readsSharedHeader }

    /// Whether the newest snapshot is held open now (`DataVersionWatcher.holdNewestSnapshot`).
    var holdsSnapshot: Bool { otherProcesses.holdsSnapshot }

    /// Counters from the writer: transactions, writes, largest batch.
    public var writerStatistics: WriterStatistics {
        writer.statistics.withLock { $0 }
    }

    /// The writer's state: the batch in progress, the last commit, the last storage failure.
    public var writerHealth: WriterHealth {
        writer.health.withLock { $0 }
    }

    /// Whether the store can serve: a reader answers a trivial query within `readerTimeout`
    /// seconds, and the writer is running, not stuck in a transaction for longer than
    /// `stuckAfter` seconds, and has committed since its last storage failure.
    /// - Returns: the problems found, each prefixed "reader: " or "writer: "; empty when healthy.
    public func healthProblems(readerTimeout: Double = 1, stuckAfter: Double = 30) -> [String] {
        var problems: [String] = []
        releaseReadScope()
        do {
            // Reads the schema from the file (page 1), so a missing or unreadable file shows.
            _ = try readers.withConnection(timeout: readerTimeout) { connection in
                try connection.scalar(Int.self, "SELECT count(*) FROM sqlite_schema")
            }
        } catch let error as DatabaseError {
            problems.append("reader: " + error.message)
        } catch {
            problems.append("reader: \(error)")
        }
        let now = DispatchTime.now().uptimeNanoseconds
        if let problem = writerHealth.problem(now: now, stuckAfter: UInt64(max(0, stuckAfter) * 1e9)) {
            problems.append("writer: " + problem)
        }
        return problems
    }

    /// The sizes in bytes of the database file and of its write-ahead log (0 when absent).
    public func fileSizes() -> (database: Int64, wal: Int64) {
        func size(_ path: String) -> Int64 {
            var info = stat()
            return stat(path, &info) == 0 ? Int64(info.st_size) : 0
        }
        return (size(path), size(path + "-wal"))
    }

    /// Copies the database to `destination` with SQLite's online backup API while reads and
    /// writes go on. See `Backup.copy`.
    public func backup(to destination: String, verify: (String) throws -> Void = { _ in }) throws {
        releaseReadScope()
        try readers.withConnection { source in
            try Backup.copy(from: source, to: destination, verify: verify)
        }
    }

    /// Finishes queued writes, stops the writer and closes the connections. Further calls throw.
    /// Idempotent; also done on `deinit`.
    public func close() {
        otherProcesses.stop()
        writer.stop()
        readers.close()
    }
}
