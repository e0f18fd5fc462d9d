import Database
import Foundation

/// A mentor suggested for a thread, with what the ranking looked at.
public struct MentorSuggestion: RowDecodable, Sendable {
    public let handle: String
    public let displayName: String
    public let headline: String
    public let availability: MentorAvailability
    /// How many of the thread's topics are in the mentor's expertise.
    public let matchingTopics: Int
    /// Whether the mentor supports the thread's pathfinder (its space, or the asker's organisation).
    public let supportsPathfinder: Bool
    /// Threads the mentor is linked to that have no accepted answer yet.
    public let openLinks: Int
    public let score: Int

    public init(row: Row) throws {
        handle = try row["handle"]
        displayName = try row["display_name"]
        headline = try row["headline"]
        availability = MentorAvailability(rawValue: try row["availability"]) ?? .available
        matchingTopics = try row["matching"]
        supportsPathfinder = try row["supports"]
        openLinks = try row["open_links"]
        score = try row["score"]
    }
}

/// A mentor linked to a thread, as the thread page's mentors section shows them.
public struct LinkedMentor: RowDecodable, Sendable {
    public let handle: String
    public let displayName: String
    public let organisationName: String?
    public let status: String

    public init(row: Row) throws {
        handle = try row["handle"]
        displayName = try row["display_name"]
        organisationName = try row["organisation_name"]
        status = try row["status"]
    }
}

/// One thread in a mentor's queue, with why it is there.
public struct MentorQueueItem: RowDecodable, Sendable {
    public let threadID: Int64
    public let slug: String
    public let title: String
    public let authorName: String
    public let createdAt: Date
    public let replyCount: Int
    public let hasAcceptedAnswer: Bool
    public let linkedToYou: Bool
    public let inYourTopics: Bool
    public let fromYourPathfinder: Bool
    public let answeredByYou: Bool
    /// Who linked the mentor to the thread (its author or an admin); nil when not linked.
    public let askedBy: String?

    public init(row: Row) throws {
        threadID = try row["thread_id"]
        slug = try row["slug"]
        title = try row["title"]
        authorName = try row["author_name"]
        createdAt = try row["created_at"]
        replyCount = try row["reply_count"]
        hasAcceptedAnswer = try row["has_accepted_answer"]
        linkedToYou = try row["linked_to_you"]
        inYourTopics = try row["in_your_topics"]
        fromYourPathfinder = try row["from_your_pathfinder"]
        answeredByYou = try row["answered_by_you"]
        askedBy = try row["asked_by"]
    }
}

/// `/mentor/queue`: everything for one mentor, in two lists that never share a thread.
public struct MentorQueue: Sendable {
    /// What waits for the mentor, oldest first: threads linked to them, unanswered threads in
    /// their topics, and open threads from their pathfinders, that they have neither answered
    /// nor declined and that have no accepted answer.
    public let waiting: [MentorQueueItem]
    /// Done work, newest first: threads of theirs they answered or that have an accepted answer.
    public let done: [MentorQueueItem]
}

/// Suggestions, the queue, and "answered by a mentor".
public enum MentorQueries {
    /// Points in the suggestion score: each matching topic, supporting the pathfinder, and (taken
    /// away) each open link. Supporting the pathfinder outweighs one matching topic, because the
    /// mentor already knows that team; a busy mentor loses a point per open thread.
    public static let topicWeight = 3
    public static let pathfinderWeight = 4
    public static let openLinkPenalty = 1

    /// Mentors who could be asked to a thread, best first: score (see the weights) descending,
    /// then by name. Mentors already linked, who declined, or who asked the thread are left out;
    /// for a private thread, so is every mentor who does not support its organisation (they
    /// could not read it); and so is every mentor whose profile says they are busy (issue 18:
    /// `unavailable`, not taking new work): `Mentors.link` refuses them too.
    public static func suggestions(_ conn: Connection, threadID: Int64, now: Date = Date(), limit: Int = 20) throws -> [MentorSuggestion] {
        try conn.query(MentorSuggestion.self, candidates(now: "?6") + """
            SELECT handle, display_name, headline, availability, matching, supports, open_links,
                   matching * ?2 + supports * ?3 - open_links * ?4 AS score
            FROM scored WHERE availability <> 'unavailable'
            ORDER BY score DESC, display_name COLLATE NOCASE, handle
            LIMIT ?5
            """, threadID, topicWeight, pathfinderWeight, openLinkPenalty, limit, now)
    }

