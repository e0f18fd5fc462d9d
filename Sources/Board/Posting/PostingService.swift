import Database
import Foundation

/// Which organisations have a private space: pathfinders. A thread is public to the network
/// or private to one pathfinder organisation (DESIGN.md); a mentors' organisation or any other
/// kind has members but no space. Starting a thread there, moving one there and the forms that
/// offer either ask this one rule. (The move form offered every organisation, so an admin could
/// move a thread into "the private space of" a mentors' organisation, which no one could post
/// in and no page lists; found by the sweep.)
public enum PrivateSpaces {
    /// SQL condition: the `organisations` row aliased `o` has a private space.
    static func held(by o: String) -> String { "\(o).kind = 'pathfinder'" }

    /// Whether organisation `id` has a private space.
    static func exists(_ conn: Connection, id: Int64) throws -> Bool {
        try conn.scalar(Int.self, "SELECT count(*) FROM organisations o WHERE o.id = ? AND \(held(by: "o"))", id) != 0
    }

    /// The organisation with `slug` when it has a private space; nil otherwise.
    static func id(_ conn: Connection, slug: String) throws -> Int64? {
        try conn.scalar(Int64.self, "SELECT o.id FROM organisations o WHERE o.slug = ? AND \(held(by: "o"))", slug)
    }

    /// Every organisation with a private space, by name.
    static func all(_ conn: Connection) throws -> [OrganisationChoice] {
        try conn.query(OrganisationChoice.self, "SELECT o.id, o.slug, o.name FROM organisations o WHERE \(held(by: "o")) ORDER BY o.name")
    }
}

/// An organisation's private space a thread can be started in.
public struct Space: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let name: String

    public init(id: Int64, name: String) {
        self.id = id
        self.name = name
    }

    public init(row: Row) throws {
        id = try row["id"]
        name = try row["name"]
    }
}

/// A post as the edit and delete pages need it, with the state `Policy` looks at.
public struct EditablePost: Sendable, RowDecodable {
    public let id: Int64
    public let markdown: String
    public let html: String
    public let deleted: Bool
    public let threadTitle: String
    public let state: Resource.PostState

    public init(row: Row) throws {
        id = try row["id"]
        markdown = try row["body_markdown"]
        html = try row["body_html"]
        deleted = try row["deleted_by_author"]
        threadTitle = try row["thread_title"]
        state = Resource.PostState(authorID: try row["author_id"], hidden: try row["hidden"], held: try row["held_for_approval"],
                                   thread: try Resource.ThreadState(row: row))
    }
}

/// The writing side of the board (issue 5): threads, replies, edits, deletions and accepted
/// answers. The rules and their transactions are `Threads`'; this service adds what a form
/// needs around them (the drafts it clears, the spaces and allowance it offers).
public struct PostingService: Sendable {
    let store: Store
    let accounts: Accounts
    let drafts: DraftsService

    /// Starts a thread and clears the author's new-thread draft.
    /// - Returns: the thread, its slug and its opening post.
    /// - Throws: `PostValidationError` for what was typed, `PostingError` when refused.
    public func createThread(by viewer: Viewer, _ draft: NewThread) throws -> (thread: Int64, slug: String, post: Int64) {
        let (threadID, postID) = try Threads.create(store, by: viewer, draft)
        if let userID = viewer.userID { try drafts.delete(userID: userID, threadID: nil) }
        return (threadID, try store.read { try ReadingService.threadSlug($0, id: threadID) } ?? "", postID)
    }

    /// Replies to a thread and clears the author's draft for it.
    /// - Returns: the new post.
    public func reply(by viewer: Viewer, threadID: Int64, body: String, replyTo: Int64?) throws -> Int64 {
        let postID = try Threads.reply(store, by: viewer, threadID: threadID, body: body, replyTo: replyTo)
        if let userID = viewer.userID { try drafts.delete(userID: userID, threadID: threadID) }
        return postID
    }

    /// The title and topics of a thread `actor` may change (`Threads.details`).
    public func threadDetails(by actor: Actor, threadID: Int64) throws -> Threads.Details {
        try store.read { try Threads.details($0, actor: actor, threadID: threadID) }
    }

    /// Fixes a thread's title and topics (`Threads.editDetails`).
    /// - Returns: the thread's slug afterwards.
    @discardableResult
    public func editThreadDetails(by actor: Actor, threadID: Int64, title: String, topicSlugs: [String]) throws -> String {
        try Threads.editDetails(store, by: actor, threadID: threadID, title: title, topicSlugs: topicSlugs)
    }

    public func edit(by viewer: Viewer, postID: Int64, body: String) throws {
        try Threads.edit(store, by: viewer, postID: postID, body: body)
    }

    public func deleteOwn(by viewer: Viewer, postID: Int64) throws {
        try Threads.deleteOwn(store, by: viewer, postID: postID)
    }

    /// Marks `postID` as the thread's accepted answer (nil clears it).
    public func acceptAnswer(by viewer: Viewer, threadID: Int64, postID: Int64?) throws {
        try Threads.acceptAnswer(store, by: viewer, threadID: threadID, postID: postID)
    }

    /// The post with `id` as the edit and delete pages need it, or nil.
    public func editablePost(id: Int64) throws -> EditablePost? {
        try store.read { conn in
            try conn.queryOne(EditablePost.self, """
                SELECT p.id, p.body_markdown, p.body_html, p.deleted_by_author, t.title AS thread_title,
                       \(Resource.ThreadState.columns), p.author_id, p.hidden, p.held_for_approval
                FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?
                """, id)
        }
    }

    /// Whether `account` may post now under the instance's limits for new accounts.
    public func allowance(for account: Account) throws -> PostingAllowance {
        let now = accounts.clock.now()
        return try store.read { conn in
            try Accounts.postingAllowance(conn, account: account, now: now, limits: Moderation.accountLimits(conn, base: accounts.limits))
        }
    }

    /// Whether the next post `account` writes waits for an admin's approval (the forms say so
    /// beforehand). Only a member younger than `Moderation.establishedAfter` can be held, so
    /// nobody else costs a read.
    public func nextPostWaits(for account: Account) throws -> Bool {
        let now = accounts.clock.now()
        guard account.role == .member, account.createdAt > now.addingTimeInterval(-Moderation.establishedAfter) else { return false }
        return try store.read { try Moderation.nextPostWaits($0, authorID: account.id, now: now) }
    }

    /// The private spaces (pathfinder organisations) `actor` may start a thread in, by name.
    public func spaces(for actor: Actor) throws -> [Space] {
        try store.read { try PrivateSpaces.all($0) }.map { Space(id: $0.id, name: $0.name) }
            .filter { Policy.decide(actor, .startThread, .organisation($0.id)).isAllowed }
    }
}
