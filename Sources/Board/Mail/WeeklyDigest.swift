import Database
import Foundation

/// A thread as the weekly digest lists it.
public struct DigestThread: RowDecodable, Sendable, Equatable {
    public let id: Int64
    public let slug: String
    public let title: String
    public let replyCount: Int
    public let answered: Bool
    public let answeredByMentor: Bool
    public let createdAt: Date

    public init(row: Row) throws {
        id = try row["id"]
        slug = try row["slug"]
        title = try row["title"]
        replyCount = try row["reply_count"]
        answered = try row["answered"]
        answeredByMentor = try row["answered_by_mentor"]
        createdAt = try row["created_at"]
    }
}

/// The weekly briefing of one week for one reader (issue 15): the same content by mail and at
/// `/briefing/weekly/<week>`.
public struct WeeklyDigest: Sendable {
    public let week: ISOWeek
    /// Briefing items published or added during the week.
    public let briefingItems: [BriefingItemSummary]
    /// Threads active during the week that have an accepted answer or a mentor's reply, in the
    /// topics the reader follows (the whole network when they follow none, and for visitors).
    public let usefulThreads: [DigestThread]
    /// Questions still without a reply, asked in the four weeks up to the week's end; for a
    /// mentor with expertise, only those in their expertise topics.
    public let unanswered: [DigestThread]
    /// Whether `usefulThreads` was narrowed to the topics the reader follows.
    public let fromFollowedTopics: Bool
    /// Whether `unanswered` was narrowed to the reader's expertise as a mentor.
    public let fromExpertise: Bool

    public var isEmpty: Bool { briefingItems.isEmpty && usefulThreads.isEmpty && unanswered.isEmpty }
}

/// The digest's queries. Every thread passes the one visibility rule for the reader
/// (`Visibility.threadReadableByViewer`, parameters ?1–?3), and hidden or held threads are left
/// out for everyone.
enum WeeklyDigestQueries {
    static let perSection = 10
    /// How far back the unanswered questions reach from the week's end.
    static let unansweredWindow: TimeInterval = 28 * 86_400

    static func digest(_ conn: Connection, week: ISOWeek, viewer: Viewer) throws -> WeeklyDigest {
        let follows = try viewer.userID.map {
            try conn.scalar(Bool.self, "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE user_id = ? AND topic_id IS NOT NULL AND muted = 0)", $0) ?? false
        } ?? false
        let expertise = try viewer.userID.map {
            try conn.scalar(Bool.self, """
                SELECT EXISTS (SELECT 1 FROM mentor_expertise me JOIN users u ON u.id = me.mentor_id
                               WHERE me.mentor_id = ? AND u.role = 'mentor')
                """, $0) ?? false
        } ?? false
        let viewerArguments = PageQueries.viewerArguments(viewer)
        let items = try conn.query(BriefingItemSummary.self, """
            SELECT \(BriefingItemSummary.columns) FROM briefing_items b
            WHERE b.retired = 0 AND ((b.published_at >= ?1 AND b.published_at < ?2) OR (b.created_at >= ?1 AND b.created_at < ?2))
            ORDER BY b.published_at DESC, b.id DESC LIMIT ?3
            """, week.start, week.end, 20)
        let useful = try conn.query(DigestThread.self, """
            SELECT t.id, t.slug, t.title, t.reply_count, t.accepted_post_id IS NOT NULL AS answered,
                   \(MentorQueries.answeredByMentorCondition) AS answered_by_mentor, t.created_at
            FROM threads t
            WHERE t.hidden = 0 AND t.held = 0 AND \(Visibility.threadReadableByViewer)
              AND t.last_activity_at >= ?4 AND t.created_at < ?5
              AND EXISTS (SELECT 1 FROM posts wp WHERE wp.thread_id = t.id AND wp.created_at >= ?4 AND wp.created_at < ?5
                          AND wp.hidden = 0 AND wp.held_for_approval = 0)
              AND (t.accepted_post_id IS NOT NULL OR \(MentorQueries.answeredByMentorCondition))
              AND (?7 = 0 OR EXISTS (SELECT 1 FROM thread_topics tt JOIN subscriptions s ON s.topic_id = tt.topic_id
                                     WHERE tt.thread_id = t.id AND s.user_id = ?3 AND s.muted = 0))
            ORDER BY (t.accepted_post_id IS NOT NULL) + answered_by_mentor DESC, t.reply_count DESC, t.id DESC
            LIMIT ?6
            """, arguments: viewerArguments + [week.start, week.end, perSection, follows])
        let unanswered = try conn.query(DigestThread.self, """
            SELECT t.id, t.slug, t.title, t.reply_count, 0 AS answered, 0 AS answered_by_mentor, t.created_at
            FROM threads t
            WHERE t.hidden = 0 AND t.held = 0 AND t.reply_count = 0 AND t.accepted_post_id IS NULL
              AND t.locked = 0 AND \(Visibility.threadReadableByViewer)
              AND t.created_at >= ?4 AND t.created_at < ?5
              AND (?7 = 0 OR EXISTS (SELECT 1 FROM thread_topics tt JOIN mentor_expertise me ON me.topic_id = tt.topic_id
                                     WHERE tt.thread_id = t.id AND me.mentor_id = ?3))
            ORDER BY t.created_at, t.id LIMIT ?6
            """, arguments: viewerArguments + [week.end.addingTimeInterval(-unansweredWindow), week.end, perSection, expertise])
        return WeeklyDigest(week: week, briefingItems: items, usefulThreads: useful, unanswered: unanswered,
                            fromFollowedTopics: follows, fromExpertise: expertise)
    }
}
