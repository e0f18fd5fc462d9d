import Database
import Foundation

/// Thread-list lines as stored, by thread id (`ThreadSummary` with its topic tags, without the
/// reader's "new since your last visit"): the same for every reader, so kept until the next
/// commit for all of them.
typealias KeptSummaries = KeptPerKeyUntilChange<Int64, ThreadSummary>

/// A list of threads (home, a topic) read in two steps. The caller's statement chooses the
/// threads, in order, with the one rule (`Visibility`) in its condition, and selects only
/// `idColumns`; the summaries of those threads come from `kept` where it has them, and the
/// others from one statement by id, in the same snapshot. Selecting ids walks the list's index
/// and the thread rows the rule looks at; the summaries' joins and strings cost a read only
/// once per thread between commits.
enum ListedThreads {
    /// What the caller's statement selects of thread `t`: its id and whether the reader
    /// (`?3`) has posts of it to catch up on.
    static let idColumns = "t.id, \(ListedThread.newPostsColumn)"

    private struct Listed: RowDecodable {
        let id: Int64
        let hasNewPosts: Bool
        init(row: Row) throws {
            id = try row["id"]
            hasNewPosts = try row["has_new_posts"]
        }
    }

    /// The threads `sql` lists, in its order, each with the reader's newness.
    /// - Parameter kept: the summaries `ReadingService` keeps, with the store's change count
    ///   noted before `conn`'s read began; nil reads every summary here.
    /// - Parameter topics: the topics of the same snapshot, when the caller has them: a
    ///   summary read here is kept with its tags, so `PageQueries.attachTopics` has nothing left
    ///   to do for it.
    static func read(_ conn: Connection, _ sql: String, arguments: [(any Bindable)?],
                     kept: (summaries: KeptSummaries, version: UInt64)?, topics: TopicDirectory? = nil) throws -> [ThreadSummary] {
        let listed = try conn.query(Listed.self, sql, arguments: arguments)
        guard !listed.isEmpty else { return [] }
        var found: [Int64: ThreadSummary] = [:]
        found.reserveCapacity(listed.count)
        var missing: [Int64] = []
        let now = Date()
        for item in listed {
            if let summary = kept?.summaries.kept(for: item.id, version: kept?.version ?? 0, now: now) {
                found[item.id] = summary
            } else {
                missing.append(item.id)
            }
        }
        if !missing.isEmpty {
            // The ids go in as one bound JSON array, so the statement is the same for any list.
            try conn.forEach("""
                SELECT \(ThreadSummary.columns)
                FROM threads t JOIN users a ON a.id = t.author_id LEFT JOIN users lu ON lu.id = t.last_poster_id
                WHERE t.id IN (SELECT value FROM json_each(?1))
                """, arguments: ["[" + missing.map(String.init).joined(separator: ",") + "]"]) { row in
                var summary = try ThreadSummary(row: row)
                if let topics, topics.knows(summary.topicIDs) { summary.topics = topics.tags(summary.topicIDs) }
                found[summary.id] = summary
                if let kept { kept.summaries.keep(summary, for: summary.id, version: kept.version, now: now) }
            }
        }
        return listed.compactMap { item in
            guard var summary = found[item.id] else { return nil }
            summary.hasNewPosts = item.hasNewPosts
            return summary
        }
    }
}
