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
        case noSuchOrganisation(String)
        case noAdmin
        case invalidUses

        public var description: String {
            switch self {
            case .noSuchOrganisation(let slug): "There is no organisation with the slug \(slug)."
            case .noAdmin: "Invites are made by an admin; add one first with `mutuals user add --role admin`."
            case .invalidUses: "An invite can be used between 1 and 10000 times."
            }
        }
    }

    /// Makes an invite. Only the SHA-256 of the code is stored; the code is returned once.
    /// - Parameters:
    ///   - createdBy: the admin making it; nil picks the first admin (CLI).
    ///   - validFor: how long it can be used (default 14 days).
    ///   - maxUses: how many accounts it can create (default 1).
    public func createInvite(role: Role, organisationSlug: String?, createdBy: Int64?, validFor: TimeInterval = 14 * 86_400,
                             maxUses: Int = 1) throws -> String {
        guard (1...10_000).contains(maxUses) else { throw InviteError.invalidUses }
        let raw = try SecureRandom.bytes(32)
        let code = Digest.base64URL(raw)
        let hash = Data(Digest.sha256(Array(code.utf8)))
        let now = clock.now()
        let expires = now.addingTimeInterval(validFor)
        try store.write { tx in
            var organisationID: Int64?
            if let slug = organisationSlug, !slug.isEmpty {
                guard let id = try tx.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = ?", slug) else {
                    throw InviteError.noSuchOrganisation(slug)
                }
                organisationID = id
            }
            let creator: Int64? = if let createdBy { createdBy } else {
                try tx.scalar(Int64.self, "SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL ORDER BY id LIMIT 1")
            }
            guard let creator else { throw InviteError.noAdmin }
            try tx.run("""
                INSERT INTO invites(code_hash, role, organisation_id, created_by, created_at, expires_at, max_uses)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, hash, role.rawValue, organisationID, creator, now, expires, maxUses)
        }
        return code
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
