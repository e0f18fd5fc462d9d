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
    /// The confirmed organisation they had when they asked, which they keep if declined.
    public let previousOrganisationName: String?
    public let joinedAt: Date

    public init(row: Row) throws {
        userID = try row["user_id"]; handle = try row["handle"]; displayName = try row["display_name"]
        email = try row["email"]; organisationID = try row["organisation_id"]
        organisationName = try row["organisation_name"]; organisationSlug = try row["organisation_slug"]
        previousOrganisationName = try row["previous_organisation_name"]
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
                   o.name AS organisation_name, o.slug AS organisation_slug, p.name AS previous_organisation_name
            FROM users u JOIN organisations o ON o.id = u.organisation_id
            LEFT JOIN organisations p ON p.id = u.previous_organisation_id
            WHERE u.organisation_confirmed = 0 AND u.deleted_at IS NULL
            ORDER BY u.created_at, u.id
            """)
    }

    /// Confirms (`confirm`) or declines `userID`'s membership of the organisation they chose
    /// (`organisationID`, as the admin saw it: a member who has since chosen another is not
    /// answered by a stale page). Declining gives them back the confirmed organisation they had
    /// before they asked (`previous_organisation_id`), or none if they had none. Either way the
    /// admins' notifications of the request are done (`Notifications.adminWorkDone`).
    /// - Returns: what the answer did, or `.alreadyAnswered` (who answered and when) when
    ///   another admin, or a second press of the button, answered it first.
    /// - Throws: `ModerationError.notFound` when no such request waits or was answered,
    ///   `.denied` from Policy.
    @discardableResult
    public static func answerMembership(_ store: Store, actor: Actor, userID: Int64, organisationID: Int64, confirm: Bool,
                                        now: Date = Date()) throws -> MembershipAnswer {
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageOrganisations, .network, now: now)
            guard let request = try tx.queryOne(PendingMembership.self, """
                SELECT o.name AS requested, u.previous_organisation_id AS previous_id, p.name AS previous
                FROM users u JOIN organisations o ON o.id = u.organisation_id
                LEFT JOIN organisations p ON p.id = u.previous_organisation_id
                WHERE u.id = ? AND u.organisation_id = ? AND u.organisation_confirmed = 0 AND u.deleted_at IS NULL
                """, userID, organisationID) else {
                // The member has since asked for another organisation: this page is stale, not answered.
                let waitsForAnother = try tx.scalar(Bool.self, """
                    SELECT organisation_id IS NOT NULL AND organisation_confirmed = 0 FROM users WHERE id = ? AND deleted_at IS NULL
                    """, userID) ?? false
                guard !waitsForAnother, let answer = try tx.queryOne(EarlierAnswer.self, """
                    SELECT a.display_name, l.created_at FROM moderation_log l JOIN users a ON a.id = l.actor_id
                    WHERE l.action = 'edit_organisation' AND l.target_type = 'user' AND l.target_id = ?
                    ORDER BY l.created_at DESC, l.id DESC LIMIT 1
                    """, userID) else { throw ModerationError.notFound }
                return .alreadyAnswered(by: answer.name, at: answer.at)
            }
            if confirm {
                try tx.run("UPDATE users SET organisation_confirmed = 1, previous_organisation_id = NULL WHERE id = ?", userID)
            } else {
                try tx.run("""
                    UPDATE users SET organisation_id = ?1, organisation_confirmed = (?1 IS NOT NULL), previous_organisation_id = NULL
                    WHERE id = ?2
                    """, request.previousID, userID)
            }
            try Notifications.adminWorkDone(tx, .membership(userID: userID), now: now)
            try Notifications.recordOrganisationDecided(tx, memberID: userID, organisationID: organisationID, confirmed: confirm,
                                                        actorID: actorID, now: now)
            // Admins only read these entries (`ModerationQueries.log`): they name the member's organisations.
            let reason = confirm ? "Confirmed as a member of \(request.requested)"
                : "Not confirmed as a member of \(request.requested)"
                    + (request.previous.map { "; remains a member of \($0)" } ?? "; has no organisation")
            try appendLog(tx, actorID: actorID, .editOrganisation, target: "user", userID, reason: reason, now: now)
            return confirm ? .confirmed(organisation: request.requested) : .declined(requested: request.requested, kept: request.previous)
        }
    }

    /// A member chose `organisationID` (nil: none) on their account page, in the caller's
    /// transaction. Keeping the same one changes nothing. Going back to the confirmed one they
    /// had before a request is confirmed at once. Any other needs an admin: the member keeps
    /// the confirmed organisation they leave as `previous_organisation_id` (given back if the
    /// request is declined), and the admins hear of it. A request it replaces is done.
    static func chooseOrganisation(_ tx: Connection, userID: Int64, organisationID: Int64?, now: Date) throws {
        guard let member = try tx.queryOne(MemberOrganisation.self, """
            SELECT organisation_id, organisation_confirmed, previous_organisation_id FROM users WHERE id = ?
            """, userID), member.currentID != organisationID else { return }
        let waiting = member.currentID != nil && !member.confirmed
        if waiting { try Notifications.adminWorkDone(tx, .membership(userID: userID), now: now) }
        guard let organisationID else {
            try tx.run("""
                UPDATE users SET organisation_id = NULL, organisation_confirmed = 0, previous_organisation_id = NULL WHERE id = ?
                """, userID)
            return
        }
        if waiting, member.previousID == organisationID {
            try tx.run("""
                UPDATE users SET organisation_id = ?, organisation_confirmed = 1, previous_organisation_id = NULL WHERE id = ?
                """, organisationID, userID)
            return
        }
        let previous = member.confirmed ? member.currentID : member.previousID
        try tx.run("""
            UPDATE users SET organisation_id = ?, organisation_confirmed = 0, previous_organisation_id = ? WHERE id = ?
            """, organisationID, previous, userID)
        try Notifications.recordOrganisationRequested(tx, memberID: userID, organisationID: organisationID, now: now)
    }
}

/// What an admin's answer to a membership request did.
public enum MembershipAnswer: Sendable, Equatable {
    case confirmed(organisation: String)
    /// Declined; the member keeps `kept`, the organisation they had before asking (nil: none).
    case declined(requested: String, kept: String?)
    /// Someone answered first (another admin, or the same form sent twice).
    case alreadyAnswered(by: String, at: Date)
}

private struct PendingMembership: RowDecodable {
    let requested: String, previousID: Int64?, previous: String?
    init(row: Row) throws { requested = try row["requested"]; previousID = try row["previous_id"]; previous = try row["previous"] }
}

private struct EarlierAnswer: RowDecodable {
    let name: String, at: Date
    init(row: Row) throws { name = try row["display_name"]; at = try row["created_at"] }
}

private struct MemberOrganisation: RowDecodable {
    let currentID: Int64?, confirmed: Bool, previousID: Int64?
    init(row: Row) throws {
        currentID = try row["organisation_id"]; confirmed = try row["organisation_confirmed"]; previousID = try row["previous_organisation_id"]
    }
}
