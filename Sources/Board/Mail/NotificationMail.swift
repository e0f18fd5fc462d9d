import Database
import Foundation

/// How a person wants one kind of notification by email.
public enum MailDelivery: String, Sendable, CaseIterable {
    case immediately, daily, never

    /// The settings page's words for the choice.
    public var label: String {
        switch self {
        case .immediately: "Email me straight away"
        case .daily: "In a daily summary"
        case .never: "Do not email me"
        }
    }
}

/// A person's mail choices: how each kind of notification reaches their inbox, and whether
/// they get the weekly briefing.
public struct MailPreferences: Sendable, Equatable {
    public var deliveries: [NotificationKind: MailDelivery]
    public var weeklyBriefing: Bool

    public init(deliveries: [NotificationKind: MailDelivery], weeklyBriefing: Bool) {
        self.deliveries = deliveries
        self.weeklyBriefing = weeklyBriefing
    }

    public func delivery(_ kind: NotificationKind) -> MailDelivery {
        deliveries[kind] ?? NotificationMail.defaultDelivery(kind)
    }
}

/// Notifications by email (issue 15): the choices, and the queueing of an immediate mail in the
/// write transaction that records the notification.
///
/// A notification mail is queued only when all of these hold, checked in one query right after
/// the notifications are inserted: the recipient's address is confirmed, the account is neither
/// deleted nor suspended, they chose "immediately" for the kind (or left the default), and they
/// may read the thread and post (`Notifications.stillReadable`, the one visibility rule). The
/// sender checks access again before it sends, and the composer drops what became unreadable.
public enum NotificationMail {
    /// A reply in your thread, a mention, and being asked or linked as a mentor reach the inbox
    /// at once unless changed; every other kind stays on the site.
    public static func defaultDelivery(_ kind: NotificationKind) -> MailDelivery {
        switch kind {
        case .reply, .mention, .mentorRequested, .mentorLinked: .immediately
        case .accepted, .newThreadInTopic, .moderation, .postHeld, .postApproved, .postHidden, .mentorDeclined,
             .organisationRequested, .organisationConfirmed, .organisationDeclined, .mentorWanted: .never
        }
    }

    /// SQL: the delivery notification `n` (with recipient `n.user_id`) has: the stored choice or
    /// `defaultDelivery`.
    static let deliverySQL: String = {
        let immediate = NotificationKind.allCases.filter { defaultDelivery($0) == .immediately }
            .map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            coalesce((SELECT ms.delivery FROM notification_mail_settings ms WHERE ms.user_id = n.user_id AND ms.kind = n.kind),
                     CASE WHEN n.kind IN (\(immediate)) THEN 'immediately' ELSE 'never' END)
            """
    }()

    /// SQL: recipient `u` may receive mail other than security mail at `?now` (given as `now`).
    static func mayReceiveMail(now: String) -> String {
        "(u.deleted_at IS NULL AND u.email_confirmed_at IS NOT NULL AND (u.suspended_until IS NULL OR u.suspended_until <= \(now)))"
    }

    /// Where the notifications stand before an insert: pass it to `queueImmediate` after.
    static func mark(_ tx: Connection) throws -> Int64 {
        try tx.scalar(Int64.self, "SELECT coalesce(max(id), 0) FROM notifications") ?? 0
    }

    /// Queues a notification mail for every notification recorded after `mark` in this
    /// transaction whose recipient wants it now (see the type's summary).
    static func queueImmediate(_ tx: Connection, since mark: Int64, now: Date) throws {
        struct Due: RowDecodable {
            let id: Int64, userID: Int64, threadID: Int64?, postID: Int64?, email: String
            init(row: Row) throws {
                id = try row["id"]; userID = try row["user_id"]; threadID = try row["thread_id"]
                postID = try row["post_id"]; email = try row["email"]
            }
        }
        let due = try tx.query(Due.self, """
            SELECT n.id, n.user_id, n.thread_id, n.post_id, u.email
            FROM notifications n JOIN users u ON u.id = n.user_id
            WHERE n.id > ?1 AND \(mayReceiveMail(now: "?2")) AND \(deliverySQL) = 'immediately'
              AND \(Notifications.stillReadable)
            ORDER BY n.id
            """, mark, now)
        for item in due {
            try Outbox.enqueue(tx, OutgoingMail(kind: .notification, userID: item.userID, toAddress: item.email,
                                                notificationID: item.id, threadID: item.threadID, postID: item.postID),
                               now: now)
        }
    }

    // MARK: Choices

    static func preferences(_ conn: Connection, userID: Int64) throws -> MailPreferences {
        struct Choice: RowDecodable {
            let kind: String, delivery: String
            init(row: Row) throws { kind = try row["kind"]; delivery = try row["delivery"] }
        }
        var deliveries: [NotificationKind: MailDelivery] = [:]
        for choice in try conn.query(Choice.self, "SELECT kind, delivery FROM notification_mail_settings WHERE user_id = ?", userID) {
            if let kind = NotificationKind(rawValue: choice.kind), let delivery = MailDelivery(rawValue: choice.delivery) {
                deliveries[kind] = delivery
            }
        }
        let optedOut = try conn.scalar(Bool.self, "SELECT EXISTS (SELECT 1 FROM weekly_briefing_opt_outs WHERE user_id = ?)", userID) ?? false
        return MailPreferences(deliveries: deliveries, weeklyBriefing: !optedOut)
    }

    static func setDelivery(_ tx: Connection, userID: Int64, kind: NotificationKind, _ delivery: MailDelivery) throws {
        try tx.run("""
            INSERT INTO notification_mail_settings(user_id, kind, delivery) VALUES (?, ?, ?)
            ON CONFLICT(user_id, kind) DO UPDATE SET delivery = excluded.delivery
            """, userID, kind.rawValue, delivery.rawValue)
    }

    static func setWeeklyBriefing(_ tx: Connection, userID: Int64, on: Bool, now: Date) throws {
        if on {
            try tx.run("DELETE FROM weekly_briefing_opt_outs WHERE user_id = ?", userID)
        } else {
            try tx.run("INSERT OR IGNORE INTO weekly_briefing_opt_outs(user_id, created_at) VALUES (?, ?)", userID, now)
        }
    }
}
