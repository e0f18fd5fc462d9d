import Database

/// Every topic, retired ones too (a thread still carries a retired topic, though its tag is no
/// longer shown: its page is gone, so a tag never links to a 404), as thread lists show
/// them: about ten rows the same for every reader, which `ReadingService` keeps until the store
/// changes, so a list's tags cost no statement of their own. The lists read each thread's topic
/// ids with the thread (`ThreadSummary.columns`); `tags(_:)` turns them into tags in the
/// board's order.
struct TopicDirectory: Sendable {
    struct Topic: Sendable, RowDecodable {
        let id: Int64
        let slug: String
        let name: String
        let description: String
        let position: Int
        let retired: Bool

        init(row: Row) throws {
            id = try row["id"]
            slug = try row["slug"]
            name = try row["name"]
            description = try row["description"]
            position = try row["position"]
            retired = try row["retired"]
        }
    }

    private let byID: DenseIDMap<Topic>
    private let activeBySlug: [String: Topic]
    /// The topics in use, in the board's order (`position`, then name): what forms offer
    /// (`TopicsService.active`).
    let active: [TopicChoice]
    /// Each topic in use by id: its tag, and its place in the tags' order (`position`, then id).
    private let tagsByID: DenseIDMap<(order: Int, tag: TopicTag)>

    private init(topics: [Topic], activeBySlug: [String: Topic], active: [TopicChoice]) {
        byID = DenseIDMap(topics.map { ($0.id, $0) })
        self.activeBySlug = activeBySlug
        self.active = active
        // The ids are the table's primary key: each comes once.
        let inTagOrder = topics.filter { !$0.retired }.sorted { ($0.position, $0.id) < ($1.position, $1.id) }
        tagsByID = DenseIDMap(inTagOrder.enumerated().map { order, topic in
            (topic.id, (order, TopicTag(slug: topic.slug, name: topic.name)))
        })
    }

    static func read(_ conn: Connection) throws -> TopicDirectory {
        let topics = try conn.query(Topic.self, "SELECT id, slug, name, description, position, retired FROM topics")
        let inUse = topics.filter { !$0.retired }
        return TopicDirectory(topics: topics,
                              activeBySlug: Dictionary(inUse.map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first }),
                              active: inUse.sorted { ($0.position, $0.name) < ($1.position, $1.name) }
                                  .map { TopicChoice(slug: $0.slug, name: $0.name) })
    }

    /// Whether every id in `ids` is a topic here (a directory kept from an older snapshot may
    /// not know a topic made since).
    func knows(_ ids: [Int64]) -> Bool {
        ids.allSatisfy { byID[$0] != nil }
    }

    /// The tags of topics `ids` that are in use, in the board's order (`position`): a retired
    /// topic's page answers 404, so its tag is left out, as the briefing page leaves it out.
    /// Tags are made once per directory (`tagsByID`): every list line asks, and building them
    /// afresh (four arrays and a copy of each topic per line) was 4% of the home page.
    func tags(_ ids: [Int64]) -> [TopicTag] {
        if ids.count == 1 { return tagsByID[ids[0]].map { [$0.tag] } ?? [] }
        var found = ids.compactMap { tagsByID[$0] }
        found.sort { $0.order < $1.order }
        return found.map(\.tag)
    }

    /// The topic in use (not retired) with `slug`.
    func active(slug: String) -> Topic? {
        activeBySlug[slug]
    }
}
