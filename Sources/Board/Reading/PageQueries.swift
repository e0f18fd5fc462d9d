import Database
import Foundation

/// Who is looking: decides which private threads a query may return.
public struct Viewer: Sendable, Equatable {
    public let userID: Int64?
    public let organisationID: Int64?
    public let isAdmin: Bool

    public init(userID: Int64?, organisationID: Int64?, isAdmin: Bool) {
        self.userID = userID
        self.organisationID = organisationID
        self.isAdmin = isAdmin
    }

    /// Someone not signed in: public threads only.
    public static let visitor = Viewer(userID: nil, organisationID: nil, isAdmin: false)
}

/// A topic shown as a tag.
public struct TopicTag: Sendable, Equatable {
    public let slug: String
    public let name: String
}

/// One line of a thread list (home, topic, unanswered pages).
///
/// The row's fields are held in one object: the lists copy summaries (kept lines, pages of
/// them, views), and a copy of the struct with its fields inline retained each of its seven
/// strings and arrays: 6–7% of a signed-in home page's CPU (docs/PERFORMANCE.md). Now a copy
/// retains the fields and the topics.
public struct ThreadSummary: RowDecodable, Sendable, Equatable {
    /// The row's fields; `Equatable` is synthesized, so a field added here is compared too.
    private struct Values: Equatable, Sendable {
        let id: Int64
        let title: String
        let slug: String
        let authorHandle: String
        let authorName: String
        let organisationID: Int64?
        let replyCount: Int
        let lastActivityAt: Date
        let pinned: Bool
        let locked: Bool
        let hasAcceptedAnswer: Bool
        let lastPosterName: String?
        let topicIDs: [Int64]
        let answeredByMentor: Bool

        init(row: Row) throws {
            id = try row["id"]
            title = try row["title"]
            slug = try row["slug"]
            authorHandle = try row["author_handle"]
            authorName = try row["author_name"]
            organisationID = try row["organisation_id"]
            replyCount = try row["reply_count"]
            lastActivityAt = try row["last_activity_at"]
            pinned = try row["pinned"]
            locked = try row["locked"]
            answeredByMentor = try row["answered_by_mentor"]
            hasAcceptedAnswer = try row["has_accepted_answer"]
            lastPosterName = try row["last_poster_name"]
            let topicIDs: String? = try row["topic_ids"]
            self.topicIDs = topicIDs.map { $0.split(separator: ",").compactMap { Int64($0) } } ?? []
        }
    }

    /// The one object a copy retains.
    private final class Fields: Sendable {
        let values: Values
        init(_ values: Values) { self.values = values }
    }

    private let fields: Fields

    public var id: Int64 { fields.values.id }
    public var title: String { fields.values.title }
    public var slug: String { fields.values.slug }
    public var authorHandle: String { fields.values.authorHandle }
    public var authorName: String { fields.values.authorName }
    public var organisationID: Int64? { fields.values.organisationID }
    public var replyCount: Int { fields.values.replyCount }
    public var lastActivityAt: Date { fields.values.lastActivityAt }
    public var pinned: Bool { fields.values.pinned }
    public var locked: Bool { fields.values.locked }
    public var hasAcceptedAnswer: Bool { fields.values.hasAcceptedAnswer }
    public var lastPosterName: String? { fields.values.lastPosterName }
    public internal(set) var topics: [TopicTag] = []
    /// The ids of the thread's topics, read with it; `attachTopics` turns them into `topics`.
    var topicIDs: [Int64] { fields.values.topicIDs }
    /// A mentor has replied (shown as "Answered by a mentor" in lists).
    public var answeredByMentor: Bool { fields.values.answeredByMentor }
    /// The reader opened the thread before and it has posts newer than the newest they saw
    /// ("new since your last visit"); read by the home and topic lists only (`ListedThread`).
    public internal(set) var hasNewPosts = false

