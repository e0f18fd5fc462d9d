import Database
import Foundation

/// A topic as the administration page lists it.
public struct AdminTopic: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let name: String
    public let description: String
    public let position: Int
    public let retired: Bool

    public init(row: Row) throws {
        id = try row["id"]; slug = try row["slug"]; name = try row["name"]; description = try row["description"]
        position = try row["position"]; retired = try row["retired"]
    }
}

/// What an admin does to a topic.
public enum TopicChange: Sendable, Equatable {
    case edit(name: String, description: String)
    case moveUp, moveDown, retire, restore
}

/// Topics: create, rename, describe, reorder, retire. Each change asks Policy (`manageTopics`)
/// and writes one `edit_topic` log entry in its transaction.
extension Moderation {
    public static func topics(_ conn: Connection) throws -> [AdminTopic] {
        try conn.query(AdminTopic.self, "SELECT id, slug, name, description, position, retired FROM topics ORDER BY retired, position, id")
    }

    @discardableResult
    public static func createTopic(_ store: Store, actor: Actor, slug: String, name: String, description: String,
                                   now: Date = Date()) throws -> Int64 {
        let (name, description) = try checkedTopic(name: name, description: description)
        let slug = try checkedSlug(slug)
        return try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageTopics, .network, now: now)
            if try tx.scalar(Int64.self, "SELECT count(*) FROM topics WHERE slug = ? OR name = ?", slug, name) ?? 0 > 0 {
                throw ModerationError.invalid(field: "name", message: "A topic with that name or web address already exists")
            }
            try tx.run("INSERT INTO topics(slug, name, description, position) VALUES (?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM topics))",
                       slug, name, description)
            let id = tx.lastInsertedRowID
            try appendLog(tx, actorID: actorID, .editTopic, target: "topic", id, reason: "Created “\(name)”", now: now)
            return id
        }
    }

    public static func changeTopic(_ store: Store, actor: Actor, topicID: Int64, _ change: TopicChange, now: Date = Date()) throws {
        var edited: (String, String)?
        if case .edit(let name, let description) = change { edited = try checkedTopic(name: name, description: description) }
        let checked = edited
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageTopics, .network, now: now)
            guard let topic = try tx.queryOne(AdminTopic.self, "SELECT id, slug, name, description, position, retired FROM topics WHERE id = ?", topicID)
            else { throw ModerationError.notFound }
            let summary: String
            switch change {
            case .edit:
                guard let (name, description) = checked else { return }
                if try tx.scalar(Int64.self, "SELECT count(*) FROM topics WHERE name = ? AND id <> ?", name, topicID) ?? 0 > 0 {
                    throw ModerationError.invalid(field: "name", message: "A topic with that name already exists")
                }
                try tx.run("UPDATE topics SET name = ?, description = ? WHERE id = ?", name, description, topicID)
                summary = name == topic.name ? "Described “\(name)”" : "Renamed “\(topic.name)” to “\(name)”"
            case .moveUp, .moveDown:
                let up = change == .moveUp
                let neighbour = try tx.queryOne(AdminTopic.self, """
                    SELECT id, slug, name, description, position, retired FROM topics WHERE retired = 0 AND
                    \(up ? "position < ? ORDER BY position DESC" : "position > ? ORDER BY position") LIMIT 1
                    """, topic.position)
                guard let neighbour else { throw ModerationError.invalid(field: "topics", message: "The topic is already \(up ? "first" : "last")") }
                try tx.run("UPDATE topics SET position = ? WHERE id = ?", neighbour.position, topicID)
                try tx.run("UPDATE topics SET position = ? WHERE id = ?", topic.position, neighbour.id)
                summary = "Moved “\(topic.name)” \(up ? "up" : "down")"
            case .retire, .restore:
                try tx.run("UPDATE topics SET retired = ? WHERE id = ?", change == .retire, topicID)
                summary = change == .retire ? "Retired “\(topic.name)”" : "Brought back “\(topic.name)”"
            }
            try appendLog(tx, actorID: actorID, .editTopic, target: "topic", topicID, reason: summary, now: now)
        }
    }

    static func checkedTopic(name: String, description: String) throws -> (String, String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...80).contains(name.unicodeScalars.count) else {
            throw ModerationError.invalid(field: "name", message: "Enter a name of 2 to 80 characters")
        }
        guard description.unicodeScalars.count <= 1000 else {
            throw ModerationError.invalid(field: "description", message: "The description must be 1000 characters or fewer")
        }
        return (name, description)
    }
}
