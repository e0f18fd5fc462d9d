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

    /// The people a search names: every word of `text` (at most four, letters and digits) starts
    /// a word of their name, or `text` is their handle (an `@` before it is allowed). Deleted
    /// accounts are never found. At most `limit`, by name.
    public func people(matching text: String, limit: Int = 6) throws -> [SearchPerson] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let handle = (trimmed.hasPrefix("@") ? String(trimmed.dropFirst()) : trimmed).lowercased()
        let words = trimmed.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "-") }.map(String.init)
        guard !words.isEmpty, words.count <= 4, trimmed.count <= 100 else { return [] }
        let padded: [String?] = (0..<4).map { $0 < words.count ? words[$0] : nil }
        return try store.read { conn in
            try conn.query(SearchPerson.self, """
                SELECT handle, display_name, role FROM users
                WHERE deleted_at IS NULL
                  AND (handle = ?1
                       OR ((?2 IS NULL OR instr(lower(' ' || display_name), ' ' || ?2) > 0)
                           AND (?3 IS NULL OR instr(lower(' ' || display_name), ' ' || ?3) > 0)
                           AND (?4 IS NULL OR instr(lower(' ' || display_name), ' ' || ?4) > 0)
                           AND (?5 IS NULL OR instr(lower(' ' || display_name), ' ' || ?5) > 0)))
                ORDER BY handle = ?1 DESC, display_name, handle LIMIT ?6
                """, handle, padded[0], padded[1], padded[2], padded[3], limit)
        }
    }
}
