import Foundation
import Locking

/// A value read from the store that every request would otherwise read again, kept until the
/// store's change count moves (any commit of this process; another process's once
/// `Network.watchOtherProcesses` runs) or `lifetime` seconds pass, whichever comes first.
/// For values that depend on no one's identity (the home page's briefing items).
final class KeptUntilChange<Value: Sendable>: Sendable {
    private let kept = WaitingMutex<(value: Value, version: UInt64, readAt: Date)?>(nil)
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
/// dropped when the store's change count moves or `lifetime` seconds pass; past `limit` values
/// in all, a shard lets one go for each new one. For keys that name rows (the topics in use);
/// a key that arrives as input (a session cookie's token) goes through `found(for:...)`, which
/// keeps only rows that exist, never a miss, so made-up keys cost a read each and fill nothing.
///
/// The values are spread over shards by key, each with its own lock: every request asks for
/// its session and its thread page's posts, and the workers share one core, so a worker
/// preempted while holding one lock for all kept the others spinning (7% of the signed-in
/// thread page's CPU in `_MutexHandle._lockSlow`). The locks sleep rather than spin
/// (`WaitingMutex`).
final class KeptPerKeyUntilChange<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private typealias Kept = (values: [Key: Value], version: UInt64, readAt: Date)
    private final class Shard: Sendable {
        let kept = WaitingMutex<Kept?>(nil)
    }
    private let shards: [Shard]
    private let lifetime: TimeInterval
    private let limitPerShard: Int

    init(lifetime: TimeInterval, limit: Int = .max) {
        self.lifetime = lifetime
        // Small limits (tests) keep one shard, so the limit is exact.
        let count = limit >= 256 ? 16 : 1
        shards = (0..<count).map { _ in Shard() }
        limitPerShard = max(1, limit / count)
    }

    private func shard(_ key: Key) -> Shard {
        shards.count == 1 ? shards[0] : shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
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

    /// Whether values kept under `version` at `readAt` may still be given out at `now`.
    private func isCurrent(version kept: UInt64, readAt: Date, version: UInt64, now: Date) -> Bool {
        kept == version && now.timeIntervalSince(readAt) < lifetime && readAt <= now
    }

    /// The value kept for `key` under `version`, read less than `lifetime` before `now`, or nil.
    func kept(for key: Key, version: UInt64, now: Date = Date()) -> Value? {
        keptValue(for: key, version: version, now: now)
    }

    private func keptValue(for key: Key, version: UInt64, now: Date) -> Value? {
        shard(key).kept.withLock { kept in
            guard let version0 = kept?.version, let readAt = kept?.readAt,
                  isCurrent(version: version0, readAt: readAt, version: version, now: now) else { return nil }
            return kept?.values[key]
        }
    }

    /// Keeps `value` for `key` under `version` (read in a snapshot no newer than it). A full
    /// shard lets one value go for it (the first in the dictionary's order: about any), freed
    /// after the lock: a reader going through more pages than are kept (a crawler, the archive)
    /// costs one eviction a page, not a shard's worth of frees every few pages.
    func keep(_ value: Value, for key: Key, version: UInt64, now: Date = Date()) {
        var evicted: Value?
        shard(key).kept.withLock { kept in
            if let version0 = kept?.version, let readAt = kept?.readAt, let count = kept?.values.count,
               isCurrent(version: version0, readAt: readAt, version: version, now: now) {
                // In place: the dictionary is this shard's alone.
                if count >= limitPerShard, kept?.values[key] == nil, let first = kept?.values.first?.key {
                    evicted = kept?.values.removeValue(forKey: first)
                }
                kept?.values[key] = value
            } else if kept != nil {
                // Keeps the dictionary's storage: where every request commits (a first visit
                // records it), this runs on every request, and a new dictionary each time was an
                // allocation and a free for nothing.
                kept?.values.removeAll(keepingCapacity: true)
                kept?.values[key] = value
                kept?.version = version
                kept?.readAt = now
            } else {
                kept = ([key: value], version, now)
            }
        }
        _ = evicted
    }
}
