import CSQLite
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
    private let state = LockedCondition(State())

    init(path: String, capacity: Int, busyTimeoutMilliseconds: Int32, memoryMapBytes: Int64) {
        self.path = path
        self.capacity = max(1, capacity)
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.memoryMapBytes = memoryMapBytes
    }

    /// Lends a reader connection to `body` on the calling thread.
    /// - Parameter timeout: seconds to wait for a free connection; nil waits as long as it takes.
    /// - Throws: `SQLITE_BUSY` when no connection came free within `timeout`.
    func withConnection<T>(timeout: Double? = nil, _ body: (Connection) throws -> T) throws -> T {
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
        let connection: Connection
        switch checkout {
        case .closed:
            throw DatabaseError.misuse("the store is closed")
        case .reuse(let reused):
            connection = reused
        case .open:
            do {
                connection = try Connection(path: path, role: .reader, busyTimeoutMilliseconds: busyTimeoutMilliseconds,
                                            memoryMapBytes: memoryMapBytes)
            } catch {
                state.update { $0.opened -= 1 }
                throw error
            }
        }
        defer {
            // A closure that threw half-way through its own transaction must not hand a
            // connection with an open transaction to the next reader.
            connection.rollbackQuietly()
            state.update { state in
                if state.closed {
                    state.opened -= 1
                } else {
                    state.idle.append(connection)
                }
            }
        }
        return try body(connection)
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
