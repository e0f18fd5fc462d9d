import Database
import Foundation

/// An organisation as the administration page lists it.
public struct AdminOrganisation: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let name: String
    public let kind: String
    public let description: String
    public let region: String

    public init(row: Row) throws {
        id = try row["id"]; slug = try row["slug"]; name = try row["name"]; kind = try row["kind"]
        description = try row["description"]; region = try row["region"]
    }
}

/// Organisations from the administration pages: create and edit (name, kind, description,
/// region), each with Policy (`manageOrganisations`) and one `edit_organisation` log entry.
extension Moderation {
    public static let organisationKinds = ["pathfinder", "mentor_organisation", "other"]

    public static func organisations(_ conn: Connection) throws -> [AdminOrganisation] {
        try conn.query(AdminOrganisation.self, "SELECT id, slug, name, kind, description, region FROM organisations ORDER BY name")
    }

    /// Creates (`organisationID` nil, with `slug`) or edits an organisation.
    public static func saveOrganisation(_ store: Store, actor: Actor, organisationID: Int64?, slug: String, name: String, kind: String,
                                        description: String, region: String, now: Date = Date()) throws {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        let region = region.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...120).contains(name.unicodeScalars.count) else {
            throw ModerationError.invalid(field: "name", message: "Enter a name of 2 to 120 characters")
        }
        guard organisationKinds.contains(kind) else { throw ModerationError.invalid(field: "kind", message: "Choose a kind") }
        guard description.unicodeScalars.count <= 4000 else {
            throw ModerationError.invalid(field: "description", message: "The description must be 4000 characters or fewer")
        }
        guard region.unicodeScalars.count <= 120 else {
            throw ModerationError.invalid(field: "region", message: "The region must be 120 characters or fewer")
        }
        // An organisation's web address name is chosen once, when it is created.
        let slug = organisationID == nil ? try checkedSlug(slug) : slug
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageOrganisations, .network, now: now)
            let id: Int64
            let summary: String
            if let organisationID {
                try tx.run("UPDATE organisations SET name = ?, kind = ?, description = ?, region = ? WHERE id = ?",
                           name, kind, description, region, organisationID)
                guard tx.changes == 1 else { throw ModerationError.notFound }
                id = organisationID
                summary = "Edited “\(name)”"
            } else {
                if try tx.scalar(Int64.self, "SELECT count(*) FROM organisations WHERE slug = ?", slug) ?? 0 > 0 {
                    throw ModerationError.invalid(field: "slug", message: "An organisation already has that web address name")
                }
                try tx.run("INSERT INTO organisations(slug, name, kind, description, region, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           slug, name, kind, description, region, now)
                id = tx.lastInsertedRowID
                summary = "Added “\(name)”"
            }
            try appendLog(tx, actorID: actorID, .editOrganisation, target: "organisation", id, reason: summary, now: now)
        }
    }
}
