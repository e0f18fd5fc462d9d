import Database

/// Migration 2: an index of posts by author (a member's profile page), and explicit default rows
/// for the instance settings, so every key the program reads exists.
enum Migration002PostsByAuthor {
    static let migration = Migration(version: 2, name: "posts by author; instance settings defaults", sql: sql)

    static let sql = """
    -- A member's profile page lists their posts, newest first.
    CREATE INDEX posts_by_author ON posts(author_id, created_at DESC);

    -- Instance settings start with explicit defaults, so every key the program reads exists.
    INSERT INTO settings(key, value, updated_at) VALUES
        ('instance_name', 'Mutuals Network', 0),
        ('require_sign_in_to_read', '0', 0),
        ('registration', 'invite_only', 0),
        ('hold_first_posts_of_new_members', '1', 0),
        ('default_slow_mode_seconds', '0', 0)
    ON CONFLICT(key) DO NOTHING;
    """
}