    /// How many mentors `suggestions` left out only because they are busy: the ask page says so.
    public static func busyCandidates(_ conn: Connection, threadID: Int64, now: Date = Date()) throws -> Int {
        try conn.scalar(Int.self, candidates(now: "?2") + "SELECT count(*) FROM scored WHERE availability = 'unavailable'",
                        threadID, now) ?? 0
    }

    /// A mentor's open threads, for the mentor aliased `u`: the threads linked to them that are
    /// not hidden and have no accepted answer, wherever they are (public or private, any
    /// pathfinder), so that every page says the same number for the same mentor. The one place
    /// it is counted.
    static let openLinks = """
        (SELECT count(*) FROM thread_mentors l JOIN threads lt ON lt.id = l.thread_id
          WHERE l.mentor_id = u.id AND l.status = 'linked' AND lt.accepted_post_id IS NULL AND lt.hidden = 0)
        """

    /// Mentors scored for thread `?1`, as the CTE `name`: not its author, not already linked
    /// to it or declined it, not suspended at `now` (a parameter such as `?6`: a suspended
    /// mentor could not answer); for a private thread, those who support its space now
    /// (`supportersOfTheSpace`) or those who do not. The one scoring of `candidates` and
    /// `adminCandidates`.
    private static func scored(_ name: String, supportersOfTheSpace: Bool, now: String) -> String {
        """
        WITH th AS (
            SELECT t.id, coalesce(t.organisation_id, \(Visibility.confirmedOrganisation("a"))) AS pathfinder, t.author_id, t.organisation_id AS space
            FROM threads t JOIN users a ON a.id = t.author_id WHERE t.id = ?1
        ), \(name) AS (
            SELECT u.id, u.handle, u.display_name, coalesce(mp.headline, 'Mentor') AS headline,
                   coalesce(mp.availability, 'available') AS availability,
                   (SELECT count(*) FROM mentor_expertise e JOIN thread_topics tt ON tt.topic_id = e.topic_id
                     WHERE e.mentor_id = u.id AND tt.thread_id = th.id) AS matching,
                   EXISTS (SELECT 1 FROM mentorships m WHERE m.mentor_id = u.id AND m.ended_at IS NULL
                           AND m.organisation_id = th.pathfinder) AS supports,
                   \(openLinks) AS open_links
            FROM users u CROSS JOIN th LEFT JOIN mentor_profiles mp ON mp.user_id = u.id
            WHERE u.role = 'mentor' AND u.deleted_at IS NULL AND u.id <> th.author_id
              AND (u.suspended_until IS NULL OR u.suspended_until <= \(now))
              AND NOT EXISTS (SELECT 1 FROM thread_mentors x WHERE x.thread_id = th.id AND x.mentor_id = u.id)
              AND (th.space IS NULL OR \(supportersOfTheSpace ? "" : "NOT ")EXISTS (SELECT 1 FROM mentorships s
                   WHERE s.mentor_id = u.id AND s.organisation_id = th.space AND s.ended_at IS NULL))
        )

        """
    }

    /// The mentors who could read and be asked to thread `?1` (the CTE `scored`): for a private
    /// thread, only mentors of that space can read it, so only they are offered.
    static func candidates(now: String) -> String { scored("scored", supportersOfTheSpace: true, now: now) }

    /// When `askerID` last asked the admins to find a mentor for thread `threadID`, if no mentor
    /// has been linked to it since (the request still waits); nil otherwise. The request is the
    /// admins' `mentor_wanted` notification (`Notifications.recordMentorWanted`).
    public static func pendingAdminRequest(_ conn: Connection, threadID: Int64, askerID: Int64) throws -> Date? {
        try conn.scalar(Date.self, """
            SELECT max(n.created_at) FROM notifications n
            WHERE n.kind = 'mentor_wanted' AND n.thread_id = ?1 AND n.actor_id = ?2
            HAVING max(n.created_at) > coalesce((SELECT max(tm.created_at) FROM thread_mentors tm
                                                 WHERE tm.thread_id = ?1 AND tm.status = 'linked'), 0)
            """, threadID, askerID)
    }

