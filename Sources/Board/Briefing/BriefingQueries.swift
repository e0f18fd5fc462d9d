import Database
import Foundation

/// A briefing item as lists show it.
public struct BriefingItemSummary: RowDecodable, Sendable {
    public let id: Int64
    public let title: String
    public let url: String
    public let source: String
    public let publishedAt: Date
    public let summary: String
    public internal(set) var topics: [TopicTag] = []
    /// Threads started about this item that the viewer may read (filled by `briefing`).
    public internal(set) var threads: [ThreadLink] = []

    static let columns = "b.id, b.title, b.url, b.source, b.published_at, b.summary"

    public init(row: Row) throws {
        id = try row["id"]
        title = try row["title"]
        url = try row["url"]
        source = try row["source"]
        publishedAt = try row["published_at"]
        summary = try row["summary"]
    }
}

/// The briefing item a thread is about.
public struct BriefingItemLink: RowDecodable, Sendable {
    public let id: Int64
    public let title: String
    public let url: String

    public init(row: Row) throws {
        id = try row["id"]
        title = try row["title"]
        url = try row["url"]
    }

    init(id: Int64, title: String, url: String) {
        self.id = id
        self.title = title
        self.url = url
    }
}

/// A link to a thread.
public struct ThreadLink: Sendable, Equatable {
    public let id: Int64
    public let title: String
    public let slug: String
}

/// A topic with how many threads in it the viewer may read.
public struct TopicCount: RowDecodable, Sendable {
    public let slug: String
    public let name: String
    public let description: String
    public let threadCount: Int

    public init(row: Row) throws {
        slug = try row["slug"]
        name = try row["name"]
        description = try row["description"]
        threadCount = try row["thread_count"]
    }

    init(slug: String, name: String, description: String, threadCount: Int) {
        self.slug = slug
        self.name = name
        self.description = description
        self.threadCount = threadCount
    }
}

/// Every current topic, in order, with its visible threads counted per space as migration 7's
/// triggers keep them (`topic_thread_counts`; organisation 0 is the public network): the same
/// for every reader. A reader's counts add up the spaces they may read (`counts(inSpaces:)`).
struct StoredTopicCounts: Sendable {
    struct Topic: Sendable {
        let slug: String, name: String, description: String
        var threadsBySpace: [(organisationID: Int64, threads: Int)] = []
    }
    let topics: [Topic]

    static func read(_ conn: Connection) throws -> StoredTopicCounts {
        var topics: [Topic] = []
        var lastID: Int64?
        try conn.forEach("""
            SELECT tp.id, tp.slug, tp.name, tp.description, c.organisation_id, c.threads
            FROM topics tp LEFT JOIN topic_thread_counts c ON c.topic_id = tp.id
            WHERE tp.retired = 0 ORDER BY tp.position, tp.id
            """) { row in
            let id: Int64 = try row["id"]
            if id != lastID {
                topics.append(Topic(slug: try row["slug"], name: try row["name"], description: try row["description"]))
                lastID = id
            }
            if let space: Int64 = try row["organisation_id"] {
                topics[topics.count - 1].threadsBySpace.append((space, try row["threads"]))
            }
        }
        return StoredTopicCounts(topics: topics)
    }

    /// Each topic with its threads in the public network and in `spaces`.
    ///
    /// The spaces are searched sorted, not hashed: a topic has a row for each space with threads
    /// in it (about 230 rows at 1M posts), and a `Set` lookup of each (SipHash) cost about 3% of
    /// the signed-in home page's instructions (docs/PERFORMANCE.md, sixteenth round).
    func counts(inSpaces spaces: Set<Int64>) -> [TopicCount] {
        let sorted = spaces.sorted()
        return topics.map { topic in
            var threads = 0
            for space in topic.threadsBySpace where space.organisationID == 0 || Self.contains(sorted, space.organisationID) {
                threads += space.threads
            }
            return TopicCount(slug: topic.slug, name: topic.name, description: topic.description, threadCount: threads)
        }
    }

    /// Whether ascending `ids` hold `id`.
    static func contains(_ ids: [Int64], _ id: Int64) -> Bool {
        let index = ids.partitionPoint { $0 < id }
        return index < ids.count && ids[index] == id
    }
}

/// What the home page needs.
public struct HomePageContent: Sendable {
    public let latest: [ThreadSummary]
    public let unanswered: [ThreadSummary]
    public let briefing: [BriefingItemSummary]
    public let topics: [TopicCount]
}

extension PageQueries {
    /// The home page: latest threads, unanswered questions, the newest briefing items and the
    /// topics with the number of threads the viewer may read in each.
    /// - Parameter briefing: the briefing items when the caller kept them (`homeBriefing`); read here otherwise.
    public static func homePage(_ conn: Connection, viewer: Viewer, limit: Int = 20,
                                briefing: [BriefingItemSummary]? = nil) throws -> HomePageContent {
        try homePage(conn, viewer: viewer, limit: limit, briefing: briefing, topics: nil)
    }

