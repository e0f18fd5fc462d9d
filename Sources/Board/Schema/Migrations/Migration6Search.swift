/// Migration for issue 8 (search, notifications, following): per-kind notification settings.
/// Numbered when written as `Schema.migrations.count + 1`; appended to `Schema.migrations`.
enum Migration6Search {
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
