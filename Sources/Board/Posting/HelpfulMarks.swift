import Database
import Foundation

/// A post's "This helped" marks as its page shows them.
public struct HelpfulCount: Sendable, Equatable {
    public let count: Int
    /// The reader marked it.
    public let mine: Bool
}

/// A post of a topic's readable threads that members marked as helpful, for the topic page.
public struct HelpfulAnswer: Sendable, RowDecodable {
    public let postID: Int64
    public let position: Int
    public let threadID: Int64
    public let threadSlug: String
    public let threadTitle: String
    public let authorName: String
    public let count: Int

    public init(row: Row) throws {
        postID = try row["post_id"]
        position = try row["position"]
        threadID = try row["thread_id"]
        threadSlug = try row["thread_slug"]
        threadTitle = try row["thread_title"]
        authorName = try row["author_name"]
        count = try row["helpful_count"]
    }
}

/// "This helped" (issue 18): one mark per member and post, shown as a count, used to surface a
/// topic's most helpful answers. Policy `.markHelpful` decides who may mark (not your own
/// post; not a hidden or held one; not while suspended); reading follows the one rule.
public struct HelpfulService: Sendable {
    let store: Store

    /// Marks (or unmarks) a post as helpful for `actor`.
    /// - Returns: false when there is no such post for them.
    /// - Throws: `PostingError.refused` with Policy's reason.
    @discardableResult
    public func mark(by actor: Actor, postID: Int64, helped: Bool, now: Date = Date()) throws -> Bool {
        try store.write { tx in
            guard let post = try Resource.PostState.load(tx, id: postID),
                  try tx.scalar(Bool.self, "SELECT deleted_by_author FROM posts WHERE id = ?", postID) == false else { return false }
            switch Policy.decide(actor, .markHelpful, .post(post), now: now) {
            case .notFound: return false
            case .denied(let reason): throw PostingError.refused(reason)
            case .allowed: break
            }
            guard let userID = actor.userID else { return false }
            if helped {
                try tx.run("INSERT OR IGNORE INTO helpful_marks(post_id, user_id, created_at) VALUES (?, ?, ?)", postID, userID, now)
            } else {
                try tx.run("DELETE FROM helpful_marks WHERE post_id = ? AND user_id = ?", postID, userID)
            }
            return true
        }
    }

    /// The most-marked replies in the topic `slug`'s threads that `viewer` may read (the one
    /// rule), not hidden, held or deleted: at most `limit`, most marks first.
    public func topAnswers(topicSlug: String, viewer: Viewer, limit: Int = 5) throws -> [HelpfulAnswer] {
        try store.read { conn in
            try conn.query(HelpfulAnswer.self, """
                SELECT p.id AS post_id, p.position, t.id AS thread_id, t.slug AS thread_slug, t.title AS thread_title,
                       a.display_name AS author_name, k.marks AS helpful_count
                FROM topics tp
                -- The topic's kept counts (migration 18), most marked first, down the index until
                -- enough pass the rule; CROSS JOIN keeps that order as the outer loop.
                CROSS JOIN topic_helpful k INDEXED BY topic_helpful_ranked ON k.topic_id = tp.id
                CROSS JOIN posts p ON p.id = k.post_id
                CROSS JOIN threads t ON t.id = p.thread_id
                JOIN users a ON a.id = p.author_id
                WHERE tp.slug = ?4
                  AND t.hidden = 0 AND p.hidden = 0 AND p.held_for_approval = 0 AND p.deleted_by_author = 0
                  AND \(PageQueries.visible)
                ORDER BY k.marks DESC, k.post_id DESC
                LIMIT ?5
                """, arguments: PageQueries.viewerArguments(viewer) + [topicSlug, limit])
        }
    }
}
