import Database

/// Why a search was not run.
public enum SearchError: Error, Sendable, Equatable {
    /// SQLite refused the query. The builder only emits valid expressions, so this is defence in
    /// depth: the searcher's to rephrase, not a server error.
    case notRunnable
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
}
