import Database
import Foundation

/// A notification as a mail tells of it: the list's item, the post's Markdown for an excerpt,
/// and the recipient's name.
public struct NotificationMailItem: RowDecodable, Sendable {
    public let item: NotificationItem
    /// The post's stored Markdown, when the notification is about a post its author has not deleted.
    public let markdown: String?
    public let recipientName: String

    static let select = """
        SELECT n.id, n.kind, n.thread_id, t.slug AS thread_slug, t.title AS thread_title, n.post_id,
               p.position AS post_position, a.display_name AS actor_name, n.created_at,
               n.read_at IS NOT NULL AS read, u.display_name AS recipient_name,
               CASE WHEN p.deleted_by_author = 0 THEN p.body_markdown END AS post_markdown,
               CASE n.kind WHEN 'mentor_declined' THEN (SELECT tm.decline_note FROM thread_mentors tm
                               WHERE tm.thread_id = n.thread_id AND tm.mentor_id = n.actor_id) END AS note,
               o.name AS organisation_name, o.slug AS organisation_slug,
               sm.handle AS mentor_handle, sm.display_name AS mentor_name,
               \(Notifications.deletionReason) AS deletion_reason
        FROM notifications n
        JOIN users u ON u.id = n.user_id
        LEFT JOIN threads t ON t.id = n.thread_id
        LEFT JOIN posts p ON p.id = n.post_id
        LEFT JOIN users a ON a.id = n.actor_id
        LEFT JOIN organisations o ON o.id = CASE WHEN n.kind LIKE 'organisation_%' THEN n.subject_id
                                                 WHEN n.kind = 'mentor_wanted' THEN t.organisation_id END
        LEFT JOIN users sm ON sm.id = n.subject_id AND n.kind = 'mentor_wanted' AND sm.role = 'mentor'
        """

    public init(row: Row) throws {
        item = try NotificationItem(row: row)
        // As the list reads it: nil for a post its author deleted (its text is kept for
        // moderators only), so a mail composed after the deletion does not quote it.
        markdown = try row["post_markdown"]
        recipientName = try row["recipient_name"]
    }

    /// The post's text as plain text, shortened (empty when there is no post).
    public var excerpt: String { markdown.map { MailExcerpt.text(fromMarkdown: $0) } ?? "" }
}

/// A member's weekly briefing by mail: who they are and their digest.
public struct WeeklyBriefingMail: Sendable {
    public let recipientName: String
    public let digest: WeeklyDigest
}

/// Notifications by email, the daily summary and the weekly briefing, and unsubscribing
/// (issue 15). Web calls it for the settings page, the unsubscribe page, the weekly digest page
/// and to compose the mail the sender delivers; `serve` runs `runSchedule` periodically.
///
/// Every read for a mail checks, at compose time, that the recipient may still receive mail
/// (address confirmed, not deleted, not suspended) and may still read what it is about (the one
/// visibility rule): a nil or empty answer means "drop the message".
public struct MailDigestService: Sendable {
    let store: Store
    let clock: Clock

    // MARK: Choices

    public func preferences(userID: Int64) throws -> MailPreferences {
        try store.read { try NotificationMail.preferences($0, userID: userID) }
    }

    /// Stores every kind's delivery in `preferences` and the weekly briefing choice.
    public func savePreferences(userID: Int64, _ preferences: MailPreferences) throws {
        let now = clock.now()
        try store.write { tx in
            for kind in NotificationKind.allCases {
                try NotificationMail.setDelivery(tx, userID: userID, kind: kind, preferences.delivery(kind))
            }
            try NotificationMail.setWeeklyBriefing(tx, userID: userID, on: preferences.weeklyBriefing, now: now)
        }
    }

    /// Whether `userID`'s address is confirmed (only security mail goes to one that is not).
    public func emailConfirmed(userID: Int64) throws -> Bool {
        try store.read { try $0.scalar(Bool.self, "SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = ?", userID) } ?? false
    }

    // MARK: Unsubscribing

    /// The signed token of the unsubscribe link for `scope` (the key is made on first use).
    public func unsubscribeToken(userID: Int64, scope: UnsubscribeScope) throws -> String {
        let key: [UInt8]
        if let stored = try store.read({ try UnsubscribeLinks.storedKey($0) }) {
            key = stored
        } else {
            let now = clock.now()
            key = try store.write { try UnsubscribeLinks.key($0, now: now) }
        }
        return UnsubscribeLinks.token(key: key, userID: userID, scope: scope)
    }

