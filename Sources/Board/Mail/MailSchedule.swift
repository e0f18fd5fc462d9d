import Database
import Foundation

/// When the scheduled mail goes out, in UTC: the daily summary at `dailySummaryHour` every day,
/// the weekly briefing at `weeklyBriefingHour` on `weeklyBriefingDay` (1 Monday … 7 Sunday).
public struct MailSchedule: Sendable, Equatable {
    public var dailySummaryHour: Int
    public var weeklyBriefingDay: Int
    public var weeklyBriefingHour: Int

    /// - Precondition: hours in 0...23, the day in 1...7 (`DigestOptions` validates the flags).
    public init(dailySummaryHour: Int = 7, weeklyBriefingDay: Int = 1, weeklyBriefingHour: Int = 8) {
        self.dailySummaryHour = min(max(dailySummaryHour, 0), 23)
        self.weeklyBriefingDay = min(max(weeklyBriefingDay, 1), 7)
        self.weeklyBriefingHour = min(max(weeklyBriefingHour, 0), 23)
    }

    /// The latest daily-summary time at or before `now`.
    public func dailySlot(atOrBefore now: Date) -> Date {
        let day = ISOWeek.dayNumber(now)
        var slot = Double(day * 86_400 + dailySummaryHour * 3_600)
        if slot > now.timeIntervalSince1970 { slot -= 86_400 }
        return Date(timeIntervalSince1970: slot)
    }

    /// The latest weekly-briefing time at or before `now`.
    public func weeklySlot(atOrBefore now: Date) -> Date {
        let day = ISOWeek.dayNumber(now)
        let back = (ISOWeek.weekday(ofDay: day) - weeklyBriefingDay + 7) % 7
        var slot = Double((day - back) * 86_400 + weeklyBriefingHour * 3_600)
        if slot > now.timeIntervalSince1970 { slot -= 7 * 86_400 }
        return Date(timeIntervalSince1970: slot)
    }

    /// The week a weekly briefing sent at `slot` is about: the week of the day before it (with
    /// the default Monday, the week just ended).
    public static func briefingWeek(sentAt slot: Date) -> ISOWeek {
        ISOWeek(containing: slot.addingTimeInterval(-86_400))
    }
}

/// What one run of the schedule queued.
public struct ScheduledMailRun: Sendable, Equatable {
    public var dailySummaries = 0
    public var weeklyBriefings = 0
    public init() {}
}

/// Queues the daily summaries and weekly briefings that are due, idempotently: each mailing
/// records the slot it was queued for (`mail_schedule_runs`) in the same transaction as its
/// outbox rows, so running again, from this process or after a restart, queues nothing twice.
/// The very first run only records the current slot: a new install (or an upgrade) starts its
/// schedule then, instead of mailing everyone at once about the past.
enum MailScheduler {
    static func runDue(_ tx: Connection, schedule: MailSchedule, now: Date) throws -> ScheduledMailRun {
        var run = ScheduledMailRun()
        run.dailySummaries = try queueDailySummaries(tx, slot: schedule.dailySlot(atOrBefore: now), now: now)
        run.weeklyBriefings = try queueWeeklyBriefings(tx, slot: schedule.weeklySlot(atOrBefore: now), now: now)
        return run
    }

    /// The slot the job last ran for; nil when it never ran.
    static func lastSlot(_ tx: Connection, job: String) throws -> Date? {
        try tx.scalar(Date.self, "SELECT last_slot_at FROM mail_schedule_runs WHERE job = ?", job)
    }

    static func record(_ tx: Connection, job: String, slot: Date, now: Date) throws {
        try tx.run("""
            INSERT INTO mail_schedule_runs(job, last_slot_at, ran_at) VALUES (?, ?, ?)
            ON CONFLICT(job) DO UPDATE SET last_slot_at = excluded.last_slot_at, ran_at = excluded.ran_at
            """, job, slot, now)
    }

    struct Recipient: RowDecodable {
        let id: Int64, email: String
        init(row: Row) throws { id = try row["id"]; email = try row["email"] }
    }

    /// One summary for each member with a daily choice who has unread notifications they may
    /// still read, of daily kinds, made since the last summary (at most a week back).
    static func queueDailySummaries(_ tx: Connection, slot: Date, now: Date) throws -> Int {
        let job = MailKind.dailySummary.rawValue
        guard let last = try lastSlot(tx, job: job) else {
            try record(tx, job: job, slot: slot, now: now)
            return 0
        }
        guard last < slot else { return 0 }
        let from = max(last, slot.addingTimeInterval(-7 * 86_400))
        let recipients = try tx.query(Recipient.self, """
            SELECT u.id, u.email FROM users u
            WHERE u.id IN (SELECT user_id FROM notification_mail_settings WHERE delivery = 'daily')
              AND \(NotificationMail.mayReceiveMail(now: "?3"))
              AND EXISTS (\(DailySummaryQueries.pending))
            ORDER BY u.id
            """, from, slot, now)
        let payload = #"{"from":"\#(milliseconds(from))","to":"\#(milliseconds(slot))"}"#
        for recipient in recipients {
            try Outbox.enqueue(tx, OutgoingMail(kind: .dailySummary, userID: recipient.id, toAddress: recipient.email,
                                                payload: payload), now: now)
        }
        try record(tx, job: job, slot: slot, now: now)
        return recipients.count
    }

    /// The weekly briefing for every member who may receive mail and has not turned it off.
    /// Whether a member's digest has anything in it is decided when it is composed.
    static func queueWeeklyBriefings(_ tx: Connection, slot: Date, now: Date) throws -> Int {
        let job = MailKind.weeklyBriefing.rawValue
        guard let last = try lastSlot(tx, job: job) else {
            try record(tx, job: job, slot: slot, now: now)
            return 0
        }
        guard last < slot else { return 0 }
        let recipients = try tx.query(Recipient.self, """
            SELECT u.id, u.email FROM users u
            WHERE \(NotificationMail.mayReceiveMail(now: "?1"))
              AND NOT EXISTS (SELECT 1 FROM weekly_briefing_opt_outs o WHERE o.user_id = u.id)
            ORDER BY u.id
            """, now)
        let payload = #"{"week":"\#(MailSchedule.briefingWeek(sentAt: slot))"}"#
        for recipient in recipients {
            try Outbox.enqueue(tx, OutgoingMail(kind: .weeklyBriefing, userID: recipient.id, toAddress: recipient.email,
                                                payload: payload), now: now)
        }
        try record(tx, job: job, slot: slot, now: now)
        return recipients.count
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// The daily summary's notifications, shared by the scheduler (is there anything?) and the
/// composer (what is it?).
enum DailySummaryQueries {
    /// SQL over recipient `u` with ?1 from and ?2 to (exclusive, inclusive): a notification of
    /// `u` in the window, unread, of a kind `u` wants daily, about something `u` may still read.
    static let pendingCondition = """
        n.user_id = u.id AND n.created_at > ?1 AND n.created_at <= ?2 AND n.read_at IS NULL
        AND \(NotificationMail.deliverySQL) = 'daily' AND \(Notifications.stillReadable)
        """
    static let pending = "SELECT 1 FROM notifications n WHERE \(pendingCondition)"
}
