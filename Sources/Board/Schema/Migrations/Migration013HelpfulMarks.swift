import Database

/// Migration 13 (issue 18): "This helped" marks on posts, one per member and post. A count is
/// shown on the post and ranks a topic's most helpful answers; no totals per person anywhere.
/// Marks go with their post or their account (CASCADE: they exist only for them).
///
/// And `thread_visits`: the newest post each member has seen of each thread they opened, for
/// "new since your last visit" (`VisitsService`).
enum Migration013HelpfulMarks {
    static let migration = Migration(version: 13, name: "\"This helped\" marks on posts; thread visits", sql: sql)

    static let sql = """
    CREATE TABLE helpful_marks (
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (post_id, user_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE thread_visits (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        last_seen_post_id INTEGER NOT NULL,
        PRIMARY KEY (user_id, thread_id)
    ) STRICT, WITHOUT ROWID;
    """
}
