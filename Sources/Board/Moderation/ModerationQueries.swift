import Database
import Foundation

/// One open flag on a post in the queue.
public struct QueueFlag: Sendable, Equatable {
    public let reason: FlagReason
    public let note: String
    public let reporterHandle: String
}

/// A post needing a decision: open flags grouped on it, or held for approval.
public struct QueueItem: Sendable, Equatable {
    public let postID: Int64
    public let threadID: Int64
    public let threadTitle: String
    public let authorID: Int64
    public let authorHandle: String
    /// The author's role; nil when their account was deleted (anonymised as former_ID).
    public let authorRole: Role?
    public let bodyMarkdown: String
    public let held: Bool
    public let hidden: Bool
    /// Its thread awaits approval (this is its opening post, or a reply in such a thread).
    public let threadHeld: Bool
    /// When the post first needed a decision (its oldest open flag, or when it was written).
    public let since: Date
    public var flags: [QueueFlag]

    /// Whether "Hide" may be offered: the rule `Moderation.decide(.hide)` asks.
    public var mayHide: Bool { Moderation.mayHide(postHeld: held, threadHeld: threadHeld) }

    /// What the queue shows of the post (its thread's title and its text), as a short
    /// fingerprint the decision form sends back (`Moderation.decide`'s `shown`), so that
    /// approving or dismissing flags is refused when either changed after the page was read.
    public var shown: String { Moderation.shownFingerprint(threadTitle: threadTitle, bodyMarkdown: bodyMarkdown) }
}

/// One line of the public moderation log.
public struct LogEntry: Sendable, Equatable {
    public let id: Int64
    public let actorHandle: String
    /// The entry records a post hidden automatically by members' flags (its reason is
    /// `Moderation.automaticHideReason`): the page does not name its actor, the reporter whose
    /// flag crossed the threshold.
    public let automatic: Bool
    public let action: ModerationAction
    public let targetType: String
    public let targetID: Int64
    /// What the action was about, for this viewer: a thread's title only if they can read it;
    /// nil when the target is gone or private to them.
    public let targetLabel: String?
    /// Where the target can be seen, when this viewer can see it.
    public let targetPath: String?
    public let reason: String
    /// A renamed thread's old and new titles, for viewers who may read the thread (as `targetLabel`).
    public let previousTitle: String?
    public let renamedTo: String?
    public let at: Date
}

public enum ModerationQueries {
    /// Open flags grouped by post, and held posts, oldest first.
    public static func queue(_ conn: Connection, limit: Int = 100) throws -> [QueueItem] {
        var items = try conn.query(QueueRow.self, """
            SELECT p.id AS post_id, p.thread_id, t.title AS thread_title, p.author_id, u.handle AS author_handle,
                   CASE WHEN u.deleted_at IS NULL THEN u.role END AS author_role, p.body_markdown,
                   p.held_for_approval, p.hidden, t.held AS thread_held,
                   coalesce((SELECT min(f.created_at) FROM flags f WHERE f.post_id = p.id AND f.status = 'open'), p.created_at) AS since
            FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id
            WHERE p.held_for_approval = 1 OR EXISTS (SELECT 1 FROM flags f WHERE f.post_id = p.id AND f.status = 'open')
            ORDER BY since, p.id
            LIMIT ?
            """, limit).map(\.item)
        for index in items.indices {
            items[index].flags = try conn.query(FlagRow.self, """
                SELECT f.reason, f.note, u.handle AS reporter_handle FROM flags f JOIN users u ON u.id = f.reporter_id
                WHERE f.post_id = ? AND f.status = 'open' ORDER BY f.created_at, f.id
                """, items[index].postID).map(\.flag)
        }
        return items
    }

