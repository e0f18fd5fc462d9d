import Foundation
import Synchronization

/// Notices commits made by other processes: `PRAGMA data_version` on a connection changes when
/// any other connection has committed since the last time it was asked. This store's own commits
/// move it too; the count only needs to move at least as often as the data does.
final class DataVersionWatcher: Sendable {
    let changes = Atomic<UInt64>(0)
    private let state = Mutex<(started: Bool, stopping: Bool)>((false, false))
    private let stopped = LockedCondition(false)

    func start(path: String, interval: Double, busyTimeoutMilliseconds: Int32) throws {
        let go = state.withLock { state -> Bool in
            if state.started || state.stopping { return false }
            state.started = true
            return true
        }
        guard go else { return }
        let connection = try Connection(path: path, role: .reader, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let handover = Handover(connection)
        let thread = Thread { [self] in
            if let connection = handover.take() { self.poll(connection, interval: interval) }
            self.stopped.update { $0 = true }
        }
        thread.name = "mutuals-db-watch"
        thread.start()
    }

    private func poll(_ connection: Connection, interval: Double) {
        var last = (try? connection.scalar(Int64.self, "PRAGMA data_version")) ?? 0
        while !state.withLock({ $0.stopping }) {
            Thread.sleep(forTimeInterval: interval)
            // An error (the file briefly locked) is treated as a change: a needless miss, never a stale hit.
            let now = (try? connection.scalar(Int64.self, "PRAGMA data_version")) ?? last &+ 1
            if now != last {
                last = now
                changes.add(1, ordering: .releasing)
            }
        }
    }

    func stop() {
        let wasStarted = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        if wasStarted { stopped.wait(until: { $0 }) { _ in } }
    }
}
