#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read scope of one store on one thread (`Store.readScope`): the reader connection its reads
/// share, checked out at the first read, and the read transaction they share, begun at the first
/// read and ended by a write on this thread or when the outermost scope closes.
///
/// Lives only on the thread that opened it: the open scopes of a thread are a linked list whose
/// head sits in a POSIX thread-specific slot (`ReadScopes.key`), one node per store with a scope
/// open (almost always one). Nothing here is shared between threads, hence no locks.
final class ReadScope {
    let pool: ReaderPool
    /// Scopes of this store opened on this thread and not yet closed (nesting).
    var depth = 1
    /// `Store.read` bodies running now on this thread in this scope (a read inside a read).
    var readDepth = 0
    /// The connection the scope's reads use, between the first read and the end of the scope
    /// (or the next write).
    var connection: Connection?
    /// A write ran while a read body was running: end the transaction when the body returns.
    var stale = false
    /// The next store's scope on this thread.
    var next: ReadScope?
    /// The store's change count now (`Store.changeCount` outside any scope).
    let liveChangeCount: () -> UInt64
    /// Counts another process's commits made by now, before the count is noted
    /// (`Store.noteOtherCommits`).
    let noteOtherCommits: () -> Void
    /// The change count noted just before the open transaction began.
    private var notedChangeCount: UInt64 = 0

    init(pool: ReaderPool, next: ReadScope?, liveChangeCount: @escaping () -> UInt64,
         noteOtherCommits: @escaping () -> Void) {
        self.pool = pool
        self.next = next
        self.liveChangeCount = liveChangeCount
        self.noteOtherCommits = noteOtherCommits
    }

    /// The change count as of the snapshot this scope's reads see: noted before its transaction
    /// began (so it may be older than the data, never newer); nil while no transaction is open.
    var snapshotChangeCount: UInt64? {
        connection?.isInTransaction == true ? notedChangeCount : nil
    }

    /// Runs `body` in the scope's read transaction, checking out the connection and beginning
    /// the transaction first if needed. A body that throws ends the transaction (the next read
    /// begins a fresh one), as a read outside a scope would.
    func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection: Connection
        if let held = self.connection {
            connection = held
        } else {
            connection = try pool.checkOut()
            self.connection = connection
        }
        if !connection.isInTransaction {
            noteOtherCommits()
            notedChangeCount = liveChangeCount()
            do {
                try connection.beginRead()
            } catch {
                release()
                throw error
            }
        }
        readDepth += 1
        defer {
            readDepth -= 1
            if readDepth == 0, stale {
                stale = false
                release()
            }
        }
        do {
            return try body(connection)
        } catch {
            if readDepth == 1 { connection.rollbackQuietly() }
            throw error
        }
    }

    /// Ends the scope's transaction and gives the connection back, so the next read takes a new
    /// snapshot: before a write on this thread (read-your-writes), and when the scope closes.
    /// Inside a running read body it is put off until that body returns.
    func release() {
        guard readDepth == 0 else {
            stale = true
            return
        }
        guard let connection else { return }
        self.connection = nil
        pool.checkIn(connection)  // rolls the read transaction back
    }
}

/// The thread-specific slot holding each thread's open read scopes.
enum ReadScopes {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key, nil)
        precondition(result == 0, "pthread_key_create failed: \(result)")
        return key
    }()

    /// The first open scope of the calling thread, if any.
    static var head: ReadScope? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<ReadScope>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Makes `scope` the calling thread's first (the slot keeps it alive), or empties the slot.
    static func setHead(_ scope: ReadScope?) {
        if let raw = pthread_getspecific(key) {
            Unmanaged<ReadScope>.fromOpaque(raw).release()
        }
        pthread_setspecific(key, scope.map { Unmanaged.passRetained($0).toOpaque() })
    }

    /// The calling thread's open scope of the store whose readers are `pool`.
    static func current(for pool: ReaderPool) -> ReadScope? {
        var scope = head
        while let candidate = scope {
            if candidate.pool === pool { return candidate }
            scope = candidate.next
        }
        return nil
    }

    /// Opens a scope of `pool`'s store on the calling thread (or enters the one already open),
    /// runs `body` and closes it: the outermost close ends the transaction and gives the
    /// connection back, whether `body` returned or threw.
    static func run<T>(_ pool: ReaderPool, liveChangeCount: @escaping () -> UInt64,
                       noteOtherCommits: @escaping () -> Void, _ body: () throws -> T) rethrows -> T {
        if let open = current(for: pool) {
            open.depth += 1
            defer { open.depth -= 1 }
            return try body()
        }
        let first = head
        let scope = ReadScope(pool: pool, next: first, liveChangeCount: liveChangeCount, noteOtherCommits: noteOtherCommits)
        setHead(scope)
        defer {
            scope.release()
            remove(scope)
        }
        return try body()
    }

    /// Takes `scope` out of the calling thread's list.
    private static func remove(_ scope: ReadScope) {
        guard let first = head else { return }
        if first === scope {
            setHead(scope.next)
            scope.next = nil
            return
        }
        var previous = first
        while let candidate = previous.next {
            if candidate === scope {
                previous.next = scope.next
                scope.next = nil
                return
            }
            previous = candidate
        }
    }
}