    /// What a token would turn off, when it is genuine; nil for a tampered or unknown token.
    public func unsubscribeScope(token: String) throws -> UnsubscribeScope? {
        guard let key = try store.read({ try UnsubscribeLinks.storedKey($0) }) else { return nil }
        return UnsubscribeLinks.verify(token, key: key)?.scope
    }

    /// Turns off what a genuine token names, at once; nil (and nothing changed) otherwise.
    public func unsubscribe(token: String) throws -> UnsubscribeScope? {
        let now = clock.now()
        return try store.write { tx -> UnsubscribeScope? in
            guard let key = try UnsubscribeLinks.storedKey(tx),
                  let (userID, scope) = UnsubscribeLinks.verify(token, key: key) else { return nil }
            try UnsubscribeLinks.apply(tx, userID: userID, scope: scope, now: now)
            return scope
        }
    }

    // MARK: The weekly digest and the schedule

    /// The digest of `week` as `viewer` may see it (a visitor: the public network).
    public func weeklyDigest(week: ISOWeek, viewer: Viewer) throws -> WeeklyDigest {
        try store.read { try WeeklyDigestQueries.digest($0, week: week, viewer: viewer) }
    }

    /// Queues whatever scheduled mail is due at `now` (idempotent: see `MailScheduler`).
    @discardableResult
    public func runSchedule(_ schedule: MailSchedule, now: Date? = nil) throws -> ScheduledMailRun {
        let now = now ?? clock.now()
        return try store.write { try MailScheduler.runDue($0, schedule: schedule, now: now) }
    }

    // MARK: What the composers read

    /// Notification `notificationID` of `userID`, when they may still receive mail and read it.
    public func notificationMail(notificationID: Int64, userID: Int64) throws -> NotificationMailItem? {
        let now = clock.now()
        return try store.read { conn in
            try conn.queryOne(NotificationMailItem.self, """
                \(NotificationMailItem.select)
                WHERE n.id = ?1 AND n.user_id = ?2 AND \(NotificationMail.mayReceiveMail(now: "?3"))
                  AND \(Notifications.stillReadable)
                """, notificationID, userID, now)
        }
    }

    /// The daily summary of `userID` for the window (`from`, `to`]: their unread notifications
    /// of daily kinds that they may still read, oldest first. Empty: send nothing.
    public func dailySummary(userID: Int64, from: Date, to: Date) throws -> [NotificationMailItem] {
        let now = clock.now()
        return try store.read { conn in
            try conn.query(NotificationMailItem.self, """
                \(NotificationMailItem.select)
                WHERE u.id = ?4 AND \(NotificationMail.mayReceiveMail(now: "?3")) AND \(DailySummaryQueries.pendingCondition)
                ORDER BY n.created_at, n.id LIMIT 100
                """, from, to, now, userID)
        }
    }

    /// The weekly briefing of `week` for `userID`, read with their access now (an admin reads as
    /// one only while they may act as one, `Actor.actsAsAdminSQL`, as their requests do); nil
    /// when they may no longer receive mail or turned the briefing off since it was queued.
    public func weeklyBriefingMail(userID: Int64, week: ISOWeek) throws -> WeeklyBriefingMail? {
        let now = clock.now()
        return try store.read { conn -> WeeklyBriefingMail? in
            struct Recipient: RowDecodable {
                let name: String, organisationID: Int64?, isAdmin: Bool
                init(row: Row) throws {
                    name = try row["display_name"]; organisationID = try row["organisation_id"]; isAdmin = try row["is_admin"]
                }
            }
            guard let recipient = try conn.queryOne(Recipient.self, """
                SELECT u.display_name, CASE WHEN u.organisation_confirmed = 1 THEN u.organisation_id END AS organisation_id,
                       \(Actor.actsAsAdminSQL("u")) AS is_admin
                FROM users u
                WHERE u.id = ?1 AND \(NotificationMail.mayReceiveMail(now: "?2"))
                  AND NOT EXISTS (SELECT 1 FROM weekly_briefing_opt_outs o WHERE o.user_id = u.id)
                """, userID, now) else { return nil }
            let viewer = Viewer(userID: userID, organisationID: recipient.organisationID, isAdmin: recipient.isAdmin)
            return WeeklyBriefingMail(recipientName: recipient.name,
                                      digest: try WeeklyDigestQueries.digest(conn, week: week, viewer: viewer))
        }
    }
}
