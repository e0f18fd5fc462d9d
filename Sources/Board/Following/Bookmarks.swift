import Database
import Foundation

/// A saved post, as `/saved` lists it.
public struct SavedPost: RowDecodable, Sendable {
    public let postID: Int64
    public let position: Int
    public let threadID: Int64
    public let threadSlug: String
    public let threadTitle: String
    public let authorName: String
    public let excerpt: String
    public let savedAt: Date

    public init(row: Row) throws {
        postID = try row["post_id"]; position = try row["position"]; threadID = try row["thread_id"]; threadSlug = try row["thread_slug"]
        threadTitle = try row["thread_title"]; authorName = try row["author_name"]; excerpt = try row["excerpt"]; savedAt = try row["saved_at"]
    }
}

/// A followed thread or topic, as `/following` lists it.
public struct FollowedItem: RowDecodable, Sendable {
    public let isTopic: Bool
    public let id: Int64
    public let slug: String
    public let title: String
    public let muted: Bool

    public init(row: Row) throws {
        isTopic = try row["is_topic"]; id = try row["id"]; slug = try row["slug"]; title = try row["title"]; muted = try row["muted"]
    }
}

/// Reads and checks for following and bookmarks; the writes are in `Subscriptions`.
public enum Bookmarks {
    /// The thread of `postID` when `viewer` may read it (the post is not hidden or held), else nil.
    public static func readableThread(_ conn: Connection, postID: Int64, viewer: Viewer) throws -> Int64? {
        try conn.scalar(Int64.self, """
            SELECT t.id FROM posts p JOIN threads t ON t.id = p.thread_id
            WHERE p.id = ?4 AND t.hidden = 0 AND \(PageQueries.visible) AND \(Visibility.postTextReadableByViewer)
            """, arguments: PageQueries.viewerArguments(viewer) + [postID])
    }

    /// The slug of `threadID` when `viewer` may read it, else nil.
    public static func readableThreadSlug(_ conn: Connection, threadID: Int64, viewer: Viewer) throws -> String? {
        try conn.scalar(String.self, "SELECT t.slug FROM threads t WHERE t.id = ?4 AND t.hidden = 0 AND \(PageQueries.visible)",
                        arguments: PageQueries.viewerArguments(viewer) + [threadID])
    }

    /// `viewer`'s saved posts that they can still read, newest first.
    public static func saved(_ conn: Connection, viewer: Viewer, limit: Int = 100) throws -> [SavedPost] {
        try conn.query(SavedPost.self, """
            SELECT p.id AS post_id, p.position, t.id AS thread_id, t.slug AS thread_slug, t.title AS thread_title,
                   a.display_name AS author_name, substr(p.body_markdown, 1, 200) AS excerpt, b.created_at AS saved_at
            FROM bookmarks b JOIN posts p ON p.id = b.post_id JOIN threads t ON t.id = p.thread_id
            JOIN users a ON a.id = p.author_id
            WHERE b.user_id = ?3 AND t.hidden = 0 AND p.hidden = 0 AND p.deleted_by_author = 0 AND \(PageQueries.visible)
              AND \(Visibility.postTextReadableByViewer)
            ORDER BY b.created_at DESC LIMIT ?4
            """, arguments: PageQueries.viewerArguments(viewer) + [limit])
    }

    /// Threads (that `viewer` can read) and topics they follow or muted.
    public static func following(_ conn: Connection, viewer: Viewer) throws -> [FollowedItem] {
        try conn.query(FollowedItem.self, """
            SELECT 1 AS is_topic, tp.id, tp.slug, tp.name AS title, s.muted FROM subscriptions s JOIN topics tp ON tp.id = s.topic_id
            WHERE s.user_id = ?3
            UNION ALL
            SELECT 0, t.id, t.slug, t.title, s.muted FROM subscriptions s JOIN threads t ON t.id = s.thread_id
            WHERE s.user_id = ?3 AND t.hidden = 0 AND \(PageQueries.visible)
            ORDER BY 1 DESC, 4
            """, arguments: PageQueries.viewerArguments(viewer))
    }

    /// The posts of `threadID` that `userID` has saved (for the thread page's Save controls).
    public static func savedPostIDs(_ conn: Connection, userID: Int64, threadID: Int64) throws -> Set<Int64> {
        Set(try conn.column(Int64.self, """
            SELECT b.post_id FROM bookmarks b JOIN posts p ON p.id = b.post_id WHERE b.user_id = ? AND p.thread_id = ?
            """, userID, threadID))
    }

    public static func isBookmarked(_ conn: Connection, userID: Int64, postID: Int64) throws -> Bool {
        try conn.scalar(Int.self, "SELECT count(*) FROM bookmarks WHERE user_id = ? AND post_id = ?", userID, postID) == 1
    }
}