    /// The columns of thread `t`, its author `a` and last poster `lu`, with its topic ids: kept on
    /// the thread's row (migration 20), or read from `thread_topics` where the row keeps none.
    static let columns = """
        t.id, t.title, t.slug, a.handle AS author_handle, a.display_name AS author_name, t.organisation_id,
        t.reply_count, t.last_activity_at, t.pinned, t.locked, t.accepted_post_id IS NOT NULL AS has_accepted_answer,
        lu.display_name AS last_poster_name, t.mentor_answers > 0 AS answered_by_mentor,
        coalesce(t.topic_ids, (SELECT group_concat(tg.topic_id) FROM thread_topics tg WHERE tg.thread_id = t.id)) AS topic_ids
        """

    public init(row: Row) throws {
        fields = Fields(try Values(row: row))
    }

    public static func == (lhs: ThreadSummary, rhs: ThreadSummary) -> Bool {
        (lhs.fields === rhs.fields || lhs.fields.values == rhs.fields.values)
            && lhs.topics == rhs.topics && lhs.hasNewPosts == rhs.hasNewPosts
    }
}

/// A line of the home and topic lists: `ThreadSummary.columns` and `newPostsColumn`.
struct ListedThread: RowDecodable {
    var thread: ThreadSummary

    /// Whether the reader (`?3`, the user id of `PageQueries.viewerArguments`; NULL for a
    /// visitor, who has none) has posts of thread `t` to catch up on (`VisitsService`).
    static let newPostsColumn = """
        EXISTS (SELECT 1 FROM thread_visits nv WHERE nv.user_id = ?3 AND nv.thread_id = t.id
                AND nv.last_seen_post_id < t.last_post_id) AS has_new_posts
        """

    init(row: Row) throws {
        thread = try ThreadSummary(row: row)
        thread.hasNewPosts = try row["has_new_posts"]
    }
}

/// One post as the thread page shows it.
/// A class, not a struct: the thread page's view models (the post, its author line, its
/// moderation notes, its controls) each hold the same post, and a reference is one retain where
/// a copy of fourteen fields was a retain of each of its strings.
public final class PostView: RowDecodable, Sendable {
    public let id: Int64
    public let position: Int
    public let authorHandle: String
    public let authorName: String
    public let authorRole: String
    public let authorOrganisation: String?
    /// Already-safe HTML, rendered at write time.
    public let bodyHTML: String
    public let createdAt: Date
    public let editedAt: Date?
    public let hidden: Bool
    public let deletedByAuthor: Bool
    public let authorID: Int64
    /// Held for approval (shown only to its author and admins, marked as such).
    public let heldForApproval: Bool
    /// Why a moderator hid the post, shown to readers in its place.
    public let hiddenReason: String
    /// Its "This helped" marks, and whether the reader made one; nil when it has none.
    public let helpful: HelpfulCount?

    public init(row: Row) throws {
        id = try row["id"]
        position = try row["position"]
        authorHandle = try row["author_handle"]
        authorName = try row["author_name"]
        authorRole = try row["author_role"]
        authorOrganisation = try row["author_organisation"]
        bodyHTML = try row["body_html"]
        createdAt = try row["created_at"]
        editedAt = try row["edited_at"]
        hidden = try row["hidden"]
        deletedByAuthor = try row["deleted_by_author"]
        authorID = try row["author_id"]
        heldForApproval = try row["held_for_approval"]
        hiddenReason = try row["hidden_reason"]
        let helpfulCount: Int = try row["helpful_count"]
        helpful = helpfulCount > 0 ? HelpfulCount(count: helpfulCount, mine: try row["helpful_mine"]) : nil
    }

