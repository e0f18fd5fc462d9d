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

/// `KeptUntilChange` for values read per key (a topic's briefing items): every key's value is
/// dropped together when the store's change count moves or `lifetime` seconds pass. For a few
/// keys that name rows (the topics in use), never for keys taken from input as typed.
final class KeptPerKeyUntilChange<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let kept = Mutex<(values: [Key: Value], version: UInt64, readAt: Date)?>(nil)
    private let lifetime: TimeInterval

    init(lifetime: TimeInterval) {
        self.lifetime = lifetime
    }

    /// The value kept for `key` under `version`, read less than `lifetime` ago; otherwise
    /// `read()`'s, kept under `version` (with the others kept under it, if any).
    /// - Parameter version: as for `KeptUntilChange.value`.
    func value(for key: Key, version: UInt64, now: Date = Date(), read: () throws -> Value) rethrows -> Value {
        let lifetime = self.lifetime
        func current(_ kept: (values: [Key: Value], version: UInt64, readAt: Date)?) -> [Key: Value]? {
            guard let kept, kept.version == version, now.timeIntervalSince(kept.readAt) < lifetime, kept.readAt <= now else { return nil }
            return kept.values
        }
        if let value = kept.withLock({ current($0)?[key] }) {
            return value
        }
        let value = try read()
        kept.withLock { kept in
            if var values = current(kept), let readAt = kept?.readAt {
                values[key] = value
                kept = (values, version, readAt)
            } else {
                kept = ([key: value], version, now)
            }
        }
        return value
    }
}

/// `KeptPerKeyUntilChange` for rows found by a key that arrives as input (a session cookie's
/// token): only a row that exists is kept, never a miss, so made-up keys cost a read each and
/// fill nothing; and at most `limit` rows are kept, all dropped together when it is reached.
/// Every commit drops them too (the store's change count moves), so a session ended, a role
/// changed or an account suspended is read afresh on the next request.
final class KeptWhenFound<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let kept = Mutex<(values: [Key: Value], version: UInt64, readAt: Date)?>(nil)
    private let lifetime: TimeInterval
    private let limit: Int

    init(lifetime: TimeInterval, limit: Int) {
        self.lifetime = lifetime
        self.limit = limit
    }

    /// The row kept for `key` under `version`, read less than `lifetime` ago; otherwise `read()`'s,
    /// kept under `version` when it found one.
    /// - Parameter version: as for `KeptUntilChange.value`.
    func value(for key: Key, version: UInt64, now: Date, read: () throws -> Value?) rethrows -> Value? {
        let lifetime = self.lifetime
        func current(_ kept: (values: [Key: Value], version: UInt64, readAt: Date)?) -> [Key: Value]? {
            guard let kept, kept.version == version, now.timeIntervalSince(kept.readAt) < lifetime, kept.readAt <= now else { return nil }
            return kept.values
        }
        if let value = kept.withLock({ current($0)?[key] }) {
            return value
        }
        guard let value = try read() else { return nil }
        let limit = self.limit
        kept.withLock { kept in
            if var values = current(kept), let readAt = kept?.readAt, values.count < limit {
                values[key] = value
                kept = (values, version, readAt)
            } else {
                kept = ([key: value], version, now)
            }
        }
        return value
    }
}
