import Database

/// Migration 26 (issue 14): a number that goes up whenever a search row's length can change, so
/// ranking may keep row lengths between searches.
///
/// bm25 weighs each candidate by its length in words, which FTS5 reads from its `%_docsize`
/// table with a nested statement for every candidate: ~4,000 instructions each, about a quarter
/// of a common word's search page. `bm25_estimated` keeps them in memory instead (CSQLite's
/// shim.h), each tagged with `search_length_generation.value` as the search's own snapshot
/// reads it, and takes one only for a search with the same value. A length changes only when a
/// post's text is edited or a thread renamed, and a rowid gets a new one only after its row was
/// deleted (ids are reused only after the newest is deleted): the triggers below raise the number
/// for exactly those, in the writing transaction. A new post or thread is a new rowid, so adding
/// one keeps every kept length.
enum Migration026SearchLengthGeneration {
    static let migration = Migration(version: 26, name: "a generation for search row lengths", sql: sql)

    /// Each trigger's name and what it follows: every change of a row's length in a search index.
    static let raisedBy: [(name: String, event: String)] = [
        ("search_lengths_post_edited", "UPDATE OF body_markdown ON posts"),
        ("search_lengths_post_deleted", "DELETE ON posts"),
        ("search_lengths_thread_renamed", "UPDATE OF title ON threads"),
        ("search_lengths_thread_deleted", "DELETE ON threads"),
    ]

    static let sql = """
    CREATE TABLE search_length_generation (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
    );
    INSERT INTO search_length_generation(id, value) VALUES (1, 0);
    """ + raisedBy.map { trigger in
        """

        CREATE TRIGGER \(trigger.name) AFTER \(trigger.event) BEGIN
            UPDATE search_length_generation SET value = value + 1 WHERE id = 1;
        END;
        """
    }.joined()
}
