import Database
import Foundation

extension Resource.ThreadState {
    /// The columns of thread `t` that `Policy` and `Visibility` look at. Whether its opening post
    /// is hidden is looked up only for a held thread (turned down), so others cost nothing more.
    static let columns = """
        t.author_id AS thread_author_id, t.organisation_id AS thread_organisation_id, t.locked AS thread_locked,
        t.hidden AS thread_hidden, t.held AS thread_held,
        CASE WHEN t.held = 1 THEN EXISTS (SELECT 1 FROM posts op WHERE op.thread_id = t.id AND op.position = 1 AND op.hidden = 1)
             ELSE 0 END AS thread_turned_down
        """

    init(row: Row) throws {
        self.init(authorID: try row["thread_author_id"], organisationID: try row["thread_organisation_id"],
                  locked: try row["thread_locked"], hidden: try row["thread_hidden"], held: try row["thread_held"],
                  turnedDown: try row["thread_turned_down"])
    }

    /// Thread `id`'s state, or nil when there is no such thread. The one loader every policy
    /// question about a thread starts from.
    public static func load(_ conn: Connection, id: Int64) throws -> Resource.ThreadState? {
        try conn.queryOne(ThreadStateRow.self, "SELECT \(columns) FROM threads t WHERE t.id = ?", id)?.state
    }
}

extension Resource.PostState {
    /// Post `id`'s state with its thread's, or nil when there is no such post.
    public static func load(_ conn: Connection, id: Int64) throws -> Resource.PostState? {
        try conn.queryOne(PostStateRow.self, """
            SELECT p.author_id AS post_author_id, p.hidden AS post_hidden, p.held_for_approval AS post_held,
                   \(Resource.ThreadState.columns)
            FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?
            """, id)?.state
    }
}

/// A thread's state as `Policy` sees it (decoded from `Resource.ThreadState.columns`).
struct ThreadStateRow: RowDecodable {
    let state: Resource.ThreadState
    init(row: Row) throws { state = try Resource.ThreadState(row: row) }
}

private struct PostStateRow: RowDecodable {
    let state: Resource.PostState
    init(row: Row) throws {
        state = Resource.PostState(authorID: try row["post_author_id"], hidden: try row["post_hidden"],
                                   held: try row["post_held"], thread: try Resource.ThreadState(row: row))
    }
}
