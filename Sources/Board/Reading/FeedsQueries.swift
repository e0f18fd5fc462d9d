import Database
import Foundation

/// A post as a feed entry.
public struct FeedPost: RowDecodable, Sendable {
    public let id: Int64
    public let position: Int
    public let authorName: String
    public let bodyHTML: String
    public let createdAt: Date
    public let editedAt: Date?

    public init(row: Row) throws {
        id = try row["id"]
        position = try row["position"]
        authorName = try row["author_name"]
        bodyHTML = try row["body_html"]
        createdAt = try row["created_at"]
        editedAt = try row["edited_at"]
    }
}

/// What a thread's feed needs.
public struct ThreadFeed: Sendable {
    public let thread: ThreadSummary
    /// The newest posts first; hidden, held and deleted posts are left out.
    public let posts: [FeedPost]
}

/// Feeds are read by programs that never sign in, so every feed query reads as a visitor:
/// a private thread can never reach a feed, whoever asks for it.
public enum FeedQueries {
    public static let entriesPerFeed = 50

    /// The briefing's newest items.
    public static func briefing(_ conn: Connection) throws -> [BriefingItemSummary] {
        try PageQueries.briefing(conn, viewer: .visitor, limit: entriesPerFeed)
    }

    /// A topic's latest public threads, or nil if there is no such topic.
    public static func topic(_ conn: Connection, slug: String) throws -> TopicPage? {
        try PageQueries.topic(conn, slug: slug, viewer: .visitor, limit: entriesPerFeed)
    }

    /// A public thread's newest posts, or nil if it does not exist or is not public.
    public static func thread(_ conn: Connection, id: Int64) throws -> ThreadFeed? {
        let viewer = Viewer.visitor
        guard var thread = try conn.queryOne(ThreadSummary.self, """
            SELECT \(ThreadSummary.columns)
            FROM threads t
            JOIN users a ON a.id = t.author_id
            LEFT JOIN users lu ON lu.id = t.last_poster_id
            WHERE t.id = ?4 AND t.hidden = 0 AND \(PageQueries.visible)
            """, arguments: PageQueries.viewerArguments(viewer) + [id]) else { return nil }
        var one = [thread]
        try PageQueries.attachTopics(conn, to: &one)
        thread = one[0]
        let posts = try conn.query(FeedPost.self, """
            SELECT p.id, p.position, u.display_name AS author_name, p.body_html, p.created_at, p.edited_at
            FROM posts p JOIN users u ON u.id = p.author_id
            WHERE p.thread_id = ? AND p.hidden = 0 AND p.held_for_approval = 0 AND p.deleted_by_author = 0
            ORDER BY p.position DESC LIMIT ?
            """, id, entriesPerFeed)
        return ThreadFeed(thread: thread, posts: posts)
    }
}
