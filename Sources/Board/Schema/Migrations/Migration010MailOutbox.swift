import Database

/// Migration 10: the mail outbox (issue 15) and confirmed email addresses.
///
/// A message is a row here, written in the same transaction as the event that causes it, so an
/// event and its mail are both kept or both lost. The row says what to send and to whom; the
/// sender composes the words when it sends (from the thread, post or token the row names) and
/// checks again that the recipient may still read what it is about.
///
/// `email_confirmed_at`: accounts that existed before this migration, and accounts an admin
/// adds, count as confirmed (the admin vouches for the address); a registration starts
/// unconfirmed, and only security mail goes to an unconfirmed address.
enum Migration010MailOutbox {
    static let migration = Migration(version: 10, name: "mail outbox; confirmed email addresses", sql: sql)

    static let sql = """
    ALTER TABLE users ADD COLUMN email_confirmed_at INTEGER;
    UPDATE users SET email_confirmed_at = created_at;

    CREATE TABLE mail_outbox (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN (
                            'confirm_address', 'password_reset', 'notification',
                            'daily_summary', 'weekly_briefing', 'test')),
        user_id         INTEGER REFERENCES users(id) ON DELETE CASCADE,
        to_address      TEXT NOT NULL CHECK (length(to_address) BETWEEN 3 AND 254 AND to_address LIKE '%_@_%'),
        notification_id INTEGER REFERENCES notifications(id) ON DELETE SET NULL,
        thread_id       INTEGER REFERENCES threads(id) ON DELETE SET NULL,
        post_id         INTEGER REFERENCES posts(id) ON DELETE SET NULL,
        -- What the composer needs beyond the ids above (JSON object), e.g. a week for the briefing.
        payload         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload) AND length(payload) <= 65536),
        state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'dropped')),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        created_at      INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        finished_at     INTEGER,
        last_error      TEXT CHECK (last_error IS NULL OR length(last_error) <= 1000)
    ) STRICT;
    -- The sender's next message: the oldest due one.
    CREATE INDEX mail_outbox_due ON mail_outbox(id) WHERE state = 'queued';
    CREATE INDEX mail_outbox_of_user ON mail_outbox(user_id, created_at);
    """
}
