import Database
import Foundation

/// A briefing item as its edit form needs it.
public struct EditableBriefingItem: Sendable, Equatable, RowDecodable {
    public let title, url, source, summary: String
    public let publishedAt: Date
    public let retired: Bool
    public var topicSlugs: [String] = []

    public init(row: Row) throws {
        title = try row["title"]
        url = try row["url"]
        source = try row["source"]
        summary = try row["summary"]
        publishedAt = try row["published_at"]
        retired = try row["retired"]
    }
}

/// A briefing item as typed into its form.
public struct BriefingItemForm: Sendable, Equatable {
    public var title, url, source, published, summary: String
    public var topicSlugs: [String]

    public init(title: String, url: String, source: String, published: String, summary: String, topicSlugs: [String]) {
        self.title = title
        self.url = url
        self.source = source
        self.published = published
        self.summary = summary
        self.topicSlugs = topicSlugs
    }
}

/// Why a briefing change was refused.
public enum BriefingError: Error, Sendable, Equatable {
    /// Policy said no; the message says why.
    case denied(String)
    /// The item does not exist.
    case notFound
    /// What the form must say next to its fields.
    case invalid([FieldError])
}

/// The briefing (issue 5): admins add, edit and retire items and make answered threads into
/// briefing notes. Each change asks `Policy` (`manageBriefing`) and writes one public
/// `edit_briefing` entry in the moderation log, in its transaction.
public struct BriefingService: Sendable {
    let store: Store

    /// The item with `id` and its topics, or nil.
    public func item(id: Int64) throws -> EditableBriefingItem? {
        try store.read { conn in
            guard var item = try conn.queryOne(EditableBriefingItem.self,
                "SELECT title, url, source, summary, published_at, retired FROM briefing_items WHERE id = ?", id) else { return nil }
            item.topicSlugs = try conn.column(String.self, """
                SELECT t.slug FROM briefing_item_topics b JOIN topics t ON t.id = b.topic_id WHERE b.briefing_item_id = ?
                """, id)
            return item
        }
    }

    /// The title of the item in use with `id` (a new thread about it shows it), or nil.
    public func title(id: Int64) throws -> String? {
        try store.read { try $0.scalar(String.self, "SELECT title FROM briefing_items WHERE id = ? AND retired = 0", id) }
    }

    /// Adds an item (`itemID` nil) or replaces one's fields and topics.
    /// - Parameter noteOf: the thread this item is a briefing note of, for the log.
    /// - Returns: the item's id.
    /// - Throws: `BriefingError`.
    @discardableResult
    public func save(by actor: Actor, itemID: Int64?, _ form: BriefingItemForm, noteOf threadID: Int64? = nil,
                     now: Date = Date()) throws -> Int64 {
        let input = try Self.validated(form)
        return try store.write { tx in
            let actorID = try Self.require(actor, now: now)
            var topicIDs: [Int64] = []
            for slug in Set(form.topicSlugs) {
                guard let id = try TopicsService.activeID(tx, slug: slug) else {
                    throw BriefingError.invalid([FieldError("topics", "Select topics from the list")])
                }
                topicIDs.append(id)
            }
            let id: Int64
            let summary: String
            if let itemID {
                try tx.run("UPDATE briefing_items SET title = ?, url = ?, source = ?, published_at = ?, summary = ? WHERE id = ?",
                           input.title, input.url, input.source, input.published, input.summary, itemID)
                guard tx.changes == 1 else { throw BriefingError.notFound }
                try tx.run("DELETE FROM briefing_item_topics WHERE briefing_item_id = ?", itemID)
                id = itemID
                summary = "Edited “\(input.title)”"
            } else {
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, added_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, input.title, input.url, input.source, input.published, input.summary, actorID, now)
                id = tx.lastInsertedRowID
                summary = threadID == nil ? "Added “\(input.title)”" : "Made a thread a briefing note: “\(input.title)”"
            }
            for topicID in topicIDs {
                try tx.run("INSERT INTO briefing_item_topics(briefing_item_id, topic_id) VALUES (?, ?)", id, topicID)
            }
            try Moderation.appendLog(tx, actorID: actorID, .editBriefing, target: "briefing_item", id, reason: summary, now: now)
            return id
        }
    }

    /// Retires an item (it leaves the briefing and its feed) or brings it back.
    public func setRetired(by actor: Actor, id: Int64, _ retired: Bool, now: Date = Date()) throws {
        try store.write { tx in
            let actorID = try Self.require(actor, now: now)
            guard let title = try tx.scalar(String.self, "SELECT title FROM briefing_items WHERE id = ?", id) else {
                throw BriefingError.notFound
            }
            try tx.run("UPDATE briefing_items SET retired = ? WHERE id = ?", retired, id)
            try Moderation.appendLog(tx, actorID: actorID, .editBriefing, target: "briefing_item", id,
                                     reason: retired ? "Retired “\(title)”" : "Brought back “\(title)”", now: now)
        }
    }

    // MARK: Rules

    private static func require(_ actor: Actor, now: Date) throws -> Int64 {
        guard let actorID = actor.userID else { throw BriefingError.denied("Sign in to do that") }
        switch Policy.decide(actor, .manageBriefing, .network, now: now) {
        case .allowed: return actorID
        case .denied(let message): throw BriefingError.denied(message)
        case .notFound: throw BriefingError.notFound
        }
    }

    struct Input {
        let title, url, source, summary: String
        let published: Date
    }

    /// The form's fields checked and normalised, or every problem at once.
    static func validated(_ form: BriefingItemForm) throws -> Input {
        let title = PostLimits.normalise(form.title)
        let url = form.url.trimmingCharacters(in: .whitespacesAndNewlines)
        let source = PostLimits.normalise(form.source)
        let summary = PostLimits.normalise(form.summary)
        var errors: [FieldError] = []
        if title.unicodeScalars.count < 3 { errors.append(FieldError("title", "Enter a title of 3 characters or more")) }
        else if title.unicodeScalars.count > 200 { errors.append(FieldError("title", "Title must be 200 characters or fewer")) }
        if !isWebAddress(url) { errors.append(FieldError("url", "Enter a web address starting with http:// or https://")) }
        if source.isEmpty { errors.append(FieldError("source", "Enter the source")) }
        else if source.unicodeScalars.count > 120 { errors.append(FieldError("source", "Source must be 120 characters or fewer")) }
        let publishedText = form.published.trimmingCharacters(in: .whitespaces)
        let published = CalendarDay.midnightUTC(publishedText, years: 1990...2100)
        if publishedText.isEmpty {
            errors.append(FieldError("published", "Enter the date it was published"))
        } else if published == nil {
            errors.append(FieldError("published", "The published date must be a real date between 1990 and 2100, for example 2026-03-27 (year, month, day)"))
        }
        if summary.isEmpty { errors.append(FieldError("summary", "Enter a summary")) }
        else if summary.unicodeScalars.count > 4000 { errors.append(FieldError("summary", "Summary must be 4,000 characters or fewer")) }
        if form.topicSlugs.isEmpty { errors.append(FieldError("topics", "Select at least one topic")) }
        guard let published, errors.isEmpty else { throw BriefingError.invalid(errors) }
        return Input(title: title, url: url, source: source, summary: summary, published: published)
    }

    /// An absolute http or https address with a host, no spaces, at most 2,000 characters.
    static func isWebAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 2000, !text.contains(where: \.isWhitespace),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return false }
        return text.lowercased().hasPrefix("http://") || text.lowercased().hasPrefix("https://")
    }
}
