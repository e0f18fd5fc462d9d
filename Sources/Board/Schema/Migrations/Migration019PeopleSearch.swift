import Database

/// Migration 19 (issue 14): a full-text index of members' names, so finding a person by name
/// (`SearchService.people`, on every search page) looks up a word index instead of lowering and
/// scanning every name on the network: ~6.9 ms of a search page's ~8.4 ms of CPU at 10,000
/// members before (measured with `PROFILE_SQL=1`).
///
/// The index holds live accounts only (an anonymised account is never found) and its own copy of
/// each name, so a row leaves with a plain DELETE. The triggers keep it in step with every write
/// to `users`, whichever code path makes it: a new account, a changed name, an account
/// anonymised (`deleted_at` set) or removed.
///
/// Tokens: runs of letters and digits, case and diacritics folded ("Zoë" is found by "zoe"), no
/// stemming (a name is not an English word). `'` and `-` part words, so "O'Neil" is found by
/// "neil" and "Vanderbilt-Xu" by "xu", as well as by the whole "o'neil" (a phrase).
enum Migration019PeopleSearch {
    static let migration = Migration(version: 19, name: "full-text index of members' names", sql: sql)

    static let sql = """
    CREATE VIRTUAL TABLE people_search USING fts5(
        name, tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO people_search(rowid, name) SELECT id, display_name FROM users WHERE deleted_at IS NULL;
    INSERT INTO people_search(people_search) VALUES ('optimize');

    CREATE TRIGGER people_search_insert AFTER INSERT ON users WHEN NEW.deleted_at IS NULL BEGIN
        INSERT INTO people_search(rowid, name) VALUES (NEW.id, NEW.display_name);
    END;
    CREATE TRIGGER people_search_update AFTER UPDATE OF display_name, deleted_at ON users BEGIN
        DELETE FROM people_search WHERE rowid = OLD.id;
        INSERT INTO people_search(rowid, name) SELECT NEW.id, NEW.display_name WHERE NEW.deleted_at IS NULL;
    END;
    CREATE TRIGGER people_search_delete AFTER DELETE ON users BEGIN
        DELETE FROM people_search WHERE rowid = OLD.id;
    END;
    """
}
