import Database

/// A topic as forms offer it: its slug (the value) and its name.
public struct TopicChoice: Sendable, Equatable, RowDecodable {
    public let slug: String
    public let name: String

    public init(row: Row) throws {
        slug = try row["slug"]
        name = try row["name"]
    }

    init(slug: String, name: String) {
        self.slug = slug
        self.name = name
    }
}

/// The topics threads, briefing items and mentors can be filed under (the admin pages change
/// them through `ModerationService`).
public struct TopicsService: Sendable {
    let store: Store
    /// Every topic, kept until the store changes; shared with `ReadingService` (the lists' tags),
    /// so the network keeps one copy of the topics.
    let directory: KeptUntilChange<TopicDirectory>

    /// The topics in use (not retired), in the board's order: asked by every search page and form.
    public func active() throws -> [TopicChoice] {
        try directory.value(version: store.changeCount) { try store.read { try TopicDirectory.read($0) } }.active
    }

    /// The id of the topic in use with `slug`, or nil.
    public func id(slug: String) throws -> Int64? {
        try store.read { try Self.activeID($0, slug: slug) }
    }

    static func activeID(_ conn: Connection, slug: String) throws -> Int64? {
        try conn.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ? AND retired = 0", slug)
    }
}
