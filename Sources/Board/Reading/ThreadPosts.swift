import Database
import Foundation

/// One page of a thread's posts as stored, the same for every reader, with the names of the
/// thread's linked mentors. What one reader sees of them is decided by the one rule, applied
/// in `posts(for:_:)`: which posts are listed (`Visibility.postListed`) and whose text
/// (`Visibility.postTextReadable`). So a page's posts can be kept for every reader until the
/// store changes (`KeptThreadPosts`); the thread itself, and whether the reader may open it, are
/// read per reader by the page's header statement.
struct StoredThreadPosts: Sendable {
    /// A page of a thread: its id and the position of the page's first post.
    struct Key: Hashable, Sendable {
        let threadID: Int64
        let first: Int
    }

    /// Every post at the page's positions, held and hidden ones included, each with its text
    /// and "This helped" count and no reader's mark.
    let posts: [PostView]
    let mentorNames: [String]

    /// The most text a kept page may hold: a page of long posts is read each time instead, so
    /// the kept pages stay under `limit` × this (64 MB at 512 pages), whatever members post.
    static let largestKept = 128 * 1024

    /// Whether the page is small enough to keep (`largestKept`).
    var mayBeKept: Bool {
        var total = 0
        for post in posts {
            total += post.bodyHTML.utf8.count
            if total > Self.largestKept { return false }
        }
        return true
    }

    static func read(_ conn: Connection, _ key: Key) throws -> StoredThreadPosts {
        let posts = try conn.query(PostView.self, """
            SELECT p.id, p.position, u.handle AS author_handle, u.display_name AS author_name, u.role AS author_role,
                   -- An organisation is shown once an admin has confirmed it (a claim is not a membership).
                   CASE WHEN u.organisation_confirmed = 1 THEN o.name END AS author_organisation,
                   p.body_html, p.created_at, p.edited_at, p.hidden, p.deleted_by_author, p.author_id,
                   p.held_for_approval, coalesce(p.hidden_reason, '') AS hidden_reason,
                   -- "This helped": each post's marks, kept on its row (migration 23); the
                   -- reader's own are read per reader (`marks`).
                   p.helpful_count, 0 AS helpful_mine
            FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN organisations o ON o.id = u.organisation_id
            WHERE p.thread_id = ?1 AND p.position BETWEEN ?2 AND ?3
            ORDER BY p.position
            """, arguments: [key.threadID, key.first, key.first + PageQueries.postsPerPage - 1])
        let mentors = try conn.column(String.self, """
            SELECT u.display_name FROM thread_mentors tm JOIN users u ON u.id = tm.mentor_id
            WHERE tm.thread_id = ? AND tm.status = 'linked' ORDER BY u.display_name
            """, key.threadID)
        return StoredThreadPosts(posts: posts, mentorNames: mentors)
    }

    /// The posts `viewer` sees, for a thread they may read: those the one rule lists to them,
    /// with the text only where it lets them read it, and their own "This helped" marks.
    /// A post they see as stored is the kept one itself.
    ///
    /// Most readers see a page as stored (every post listed and readable, none marked by
    /// them): they get the kept array itself, not a copy of it post by post.
    func posts(for viewer: Viewer, _ conn: Connection) throws -> [PostView] {
        let marks = try Self.marks(conn, of: viewer, on: posts)
        if marks.isEmpty && posts.allSatisfy({ Self.listed($0, to: viewer) && Self.readable($0, by: viewer) }) { return posts }
        var shown: [PostView] = []
        shown.reserveCapacity(posts.count)
        for post in posts where Self.listed(post, to: viewer) {
            let readable = Self.readable(post, by: viewer)
            let mine = marks.contains(post.id)
            shown.append(readable && !mine ? post : PostView(post, bodyHTML: readable ? post.bodyHTML : "", helpfulMine: mine))
        }
        return shown
    }

    private static func listed(_ post: PostView, to viewer: Viewer) -> Bool {
        Visibility.postListed(held: post.heldForApproval, authorID: post.authorID, userID: viewer.userID, isAdmin: viewer.isAdmin)
    }

    private static func readable(_ post: PostView, by viewer: Viewer) -> Bool {
        Visibility.postTextReadable(held: post.heldForApproval, hidden: post.hidden, authorID: post.authorID,
                                    userID: viewer.userID, isAdmin: viewer.isAdmin)
    }

    /// Which of `posts` the signed-in `viewer` marked as helpful: one statement over those that
    /// have marks, none when no post has any (most pages) or for a visitor.
    static func marks(_ conn: Connection, of viewer: Viewer, on posts: [PostView]) throws -> Set<Int64> {
        guard let userID = viewer.userID else { return [] }
        let marked = posts.lazy.filter { $0.helpful != nil }.map { String($0.id) }
        guard !marked.isEmpty else { return [] }
        // The ids go in as one bound JSON array, so the statement is the same for any page.
        return Set(try conn.column(Int64.self, """
            SELECT post_id FROM helpful_marks WHERE user_id = ?1 AND post_id IN (SELECT value FROM json_each(?2))
            """, arguments: [userID, "[" + marked.joined(separator: ",") + "]"]))
    }
}

/// Pages' posts as stored (`StoredThreadPosts`), kept until the store changes: a page read
/// again before the next commit costs no statement but the reader's marks. At most `limit`
/// pages are kept at once (a shard's all dropped together past its share), each of at most
/// `StoredThreadPosts.largestKept` bytes of text.
typealias KeptThreadPosts = KeptPerKeyUntilChange<StoredThreadPosts.Key, StoredThreadPosts>