    /// Mentors the admins could still bring to thread `?1` (the CTE `forAdmins`): not its author,
    /// not already linked to it or declined it, and, for a private thread, not already supporting
    /// its pathfinder (those can be asked directly, or already were). Busy ones are included,
    /// marked by `availability`: `matchingAvailable` leaves them out, `Mentors.askAdminsForMentor`
    /// refuses them.
    static func adminCandidates(now: String) -> String { scored("forAdmins", supportersOfTheSpace: false, now: now) }

    /// Mentors taking new work whose expertise matches a thread's topics and whom the admins could
    /// still bring to it (`adminCandidates`), best match first: the asker may suggest one when
    /// asking the admins.
    public static func matchingAvailable(_ conn: Connection, threadID: Int64, now: Date = Date(), limit: Int = 20) throws -> [MentorSuggestion] {
        try conn.query(MentorSuggestion.self, adminCandidates(now: "?3") + """
            SELECT handle, display_name, headline, availability, matching, supports, open_links, matching AS score
            FROM forAdmins WHERE matching > 0 AND availability <> 'unavailable'
            ORDER BY matching DESC, display_name COLLATE NOCASE, handle LIMIT ?2
            """, threadID, limit, now)
    }

    /// Whether the mentor `handle` may be suggested to the admins for thread `threadID`.
    public enum AdminChoice: Equatable, Sendable {
        case offered(mentorID: Int64)
        /// Their profile says they are busy (`unavailable`).
        case busy(name: String)
        /// Not a mentor, or one the admins could not bring to the thread (already linked, declined,
        /// already supporting its pathfinder, or its author).
        case notOffered
    }

    static func adminChoice(_ conn: Connection, threadID: Int64, handle: String, now: Date) throws -> AdminChoice {
        guard let row = try conn.queryOne(AdminChoiceRow.self, adminCandidates(now: "?3") + """
            SELECT id, display_name, availability FROM forAdmins WHERE handle = ?2
            """, threadID, handle, now) else { return .notOffered }
        return row.availability == MentorAvailability.unavailable.rawValue ? .busy(name: row.name) : .offered(mentorID: row.id)
    }

    /// Mentors linked to a thread (declined ones left out), by name.
    public static func linkedMentors(_ conn: Connection, threadID: Int64) throws -> [LinkedMentor] {
        try conn.query(LinkedMentor.self, """
            SELECT u.handle, u.display_name, o.name AS organisation_name, tm.status
            FROM thread_mentors tm JOIN users u ON u.id = tm.mentor_id LEFT JOIN organisations o ON o.id = \(Visibility.confirmedOrganisation("u"))
            WHERE tm.thread_id = ? AND tm.status <> 'declined'
            ORDER BY u.display_name COLLATE NOCASE
            """, threadID)
    }

