import Database
import Foundation

/// A member waiting for an admin to confirm that they belong to an organisation (issue 18):
/// they chose it at registration without an invite, or changed it on their account page.
public struct MembershipRequest: Sendable, Equatable, RowDecodable {
    public let userID: Int64
    public let handle: String
    public let displayName: String
    public let email: String
    public let organisationID: Int64
    public let organisationName: String
    public let organisationSlug: String
    public let joinedAt: Date

    public init(row: Row) throws {
        userID = try row["user_id"]; handle = try row["handle"]; displayName = try row["display_name"]
        email = try row["email"]; organisationID = try row["organisation_id"]
        organisationName = try row["organisation_name"]; organisationSlug = try row["organisation_slug"]
        joinedAt = try row["created_at"]
    }
}

/// Confirming organisation memberships: until an admin confirms it, a member cannot read their
/// organisation's private space (`Visibility`). Each answer asks Policy (`manageOrganisations`),
/// changes the account, tells the member, and appends one `edit_organisation` log entry on the
/// user, in one write transaction.
extension Moderation {
    /// Members waiting for confirmation, oldest account first.
    public static func membershipRequests(_ conn: Connection) throws -> [MembershipRequest] {
        try conn.query(MembershipRequest.self, """
            SELECT u.id AS user_id, u.handle, u.display_name, u.email, u.organisation_id, u.created_at,
                   o.name AS organisation_name, o.slug AS organisation_slug
            FROM users u JOIN organisations o ON o.id = u.organisation_id
            WHERE u.organisation_confirmed = 0 AND u.deleted_at IS NULL
            ORDER BY u.created_at, u.id
            """)
    }

    /// Confirms (`confirm`) or declines `userID`'s membership of the organisation they chose
    /// (`organisationID`, as the admin saw it: a member who has since chosen another is not
    /// answered by a stale page). Declining clears their organisation.
    /// - Throws: `ModerationError.notFound` when no such request waits, `.denied` from Policy.
    public static func answerMembership(_ store: Store, actor: Actor, userID: Int64, organisationID: Int64, confirm: Bool,
                                        now: Date = Date()) throws {
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageOrganisations, .network, now: now)
            guard let name = try tx.scalar(String.self, """
                SELECT o.name FROM users u JOIN organisations o ON o.id = u.organisation_id
                WHERE u.id = ? AND u.organisation_id = ? AND u.organisation_confirmed = 0 AND u.deleted_at IS NULL
                """, userID, organisationID) else { throw ModerationError.notFound }
            if confirm {
                try tx.run("UPDATE users SET organisation_confirmed = 1 WHERE id = ?", userID)
            } else {
                try tx.run("UPDATE users SET organisation_id = NULL, organisation_confirmed = 0 WHERE id = ?", userID)
            }
            try Notifications.recordOrganisationDecided(tx, memberID: userID, organisationID: organisationID, confirmed: confirm,
                                                        actorID: actorID, now: now)
            // The log is public: a confirmed membership is public on the profile anyway; a
            // declined one does not name the organisation.
            try appendLog(tx, actorID: actorID, .editOrganisation, target: "user", userID,
                          reason: confirm ? "Confirmed as a member of \(name)" : "Membership request not confirmed", now: now)
        }
    }
}