    /// `post` as one reader sees it: with `bodyHTML` (empty where they may not read the text)
    /// and whether they marked it as helpful.
    init(_ post: PostView, bodyHTML: String, helpfulMine: Bool) {
        id = post.id
        position = post.position
        authorHandle = post.authorHandle
        authorName = post.authorName
        authorRole = post.authorRole
        authorOrganisation = post.authorOrganisation
        self.bodyHTML = bodyHTML
        createdAt = post.createdAt
        editedAt = post.editedAt
        hidden = post.hidden
        deletedByAuthor = post.deletedByAuthor
        authorID = post.authorID
        heldForApproval = post.heldForApproval
        hiddenReason = post.hiddenReason
        helpful = post.helpful.map { HelpfulCount(count: $0.count, mine: helpfulMine) }
    }
}

/// What the thread page needs.
public struct ThreadPage: Sendable {
    public let thread: ThreadSummary
    public let acceptedPostID: Int64?
    public let posts: [PostView]
    public let mentorNames: [String]
    public let page: Int
    public let pageCount: Int
    /// The private space the thread belongs to; nil for a public thread.
    public var space: OrganisationLink? = nil
    /// The briefing item the thread was started about.
    public var briefingItem: BriefingItemLink? = nil
    /// Where the accepted answer is: its page (it may not be on this one).
    public var acceptedPostPage: Int? = nil
    /// The thread's state as `Policy` decides on it (read in the same query as the page).
    public var state = Resource.ThreadState(authorID: 0)
}

/// What a topic page needs.
public struct TopicPage: Sendable {
    public let topic: TopicTag
    public let description: String
    public var briefingTitles: [String] { briefingItems.map(\.title) }
    /// The topic's newest briefing items (at most five).
    public let briefingItems: [BriefingItemSummary]
    /// The topic's latest threads that pass `filter` and the viewer may read.
    public let threads: [ThreadSummary]
    public let filter: ThreadFilter
}

/// Which threads a list shows. "Unanswered" means nobody has replied yet (the mentor queue's
/// meaning); "answered" means the asker (or an admin) marked a reply as the answer.
public enum ThreadFilter: String, Sendable, CaseIterable {
    case all, unanswered, answered
    /// Threads with a reply from a mentor (issue 6).
    case answeredByMentor = "mentor"
}

/// The reads behind the busiest pages. Privacy is part of every query: a private thread is
/// returned only to its organisation's members, its organisation's active mentors and admins.
public enum PageQueries {
    public static let threadsPerPage = 30
    public static let postsPerPage = 20

    /// The one visibility rule (`Visibility`) on thread `t` for the page's reader: parameters
    /// ?1 confirmed organisation, ?2 is-admin, ?3 user id (`viewerArguments`).
    static let visible = Visibility.threadReadableByViewer

    /// Parameter ?6 a `ThreadFilter` raw value.
    static let filtered = """
        (?6 = 'all' OR (?6 = 'unanswered' AND t.reply_count = 0 AND t.accepted_post_id IS NULL)
         OR (?6 = 'answered' AND t.accepted_post_id IS NOT NULL)
         OR (?6 = 'mentor' AND \(MentorQueries.answeredByMentorCondition)))
        """

    static func viewerArguments(_ viewer: Viewer) -> [(any Bindable)?] {
        [viewer.organisationID, viewer.isAdmin, viewer.userID]
    }

    /// The home page: pinned threads, then the latest active ones.
    public static func home(_ conn: Connection, viewer: Viewer, limit: Int = threadsPerPage) throws -> [ThreadSummary] {
        var threads = try homeThreads(conn, viewer: viewer, limit: limit)
        try attachTopics(conn, to: &threads)
        return threads
    }

    /// `home` without the topics (the home page attaches them to all its lists at once), each
    /// with whether the viewer has posts to catch up on.
    /// - Parameter summaries: as for `ListedThreads.read`.
    static func homeThreads(_ conn: Connection, viewer: Viewer, limit: Int,
                            summaries: (summaries: KeptSummaries, version: UInt64)? = nil,
                            topics: TopicDirectory? = nil) throws -> [ThreadSummary] {
        var threads = try ListedThreads.read(conn, """
            SELECT \(ListedThreads.idColumns)
            FROM threads t INDEXED BY threads_pinned
            WHERE t.pinned = 1 AND t.hidden = 0 AND \(visible)
            ORDER BY t.last_activity_at DESC LIMIT ?4
            """, arguments: viewerArguments(viewer) + [limit], kept: summaries, topics: topics)
        threads += try ListedThreads.read(conn, latestThreadsSQL, arguments: viewerArguments(viewer) + [max(0, limit - threads.count)],
                                          kept: summaries, topics: topics)
        return threads
    }

