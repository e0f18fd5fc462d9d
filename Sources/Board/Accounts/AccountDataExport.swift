import Database
import Foundation

/// The sections of "your data" beyond profile, threads, posts, flags and sessions: only the
/// person's own rows, and never another person's private text (docs/visibility.md). Earlier
/// versions and drafts are included whatever the person may read today: they wrote them.
extension DataExport {
    /// An earlier version of one of the person's own posts (the text before an edit).
    struct Revision: Encodable {
        let postID: Int64
        let replacedAt: Date
        let body: String
    }
    /// Text typed and not yet posted; `threadID` nil for a new thread.
    struct Draft: Encodable {
        let threadID: Int64?
        let title, body: String
        /// A new thread's chosen topics (slugs).
        let topics: [String]
        /// A new thread's private space and briefing item, when chosen.
        let organisationID: Int64?
        let briefingItemID: Int64?
        let updatedAt: Date
    }
    struct MentorProfile: Encodable {
        let headline, availability: String
        /// The profile's bio (the same as `profile.bio`: one text shown on both pages).
        let bio: String
        let expertise: [String]
        let updatedAt: Date
    }
    /// A followed (or muted) thread or topic. A thread is named by id only: its title may be
    /// another person's words in a space the person can no longer read.
    struct Follow: Encodable {
        let threadID: Int64?
        let topic: String?
        let muted: Bool
        let createdAt: Date
    }
    /// A saved post, by id only (the post is usually someone else's).
    struct SavedPost: Encodable {
        let postID: Int64
        let savedAt: Date
    }
    /// A post the person marked "This helped" (by id only, as saved posts).
    struct HelpfulMark: Encodable {
        let postID: Int64
        let markedAt: Date
    }
    struct NotificationSettings: Encodable {
        /// Kinds of notification turned off on the site (the others are on).
        let turnedOff: [String]
        /// Email choices made (kind: immediately, daily or never); kinds not listed keep the default.
        let mail: [String: String]
        let weeklyBriefingOptedOut: Bool
    }

    static func revisions(_ conn: Connection, _ userID: Int64) throws -> [Revision] {
        var rows: [Revision] = []
        try conn.forEach("""
            SELECT r.post_id, r.created_at, r.body_markdown FROM post_revisions r JOIN posts p ON p.id = r.post_id
             WHERE p.author_id = ? ORDER BY r.id
            """, arguments: [userID]) { row in
            rows.append(Revision(postID: try row["post_id"], replacedAt: try row["created_at"], body: try row["body_markdown"]))
        }
        return rows
    }

    static func drafts(_ conn: Connection, _ userID: Int64) throws -> [Draft] {
        var rows: [Draft] = []
        try conn.forEach("""
            SELECT thread_id, title, body_markdown, topics, organisation_id, briefing_item_id, updated_at FROM drafts
             WHERE user_id = ? ORDER BY id
            """, arguments: [userID]) { row in
            rows.append(Draft(threadID: try row["thread_id"], title: try row["title"], body: try row["body_markdown"],
                              topics: Board.Draft.slugs(try row["topics"]), organisationID: try row["organisation_id"],
                              briefingItemID: try row["briefing_item_id"], updatedAt: try row["updated_at"]))
        }
        return rows
    }

    static func mentorProfile(_ conn: Connection, _ userID: Int64) throws -> MentorProfile? {
        var found: (String, String, String, Date)?
        try conn.forEach("""
            SELECT m.headline, m.availability, u.bio, m.updated_at FROM mentor_profiles m JOIN users u ON u.id = m.user_id
             WHERE m.user_id = ?
            """, arguments: [userID]) { row in
            found = (try row["headline"], try row["availability"], try row["bio"], try row["updated_at"])
        }
        guard let (headline, availability, bio, updatedAt) = found else { return nil }
        var expertise: [String] = []
        try conn.forEach("""
            SELECT t.name FROM mentor_expertise e JOIN topics t ON t.id = e.topic_id WHERE e.mentor_id = ? ORDER BY t.name
            """, arguments: [userID]) { row in expertise.append(try row["name"]) }
        return MentorProfile(headline: headline, availability: availability, bio: bio, expertise: expertise, updatedAt: updatedAt)
    }

    static func follows(_ conn: Connection, _ userID: Int64) throws -> [Follow] {
        var rows: [Follow] = []
        try conn.forEach("""
            SELECT s.thread_id, t.slug AS topic, s.muted, s.created_at FROM subscriptions s LEFT JOIN topics t ON t.id = s.topic_id
             WHERE s.user_id = ? ORDER BY s.id
            """, arguments: [userID]) { row in
            rows.append(Follow(threadID: try row["thread_id"], topic: try row["topic"], muted: try row["muted"],
                               createdAt: try row["created_at"]))
        }
        return rows
    }

    static func savedPosts(_ conn: Connection, _ userID: Int64) throws -> [SavedPost] {
        var rows: [SavedPost] = []
        try conn.forEach("SELECT post_id, created_at FROM bookmarks WHERE user_id = ? ORDER BY created_at, post_id",
                         arguments: [userID]) { row in
            rows.append(SavedPost(postID: try row["post_id"], savedAt: try row["created_at"]))
        }
        return rows
    }

    static func helpfulMarks(_ conn: Connection, _ userID: Int64) throws -> [HelpfulMark] {
        var rows: [HelpfulMark] = []
        try conn.forEach("SELECT post_id, created_at FROM helpful_marks WHERE user_id = ? ORDER BY created_at, post_id",
                         arguments: [userID]) { row in
            rows.append(HelpfulMark(postID: try row["post_id"], markedAt: try row["created_at"]))
        }
        return rows
    }

    static func notificationSettings(_ conn: Connection, _ userID: Int64) throws -> NotificationSettings {
        var off: [String] = []
        try conn.forEach("SELECT kind FROM notification_settings WHERE user_id = ? ORDER BY kind", arguments: [userID]) { row in
            off.append(try row["kind"])
        }
        var mail: [String: String] = [:]
        try conn.forEach("SELECT kind, delivery FROM notification_mail_settings WHERE user_id = ?", arguments: [userID]) { row in
            mail[try row["kind"]] = try row["delivery"]
        }
        let optedOut = try conn.scalar(Int.self, "SELECT 1 FROM weekly_briefing_opt_outs WHERE user_id = ?", userID) != nil
        return NotificationSettings(turnedOff: off, mail: mail, weeklyBriefingOptedOut: optedOut)
    }
}
