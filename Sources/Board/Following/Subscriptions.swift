import Database
import Foundation

/// Following threads and topics, muting threads, and bookmarks (issue 8).
public enum Subscriptions {
    /// Follows a thread (starting or replying does this); keeps a mute as it is.
    public static func follow(_ tx: Connection, userID: Int64, threadID: Int64, now: Date) throws {
        try tx.run("""
            INSERT INTO subscriptions(user_id, thread_id, muted, created_at) VALUES (?, ?, 0, ?)
            ON CONFLICT(user_id, thread_id) WHERE thread_id IS NOT NULL DO NOTHING
            """, userID, threadID, now)
    }

    /// Follows (muted false) or mutes (muted true) a thread, replacing either.
    public static func setThread(_ tx: Connection, userID: Int64, threadID: Int64, muted: Bool, now: Date) throws {
        try tx.run("""
            INSERT INTO subscriptions(user_id, thread_id, muted, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(user_id, thread_id) WHERE thread_id IS NOT NULL DO UPDATE SET muted = excluded.muted
            """, userID, threadID, muted, now)
    }

    public static func unfollowThread(_ tx: Connection, userID: Int64, threadID: Int64) throws {
        try tx.run("DELETE FROM subscriptions WHERE user_id = ? AND thread_id = ?", userID, threadID)
    }

    public static func followTopic(_ tx: Connection, userID: Int64, topicID: Int64, now: Date) throws {
        try tx.run("""
            INSERT INTO subscriptions(user_id, topic_id, muted, created_at) VALUES (?, ?, 0, ?)
            ON CONFLICT(user_id, topic_id) WHERE topic_id IS NOT NULL DO NOTHING
            """, userID, topicID, now)
    }

    public static func unfollowTopic(_ tx: Connection, userID: Int64, topicID: Int64) throws {
        try tx.run("DELETE FROM subscriptions WHERE user_id = ? AND topic_id = ?", userID, topicID)
    }

    /// Whether the person follows the topic (by slug).
    public static func followsTopic(_ conn: Connection, userID: Int64, slug: String) throws -> Bool {
        try conn.scalar(Int.self, """
            SELECT count(*) FROM subscriptions s JOIN topics tp ON tp.id = s.topic_id WHERE s.user_id = ? AND tp.slug = ?
            """, userID, slug) ?? 0 > 0
    }

    /// nil: not following; false: following; true: muted.
    public static func threadState(_ conn: Connection, userID: Int64, threadID: Int64) throws -> Bool? {
        try conn.scalar(Bool.self, "SELECT muted FROM subscriptions WHERE user_id = ? AND thread_id = ?", userID, threadID)
    }

    public static func bookmark(_ tx: Connection, userID: Int64, postID: Int64, now: Date) throws {
        try tx.run("INSERT OR IGNORE INTO bookmarks(user_id, post_id, created_at) VALUES (?, ?, ?)", userID, postID, now)
    }

    public static func removeBookmark(_ tx: Connection, userID: Int64, postID: Int64) throws {
        try tx.run("DELETE FROM bookmarks WHERE user_id = ? AND post_id = ?", userID, postID)
    }
}