    /// The log, newest first. Thread titles (of threads and of posts' threads) are shown only
    /// to viewers who can read the thread: the privacy rule is in the SQL, as for every page.
    /// Answers to membership requests are in the log for admins, not on the public page.
    public static func log(_ conn: Connection, viewer: Viewer, limit: Int = 200) throws -> [LogEntry] {
        try conn.query(LogRow.self, """
            SELECT l.id, a.handle AS actor_handle,
                   l.action = 'hide_post' AND l.reason GLOB '\(Moderation.automaticHideReasonGlob)' AS automatic, l.action,
                   l.target_type, l.target_id,
                   l.reason, l.created_at,
                   CASE l.target_type
                     WHEN 'user' THEN (SELECT '@' || handle FROM users WHERE id = l.target_id)
                     WHEN 'topic' THEN (SELECT name FROM topics WHERE id = l.target_id)
                     -- A mentorship is public (the mentor's profile lists the pathfinders they support).
                     WHEN 'mentorship' THEN (SELECT mu.display_name || ' with ' || mo.name FROM mentorships m
                                             JOIN users mu ON mu.id = m.mentor_id JOIN organisations mo ON mo.id = m.organisation_id
                                             WHERE m.id = l.target_id)
                     WHEN 'thread' THEN (SELECT t.title FROM threads t WHERE t.id = l.target_id AND (t.hidden = 0 OR ?2) AND \(PageQueries.visible))
                     WHEN 'post' THEN (SELECT t.title FROM posts p JOIN threads t ON t.id = p.thread_id
                                       WHERE p.id = l.target_id AND (t.hidden = 0 OR ?2) AND \(PageQueries.visible))
                     ELSE NULL END AS target_label,
                   CASE l.target_type
                     WHEN 'thread' THEN (SELECT t.id FROM threads t WHERE t.id = l.target_id AND (t.hidden = 0 OR ?2) AND \(PageQueries.visible))
                     WHEN 'post' THEN (SELECT t.id FROM posts p JOIN threads t ON t.id = p.thread_id
                                       WHERE p.id = l.target_id AND (t.hidden = 0 OR ?2) AND \(PageQueries.visible))
                     ELSE NULL END AS target_thread_id,
                   CASE WHEN l.target_type = 'thread' AND l.previous_title IS NOT NULL
                     THEN (SELECT l.previous_title FROM threads t WHERE t.id = l.target_id AND (t.hidden = 0 OR ?2) AND \(PageQueries.visible))
                     END AS previous_title,
                   CASE WHEN l.target_type = 'thread' AND l.renamed_to IS NOT NULL
                     THEN (SELECT l.renamed_to FROM threads t WHERE t.id = l.target_id AND (t.hidden = 0 OR ?2) AND \(PageQueries.visible))
                     END AS renamed_to
            FROM moderation_log l JOIN users a ON a.id = l.actor_id
            -- Answers to membership requests name a member and what they asked for: admins only.
            WHERE NOT (l.action = 'edit_organisation' AND l.target_type = 'user') OR ?2
            ORDER BY l.created_at DESC, l.id DESC
            LIMIT ?4
            """, viewer.organisationID, viewer.isAdmin, viewer.userID, limit)
            .compactMap(\.entry)
    }

    /// Posts the queue lists (held, or with open flags): the header's count for admins. Both
    /// halves read partial indexes (`posts_held`, `flags_open`).
    public static func waitingCount(_ conn: Connection) throws -> Int {
        try conn.scalar(Int.self, """
            SELECT count(*) FROM (SELECT id FROM posts WHERE held_for_approval = 1
                                  UNION SELECT post_id FROM flags WHERE status = 'open')
            """) ?? 0
    }

    /// Entries in the log, for tests and the admin pages.
    public static func logCount(_ conn: Connection) throws -> Int {
        Int(try conn.scalar(Int64.self, "SELECT count(*) FROM moderation_log") ?? 0)
    }

    /// What the thread page needs to show about a post's moderation state, for the viewer.
    /// nil when the post does not exist. `showText` is false when a reader must see the hidden
    /// reason in place of the text (the author and admins still see it).
    public static func postModeration(_ conn: Connection, postID: Int64, viewer: Viewer) throws -> PostModeration? {
        try conn.queryOne(PostModerationRow.self, """
            SELECT author_id, hidden, coalesce(hidden_reason, '') AS hidden_reason, held_for_approval FROM posts WHERE id = ?
            """, postID).map { row in
            let own = viewer.userID == row.authorID
            return PostModeration(hidden: row.hidden, hiddenReason: row.reason, awaitingApproval: row.held,
                                  showText: !(row.hidden || row.held) || own || viewer.isAdmin,
                                  visible: !row.held || own || viewer.isAdmin,
                                  canFlag: viewer.userID != nil && !own && !row.hidden)
        }
    }

