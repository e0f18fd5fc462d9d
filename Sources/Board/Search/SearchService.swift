import Database

/// Why a search was not run.
public enum SearchError: Error, Sendable, Equatable {
    /// SQLite refused the query. The builder only emits valid expressions, so this is defence in
    /// depth: the searcher's to rephrase, not a server error.
    case notRunnable
}

/// Someone whose name matches a search (issue 18 item 11): profiles are public, so anyone may
/// find a person by name.
public struct SearchPerson: Sendable, Equatable, RowDecodable {
    public let handle: String
    public let displayName: String
    public let role: String

    public init(row: Row) throws {
        handle = try row["handle"]
        displayName = try row["display_name"]
        role = try row["role"]
    }
}

/// Full-text search (issue 8), with the viewer's privacy rules.
public struct SearchService: Sendable {
    let store: Store

    /// - Throws: `SearchError.notRunnable` when SQLite refuses the query.
    public func search(_ request: SearchRequest, viewer: Viewer) throws -> SearchResults {
        do {
            return try store.read { try SearchQueries.search($0, request, viewer: viewer) }
        } catch is DatabaseError {
            throw SearchError.notRunnable
        }
    }

    /// The people a search names: each of the first four words of `text` (letters and digits,
    /// `'` and `-` inside a word) starts a word of their name, case and accents aside, or `text`
    /// is their handle (an `@` before it is allowed). Deleted accounts are never found. At most
    /// `limit`, by name.
    ///
    /// Names are looked up in their own full-text index (`people_search`, migration 19): each word
    /// becomes a quoted prefix term, `"word"*`, bound as a value like every other input. A word
    /// with `'` or `-` is a phrase there ("o'neil" is "o" then "neil"), as the index parts names.
    /// The index also holds each name with `'`, `’` and `-` taken out (migration 22), so a word
    /// typed without them ("oneil", "smithjones") finds the name too.
    public func people(matching text: String, limit: Int = 6) throws -> [SearchPerson] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let handle = (trimmed.hasPrefix("@") ? String(trimmed.dropFirst()) : trimmed).lowercased()
        // Five words or more: the first four pick the person out as well ("Maria de la Cruz
        // Fernandez" is still found by her whole name).
        let words = trimmed.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "-") }.prefix(4)
        guard !words.isEmpty, trimmed.count <= 100 else { return [] }
        // A word holds no `"` (the split keeps only letters, digits, `'` and `-`), so quoting it
        // makes one FTS5 phrase; `*` makes it a prefix. Terms side by side must all match.
        let nameQuery = words.map { "\"\($0)\"*" }.joined(separator: " ")
        return try store.read { conn in
            try conn.query(SearchPerson.self, """
                SELECT handle, display_name, role FROM users
                WHERE id IN (SELECT id FROM users WHERE handle = ?1
                             UNION SELECT rowid FROM people_search WHERE people_search MATCH ?2)
                  AND deleted_at IS NULL
                ORDER BY handle = ?1 DESC, display_name, handle LIMIT ?3
                """, handle, nameQuery, limit)
        }
    }
}
