import Database
import Foundation

/// What a queued message is (`mail_outbox.kind`).
public enum MailKind: String, Sendable, CaseIterable {
    case confirmAddress = "confirm_address"
    case passwordReset = "password_reset"
    case notification
    case dailySummary = "daily_summary"
    case weeklyBriefing = "weekly_briefing"
    case test

    /// Security mail goes to unconfirmed addresses too, and carries no unsubscribe link.
    public var isSecurityMail: Bool { self == .confirmAddress || self == .passwordReset || self == .test }
}

/// One message to queue: what it is, to whom, and what it is about.
public struct OutgoingMail: Sendable {
    public var kind: MailKind
    public var userID: Int64?
    public var toAddress: String
    public var notificationID: Int64?
    public var threadID: Int64?
    public var postID: Int64?
    /// A JSON object with whatever else the composer needs.
    public var payload: String

    public init(kind: MailKind, userID: Int64?, toAddress: String, notificationID: Int64? = nil,
                threadID: Int64? = nil, postID: Int64? = nil, payload: String = "{}") {
        self.kind = kind
        self.userID = userID
        self.toAddress = toAddress
        self.notificationID = notificationID
        self.threadID = threadID
        self.postID = postID
        self.payload = payload
    }
}

/// The mail outbox (`mail_outbox`, migration 10): messages are queued in the write transaction
/// of the event that causes them, and a sender delivers them in order.
public enum Outbox {
    /// Queues `mail` inside `tx`, due now. Returns its id.
    @discardableResult
    public static func enqueue(_ tx: Connection, _ mail: OutgoingMail, now: Date) throws -> Int64 {
        try tx.run("""
            INSERT INTO mail_outbox(kind, user_id, to_address, notification_id, thread_id, post_id,
                                    payload, created_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, mail.kind.rawValue, mail.userID, mail.toAddress, mail.notificationID, mail.threadID,
            mail.postID, mail.payload, now, now)
        return try tx.scalar(Int64.self, "SELECT last_insert_rowid()") ?? 0
    }
}
