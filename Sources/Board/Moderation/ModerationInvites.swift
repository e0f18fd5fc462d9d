import Database
import Foundation

/// An invite as the administration page lists it (never its code: only a hash is stored).
public struct AdminInvite: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let role: String
    public let organisationName: String?
    public let createdBy: String
    public let expiresAt: Date
    public let maxUses: Int
    public let useCount: Int

    public init(row: Row) throws {
        id = try row["id"]; role = try row["role"]; organisationName = try row["organisation_name"]; createdBy = try row["created_by"]
        expiresAt = try row["expires_at"]; maxUses = try row["max_uses"]; useCount = try row["use_count"]
    }
}

/// Invites from the administration pages: made and revoked with Policy (`makeInvites`) and one
/// log entry each (`create_invite`, `revoke_invite`), in the same transaction.
extension Moderation {
    /// Invites that can still be used, newest first.
    public static func openInvites(_ conn: Connection, now: Date) throws -> [AdminInvite] {
        try conn.query(AdminInvite.self, """
            SELECT i.id, i.role, o.name AS organisation_name, u.handle AS created_by, i.expires_at, i.max_uses, i.use_count
            FROM invites i JOIN users u ON u.id = i.created_by LEFT JOIN organisations o ON o.id = i.organisation_id
            WHERE i.revoked_at IS NULL AND i.expires_at > ? AND i.use_count < i.max_uses
            ORDER BY i.created_at DESC, i.id DESC LIMIT 200
            """, now)
    }

    /// Makes an invite and returns its code (shown once).
    public static func createInvite(_ store: Store, actor: Actor, role: Role, organisationSlug: String, days: Int, maxUses: Int,
                                    now: Date = Date()) throws -> String {
        guard (1...90).contains(days) else { throw ModerationError.invalid(field: "days", message: "Enter a number of days from 1 to 90") }
        guard (1...10_000).contains(maxUses) else {
            throw ModerationError.invalid(field: "uses", message: "Enter a number of uses from 1 to 10000")
        }
        let code = Digest.base64URL(try SecureRandom.bytes(32))
        let hash = Data(Digest.sha256(Array(code.utf8)))
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .makeInvites, .network, now: now)
            var organisationID: Int64?
            if !organisationSlug.isEmpty {
                guard let id = try tx.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = ?", organisationSlug) else {
                    throw ModerationError.invalid(field: "organisation", message: "Choose an organisation from the list")
                }
                organisationID = id
            }
            try tx.run("""
                INSERT INTO invites(code_hash, role, organisation_id, created_by, created_at, expires_at, max_uses)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, hash, role.rawValue, organisationID, actorID, now, now.addingTimeInterval(Double(days) * 86_400), maxUses)
            try appendLog(tx, actorID: actorID, .createInvite, target: "invite", tx.lastInsertedRowID,
                          reason: "\(role.rawValue), \(maxUses) use\(maxUses == 1 ? "" : "s"), \(days) day\(days == 1 ? "" : "s")", now: now)
        }
        return code
    }

    public static func revokeInvite(_ store: Store, actor: Actor, inviteID: Int64, now: Date = Date()) throws {
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .makeInvites, .network, now: now)
            try tx.run("UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, inviteID)
            guard tx.changes == 1 else { throw ModerationError.notFound }
            try appendLog(tx, actorID: actorID, .revokeInvite, target: "invite", inviteID, reason: "", now: now)
        }
    }
}
