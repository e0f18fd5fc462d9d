import Database

/// Migration 14: single-use links mailed for address confirmation and password reset (issue 15).
///
/// A token is 32 random bytes; only its SHA-256 is kept here, as sessions keep theirs. `email` is
/// the address the link was sent to: confirming it confirms that address (or, for a change of
/// address, makes it the account's address), so a link sent to an old address cannot confirm a
/// new one. `used_at` makes a link single-use.
///
/// `mail_outbox.retried_at`: when an admin last put a failed message back in the queue; the
/// sender gives up on a message a bounded time after it was queued or retried.
enum Migration014AccountTokens {
    static let migration = Migration(version: 14, name: "account tokens for confirmation and reset links", sql: sql)

    static let sql = """
    CREATE TABLE account_tokens (
        id          INTEGER PRIMARY KEY,
        purpose     TEXT NOT NULL CHECK (purpose IN ('confirm_address', 'password_reset')),
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash  BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        email       TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER
    ) STRICT;
    CREATE INDEX account_tokens_of_user ON account_tokens(user_id, purpose, created_at);

    ALTER TABLE mail_outbox ADD COLUMN retried_at INTEGER;
    """
}
