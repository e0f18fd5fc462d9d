import CSQLite
import Foundation
import Synchronization

/// Notices commits made by other processes. This store's own commits move the count too; it only
/// needs to move at least as often as the data does.
///
/// A thread asks every `interval` seconds, and each read scope asks too as it begins, before it
/// notes the change count (`check()`): so a commit of another process (`mutuals user`, a direct
/// write to the file) is seen by the first request after it, and a session kept until the next
/// commit is read afresh there, not up to `interval` later.
///
/// **How it asks.** In WAL mode every commit, by any process, rewrites the wal-index header at
/// the start of the `-shm` file (https://www.sqlite.org/walformat.html, §2.1: `iChange` counts
/// transactions, `mxFrame` and the salts move with every commit and reset), and that header is
/// what makes a commit visible to readers. So the watcher reads that header's first copy, as its
/// own connection maps it, and compares it with the one it last saw: no statement, no read
/// transaction, no system call.
/// Asking `PRAGMA data_version` instead began a read transaction for every request, whose
/// shared-memory lock and unlock were two `fcntl(2)` calls: 5–6% of a signed-in thread page's
/// CPU. A torn read (a commit writing the header at that moment) counts as a change: a needless
/// miss, never a stale hit. A header not yet rewritten is a commit no reader can see yet. Where
/// there is no header to read (not WAL mode), it asks `PRAGMA data_version` as before.
///
/// The header is read through the watcher connection's own mapping (`SharedHeader`), valid
/// while that connection is open; the connection is closed only after `check` can no longer
/// reach it (`stop`).
///
/// **Holding the newest snapshot while the writer is idle** (`holdNewestSnapshot`). Every read
/// transaction in WAL mode takes a shared lock on one of the wal-index's read-mark slots and
/// drops it at its end. SQLite's unix VFS asks the kernel (`fcntl(2)`, two calls a request,
/// ~3% of a signed-in thread page's CPU) only when no other connection of the process already
/// holds that slot. Readers that begin while nothing has been committed all take the same slot,
/// so the watcher's connection keeps a read transaction open on the newest snapshot, and theirs
/// become counts in the process's memory. It is held only while it cannot get in the way:
/// - the writer lets go before every batch, and takes it again once its queue is empty
///   (`Store` passes both to `Writer`), so the writer's own checkpoints and its restarts of the
///   WAL from the beginning are never held back by it;
/// - the first `check` that finds the header moved since it was taken (another process
///   committed) lets go, and it is not taken again until this store's writer is next idle: a
///   process writing alongside (`mutuals user`, an operator's `sqlite3`) is not held back either;
/// - never where there is no header to read (not WAL mode).
final class DataVersionWatcher: Sendable {
    let changes = Atomic<UInt64>(0)
    private let state = Mutex<(started: Bool, stopping: Bool)>((false, false))
    private let stopped = LockedCondition(false)
    /// The watcher's own connection and the data version it last saw; nil until started.
    private let watched = Mutex<Watched?>(nil)

    private final class Watched {
        let connection: Connection
        var last: Int64
        /// The wal-index header's first copy, as this connection maps it; nil when there is none.
        let header: SharedHeader?
        /// The header as last seen.
        var lastHeader: SharedHeader.Bytes
        /// The header as it was just before the held snapshot began; nil while none is held.
        var heldSince: SharedHeader.Bytes?

        /// The connection's own busy timeout, put back after a hold (`holdNewestSnapshot`).
        let busyTimeoutMilliseconds: Int32

        init(_ connection: Connection, busyTimeoutMilliseconds: Int32) {
            self.connection = connection
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            last = (try? connection.dataVersion()) ?? 0
            // Asked only once the connection has read: its first read opened the `-shm` file.
            let walMode = (try? connection.scalar(String.self, "PRAGMA journal_mode"))?.lowercased() == "wal"
            header = walMode ? SharedHeader(connection) : nil
            lastHeader = header?.read() ?? SharedHeader.zero
        }
    }

    /// The first copy of the wal-index header (48 bytes at the start of the `-shm` file), read in
    /// place from the watcher connection's own mapping of it (SQLite's VFS, `xShmMap`).
    ///
    /// Not a mapping of our own: opening and closing a descriptor of the `-shm` file would drop
    /// every POSIX lock this process holds on that file (closing any descriptor of a file does),
    /// SQLite's dead-man switch among them. Another process opening the database would then
    /// take this process for gone, truncate the file and rebuild it under our connections'
    /// mappings: a bus error in SQLite (seen once in `pages.sh`, with the first version of this).
    final class SharedHeader {
        typealias Bytes = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        static let zero: Bytes = (0, 0, 0, 0, 0, 0)
        static let headerBytes = 48
        private let base: UnsafeRawPointer

