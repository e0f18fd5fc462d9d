import Database
import Foundation

/// A person's notifications and which kinds they want (issue 8).
public struct NotificationService: Sendable {
    let store: Store

    public func list(userID: Int64) throws -> [NotificationItem] {
        try store.read { try Notifications.list($0, userID: userID) }
    }

    /// Marks one of `userID`'s notifications read.
    /// - Returns: false when they have no notification `id`.
    public func markRead(userID: Int64, id: Int64, now: Date = Date()) throws -> Bool {
        try store.write { try Notifications.markRead($0, userID: userID, id: id, now: now) }
    }

    /// `userID` opened a page of `threadID` showing `shownPostIDs`: the notifications about
    /// those posts (and about the thread itself) are read.
    /// - Returns: their unread count afterwards.
    public func markReadOnOpening(userID: Int64, threadID: Int64, shownPostIDs: [Int64], now: Date = Date()) throws -> Int {
        try store.write { tx in
            try Notifications.markReadOnOpening(tx, userID: userID, threadID: threadID, shownPostIDs: shownPostIDs, now: now)
            return try Notifications.unreadCount(tx, userID: userID)
        }
    }

    public func markAllRead(userID: Int64, now: Date = Date()) throws {
        try store.write { try Notifications.markAllRead($0, userID: userID, now: now) }
    }

    public func disabledKinds(userID: Int64) throws -> Set<NotificationKind> {
        try store.read { try Notifications.disabledKinds($0, userID: userID) }
    }

    public func setEnabledKinds(userID: Int64, _ enabled: Set<NotificationKind>) throws {
        try store.write { try Notifications.setEnabledKinds($0, userID: userID, enabled: enabled) }
    }
}
