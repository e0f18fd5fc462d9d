import Database

/// Migration 4 (issue 5): posts may be up to 50,000 characters. Migration 1 capped
/// `posts.body_markdown`, `post_revisions.body_markdown` and `drafts.body_markdown` at 20,000
/// with CHECK constraints, which SQLite can only change by rebuilding the table. Each table is
/// rebuilt by SQLite's documented procedure (sqlite.org/lang_altertable.html §7), with foreign
/// keys off (`disablesForeignKeys`) so dropping `posts` does not cascade to revisions, flags or
/// bookmarks:
/// 1. remember the table's indexes and triggers (their SQL from `sqlite_schema`);
/// 2. create `new_X` from the table's own SQL with only the limit changed;
/// 3. copy every row; drop `X`; rename `new_X` to `X`;
/// 4. recreate the indexes and triggers exactly; the migrator then runs `foreign_key_check`.
/// The FTS5 index `post_search` names its content table by name (`content = 'posts'`) and keeps
/// rowids, which are the posts' ids, so it still points at the rebuilt table.
enum Migration004Posting {
    static let migration = Migration(version: 4, name: "posts, revisions and drafts up to 50,000 characters",
                                     disablesForeignKeys: true) { conn in
        try rebuild(conn, table: "posts", from: "CHECK (length(body_markdown) BETWEEN 1 AND 20000)",
                    to: "CHECK (length(body_markdown) BETWEEN 1 AND 50000)")
        try rebuild(conn, table: "post_revisions", from: "CHECK (length(body_markdown) BETWEEN 1 AND 20000)",
                    to: "CHECK (length(body_markdown) BETWEEN 1 AND 50000)")
        try rebuild(conn, table: "drafts", from: "CHECK (length(body_markdown) <= 20000)",
                    to: "CHECK (length(body_markdown) <= 50000)")
    }

    enum RebuildError: Error, CustomStringConvertible {
        case unexpectedSchema(String)
        var description: String {
            switch self {
            case .unexpectedSchema(let table): "Migration 4 did not find the expected CHECK on \(table); the schema was not changed."
            }
        }
    }

    /// Table names here are our own constants, never input; SQL text cannot take them as parameters.
    static func rebuild(_ conn: Connection, table: String, from oldCheck: String, to newCheck: String) throws {
        guard let sql = try conn.scalar(String.self, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", table),
              sql.contains(oldCheck), let nameRange = sql.range(of: "CREATE TABLE \(table) (") else {
            throw RebuildError.unexpectedSchema(table)
        }
        let dependents = try conn.column(String.self, """
            SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid
            """, table)
        var newSQL = sql.replacingCharacters(in: nameRange, with: "CREATE TABLE new_\(table) (")
        newSQL = newSQL.replacingOccurrences(of: oldCheck, with: newCheck)
        try conn.execute(newSQL)
        try conn.execute("INSERT INTO new_\(table) SELECT * FROM \(table)")
        try conn.execute("DROP TABLE \(table)")
        try conn.execute("ALTER TABLE new_\(table) RENAME TO \(table)")
        for statement in dependents {
            try conn.execute(statement)
        }
    }
}
