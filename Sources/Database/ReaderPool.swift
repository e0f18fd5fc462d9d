import CSQLite
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded pool of reader connections: at most `capacity` readers run at once, each on its
/// own connection; a caller beyond that waits for one to come back.
final class ReaderPool: Sendable {
    private enum Checkout {
        case reuse(Connection), open, closed
    }

    private struct State {
        var idle: [Connection] = []
        var opened = 0
        var closed = false
    }

    let path: String
    let capacity: Int
    let busyTimeoutMilliseconds: Int32
    let memoryMapBytes: Int64
    /// The store's kept search row lengths, given to each reader.
    let rowLengths: RowLengths?
    private let state = LockedCondition(State())
    private let checkouts = Atomic<UInt64>(0)
    private let transactions = Atomic<UInt64>(0)
    private let statements = Atomic<UInt64>(0)

    init(path: String, capacity: Int, busyTimeoutMilliseconds: Int32, memoryMapBytes: Int64, rowLengths: RowLengths? = nil) {
        self.path = path
        self.rowLengths = rowLengths
        self.capacity = max(1, capacity)
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.memoryMapBytes = memoryMapBytes
    }

    /// Lends a reader connection to `body` on the calling thread.
    /// - Parameter timeout: seconds to wait for a free connection; nil waits as long as it takes.
    /// - Throws: `SQLITE_BUSY` when no connection came free within `timeout`.
    func withConnection<T>(timeout: Double? = nil, _ body: (Connection) throws -> T) throws -> T {
        let connection = try checkOut(timeout: timeout)
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// Takes a connection for the calling thread until `checkIn`: an idle one, a new one while
    /// fewer than `capacity` are open, or the next to come back.
    /// - Parameter timeout: seconds to wait for a free connection; nil waits as long as it takes.
    /// - Throws: `SQLITE_BUSY` when no connection came free within `timeout`; misuse once closed.
    func checkOut(timeout: Double? = nil) throws -> Connection {
        let capacity = self.capacity
        let ready: (State) -> Bool = { $0.closed || !$0.idle.isEmpty || $0.opened < capacity }
        let take: (inout State) -> Checkout = { state in
            if state.closed { return .closed }
            if let connection = state.idle.popLast() { return .reuse(connection) }
            state.opened += 1
            return .open
        }
        let checkout: Checkout
        if let timeout {
            guard let taken = state.wait(until: ready, deadline: Self.deadline(after: timeout), then: take) else {
                throw DatabaseError(extendedCode: SQLITE_BUSY, message: "no reader connection came free within \(timeout) s")
            }
            checkout = taken
        } else {
            checkout = state.wait(until: ready, then: take)
        }
        switch checkout {
        case .closed:
            throw DatabaseError.misuse("the store is closed")
        case .reuse(let reused):
            return reused
        case .open:
            do {
                return try Connection(path: path, role: .reader, busyTimeoutMilliseconds: busyTimeoutMilliseconds,
                                      memoryMapBytes: memoryMapBytes, rowLengths: rowLengths)
            } catch {
                state.update { $0.opened -= 1 }
                throw error
            }
        }
    }

    /// Gives back a connection from `checkOut`, with no transaction left open, and adds what it
    /// ran while lent to the pool's counts.
    func checkIn(_ connection: Connection) {
        // A closure that threw half-way through its own transaction must not hand a
        // connection with an open transaction to the next reader.
        connection.rollbackQuietly()
        let counts = connection.takeCounts()
        transactions.add(counts.transactions, ordering: .relaxed)
        statements.add(counts.statements, ordering: .relaxed)
        checkouts.add(1, ordering: .relaxed)
        state.update { state in
            if state.closed {
                state.opened -= 1
            } else {
                state.idle.append(connection)
            }
        }
    }

    /// What readers have run, counted as connections come back (`Store.readerStatistics`).
    var statistics: ReaderStatistics {
        ReaderStatistics(checkouts: checkouts.load(ordering: .relaxed), transactions: transactions.load(ordering: .relaxed),
                         statements: statements.load(ordering: .relaxed))
    }

    private static func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int(now.tv_nsec) + Int((seconds - seconds.rounded(.down)) * 1e9)
        return timespec(tv_sec: now.tv_sec + Int(seconds) + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    }

    /// Closes idle connections now and the lent ones as they come back.
    func close() {
        let idle = state.update { state -> [Connection] in
            state.closed = true
            let idle = state.idle
            state.opened -= idle.count
            state.idle = []
            return idle
        }
        _ = idle  // released here, outside the lock
    }
}

/// What the reader connections have run since the store opened, counted when each connection
/// goes back to the pool (so a read still running is not in it yet). For tests and measurement:
/// how many transactions and statements a page costs.
public struct ReaderStatistics: Sendable, Equatable {
    /// Times a connection was lent (one per `Store.read` outside a read scope, one per scope that read).
    public var checkouts: UInt64
    /// Read transactions begun.
    public var transactions: UInt64
    /// Statements run, transaction control (BEGIN, COMMIT, ROLLBACK) included.
    public var statements: UInt64

    public init(checkouts: UInt64 = 0, transactions: UInt64 = 0, statements: UInt64 = 0) {
        self.checkouts = checkouts
        self.transactions = transactions
        self.statements = statements
    }

    /// The counts run between `earlier` and these.
    public func since(_ earlier: ReaderStatistics) -> ReaderStatistics {
        ReaderStatistics(checkouts: checkouts &- earlier.checkouts, transactions: transactions &- earlier.transactions,
                         statements: statements &- earlier.statements)
    }
}
