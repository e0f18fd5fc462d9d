import Database
import Foundation

/// A person's work in progress: a title (new threads only) and a body.
public struct Draft: Sendable, Equatable, RowDecodable {
    public let title: String
    public let body: String
    /// When it was last saved.
    public let updatedAt: Date
    /// A new thread's topics as chosen (slugs); empty for a reply.
    public var topics: [String] = []
    /// A new thread's private space (organisation); nil for the public network, and for a reply.
    public var organisationID: Int64?
    /// The briefing item a new thread is about; nil for none, and for a reply.
    public var briefingItemID: Int64?

    public init(row: Row) throws {
        title = try row["title"]
        body = try row["body_markdown"]
        updatedAt = try row["updated_at"]
    }

    /// The slugs `drafts.topics` keeps, comma-separated.
    static func slugs(_ stored: String) -> [String] {
        stored.split(separator: ",").map(String.init)
    }
}

/// A new thread's draft, with its topics (`drafts.topics`), private space and briefing item
/// (`drafts.organisation_id`, `drafts.briefing_item_id`).
private struct NewThreadDraft: RowDecodable {
    static let columns = "title, body_markdown, updated_at, topics, organisation_id, briefing_item_id"
    let draft: Draft
    init(row: Row) throws {
        var draft = try Draft(row: row)
        draft.topics = Draft.slugs(try row["topics"])
        draft.organisationID = try row["organisation_id"]
        draft.briefingItemID = try row["briefing_item_id"]
        self.draft = draft
    }
}

/// Drafts: one new thread and one reply per thread for each person (the `drafts` table), kept
/// whenever a form is refused or previewed and removed once the post is made.
public struct DraftsService: Sendable {
    let store: Store

    /// The draft of a reply to `threadID`, or of a new thread when `threadID` is nil.
    public func draft(userID: Int64, threadID: Int64?) throws -> Draft? {
        try store.read { conn in
            if let threadID {
                return try conn.queryOne(Draft.self, "SELECT title, body_markdown, updated_at FROM drafts WHERE user_id = ? AND thread_id = ?", userID, threadID)
            }
            return try Self.newThreadDraft(conn, userID: userID)
        }
    }

    private static func newThreadDraft(_ conn: Connection, userID: Int64) throws -> Draft? {
        try conn.queryOne(NewThreadDraft.self, "SELECT \(NewThreadDraft.columns) FROM drafts WHERE user_id = ? AND thread_id IS NULL", userID)?.draft
    }

    /// `actor`'s draft of a new thread, to fill "Start a thread" with: its private space and
    /// briefing item kept only where they may still post (Policy's `startThread` for the
    /// organisation; an item not retired, `Threads.isOpenBriefingItem`), else left out (the
    /// public network, no item), as posting would refuse them.
    public func newThreadDraft(for actor: Actor, now: Date = Date()) throws -> Draft? {
        guard let userID = actor.userID else { return nil }
        return try store.read { conn in
            guard var draft = try Self.newThreadDraft(conn, userID: userID) else { return nil }
            if let id = draft.organisationID, !Policy.decide(actor, .startThread, .organisation(id), now: now).isAllowed {
                draft.organisationID = nil
            }
            if let id = draft.briefingItemID, try !Threads.isOpenBriefingItem(conn, id) {
                draft.briefingItemID = nil
            }
            return draft
        }
    }

    /// Keeps what was typed (cut to the form's limits); nothing is stored when both are empty.
    /// `topics`: a new thread's chosen topic slugs (anything else is left out: at most
    /// `maxTopics` slugs of letters, digits and hyphens); ignored for a reply.
    ///
    /// `organisationID`, `briefingItemID`: a new thread's private space and briefing item, kept
    /// when they exist (whether the person may post there is asked when the draft is read back,
    /// `newThreadDraft(for:)`); ignored for a reply.
    public func save(userID: Int64, threadID: Int64?, title: String, body: String, topics: [String] = [],
                     organisationID: Int64? = nil, briefingItemID: Int64? = nil, now: Date = Date()) throws {
        let title = String(title.unicodeScalars.prefix(200))
        let body = String(body.unicodeScalars.prefix(PostLimits.bodyLength.upperBound))
        if title.isEmpty && body.isEmpty { return }
        let forNewThread = threadID == nil
        let slugs = forNewThread ? Array(topics.filter(Self.isSlug).prefix(Self.maxTopics)) : []
        let organisationID = forNewThread ? organisationID : nil
        let briefingItemID = forNewThread ? briefingItemID : nil
        try store.write { tx in
            try Self.delete(tx, userID: userID, threadID: threadID)
            // An id that names nothing is kept as NULL (the columns are foreign keys).
            try tx.run("""
                INSERT INTO drafts(user_id, thread_id, title, body_markdown, updated_at, topics, organisation_id, briefing_item_id)
                VALUES (?, ?, ?, ?, ?, ?, (SELECT id FROM organisations WHERE id = ?), (SELECT id FROM briefing_items WHERE id = ?))
                """, userID, threadID, title, body, now, slugs.joined(separator: ","), organisationID, briefingItemID)
        }
    }

    /// More than a thread may have, so a refused choice of too many comes back as it was.
    static let maxTopics = 10

    static func isSlug(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 60
            && text.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    public func delete(userID: Int64, threadID: Int64?) throws {
        try store.write { try Self.delete($0, userID: userID, threadID: threadID) }
    }

    static func delete(_ tx: Connection, userID: Int64, threadID: Int64?) throws {
        if let threadID {
            try tx.run("DELETE FROM drafts WHERE user_id = ? AND thread_id = ?", userID, threadID)
        } else {
            try tx.run("DELETE FROM drafts WHERE user_id = ? AND thread_id IS NULL", userID)
        }
    }
}
