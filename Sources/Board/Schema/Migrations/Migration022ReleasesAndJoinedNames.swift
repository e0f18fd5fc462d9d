import Database

/// Migration 22, two small additions found by reviews.
///
/// 1. `post_releases`: every post that leaves the approval queue (approved, or hidden by a
///    moderator), in order. The live thread streams (`LiveFeed.changes`) follow posts by id, and an
///    approved post's id is older than a stream's position, so open pages never received it; they
///    now also read the releases after their last look. A trigger writes the row, so every path
///    that approves reaches open pages without knowing about streams. AUTOINCREMENT: an id is
///    never reused, even after its row goes (its post deleted, or trimmed below), so a stream's
///    position in this sequence stays sound. Only the newest 1,000 rows are kept: a stream looks
///    every quarter second, and rows it has read are never needed again.
///
/// 2. `people_search` gains a column `joined`: the name with `'`, `’` and `-` taken out ("O'Neill"
///    → "ONeill"), so people who type a name without them ("oneill", "smithjones") find it. The
///    `name` column still parts the words, so "neill" and "o'neill" find O'Neill as before. `joined`
///    is NULL for a name without those marks (nothing more to find). An FTS5 table cannot gain a
///    column, so the index is made again, filled from `users`, and its triggers with it.
enum Migration022ReleasesAndJoinedNames {
    static let migration = Migration(version: 22, name: "post releases for live streams; names indexed without apostrophes and hyphens",
                                     sql: sql)

    /// The name without `'`, `’` and `-`, or NULL when it has none (`name` is a column or `NEW.x`).
    static func joined(_ name: String) -> String {
        "nullif(replace(replace(replace(\(name), '''', ''), '’', ''), '-', ''), \(name))"
    }

    static let sql = """
    CREATE TABLE post_releases (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX post_releases_post ON post_releases(post_id);

    CREATE TRIGGER posts_released AFTER UPDATE OF held_for_approval ON posts
    WHEN OLD.held_for_approval = 1 AND NEW.held_for_approval = 0 BEGIN
        INSERT INTO post_releases(post_id) VALUES (NEW.id);
        DELETE FROM post_releases WHERE id <= (SELECT max(id) FROM post_releases) - 1000;
    END;

    DROP TRIGGER people_search_insert;
    DROP TRIGGER people_search_update;
    DROP TRIGGER people_search_delete;
    DROP TABLE people_search;
    CREATE VIRTUAL TABLE people_search USING fts5(
        name, joined, tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO people_search(rowid, name, joined)
        SELECT id, display_name, \(joined("display_name")) FROM users WHERE deleted_at IS NULL;
    INSERT INTO people_search(people_search) VALUES ('optimize');

    CREATE TRIGGER people_search_insert AFTER INSERT ON users WHEN NEW.deleted_at IS NULL BEGIN
        INSERT INTO people_search(rowid, name, joined) VALUES (NEW.id, NEW.display_name, \(joined("NEW.display_name")));
    END;
    CREATE TRIGGER people_search_update AFTER UPDATE OF display_name, deleted_at ON users BEGIN
        DELETE FROM people_search WHERE rowid = OLD.id;
        INSERT INTO people_search(rowid, name, joined)
            SELECT NEW.id, NEW.display_name, \(joined("NEW.display_name")) WHERE NEW.deleted_at IS NULL;
    END;
    CREATE TRIGGER people_search_delete AFTER DELETE ON users BEGIN
        DELETE FROM people_search WHERE rowid = OLD.id;
    END;
    """
}
