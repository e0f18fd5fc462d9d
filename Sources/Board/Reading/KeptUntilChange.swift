import Foundation
import Synchronization

/// A value read from the store that every request would otherwise read again, kept until the
/// store's change count moves (any commit of this process; another process's once
/// `Network.watchOtherProcesses` runs) or `lifetime` seconds pass, whichever comes first.
/// For values that depend on no one's identity (the home page's briefing items).
final class KeptUntilChange<Value: Sendable>: Sendable {
    private let kept = Mutex<(value: Value, version: UInt64, readAt: Date)?>(nil)
    private let lifetime: TimeInterval

    init(lifetime: TimeInterval) {
        self.lifetime = lifetime
    }

    /// The kept value when it was read at `version` less than `lifetime` ago; otherwise `read()`'s,
    /// kept under `version`.
    /// - Parameter version: `Store.changeCount` noted before `read` runs (inside a read scope it
    ///   is the count as of the scope's snapshot, so old data is never kept under a newer count).
    func value(version: UInt64, now: Date = Date(), read: () throws -> Value) rethrows -> Value {
        if let kept = kept.withLock({ $0 }), kept.version == version,
           now.timeIntervalSince(kept.readAt) < lifetime, kept.readAt <= now {
            return kept.value
        }
        let value = try read()
        kept.withLock { $0 = (value, version, now) }
        return value
    }
}
