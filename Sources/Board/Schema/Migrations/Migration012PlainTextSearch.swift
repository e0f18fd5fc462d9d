import Database

/// Migration 12 (issue 18 item 11): search indexes and shows a post's words, not its Markdown.
///
/// `posts.body_text` holds the post's plain text (`Markdown.plainText`): no `**`, no
/// `[text](url)`, no `>`. It is filled by `SearchIndex.indexPending` when a post is written or
/// edited (in the same transaction, before COMMIT), so every path that writes posts fills it.
/// `post_search` is made again over `body_text` (still external content on `posts`, so the
/// text is stored once), its triggers take edited and deleted posts out with the text that was
/// indexed, and `post_search_recent` is refilled from it. Existing posts are converted here,
/// in chunks of ids: about a minute for a million posts.
enum Migration012PlainTextSearch {
    static let migration = Migration(version: 12, name: "search indexes posts' plain text") { conn in
        try conn.execute(schemaSQL)
        var afterID: Int64 = 0
        while true {
            let rows = try conn.query(PostText.self, "SELECT id, body_markdown FROM posts WHERE id > ? ORDER BY id LIMIT 1000", afterID)
            for row in rows {
                try conn.run("UPDATE posts SET body_text = ? WHERE id = ?", Markdown.plainText(row.markdown), row.id)
            }
            guard let last = rows.last else { break }
            afterID = last.id
        }
        try conn.execute(indexSQL)
    }

    private struct PostText: RowDecodable {
        let id: Int64, markdown: String
        init(row: Row) throws { id = try row["id"]; markdown = try row["body_markdown"] }
    }

    static let schemaSQL = """
    ALTER TABLE posts ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
    DROP TRIGGER post_search_delete;
    DROP TRIGGER post_search_update;
    DROP TABLE post_search;
    """

    static let indexSQL = """
    CREATE VIRTUAL TABLE post_search USING fts5(
        body_text, content = 'posts', content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2');
    INSERT INTO post_search(post_search) VALUES ('rebuild');
    -- 'rebuild' indexed every post, the queued ones too (their text was filled above).
    DELETE FROM post_search_pending;
    INSERT INTO post_search(post_search) VALUES ('optimize');
    CREATE TRIGGER post_search_delete AFTER DELETE ON posts BEGIN
        INSERT INTO post_search(post_search, rowid, body_text)
            SELECT 'delete', OLD.id, OLD.body_text
            WHERE NOT EXISTS (SELECT 1 FROM post_search_pending WHERE post_id = OLD.id);
        DELETE FROM post_search_pending WHERE post_id = OLD.id;
    END;
    CREATE TRIGGER post_search_update AFTER UPDATE OF body_markdown ON posts BEGIN
        INSERT INTO post_search(post_search, rowid, body_text)
            SELECT 'delete', OLD.id, OLD.body_text
            WHERE NOT EXISTS (SELECT 1 FROM post_search_pending WHERE post_id = OLD.id);
        INSERT OR IGNORE INTO post_search_pending(post_id) VALUES (NEW.id);
    END;
    DELETE FROM post_search_recent;
    INSERT INTO post_search_recent(rowid, body)
        SELECT id, body_text FROM posts
        WHERE id > (SELECT coalesce(max(id), 0) FROM posts) - 50000;
    INSERT INTO post_search_recent(post_search_recent) VALUES ('optimize');
    """
}