    /// The home page's latest threads (not pinned) the reader may read, newest first: walked in
    /// `threads_latest` alone, which carries every column this reads (migration 29).
    static let latestThreadsSQL = """
        SELECT \(ListedThreads.idColumns)
        FROM threads t INDEXED BY threads_latest
        WHERE t.hidden = 0 AND t.pinned = 0 AND \(visible)
        ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?4
        """

    /// A topic page: the topic, its latest briefing items and its latest threads.
    public static func topic(_ conn: Connection, slug: String, viewer: Viewer, filter: ThreadFilter = .all,
                             limit: Int = threadsPerPage) throws -> TopicPage? {
        try topic(conn, slug: slug, viewer: viewer, filter: filter, limit: limit, topics: nil)
    }

    /// - Parameters:
    ///   - kept: the topics as `ReadingService` keeps them; read here when nil.
    ///   - keptBriefing: the topic's briefing items (by topic id) as `ReadingService` keeps
    ///     them, given the statement that reads them; read here when nil.
    static func topic(_ conn: Connection, slug: String, viewer: Viewer, filter: ThreadFilter = .all,
                      limit: Int = threadsPerPage, topics kept: TopicDirectory?,
                      briefing keptBriefing: ((Int64, () throws -> [BriefingItemSummary]) throws -> [BriefingItemSummary])? = nil,
                      summaries: (summaries: KeptSummaries, version: UInt64)? = nil)
        throws -> TopicPage? {
        // A kept directory may be a moment older than this snapshot: a slug it does not know is
        // looked up again in this one.
        var directory = kept
        if directory?.active(slug: slug) == nil { directory = try TopicDirectory.read(conn) }
        guard let directory, let topic = directory.active(slug: slug) else { return nil }
        let readBriefing = { try topicBriefing(conn, topicID: topic.id) }
        let briefing = try keptBriefing?(topic.id, readBriefing) ?? readBriefing()
        var threads = try ListedThreads.read(conn, topicThreadsSQL, arguments: viewerArguments(viewer) + [topic.id, limit, filter.rawValue],
                                             kept: summaries, topics: directory)
        try attachTopics(conn, to: &threads, from: directory)
        return TopicPage(topic: TopicTag(slug: topic.slug, name: topic.name), description: topic.description,
                         briefingItems: briefing, threads: threads, filter: filter)
    }

    /// A topic's threads (`?4`) the reader may read that pass the filter (`?6`), newest first.
    /// Made once: a statement's text built for each page was hashed whole to find its prepared
    /// statement (`Connection.statement`: ~3 instructions a byte of a 1 KB text), where a text
    /// made once is found by its address.
    static let topicThreadsSQL = """
        SELECT \(ListedThreads.idColumns)
        FROM thread_topics tt
        JOIN threads t ON t.id = tt.thread_id
        WHERE tt.topic_id = ?4 AND t.hidden = 0 AND \(visible) AND \(filtered)
        ORDER BY tt.last_activity_at DESC, tt.thread_id DESC LIMIT ?5
        """

    /// A topic's newest five briefing items: the same for every reader.
    static func topicBriefing(_ conn: Connection, topicID: Int64) throws -> [BriefingItemSummary] {
        try conn.query(BriefingItemSummary.self, """
            SELECT \(BriefingItemSummary.columns) FROM briefing_item_topics bt JOIN briefing_items b ON b.id = bt.briefing_item_id
            WHERE bt.topic_id = ? AND b.retired = 0 ORDER BY b.published_at DESC, b.id DESC LIMIT 5
            """, topicID)
    }

