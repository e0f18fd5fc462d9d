import Database
import Foundation

/// What one signed-in reader has of one thread, for its page: their draft reply, the newest
/// post they had seen, the posts they saved and whether they follow it. One statement; these
/// were four reads (`DraftsService.draft`, `VisitsService.seen`, `FollowingService.savedPostIDs`
/// and `.threadState`), which stay for the other pages that need one of them.
public struct ThreadReaderState: Sendable, Equatable {
    /// Their saved reply to the thread, if any.
    public let draft: Draft?
    /// The newest post of the thread they had seen, or nil before their first visit.
    public let lastSeenPostID: Int64?
    /// The thread's posts they saved.
    public let savedPostIDs: Set<Int64>
    /// nil when they do not follow the thread; otherwise whether they muted it.
    public let followMuted: Bool?
}

extension ReadingService {
    /// `userID`'s draft, last visit, saved posts and follow state of `threadID` (a thread the
    /// caller already showed them), in one statement.
    public func readerState(userID: Int64, threadID: Int64) throws -> ThreadReaderState {
        try store.read { conn in
            var state = ThreadReaderState(draft: nil, lastSeenPostID: nil, savedPostIDs: [], followMuted: nil)
            try conn.forEach("""
                SELECT d.user_id IS NOT NULL AS has_draft, d.title, d.body_markdown, d.updated_at,
                       (SELECT last_seen_post_id FROM thread_visits WHERE user_id = ?1 AND thread_id = ?2) AS last_seen_post_id,
                       (SELECT muted FROM subscriptions WHERE user_id = ?1 AND thread_id = ?2) AS follow_muted,
                       (SELECT group_concat(b.post_id) FROM bookmarks b JOIN posts p ON p.id = b.post_id
                        WHERE b.user_id = ?1 AND p.thread_id = ?2) AS saved_post_ids
                FROM (SELECT 1) LEFT JOIN drafts d ON d.user_id = ?1 AND d.thread_id = ?2
                LIMIT 1
                """, arguments: [userID, threadID]) { row in
                let hasDraft: Bool = try row["has_draft"]
                let saved: String? = try row["saved_post_ids"]
                state = ThreadReaderState(
                    draft: hasDraft ? try Draft(row: row) : nil, lastSeenPostID: try row["last_seen_post_id"],
                    savedPostIDs: Set((saved ?? "").split(separator: ",").compactMap { Int64($0) }),
                    followMuted: try row["follow_muted"])
            }
            return state
        }
    }
}
