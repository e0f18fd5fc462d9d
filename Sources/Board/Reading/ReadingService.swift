import Database
import Foundation

/// Where a post sits: its thread and its position there (which page of the thread it is on).
public struct PostPlace: Sendable, Equatable, RowDecodable {
    public let threadID: Int64
    public let threadSlug: String
    public let position: Int

    public init(row: Row) throws {
        threadID = try row["thread_id"]
        threadSlug = try row["thread_slug"]
        position = try row["position"]
    }

    /// The page of the thread the post is on.
    public var page: Int { (position - 1) / PageQueries.postsPerPage + 1 }
}

/// A person's public profile: name, role, organisation (once confirmed), bio, and their recent
/// posts in public threads. Private-space posts never appear here.
public struct Profile: Sendable {
    public struct Person: Sendable, RowDecodable {
        public let id: Int64
        public let handle: String
        public let displayName: String
        public let role: String
        public let bio: String
        public let organisationName: String?
        public let organisationSlug: String?

        public init(row: Row) throws {
            id = try row["id"]
            handle = try row["handle"]
            displayName = try row["display_name"]
            role = try row["role"]
            bio = try row["bio"]
            organisationName = try row["organisation_name"]
            organisationSlug = try row["organisation_slug"]
        }
    }

    public struct RecentPost: Sendable, RowDecodable {
        public let postID: Int64
        public let position: Int
        public let threadID: Int64
        public let threadTitle: String
        public let threadSlug: String
        public let createdAt: Date

        public init(row: Row) throws {
            postID = try row["post_id"]
            position = try row["position"]
            threadID = try row["thread_id"]
            threadTitle = try row["thread_title"]
            threadSlug = try row["thread_slug"]
            createdAt = try row["created_at"]
        }
    }

    public let person: Person
    public let posts: [RecentPost]
}

/// The board's reading pages: home, topics, threads, post histories, the briefing,
/// organisations, profiles and the Atom feeds. Every read that depends on who is asking takes
/// the `Viewer`, so the queries' privacy rules see them.
public struct ReadingService: Sendable {
    let store: Store
    /// The home page's briefing items (the same for every reader), kept until anything changes.
    let homeBriefing = KeptUntilChange<[BriefingItemSummary]>(lifetime: 10)
    /// Every topic (the same for every reader), kept until anything changes: the lists' tags
    /// (shared with `TopicsService`).
    let topicDirectory: KeptUntilChange<TopicDirectory>
    /// Each topic page's briefing items (the same for every reader), kept until anything changes.
    let topicBriefing = KeptPerKeyUntilChange<Int64, [BriefingItemSummary]>(lifetime: 10)
    /// Thread pages' posts as stored (the same for every reader), kept until anything changes;
    /// each reader's view of them is made per request by the one rule (`StoredThreadPosts`).
    /// 512 pages of at most 20 posts each.
    let threadPosts = KeptThreadPosts(lifetime: 10, limit: 512)
    /// Public threads' headers as stored (the same for every reader), kept until anything
    /// changes; who may open one and where its pages end are decided per request by the one
    /// rule (`StoredThreadHeader`).
    let threadHeaders = KeptThreadHeaders(lifetime: 10, limit: 4_096)
    /// Thread-list lines as stored (the same for every reader), kept until anything changes;
    /// which threads a reader's list shows is read per request (`ListedThreads`).
    let summaries = KeptSummaries(lifetime: 10, limit: 8_192)
    /// The topics' thread counts per space (the same for every reader), kept until anything
    /// changes; each reader's sums are made per request (`StoredTopicCounts`).
    let topicCounts = KeptUntilChange<StoredTopicCounts>(lifetime: 10)

    public func home(viewer: Viewer) throws -> HomePageContent {
        let version = store.changeCount
        let briefing = try homeBriefing.value(version: version) {
            try store.read { try PageQueries.homeBriefing($0) }
        }
        return try store.read { conn in
            try PageQueries.homePage(conn, viewer: viewer, briefing: briefing, topics: topics(conn, version: version),
                                     summaries: (summaries, version), counts: (topicCounts, version))
        }
    }

    /// A topic's threads, or nil when there is no such topic.
    public func topic(slug: String, viewer: Viewer, filter: ThreadFilter) throws -> TopicPage? {
        let version = store.changeCount
        return try store.read { conn in
            try PageQueries.topic(conn, slug: slug, viewer: viewer, filter: filter, topics: topics(conn, version: version),
                                  briefing: { topicID, read in try topicBriefing.value(for: topicID, version: version, read: read) },
                                  summaries: (summaries, version))
        }
    }

    /// One page of a thread (the query clamps `page` to the last), or nil when the viewer may not read it.
    public func thread(id: Int64, page: Int, viewer: Viewer) throws -> ThreadPage? {
        let version = store.changeCount
        return try store.read { conn in
            try PageQueries.thread(conn, id: id, page: page, viewer: viewer, topics: topics(conn, version: version),
                                   keptPosts: (threadPosts, version), keptHeaders: (threadHeaders, version))
        }
    }