    /// Users an admin looks for on the users page: by handle prefix, or the suspended ones.
    public static func users(_ conn: Connection, handlePrefix: String, limit: Int = 50) throws -> [UserSummary] {
        let escaped = handlePrefix.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return try conn.query(UserSummary.self, """
            SELECT id, handle, display_name, role, suspended_until, suspension_reason, created_at FROM users
            WHERE deleted_at IS NULL AND (?1 = '' OR handle LIKE ?2 ESCAPE '\\')
            ORDER BY (suspended_until IS NULL), handle LIMIT ?3
            """, handlePrefix, escaped + "%", limit)
    }

    /// One user as the users page shows them, or nil (also for a deleted account).
    public static func user(_ conn: Connection, id: Int64) throws -> UserSummary? {
        try conn.queryOne(UserSummary.self, """
            SELECT id, handle, display_name, role, suspended_until, suspension_reason, created_at FROM users
            WHERE id = ? AND deleted_at IS NULL
            """, id)
    }
}

/// How a post shows given its moderation state (see `ModerationQueries.postModeration`).
public struct PostModeration: Sendable, Equatable {
    public let hidden: Bool
    public let hiddenReason: String
    public let awaitingApproval: Bool
    /// Whether this viewer sees the text (else the hidden reason in its place).
    public let showText: Bool
    /// Whether the post is shown to this viewer at all (held posts only to their author and admins).
    public let visible: Bool
    public let canFlag: Bool
}

public struct UserSummary: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let handle: String
    public let displayName: String
    public let role: String
    public let suspendedUntil: Date?
    public let suspensionReason: String?
    public let createdAt: Date

    public init(row: Row) throws {
        id = try row["id"]; handle = try row["handle"]; displayName = try row["display_name"]; role = try row["role"]
        suspendedUntil = try row["suspended_until"]; suspensionReason = try row["suspension_reason"]; createdAt = try row["created_at"]
    }
}

private struct QueueRow: RowDecodable {
    let item: QueueItem
    init(row: Row) throws {
        item = QueueItem(postID: try row["post_id"], threadID: try row["thread_id"], threadTitle: try row["thread_title"],
                         authorID: try row["author_id"], authorHandle: try row["author_handle"],
                         authorRole: (try row["author_role"] as String?).flatMap(Role.init(rawValue:)), bodyMarkdown: try row["body_markdown"],
                         held: try row["held_for_approval"], hidden: try row["hidden"], threadHeld: try row["thread_held"], since: try row["since"], flags: [])
    }
}

private struct FlagRow: RowDecodable {
    let flag: QueueFlag
    init(row: Row) throws {
        let raw: String = try row["reason"]
        flag = QueueFlag(reason: FlagReason(rawValue: raw) ?? .other, note: try row["note"], reporterHandle: try row["reporter_handle"])
    }
}

private struct LogRow: RowDecodable {
    let entry: LogEntry?
    init(row: Row) throws {
        // Read in SELECT order (each name then costs one comparison), then checked.
        let id: Int64 = try row["id"]
        let actorHandle: String = try row["actor_handle"]
        let automatic: Bool = try row["automatic"]
        let raw: String = try row["action"]
        let targetType: String = try row["target_type"]
        let targetID: Int64 = try row["target_id"]
        let reason: String = try row["reason"]
        let at: Date = try row["created_at"]
        let targetLabel: String? = try row["target_label"]
        let threadID: Int64? = try row["target_thread_id"]
        let previousTitle: String? = try row["previous_title"]
        let renamedTo: String? = try row["renamed_to"]
        guard let action = ModerationAction(rawValue: raw) else { entry = nil; return }
        entry = LogEntry(id: id, actorHandle: actorHandle, automatic: automatic, action: action,
                         targetType: targetType, targetID: targetID, targetLabel: targetLabel,
                         targetPath: threadID.map { "/t/\($0)" }, reason: reason, previousTitle: previousTitle,
                         renamedTo: renamedTo, at: at)
    }
}

private struct PostModerationRow: RowDecodable {
    let authorID: Int64, hidden: Bool, reason: String, held: Bool
    init(row: Row) throws {
        authorID = try row["author_id"]; hidden = try row["hidden"]; reason = try row["hidden_reason"]; held = try row["held_for_approval"]
    }
}
