import Database

/// Migration 15: how each person wants notifications by email, the weekly briefing by mail,
/// when the scheduled mail last went out, and the key that signs unsubscribe links (issue 15).
///
/// `notification_mail_settings`: a row is a choice that differs from, or confirms, the default
/// (`NotificationMailPreferences.defaultDelivery`); no row means the default. Kept apart from
/// `notification_settings` (which turns a kind off in the list on the site): a person may want
/// a kind on the site and not in their inbox.
enum Migration015MailPreferences {
    static let migration = Migration(version: 15, name: "mail preferences, schedule and unsubscribe key", sql: sql)

    static let sql = """
    CREATE TABLE notification_mail_settings (
        user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind     TEXT NOT NULL CHECK (kind IN (
                     'reply', 'mention', 'quote', 'accepted', 'new_thread_in_topic',
                     'mentor_requested', 'mentor_linked', 'moderation',
                     'post_held', 'post_approved', 'post_hidden', 'mentor_declined',
                     'organisation_requested', 'organisation_confirmed', 'organisation_declined', 'mentor_wanted')),
        delivery TEXT NOT NULL CHECK (delivery IN ('immediately', 'daily', 'never')),
        PRIMARY KEY (user_id, kind)
    ) STRICT, WITHOUT ROWID;

    -- A row: this person does not want the weekly briefing by mail (it is on by default).
    CREATE TABLE weekly_briefing_opt_outs (
        user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL
    ) STRICT;

    -- The last slot each scheduled mailing was queued for, so a restart never queues it twice.
    CREATE TABLE mail_schedule_runs (
        job         TEXT PRIMARY KEY CHECK (job IN ('daily_summary', 'weekly_briefing')),
        last_slot_at INTEGER NOT NULL,
        ran_at      INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;

    -- Secrets of the mail (the unsubscribe link key), made on first use; never shown.
    CREATE TABLE mail_keys (
        name       TEXT PRIMARY KEY CHECK (name IN ('unsubscribe')),
        key        BLOB NOT NULL CHECK (length(key) = 32),
        created_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
    """
}
