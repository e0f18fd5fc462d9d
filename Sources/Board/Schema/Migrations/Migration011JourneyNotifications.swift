import Database

/// Migration 11 (issue 18, journeys): new kinds of notification, and a mentor's note when they
/// decline a thread.
///
/// - `post_held` tells admins a post waits for approval; `post_approved` and `post_hidden` tell
///   its author plainly what a moderator decided (`moderation` stays for the other decisions).
/// - `mentor_declined` tells whoever asked a mentor to a thread that the mentor declined, with
///   the mentor's note (`thread_mentors.decline_note`).
/// - `organisation_requested` tells admins a member asked to join an organisation's space;
///   `organisation_confirmed` and `organisation_declined` tell the member the answer.
/// - `mentor_wanted` tells admins a member asked them to link a mentor to the pathfinder of a
///   private thread that no mentor can read yet.
/// - `subject_id`: what the notification is about besides its thread and post — the
///   organisation asked for (`organisation_*`), the mentor suggested (`mentor_wanted`, or NULL
///   for "any"). No foreign key: organisations and accounts are not deleted (accounts are
///   anonymised), and the list checks it still exists.
///
/// SQLite cannot change a CHECK in place, so `notifications` and `notification_settings` are
/// rebuilt with SQLite's documented procedure (sqlite.org/lang_altertable.html, "Making Other
/// Kinds Of Table Schema Changes"): foreign keys off around the transaction
/// (`disablesForeignKeys`), new table, copy, drop, rename, indexes again, and the migrator's
/// `foreign_key_check` before COMMIT. With foreign keys off, dropping `notifications` does not
/// run `mail_outbox.notification_id`'s ON DELETE SET NULL, so queued mail keeps its link; the
/// rename keeps the ids the outbox refers to. Neither table has triggers or views.
enum Migration011JourneyNotifications {
    static let migration = Migration(version: 11, name: "journey notifications; mentor decline notes",
                                     disablesForeignKeys: true, sql: sql)

    static let kinds = """
        'reply', 'mention', 'quote', 'accepted', 'new_thread_in_topic',
        'mentor_requested', 'mentor_linked', 'moderation',
        'post_held', 'post_approved', 'post_hidden', 'mentor_declined',
        'organisation_requested', 'organisation_confirmed', 'organisation_declined', 'mentor_wanted'
        """

    static let sql = """
    CREATE TABLE notifications_rebuilt (
        id         INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL CHECK (kind IN (\(kinds))),
        thread_id  INTEGER REFERENCES threads(id) ON DELETE CASCADE,
        post_id    INTEGER REFERENCES posts(id) ON DELETE CASCADE,
        actor_id   INTEGER REFERENCES users(id),
        created_at INTEGER NOT NULL,
        read_at    INTEGER,
        subject_id INTEGER
    ) STRICT;
    INSERT INTO notifications_rebuilt(id, user_id, kind, thread_id, post_id, actor_id, created_at, read_at)
        SELECT id, user_id, kind, thread_id, post_id, actor_id, created_at, read_at FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_rebuilt RENAME TO notifications;
    CREATE INDEX notifications_of_user ON notifications(user_id, created_at DESC);
    CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

    CREATE TABLE notification_settings_rebuilt (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind    TEXT NOT NULL CHECK (kind IN (\(kinds))),
        PRIMARY KEY (user_id, kind)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO notification_settings_rebuilt(user_id, kind) SELECT user_id, kind FROM notification_settings;
    DROP TABLE notification_settings;
    ALTER TABLE notification_settings_rebuilt RENAME TO notification_settings;

    -- What a mentor told the asker when declining; empty when they said nothing.
    ALTER TABLE thread_mentors ADD COLUMN decline_note TEXT NOT NULL DEFAULT '' CHECK (length(decline_note) <= 1000);
    """
}
