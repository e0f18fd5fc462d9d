import Database
import Foundation

/// An invite's terms, as found by its code.
public struct Invite: Sendable, Equatable {
    public let id: Int64
    public let role: Role
    public let organisationID: Int64?
    public let expiresAt: Date
    public let usesLeft: Int
}

extension Accounts {
    public enum InviteError: Error, Equatable, CustomStringConvertible {
        case noAdmin

        public var description: String {
            switch self {
            case .noAdmin: "Invites are made by an admin; add one first with `mutuals user add --role admin`."
            }
        }
    }

    /// Makes an invite: the one way invites are made, from the admin pages and the command
    /// line. Policy (`makeInvites`) is asked and one `create_invite` entry is logged in the same
    /// transaction. Only the SHA-256 of the code is stored; the code is returned once.
    /// - Parameters:
    ///   - createdBy: the admin making it; nil for the command line, whose operator holds the
    ///     database: the invite is made and logged in the first admin's name.
    ///   - validFor: how long it can be used (default 14 days).
    ///   - maxUses: how many accounts it can create (default 1).
    /// - Throws: `ModerationError` (refused, or an unknown organisation or number of uses);
    ///   `InviteError.noAdmin` from the command line when there is no admin.
    public func createInvite(role: Role, organisationSlug: String?, createdBy actor: Actor?, validFor: TimeInterval = 14 * 86_400,
                             maxUses: Int = 1) throws -> String {
        guard (1...10_000).contains(maxUses) else {
            throw ModerationError.invalid(field: "uses", message: "Enter a number of uses from 1 to 10000")
        }
        let code = Digest.base64URL(try SecureRandom.bytes(32))
        let hash = Data(Digest.sha256(Array(code.utf8)))
        let now = clock.now()
        let days = Int((validFor / 86_400).rounded(.up))
        try store.write { tx in
            let creator: Int64
            if let actor {
                guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
                try Moderation.require(actor, .makeInvites, .network, now: now)
                creator = actorID
            } else {
                guard let firstAdmin = try tx.scalar(Int64.self, "SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL ORDER BY id LIMIT 1")
                else { throw InviteError.noAdmin }
                creator = firstAdmin
            }
            var organisationID: Int64?
            if let slug = organisationSlug, !slug.isEmpty {
                guard let id = try tx.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = ?", slug) else {
                    throw ModerationError.invalid(field: "organisation", message: "Choose an organisation from the list")
                }
                organisationID = id
            }
            try tx.run("""
                INSERT INTO invites(code_hash, role, organisation_id, created_by, created_at, expires_at, max_uses)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, hash, role.rawValue, organisationID, creator, now, now.addingTimeInterval(validFor), maxUses)
            try Moderation.appendLog(tx, actorID: creator, .createInvite, target: "invite", tx.lastInsertedRowID,
                                     reason: "\(role.rawValue), \(maxUses) use\(maxUses == 1 ? "" : "s"), \(days) day\(days == 1 ? "" : "s")", now: now)
        }
        return code
    }

    /// Whether the network has an admin (not deleted). A new network has none: the first is
    /// made with `mutuals user add --role admin`, and `serve` says so at start while there is none.
    public func hasAdmin() throws -> Bool {
        try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM users WHERE role = 'admin' AND deleted_at IS NULL") ?? 0 } > 0
    }

    /// The invite for `code` when it can still be used (not expired, revoked or used up).
    public func invite(code: String) throws -> Invite? {
        guard !code.isEmpty, code.utf8.count <= 100 else { return nil }
        let hash = Data(Digest.sha256(Array(code.utf8)))
        let now = clock.now()
        return try store.read { conn in
            var invite: Invite?
            try conn.forEach("""
                SELECT id, role, organisation_id, expires_at, max_uses - use_count AS uses_left FROM invites
                 WHERE code_hash = ? AND revoked_at IS NULL AND expires_at > ? AND use_count < max_uses
                """, arguments: [hash, now]) { row in
                let id: Int64 = try row["id"]
                let role: String = try row["role"]
                invite = Invite(id: id, role: Role(rawValue: role) ?? .member, organisationID: try row["organisation_id"],
                                expiresAt: try row["expires_at"], usesLeft: try row["uses_left"])
            }
            return invite
        }
    }
}

/// Invites on the admin pages: the open ones, made and revoked with Policy (`makeInvites`) and
/// one log entry each.
public struct InvitesService: Sendable {
    let store: Store
    let accounts: Accounts

    /// Invites that can still be used, newest first.
    public func open() throws -> [AdminInvite] {
        let now = accounts.clock.now()
        return try store.read { try Moderation.openInvites($0, now: now) }
    }

    /// Makes an invite valid for `days` (1 to 90) and returns its code (shown once).
    /// - Throws: `ModerationError`.
    public func create(by actor: Actor, role: Role, organisationSlug: String, days: Int, maxUses: Int) throws -> String {
        guard (1...90).contains(days) else { throw ModerationError.invalid(field: "days", message: "Enter a number of days from 1 to 90") }
        return try accounts.createInvite(role: role, organisationSlug: organisationSlug, createdBy: actor,
                                         validFor: Double(days) * 86_400, maxUses: maxUses)
    }

    /// - Throws: `ModerationError` (`.notFound` when there is no such open invite).
    public func revoke(by actor: Actor, inviteID: Int64) throws {
        try Moderation.revokeInvite(store, actor: actor, inviteID: inviteID, now: accounts.clock.now())
    }
}
