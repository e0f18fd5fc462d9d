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

/// Invites from the administration pages: listed, and revoked with Policy (`makeInvites`) and one
/// `revoke_invite` log entry in the same transaction. They are made by `Accounts.createInvite`.
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
