import Database

/// Keeps the post full-text index in step (see the comment on `post_search` in `Schema`).
public enum SearchIndex {
    /// Indexes every queued post in one statement and empties the queue. Installed as the
    /// store's `beforeCommit` by `Storage.openStore`; call it yourself only after writing posts
    /// on a connection that is not the store's writer.
    public static func indexPending(_ connection: Connection) throws {
        guard try connection.scalar(Bool.self, "SELECT EXISTS (SELECT 1 FROM post_search_pending)") == true else { return }
        try connection.run("""
            INSERT INTO post_search(rowid, body_markdown)
            SELECT p.id, p.body_markdown FROM post_search_pending q JOIN posts p ON p.id = q.post_id
            """)
        try connection.run("DELETE FROM post_search_pending")
    }
}