    /// - Parameters:
    ///   - topics: the topics as `ReadingService` keeps them; read here when nil.
    ///   - summaries: as for `ListedThreads.read`.
    ///   - counts: the topics' counts as `ReadingService` keeps them, as for `topicCounts`.
    static func homePage(_ conn: Connection, viewer: Viewer, limit: Int = 20,
                         briefing: [BriefingItemSummary]?, topics: TopicDirectory?,
                         summaries: (summaries: KeptSummaries, version: UInt64)? = nil,
                         counts: (counts: KeptUntilChange<StoredTopicCounts>, version: UInt64)? = nil) throws -> HomePageContent {
        let latestWithoutTopics = try homeThreads(conn, viewer: viewer, limit: limit, summaries: summaries, topics: topics)
        let unansweredWithoutTopics = try ListedThreads.read(conn, unansweredThreadsSQL, arguments: viewerArguments(viewer) + [10],
                                                             kept: summaries, topics: topics)
        var both = latestWithoutTopics + unansweredWithoutTopics
        try attachTopics(conn, to: &both, from: topics)
        let latest = Array(both.prefix(latestWithoutTopics.count))
        let unanswered = Array(both.dropFirst(latestWithoutTopics.count))
        return HomePageContent(latest: latest, unanswered: unanswered, briefing: try briefing ?? homeBriefing(conn),
                               topics: try topicCounts(conn, viewer: viewer, kept: counts))
    }

    /// The home page's unanswered questions the reader may read, newest first: walked in
    /// `threads_unanswered` alone, which carries every column this reads (migration 29).
    static let unansweredThreadsSQL = """
        SELECT \(ListedThreads.idColumns)
        FROM threads t INDEXED BY threads_unanswered
        WHERE t.reply_count = 0 AND t.accepted_post_id IS NULL AND t.hidden = 0 AND \(visible)
        ORDER BY t.last_activity_at DESC LIMIT ?4
        """

    /// The home page's newest five briefing items with their topics: the same for every reader.
    static func homeBriefing(_ conn: Connection) throws -> [BriefingItemSummary] {
        var briefing = try conn.query(BriefingItemSummary.self, """
            SELECT \(BriefingItemSummary.columns) FROM briefing_items b WHERE b.retired = 0
            ORDER BY b.published_at DESC, b.id DESC LIMIT 5
            """)
        try attachBriefingTopics(conn, to: &briefing)
        return briefing
    }

    /// Every topic in order with the number of visible threads the viewer may read in it, from
    /// the counts migration 7's triggers keep (per space, organisation 0 being the public
    /// network), counting the spaces the one rule lets the viewer read.
    public static func topicCounts(_ conn: Connection, viewer: Viewer) throws -> [TopicCount] {
        try topicCounts(conn, viewer: viewer, kept: nil)
    }

    /// - Parameter kept: the counts as `ReadingService` keeps them (the same for every reader),
    ///   with the store's change count noted before `conn`'s read began; read here when nil.
    static func topicCounts(_ conn: Connection, viewer: Viewer,
                            kept: (counts: KeptUntilChange<StoredTopicCounts>, version: UInt64)?) throws -> [TopicCount] {
        let stored = try kept.map { kept in try kept.counts.value(version: kept.version) { try StoredTopicCounts.read(conn) } }
            ?? StoredTopicCounts.read(conn)
        // The spaces this reader may read, by the one rule; the public network is space 0.
        let spaces = Set(try conn.column(Int64.self, readableSpacesSQL, arguments: viewerArguments(viewer)))
        return stored.counts(inSpaces: spaces)
    }

    /// The organisations whose spaces the reader (`?1`–`?3`) may read, by the one rule. Made once,
    /// so it is found by its address (`topicThreadsSQL`).
    static let readableSpacesSQL = "SELECT o.id FROM organisations o WHERE \(Visibility.spaceReadableByViewer(organisation: "o.id"))"

    /// The briefing: current items, newest first, each with its topics and the threads about it
    /// that the viewer may read.
    public static func briefing(_ conn: Connection, viewer: Viewer, limit: Int = 200) throws -> [BriefingItemSummary] {
        var items = try conn.query(BriefingItemSummary.self, """
            SELECT \(BriefingItemSummary.columns) FROM briefing_items b WHERE b.retired = 0
            ORDER BY b.published_at DESC, b.id DESC LIMIT ?
            """, limit)
        try attachBriefingTopics(conn, to: &items)
        guard !items.isEmpty else { return items }
        let ids = "[" + items.map { String($0.id) }.joined(separator: ",") + "]"
        var byItem: [Int64: [ThreadLink]] = [:]
        try conn.forEach("""
            SELECT t.briefing_item_id, t.id, t.title, t.slug FROM threads t
            WHERE t.briefing_item_id IN (SELECT value FROM json_each(?4)) AND t.hidden = 0 AND \(visible)
            ORDER BY t.created_at, t.id
            """, arguments: viewerArguments(viewer) + [ids]) { row in
            byItem[try row["briefing_item_id"], default: []].append(ThreadLink(id: try row["id"], title: try row["title"], slug: try row["slug"]))
        }
        for index in items.indices {
            items[index].threads = byItem[items[index].id] ?? []
        }
        return items
    }

    static func attachBriefingTopics(_ conn: Connection, to items: inout [BriefingItemSummary]) throws {
        guard !items.isEmpty else { return }
        let ids = "[" + items.map { String($0.id) }.joined(separator: ",") + "]"
        var byItem: [Int64: [TopicTag]] = [:]
        try conn.forEach("""
            SELECT bt.briefing_item_id, tp.slug, tp.name
            FROM briefing_item_topics bt JOIN topics tp ON tp.id = bt.topic_id
            WHERE bt.briefing_item_id IN (SELECT value FROM json_each(?)) AND tp.retired = 0
            ORDER BY tp.position
            """, arguments: [ids]) { row in
            byItem[try row["briefing_item_id"], default: []].append(TopicTag(slug: try row["slug"], name: try row["name"]))
        }
        for index in items.indices {
            items[index].topics = byItem[items[index].id] ?? []
        }
    }
}