    /// The mentor's queue, privacy as in `PageQueries` (a mentor whose mentorship has ended no
    /// longer sees that space's threads here either). A thread is the mentor's when it is linked
    /// to them, in their topics, or from a pathfinder they support; declined threads are not.
    /// It waits until they answer it or an answer is accepted; then it is done.
    public static func queue(_ conn: Connection, mentorID: Int64, viewer: Viewer, limit: Int = 100, doneLimit: Int = 20) throws -> MentorQueue {
        let select = """
            SELECT * FROM (
            SELECT t.id AS thread_id, t.slug, t.title, a.display_name AS author_name, t.created_at, t.reply_count,
                   t.last_activity_at,
                   t.accepted_post_id IS NOT NULL AS has_accepted_answer,
                   EXISTS (SELECT 1 FROM thread_mentors tm WHERE tm.thread_id = t.id AND tm.mentor_id = ?4 AND tm.status = 'linked')
                     AS linked_to_you,
                   EXISTS (SELECT 1 FROM thread_topics tt JOIN mentor_expertise e ON e.topic_id = tt.topic_id
                           WHERE tt.thread_id = t.id AND e.mentor_id = ?4) AS in_your_topics,
                   EXISTS (SELECT 1 FROM mentorships m WHERE m.mentor_id = ?4 AND m.ended_at IS NULL
                           AND m.organisation_id = coalesce(t.organisation_id, \(Visibility.confirmedOrganisation("a")))) AS from_your_pathfinder,
                   EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = t.id AND p.author_id = ?4 AND p.position > 1
                           AND p.hidden = 0 AND p.deleted_by_author = 0) AS answered_by_you,
                   (SELECT coalesce(ru.display_name, a.display_name) FROM thread_mentors tm LEFT JOIN users ru ON ru.id = tm.requested_by
                    WHERE tm.thread_id = t.id AND tm.mentor_id = ?4 AND tm.status = 'linked') AS asked_by
            FROM threads t JOIN users a ON a.id = t.author_id
            WHERE t.hidden = 0 AND t.author_id <> ?4 AND \(PageQueries.visible)
              AND NOT EXISTS (SELECT 1 FROM thread_mentors d WHERE d.thread_id = t.id AND d.mentor_id = ?4 AND d.status = 'declined')
            ) q
            """
        let base = PageQueries.viewerArguments(viewer)
        let waiting = try conn.query(MentorQueueItem.self, select + """

            WHERE answered_by_you = 0 AND has_accepted_answer = 0
              AND (linked_to_you OR from_your_pathfinder OR (in_your_topics AND reply_count = 0))
            ORDER BY created_at, thread_id LIMIT ?5
            """, arguments: base + [mentorID, limit])
        let done = try conn.query(MentorQueueItem.self, select + """

            WHERE (answered_by_you OR has_accepted_answer) AND (linked_to_you OR from_your_pathfinder OR answered_by_you)
            ORDER BY last_activity_at DESC, thread_id DESC LIMIT ?5
            """, arguments: base + [mentorID, doneLimit])
        return MentorQueue(waiting: waiting, done: done)
    }

    /// SQL condition on a thread aliased `t`: a mentor has written a visible reply in it (the
    /// count migration 16's triggers keep). For the board's lists
    /// (`AND \(MentorQueries.answeredByMentorCondition)` for the filter).
    public static let answeredByMentorCondition = "(t.mentor_answers > 0)"

    /// Which of these threads a mentor has answered.
    public static func answeredByMentor(_ conn: Connection, threadIDs: [Int64]) throws -> Set<Int64> {
        guard !threadIDs.isEmpty else { return [] }
        let ids = "[" + threadIDs.map(String.init).joined(separator: ",") + "]"
        return Set(try conn.column(Int64.self, """
            SELECT t.id FROM threads t WHERE t.id IN (SELECT value FROM json_each(?)) AND \(answeredByMentorCondition)
            """, ids))
    }

    /// A topic's latest threads answered by a mentor that the viewer may read (the topic page's
    /// "answered by a mentor" filter).
    public static func topicThreadsAnsweredByMentor(_ conn: Connection, slug: String, viewer: Viewer,
                                                    limit: Int = PageQueries.threadsPerPage) throws -> [ThreadSummary] {
        var threads = try conn.query(ThreadSummary.self, """
            SELECT \(ThreadSummary.columns)
            FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id JOIN threads t ON t.id = tt.thread_id
            JOIN users a ON a.id = t.author_id LEFT JOIN users lu ON lu.id = t.last_poster_id
            WHERE tp.slug = ?4 AND t.hidden = 0 AND \(PageQueries.visible) AND \(answeredByMentorCondition)
            ORDER BY tt.last_activity_at DESC, t.id DESC LIMIT ?5
            """, arguments: PageQueries.viewerArguments(viewer) + [slug, limit])
        try PageQueries.attachTopics(conn, to: &threads)
        return threads
    }
}

private struct AdminChoiceRow: RowDecodable {
    let id: Int64
    let name: String
    let availability: String
    init(row: Row) throws {
        id = try row["id"]
        name = try row["display_name"]
        availability = try row["availability"]
    }
}