    /// One page of a thread (1-based `page`), or nil if it does not exist or the viewer may not see it.
    public static func thread(_ conn: Connection, id: Int64, page: Int, viewer: Viewer) throws -> ThreadPage? {
        try thread(conn, id: id, page: page, viewer: viewer, topics: nil)
    }

    /// - Parameters:
    ///   - topics: the topics as `ReadingService` keeps them; read here when nil.
    ///   - keptPosts: where `ReadingService` keeps pages' posts as stored, with the store's
    ///     change count noted before `conn`'s read began; read here when nil.
    ///   - keptHeaders: where it keeps public threads' headers as stored, likewise.
    static func thread(_ conn: Connection, id: Int64, page: Int, viewer: Viewer, topics: TopicDirectory?,
                       keptPosts: (kept: KeptThreadPosts, version: UInt64)? = nil,
                       keptHeaders: (kept: KeptThreadHeaders, version: UInt64)? = nil) throws -> ThreadPage? {
        let found: ThreadHeader?
        if let keptHeaders, let stored = try keptHeaders.kept.value(for: id, version: keptHeaders.version, read: {
            try StoredThreadHeader.read(conn, id: id)
        }) {
            // A public thread's header is the same for every reader but who may open it and
            // where its pages end, both decided here by the one rule (`StoredThreadHeader`).
            found = stored.header(for: viewer)
        } else {
            found = try ThreadHeader.read(conn, id: id, viewer: viewer)
        }
        guard let header = found else { return nil }
        let postCount = header.lastPosition ?? header.summary.replyCount + 1
        let pageCount = max(1, (postCount + postsPerPage - 1) / postsPerPage)
        let page = min(max(1, page), pageCount)
        let first = (page - 1) * postsPerPage + 1
        let key = StoredThreadPosts.Key(threadID: id, first: first)
        let stored: StoredThreadPosts
        if let keptPosts, let kept = keptPosts.kept.kept(for: key, version: keptPosts.version) {
            stored = kept
        } else {
            stored = try StoredThreadPosts.read(conn, key)
            if let keptPosts, stored.mayBeKept { keptPosts.kept.keep(stored, for: key, version: keptPosts.version) }
        }
        let posts = try stored.posts(for: viewer, conn)
        var summaries = [header.summary]
        try attachTopics(conn, to: &summaries, from: topics)
        var result = ThreadPage(thread: summaries[0], acceptedPostID: header.acceptedPostID, posts: posts,
                                mentorNames: stored.mentorNames, page: page, pageCount: pageCount)
        result.state = header.state
        result.space = header.space
        result.briefingItem = header.briefingItem
        if header.acceptedPostID != nil, let position = header.acceptedPosition {
            result.acceptedPostPage = (position - 1) / postsPerPage + 1
        }
        return result
    }

    /// Fills in each thread's topics from the ids its row carries (`ThreadSummary.topicIDs`).
    /// - Parameter kept: the topics as `ReadingService` keeps them; when nil, or when it does
    ///   not know one of the ids (kept from a snapshot before that topic was made), the topics
    ///   are read in this snapshot (one statement of about ten rows).
    static func attachTopics(_ conn: Connection, to threads: inout [ThreadSummary], from kept: TopicDirectory? = nil) throws {
        guard !threads.isEmpty else { return }
        var directory = kept
        if directory.map({ directory in threads.allSatisfy { directory.knows($0.topicIDs) } }) != true {
            directory = try TopicDirectory.read(conn)
        }
        guard let directory else { return }
        // Lines kept with their tags (`ListedThreads.read`) have them already.
        for index in threads.indices where threads[index].topics.isEmpty && !threads[index].topicIDs.isEmpty {
            threads[index].topics = directory.tags(threads[index].topicIDs)
        }
    }
}
