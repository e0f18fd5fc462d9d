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

/// A new thread's draft, with its topics (`drafts.topics`).
private struct NewThreadDraft: RowDecodable {
    let draft: Draft
    init(row: Row) throws {
        var draft = try Draft(row: row)
        draft.topics = Draft.slugs(try row["topics"])
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
            return try conn.queryOne(NewThreadDraft.self, "SELECT title, body_markdown, updated_at, topics FROM drafts WHERE user_id = ? AND thread_id IS NULL",
                                     userID)?.draft
        }
    }

    /// Keeps what was typed (cut to the form's limits); nothing is stored when both are empty.
    /// `topics`: a new thread's chosen topic slugs (anything else is left out: at most
    /// `maxTopics` slugs of letters, digits and hyphens); ignored for a reply.
    public func save(userID: Int64, threadID: Int64?, title: String, body: String, topics: [String] = [], now: Date = Date()) throws {
        let title = String(title.unicodeScalars.prefix(200))
        let body = String(body.unicodeScalars.prefix(PostLimits.bodyLength.upperBound))
        if title.isEmpty && body.isEmpty { return }
        let slugs = threadID != nil ? [] : Array(topics.filter(Self.isSlug).prefix(Self.maxTopics))
        try store.write { tx in
            try Self.delete(tx, userID: userID, threadID: threadID)
            try tx.run("INSERT INTO drafts(user_id, thread_id, title, body_markdown, updated_at, topics) VALUES (?, ?, ?, ?, ?, ?)",
                       userID, threadID, title, body, now, slugs.joined(separator: ","))
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
