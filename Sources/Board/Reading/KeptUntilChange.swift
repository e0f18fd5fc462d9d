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
/// dropped together when the store's change count moves or `lifetime` seconds pass, or when
/// `limit` values are kept. For keys that name rows (the topics in use); a key that arrives as
/// input (a session cookie's token) goes through `found(for:...)`, which keeps only rows that
/// exist, never a miss, so made-up keys cost a read each and fill nothing.
final class KeptPerKeyUntilChange<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private typealias Kept = (values: [Key: Value], version: UInt64, readAt: Date)
    private let kept = Mutex<Kept?>(nil)
    private let lifetime: TimeInterval
    private let limit: Int

    init(lifetime: TimeInterval, limit: Int = .max) {
        self.lifetime = lifetime
        self.limit = limit
    }

    /// The value kept for `key` under `version`, read less than `lifetime` ago; otherwise
    /// `read()`'s, kept under `version` (with the others kept under it, if any).
    /// - Parameter version: as for `KeptUntilChange.value`.
    func value(for key: Key, version: UInt64, now: Date = Date(), read: () throws -> Value) rethrows -> Value {
        if let value = keptValue(for: key, version: version, now: now) { return value }
        let value = try read()
        keep(value, for: key, version: version, now: now)
        return value
    }

    /// As `value(for:...)`, for a row that may not exist: only one found is kept.
    func found(for key: Key, version: UInt64, now: Date, read: () throws -> Value?) rethrows -> Value? {
        if let value = keptValue(for: key, version: version, now: now) { return value }
        guard let value = try read() else { return nil }
        keep(value, for: key, version: version, now: now)
        return value
    }

    /// The values kept, when they were kept under `version` less than `lifetime` before `now`.
    private func current(_ kept: Kept?, version: UInt64, now: Date) -> [Key: Value]? {
        guard let kept, kept.version == version, now.timeIntervalSince(kept.readAt) < lifetime, kept.readAt <= now else { return nil }
        return kept.values
    }

    private func keptValue(for key: Key, version: UInt64, now: Date) -> Value? {
        kept.withLock { current($0, version: version, now: now)?[key] }
    }

    private func keep(_ value: Value, for key: Key, version: UInt64, now: Date) {
        kept.withLock { kept in
            if var values = current(kept, version: version, now: now), let readAt = kept?.readAt, values.count < limit {
                values[key] = value
                kept = (values, version, readAt)
            } else {
                kept = ([key: value], version, now)
            }
        }
    }
}