        /// The header of `connection`'s wal-index; nil when it has none mapped.
        init?(_ connection: Connection) {
            guard let region = mutuals_sqlite_wal_index(connection.handle) else { return nil }
            base = UnsafeRawPointer(region)
        }

        /// The header's bytes now. Another process may be writing them: a torn copy only
        /// differs from both the old and the new one.
        func read() -> Bytes {
            atomicMemoryFence(ordering: .acquiring)
            var bytes = Self.zero
            withUnsafeMutableBytes(of: &bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: Self.headerBytes)) }
            return bytes
        }
    }

    func start(path: String, interval: Double, busyTimeoutMilliseconds: Int32) throws {
        let go = state.withLock { state -> Bool in
            if state.started || state.stopping { return false }
            state.started = true
            return true
        }
        guard go else { return }
        try watched.withLock {
            $0 = Watched(try Connection(path: path, role: .reader, busyTimeoutMilliseconds: busyTimeoutMilliseconds),
                         busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        }
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopping }) {
                Thread.sleep(forTimeInterval: interval)
                check()
            }
            watched.withLock { $0 = nil }
            stopped.update { $0 = true }
        }
        thread.name = "mutuals-db-watch"
        thread.start()
    }

    /// Asks now: moves `changes` if another connection committed since the last ask. An error
    /// (the file briefly locked) counts as a change: a needless miss, never a stale hit.
    ///
    /// While another thread is asking, this one does not wait (workers queued on this lock
    /// doubled a small page's CPU): a commit made during that other ask is then left to the
    /// poll, within `interval`.
    func check() {
        watched.withLockIfAvailable { watched in
            guard let watched else { return }
            if let header = watched.header {
                let now = header.read()
                if !Self.same(now, watched.lastHeader) {
                    watched.lastHeader = now
                    changes.add(1, ordering: .releasing)
                }
                if let held = watched.heldSince, !Self.same(now, held) {
                    Self.letGo(watched)
                }
                return
            }
            let now = (try? watched.connection.dataVersion()) ?? watched.last &+ 1
            if now != watched.last {
                watched.last = now
                changes.add(1, ordering: .releasing)
            }
        }
    }

    /// Begins a read transaction on the newest snapshot on the watcher's connection and keeps
    /// it open, so that readers' shared locks on the same read-mark slot need no system call (see
    /// the type's notes). Called by the writer when its queue is empty; does nothing before
    /// `start`, after `stop` or where there is no header to read. A failure (the file briefly
    /// locked by another process) leaves nothing held: readers lock for themselves, as before.
    func holdNewestSnapshot() {
        watched.withLock { watched in
            guard let watched, let header = watched.header else { return }
            Self.letGo(watched)
            // Read before the snapshot begins: a commit landing in between makes the two differ,
            // and the next `check` lets go of a snapshot that is already old (read after, such a
            // commit would go unnoticed and the old snapshot would be kept).
            let before = header.read()
            // Not worth waiting for: the writer's thread runs this, and a new write must not
            // queue behind a lock another process holds (the busy timeout is 5 s).
            sqlite3_busy_timeout(watched.connection.handle, 0)
            defer { sqlite3_busy_timeout(watched.connection.handle, watched.busyTimeoutMilliseconds) }
            do {
                try watched.connection.beginRead()
                _ = try watched.connection.scalar(Int.self, "SELECT count(*) FROM (SELECT 1 FROM sqlite_schema LIMIT 1)")
                watched.heldSince = before
            } catch {
                watched.connection.rollbackQuietly()
            }
        }
    }

    /// Ends the held snapshot, if any: before the writer's next batch.
    func releaseSnapshot() {
        watched.withLock { watched in
            if let watched { Self.letGo(watched) }
        }
    }

    /// Whether a snapshot is held now (`holdNewestSnapshot`).
    var holdsSnapshot: Bool { watched.withLock { $0?.heldSince != nil } }

    private static func letGo(_ watched: Watched) {
        guard watched.heldSince != nil else { return }
        watched.heldSince = nil
        watched.connection.rollbackQuietly()
    }

    /// Whether `check` reads the mapped header (false before `start`, or where it could not map).
    var readsSharedHeader: Bool { watched.withLock { $0?.header != nil } }

    private static func same(_ a: SharedHeader.Bytes, _ b: SharedHeader.Bytes) -> Bool {
        a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3 && a.4 == b.4 && a.5 == b.5
    }

    func stop() {
        let wasStarted = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        if wasStarted { stopped.wait(until: { $0 }) { _ in } }
    }
}
