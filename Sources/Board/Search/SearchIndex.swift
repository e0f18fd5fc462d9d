import Database

/// Keeps the post full-text indexes in step (see the comments on `post_search` in
/// `Migration001Initial` and on `post_search_recent` in `Migration009RecentSearch`).
public enum SearchIndex {
    /// `post_search_recent` holds the posts with `id > max(id) - recentWindow`.
    public static let recentWindow: Int64 = 50_000

    /// Indexes every queued post in one statement and empties the queue; the newest posts also
    /// go into `post_search_recent`, and posts that fell out of its window leave it. Installed as
    /// the store's `beforeCommit` by `Storage.openStore`; call it yourself only after writing
    /// posts on a connection that is not the store's writer. `window` is for tests.
    public static func indexPending(_ connection: Connection, window: Int64 = recentWindow) throws {
        guard try connection.scalar(Bool.self, "SELECT EXISTS (SELECT 1 FROM post_search_pending)") == true else { return }
        // Before migration 11 (a store written to while being upgraded in tests) the index holds
        // the Markdown itself; after it, the plain text in `posts.body_text` (filled here).
        let hasPlainText = try connection.scalar(Bool.self, """
            SELECT EXISTS (SELECT 1 FROM pragma_table_info('posts') WHERE name = 'body_text')
            """) == true
        let column = hasPlainText ? "body_text" : "body_markdown"  // one of two names, never input
        if hasPlainText { try fillPlainText(connection) }
        try connection.run("""
            INSERT INTO post_search(rowid, \(column))
            SELECT p.id, p.\(column) FROM post_search_pending q JOIN posts p ON p.id = q.post_id
            """)
        // Before migration 9 (a store written to while being upgraded in tests) there is no
        // recent index yet; the migration fills it.
        if try connection.scalar(Bool.self, "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'post_search_recent')") == true {
            let floor = (try connection.scalar(Int64.self, "SELECT max(id) FROM posts") ?? 0) - window
            try connection.run("""
                INSERT INTO post_search_recent(rowid, body)
                SELECT p.id, p.\(column) FROM post_search_pending q JOIN posts p ON p.id = q.post_id
                WHERE p.id > ?
                """, floor)
            try connection.run("DELETE FROM post_search_recent WHERE rowid <= ?", floor)
        }
        try connection.run("DELETE FROM post_search_pending")
    }

    /// Fills `posts.body_text` (migration 11) of every queued post with its plain text
    /// (`Markdown.plainText`), which is what the indexes hold and search shows.
    static func fillPlainText(_ connection: Connection) throws {
        struct Queued: RowDecodable {
            let id: Int64, markdown: String
            init(row: Row) throws { id = try row["id"]; markdown = try row["body_markdown"] }
        }
        let queued = try connection.query(Queued.self, """
            SELECT p.id, p.body_markdown FROM post_search_pending q JOIN posts p ON p.id = q.post_id
            """)
        for post in queued {
            try connection.run("UPDATE posts SET body_text = ? WHERE id = ?", Markdown.plainText(post.markdown), post.id)
        }
    }

    /// Refills `post_search_recent` from `posts` (after a bulk load that bypassed the queue).
    public static func rebuildRecent(_ connection: Connection, window: Int64 = recentWindow) throws {
        let floor = (try connection.scalar(Int64.self, "SELECT max(id) FROM posts") ?? 0) - window
        try connection.run("DELETE FROM post_search_recent")
        try connection.run("""
            INSERT INTO post_search_recent(rowid, body)
            SELECT id, body_text FROM posts
            WHERE id > ? AND id NOT IN (SELECT post_id FROM post_search_pending)
            """, floor)
        try connection.run("INSERT INTO post_search_recent(post_search_recent) VALUES ('optimize')")
    }
}
