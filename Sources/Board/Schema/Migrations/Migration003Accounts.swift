import Database

/// Migration 3 (accounts, issue 4): multi-use invites, self-chosen organisations awaiting
/// confirmation, two-factor sign-in (TOTP secret, recovery codes, sessions pending their second
/// factor), registration attempts for rate limits, and the `require_two_factor_for_admins` setting.
enum Migration003Accounts {
    static let migration = Migration(version: 3, name: "accounts: multi-use invites, two-factor, registration limits", sql: sql)

    static let sql = """
    -- Invites can be used more than once (max_uses); used_at/used_by record the latest use.
    ALTER TABLE invites ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1 CHECK (max_uses BETWEEN 1 AND 10000);
    ALTER TABLE invites ADD COLUMN use_count INTEGER NOT NULL DEFAULT 0 CHECK (use_count >= 0);

    -- An organisation a user picked for themselves is shown on their profile but opens no
    -- private space until an admin (or an invite bound to it) confirms it.
    ALTER TABLE users ADD COLUMN organisation_confirmed INTEGER NOT NULL DEFAULT 1
        CHECK (organisation_confirmed IN (0, 1));

    -- Two-factor sign-in (RFC 6238): the 20-byte secret; enabled once the first code is confirmed.
    ALTER TABLE users ADD COLUMN totp_secret BLOB CHECK (totp_secret IS NULL OR length(totp_secret) = 20);
    ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
    -- The last time step whose code signed in, so a code cannot be replayed (RFC 6238 §5.2).
    ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
    CREATE TABLE recovery_codes (
        id        INTEGER PRIMARY KEY,
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
        used_at   INTEGER,
        UNIQUE (user_id, code_hash)
    ) STRICT;

    -- A session waiting for its second factor is not a signed-in session yet.
    ALTER TABLE sessions ADD COLUMN two_factor_pending INTEGER NOT NULL DEFAULT 0
        CHECK (two_factor_pending IN (0, 1));

    CREATE TABLE registration_attempts (
        id           INTEGER PRIMARY KEY,
        address      TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 254),
        attempted_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX registration_attempts_recent ON registration_attempts(address, attempted_at);

    INSERT INTO settings(key, value, updated_at) VALUES ('require_two_factor_for_admins', '0', 0)
    ON CONFLICT(key) DO NOTHING;
    """
}
