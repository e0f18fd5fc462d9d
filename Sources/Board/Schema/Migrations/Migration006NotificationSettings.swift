import Database

/// Migration 6 (search, notifications and following, issue 8): per-kind notification settings,
/// one row for each kind of notification a person has turned off.
enum Migration006NotificationSettings {
    static let migration = Migration(version: 6, name: "notification settings", sql: sql)

    static let sql = """
    -- A row turns one kind of notification off for one person; no row: the kind is on.
    CREATE TABLE notification_settings (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind    TEXT NOT NULL CHECK (kind IN (
                    'reply', 'mention', 'quote', 'accepted', 'new_thread_in_topic',
                    'mentor_requested', 'mentor_linked', 'moderation')),
        PRIMARY KEY (user_id, kind)
    ) STRICT, WITHOUT ROWID;
    """
}
