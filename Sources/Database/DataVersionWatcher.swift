import Foundation
import Synchronization

/// Notices commits made by other processes: `PRAGMA data_version` on a connection changes when
/// any other connection has committed since the last time it was asked. This store's own commits
/// move it too; the count only needs to move at least as often as the data does.
///
/// A thread asks every `interval` seconds, and each read scope asks too as it begins, before it
/// notes the change count (`check()`, under a lock, about a microsecond): so a commit of another
/// process (`mutuals user`, a direct write to the file) is seen by the first request after it,
/// and a session kept until the next commit is read afresh there, not up to `interval` later.
final class DataVersionWatcher: Sendable {
    let changes = Atomic<UInt64>(0)
    private let state = Mutex<(started: Bool, stopping: Bool)>((false, false))
    private let stopped = LockedCondition(false)
    /// The watcher's own connection and the data version it last saw; nil until started.
    private let watched = Mutex<Watched?>(nil)

    private final class Watched {
        let connection: Connection
        var last: Int64
        init(_ connection: Connection) {
            self.connection = connection
            last = (try? connection.dataVersion()) ?? 0
        }
    }

    func start(path: String, interval: Double, busyTimeoutMilliseconds: Int32) throws {
        let go = state.withLock { state -> Bool in
            if state.started || state.stopping { return false }
            state.started = true
            return true
        }
        guard go else { return }
        try watched.withLock { $0 = Watched(try Connection(path: path, role: .reader, busyTimeoutMilliseconds: busyTimeoutMilliseconds)) }
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
            let now = (try? watched.connection.dataVersion()) ?? watched.last &+ 1
            if now != watched.last {
                watched.last = now
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