    /// The kept topics, or those of `conn`'s snapshot when the store changed since.
    /// - Parameter version: `store.changeCount` noted before the read that gave `conn` began.
    func topics(_ conn: Connection, version: UInt64) throws -> TopicDirectory {
        try topicDirectory.value(version: version) { try TopicDirectory.read(conn) }
    }

    public func postHistory(postID: Int64, viewer: Viewer) throws -> PostHistory? {
        try store.read { try PageQueries.postHistory($0, postID: postID, viewer: viewer) }
    }

    /// The briefing page: its items and the topics in the order of how much they hold.
    public func briefing(viewer: Viewer) throws -> (items: [BriefingItemSummary], topics: [TopicCount]) {
        let version = store.changeCount
        return try store.read { conn in
            (try PageQueries.briefing(conn, viewer: viewer), try PageQueries.topicCounts(conn, viewer: viewer, kept: (topicCounts, version)))
        }
    }

    /// Every topic in use with how many threads `viewer` may read in it (the Topics page).
    public func topics(viewer: Viewer) throws -> [TopicCount] {
        let version = store.changeCount
        return try store.read { try PageQueries.topicCounts($0, viewer: viewer, kept: (topicCounts, version)) }
    }

    public func organisation(slug: String, viewer: Viewer) throws -> OrganisationPage? {
        try store.read { try PageQueries.organisation($0, slug: slug, viewer: viewer) }
    }

    /// The organisation with `id` (its slug and name), or nil.
    public func organisation(id: Int64) throws -> OrganisationChoice? {
        try store.read { try $0.queryOne(OrganisationChoice.self, "SELECT id, slug, name FROM organisations WHERE id = ?", id) }
    }

    // MARK: Feeds (public content only)

    public func briefingFeed() throws -> [BriefingItemSummary] {
        try store.read { try FeedQueries.briefing($0) }
    }

    public func topicFeed(slug: String) throws -> TopicPage? {
        try store.read { try FeedQueries.topic($0, slug: slug) }
    }

    public func threadFeed(id: Int64) throws -> ThreadFeed? {
        try store.read { try FeedQueries.thread($0, id: id) }
    }

    // MARK: People and posts

    /// The profile of the account with `handle`, or nil when there is none (or it was deleted).
    public func profile(handle: String) throws -> Profile? {
        try store.read { conn in
            guard let person = try conn.queryOne(Profile.Person.self, """
                SELECT u.id, u.handle, u.display_name, u.role, u.bio,
                       CASE WHEN u.organisation_confirmed = 1 THEN o.name END AS organisation_name,
                       CASE WHEN u.organisation_confirmed = 1 THEN o.slug END AS organisation_slug
                FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id
                WHERE u.handle = ? AND u.deleted_at IS NULL
                """, handle) else { return nil }
            let posts = try conn.query(Profile.RecentPost.self, """
                SELECT p.id AS post_id, p.position, t.id AS thread_id, t.title AS thread_title, t.slug AS thread_slug, p.created_at
                FROM posts p JOIN threads t ON t.id = p.thread_id
                WHERE p.author_id = ? AND t.organisation_id IS NULL AND t.hidden = 0 AND t.held = 0
                  AND p.hidden = 0 AND p.deleted_by_author = 0 AND p.held_for_approval = 0
                ORDER BY p.created_at DESC, p.id DESC LIMIT 20
                """, person.id)
            return Profile(person: person, posts: posts)
        }
    }

    /// A post of `threadID` to quote whose text `viewer` may read (the one rule), not hidden or
    /// deleted by its author, or nil.
    public func quote(postID: Int64, threadID: Int64, viewer: Viewer) throws -> QuotedPost? {
        try store.read { try Threads.quote($0, postID: postID, threadID: threadID, viewer: viewer) }
    }

    /// Where a post sits, or nil when there is no such post. Callers have already checked the
    /// viewer may see it (it only names the thread's address).
    public func place(ofPost postID: Int64) throws -> PostPlace? {
        try store.read { conn in
            try conn.queryOne(PostPlace.self, """
                SELECT t.id AS thread_id, t.slug AS thread_slug, p.position FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?
                """, postID)
        }
    }

    /// A thread's slug, for its address after a change the caller was allowed to make.
    static func threadSlug(_ conn: Connection, id: Int64) throws -> String? {
        try conn.scalar(String.self, "SELECT slug FROM threads WHERE id = ?", id)
    }

    /// Whether `viewer` may read the post with `postID` (and its thread).
    public func canRead(postID: Int64, viewer: Viewer) throws -> Bool {
        try store.read { try Bookmarks.readableThread($0, postID: postID, viewer: viewer) } != nil
    }

    /// The thread's slug when `viewer` may read it, else nil.
    public func readableThreadSlug(id: Int64, viewer: Viewer) throws -> String? {
        try store.read { try Bookmarks.readableThreadSlug($0, threadID: id, viewer: viewer) }
    }
}
