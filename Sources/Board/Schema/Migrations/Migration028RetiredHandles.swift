import Database

/// Migration 28: a deleted account's handle is never given to anyone else.
///
/// Deleting an account renames it `former_<id>` (`Accounts.anonymise`), which freed its handle:
/// a newcomer could register it, and every `@handle` written to the old account — a link fixed
/// when the post was written — then led to the newcomer's profile, who could pass for the member
/// others had been talking to (found by the journeys sweep). The old handle is kept here by a
/// trigger on the rename, whatever path deletes the account, and a second trigger refuses it to
/// any new account; registration and `mutuals user add` say "taken" first
/// (`Accounts.handleTakenSQL`). Handles freed before this migration are not known any more.
enum Migration028RetiredHandles {
    static let migration = Migration(version: 28, name: "a deleted account's handle is never reused", sql: sql)

    static let sql = """
    CREATE TABLE retired_handles (
        handle TEXT PRIMARY KEY
    ) STRICT, WITHOUT ROWID;

    CREATE TRIGGER handles_retired AFTER UPDATE OF handle ON users
    WHEN OLD.handle IS NOT NEW.handle AND substr(OLD.handle, 1, 7) <> 'former_'
    BEGIN
        INSERT OR IGNORE INTO retired_handles(handle) VALUES (OLD.handle);
    END;

    CREATE TRIGGER handles_retired_stay_retired BEFORE INSERT ON users
    WHEN EXISTS (SELECT 1 FROM retired_handles WHERE handle = NEW.handle)
    BEGIN
        SELECT RAISE(ABORT, 'that handle belonged to a deleted account');
    END;
    """
}
