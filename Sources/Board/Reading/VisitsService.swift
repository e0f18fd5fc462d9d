import Database
import Foundation

/// "New since your last visit" (issue 18): the newest post each member has seen of each thread
/// they opened (`thread_visits`, migration 13). Only what they were shown counts as seen, and
/// the mark only moves forward. The home and topic lists read it with their threads
/// (`ListedThread.newPostsColumn`).
public struct VisitsService: Sendable {
    let store: Store

    /// `userID` was shown `postIDs` of `threadID`: records the newest of them as seen.
    /// - Returns: the newest post they had seen before, or nil on their first visit.
    public func seen(userID: Int64, threadID: Int64, postIDs: [Int64]) throws -> Int64? {
        guard !postIDs.isEmpty else { return nil }
        // A read first: a page with nothing new to record costs no write transaction.
        let before = try store.read { conn in
            try conn.scalar(Int64.self, "SELECT last_seen_post_id FROM thread_visits WHERE user_id = ? AND thread_id = ?", userID, threadID)
        }
        return try record(userID: userID, threadID: threadID, postIDs: postIDs, lastSeenPostID: before)
    }

    /// `seen` for a caller that has already read the reader's last visit
    /// (`ReadingService.readerState`): records the newest of `postIDs` when it is newer.
    /// - Returns: `lastSeenPostID`, the newest post they had seen before.
    public func record(userID: Int64, threadID: Int64, postIDs: [Int64], lastSeenPostID: Int64?) throws -> Int64? {
        guard let newest = postIDs.max() else { return nil }
        if lastSeenPostID.map({ $0 < newest }) ?? true {
            try store.write { tx in
                try tx.run("""
                    INSERT INTO thread_visits(user_id, thread_id, last_seen_post_id) VALUES (?1, ?2, ?3)
                    ON CONFLICT(user_id, thread_id) DO UPDATE SET last_seen_post_id = max(last_seen_post_id, excluded.last_seen_post_id)
                    """, userID, threadID, newest)
            }
        }
        return lastSeenPostID
    }
}
