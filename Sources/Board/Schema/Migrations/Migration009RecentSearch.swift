import Database

/// Migration 9: a second, small full-text index over the newest posts only, for prefix queries;
/// and an index of answered threads, for search's answered filters.
///
/// SQLite 3.40's FTS5 answers a prefix query (`commiss*`) by first merging the posting lists of
/// every indexed word with that prefix, across the whole index, whatever the LIMIT: ~9 ms for a
/// prefix in a quarter of 1M posts, before a single row is returned (measured). A search ranks
/// the newest `SearchQueries.candidateLimit` matches first, and those all lie among the newest
/// posts when the newest posts hold that many: so `post_search_recent` keeps exactly the posts
/// with `id > max(id) - SearchIndex.recentWindow` (its own copy of their text, so rows leave it
/// with a plain DELETE), and a prefix search merges only their posting lists when it can.
///
/// Kept in step like `post_search`: new and edited posts go through `post_search_pending` and
/// `SearchIndex.indexPending` (which also drops rows that fell out of the window); the triggers
/// below take out edited and deleted posts at once. The window here (50,000) is
/// `SearchIndex.recentWindow` when this migration was written.
enum Migration009RecentSearch {
    static let migration = Migration(version: 9, name: "full-text index of the newest posts; answered threads", sql: sql)

    static let sql = """
    CREATE VIRTUAL TABLE post_search_recent USING fts5(
        body, tokenize = 'porter unicode61 remove_diacritics 2');
    INSERT INTO post_search_recent(rowid, body)
        SELECT id, body_markdown FROM posts
        WHERE id > (SELECT coalesce(max(id), 0) FROM posts) - 50000
          AND id NOT IN (SELECT post_id FROM post_search_pending);
    -- One segment, or the first live writes pay FTS5's automerge of the bulk load piecemeal.
    INSERT INTO post_search_recent(post_search_recent) VALUES ('optimize');
    CREATE TRIGGER post_search_recent_delete AFTER DELETE ON posts BEGIN
        DELETE FROM post_search_recent WHERE rowid = OLD.id;
    END;
    CREATE TRIGGER post_search_recent_update AFTER UPDATE OF body_markdown ON posts BEGIN
        DELETE FROM post_search_recent WHERE rowid = OLD.id;
    END;

    -- Answered threads, for a search filtered to them while they are few
    -- (`SearchQueries.answeredPostsSQL`): without it that filter reads every thread.
    CREATE INDEX threads_answered ON threads(accepted_post_id) WHERE accepted_post_id IS NOT NULL;
    """
}
