import Database

/// A topic as forms offer it: its slug (the value) and its name.
public struct TopicChoice: Sendable, Equatable, RowDecodable {
    public let slug: String
    public let name: String

    public init(row: Row) throws {
        slug = try row["slug"]
        name = try row["name"]
    }
}

/// The topics threads, briefing items and mentors can be filed under (the admin pages change
/// them through `ModerationService`).
public struct TopicsService: Sendable {
    let store: Store
    /// `active()`, the same for everyone and asked by every search page and form: kept until
    /// the store changes.
    private let kept = KeptUntilChange<[TopicChoice]>(lifetime: 10)

    /// The topics in use (not retired), in the board's order.
    public func active() throws -> [TopicChoice] {
        try kept.value(version: store.changeCount) { try store.read { try Self.active($0) } }
    }

    /// The id of the topic in use with `slug`, or nil.
    public func id(slug: String) throws -> Int64? {
        try store.read { try Self.activeID($0, slug: slug) }
    }

    static func active(_ conn: Connection) throws -> [TopicChoice] {
        try conn.query(TopicChoice.self, "SELECT slug, name FROM topics WHERE retired = 0 ORDER BY position, name")
    }

    static func activeID(_ conn: Connection, slug: String) throws -> Int64? {
        try conn.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ? AND retired = 0", slug)
    }
}
