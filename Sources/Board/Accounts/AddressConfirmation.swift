import Database
import Foundation

/// Where an account's email address stands: confirmed or not, and a change waiting for its link.
public struct EmailStatus: Sendable, Equatable {
    public let address: String
    public let confirmed: Bool
    /// A new address the member asked for, whose confirmation link is still live.
    public let pendingAddress: String?

    public init(address: String, confirmed: Bool, pendingAddress: String?) {
        self.address = address
        self.confirmed = confirmed
        self.pendingAddress = pendingAddress
    }
}

/// Address confirmation (issue 15): a link mailed at registration and on a change of address.
/// Until an address is confirmed only security mail goes to it. A change of address takes
/// effect only when the link sent to the new address is followed, so a typing mistake never
/// leaves the account with an address its owner cannot read, and the form never tells whether
/// another account has the address.
extension Accounts {
    public enum ConfirmOutcome: Sendable, Equatable {
        /// Confirmed; `changed` when the link made it the account's new address.
        case confirmed(address: String, changed: Bool, userID: Int64)
        case invalid(AccountToken.Problem)
        /// The new address belongs to another account by now; nothing changed.
        case addressTaken
    }

    /// Whether an account other than `userID` has `email` (compared without case, as the column
    /// is), deleted ones aside (theirs is `deleted-<id>@invalid`). The one rule for a change of
    /// address: no link is mailed to such an address (`AccountToken.issue`, and again when the
    /// message is sent, `securityMail(for:now:)`), and no link moves it (`confirmEmail`).
    static func addressHeldByAnother(_ conn: Connection, _ email: String, userID: Int64) throws -> Bool {
        try conn.scalar(Int.self, "SELECT 1 FROM users WHERE email = ? AND id <> ?", email, userID) != nil
    }

    /// Whether and when the address was confirmed, and any change waiting.
    public func emailStatus(userID: Int64) throws -> EmailStatus? {
        let now = clock.now()
        return try store.read { conn in
            var found: (String, Bool)?
            try conn.forEach("SELECT email, email_confirmed_at IS NOT NULL AS confirmed FROM users WHERE id = ? AND deleted_at IS NULL",
                             arguments: [userID]) { row in found = (try row["email"], try row["confirmed"]) }
            guard let (address, confirmed) = found else { return nil }
            let pending = try conn.scalar(String.self, """
                SELECT email FROM account_tokens
                 WHERE user_id = ? AND purpose = 'confirm_address' AND used_at IS NULL AND expires_at > ? AND email <> ?
                 ORDER BY id DESC LIMIT 1
                """, userID, now, address)
            return EmailStatus(address: address, confirmed: confirmed, pendingAddress: pending)
        }
    }

    public enum ConfirmationLink: Sendable, Equatable {
        /// The link can be used: it confirms `address`.
        case live(address: String)
        case unusable(AccountToken.Problem)
    }

    /// What a confirmation link would confirm, without using it: the page the link opens shows
    /// the address and a button, and only the button (`confirmEmail`) confirms. Mail scanners
    /// open every link in a message; if opening one confirmed, a scanner at a mistyped but real
    /// address would confirm it for its owner, and that stranger would then get the reset links.
    public func confirmationLink(token: String) throws -> ConfirmationLink {
        let now = clock.now()
        return try store.read { conn in
            switch try AccountToken.find(conn, token, purpose: .confirmAddress, now: now) {
            case .failure(let error): .unusable(error.problem)
            case .success(let stored): .live(address: stored.email)
            }
        }
    }

    /// Confirms the address of a confirmation link (its page's button), signed in or not.
    public func confirmEmail(token: String) throws -> ConfirmOutcome {
        let now = clock.now()
        return try store.write { tx in
            let stored: AccountToken.Stored
            switch try AccountToken.find(tx, token, purpose: .confirmAddress, now: now) {
            case .failure(let error): return .invalid(error.problem)
            case .success(let found): stored = found
            }
            guard let current = try tx.scalar(String.self, "SELECT email FROM users WHERE id = ?", stored.userID) else {
                return .invalid(.unknown)
            }
            let changed = current.lowercased() != stored.email.lowercased()
            if changed {
                if try Self.addressHeldByAnother(tx, stored.email, userID: stored.userID) { return .addressTaken }
                let oldConfirmed = try tx.scalar(Int.self, "SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = ?", stored.userID) == 1
                try tx.run("UPDATE users SET email = ?, email_confirmed_at = ? WHERE id = ?", stored.email, now, stored.userID)
                // The old address is told, so a change made by someone else does not go unseen. An
                // old address never confirmed is told without the new one: it may be a mistyped
                // address, a stranger's, who must not learn where the member's mail now goes.
                try AccountNotice.queue(tx, .emailChanged, userID: stored.userID, to: current,
                                        newAddress: oldConfirmed ? stored.email : nil, now: now)
                // Reset links went to the old address; they end with it.
                try tx.run("""
                    UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'password_reset' AND used_at IS NULL
                    """, now, stored.userID)
            } else {
                try tx.run("UPDATE users SET email_confirmed_at = coalesce(email_confirmed_at, ?) WHERE id = ?", now, stored.userID)
            }
            // Every live confirmation link for this address is spent by the first one followed;
            // after a change, so is every link to the old address: an old link left in that inbox
            // (the registration's, say) must not move the account back.
            try tx.run("""
                UPDATE account_tokens SET used_at = ?
                 WHERE user_id = ? AND purpose = 'confirm_address' AND used_at IS NULL AND (? OR email = ? COLLATE NOCASE)
                """, now, stored.userID, changed, stored.email)
            return .confirmed(address: stored.email, changed: changed, userID: stored.userID)
        }
    }

    public enum EmailChangeOutcome: Sendable, Equatable {
        /// A link went to the new address; the account keeps its address until it is followed.
        case linkSent(to: String)
        case invalid([FieldError])
        /// A link went to that address less than a minute ago, or five went today (`AccountToken.mayIssue`): the
        /// field error says so, and the page answers 429.
        case tooSoon(FieldError)
    }

    /// Asks to change the account's address: checks the password and the address, then mails a
    /// confirmation link to the new address. Whether another account has it is not said: the
    /// answer, the account page and the limits are the same, but no link goes to an address
    /// another account holds (`AccountToken.issue`), so its owner is sent nothing and nothing
    /// can move it. The link page says so if an address was taken after its link went.
    /// - Parameter address: the client's address, for the throttle on the password (`confirmPassword`).
    /// - Throws: `PasswordAttemptsThrottled` after too many wrong passwords.
    public func requestEmailChange(userID: Int64, newEmail: String, password: String, address: String) throws -> EmailChangeOutcome {
        let email = newEmail.trimmingCharacters(in: .whitespaces)
        var errors: [FieldError] = []
        guard let current = try store.read({
            try $0.scalar(String.self, "SELECT email FROM users WHERE id = ? AND deleted_at IS NULL", userID)
        }) else { return .invalid([FieldError("email", "Your account could not be found")]) }
        if let problem = Self.emailProblem(email) {
            errors.append(FieldError("email", problem == "Enter your email address" ? "Enter your new email address" : problem))
        } else if email.lowercased() == current.lowercased() {
            errors.append(FieldError("email", "That is already your email address"))
        }
        switch try confirmPassword(userID: userID, password, address: address) {
        case .confirmed: break
        case .missing: errors.append(FieldError("password", "Enter your password"))
        case .wrong: errors.append(FieldError("password", "Your password is not right"))
        }
        if !errors.isEmpty { return .invalid(errors) }
        let token = try AccountToken.make()
        let now = clock.now()
        let sent = try store.write { tx -> Bool in
            guard try AccountToken.mayIssue(tx, purpose: .confirmAddress, userID: userID, email: email, now: now) else { return false }
            try AccountToken.issue(tx, purpose: .confirmAddress, userID: userID, email: email, token: token, now: now)
            return true
        }
        guard sent else {
            return .tooSoon(FieldError("email", "A confirmation link went to that address less than a minute ago, or five links were sent today. Wait a minute (or until tomorrow) and try again"))
        }
        return .linkSent(to: email)
    }

    public enum ResendOutcome: Sendable, Equatable {
        case sent(to: String)
        case alreadyConfirmed
        /// A link went less than a minute ago, or five went today (`AccountToken.mayIssue`).
        case tooSoon
    }

    /// Sends a new confirmation link: to the address waiting to replace the current one if
    /// there is one, otherwise to the current address if it is not confirmed.
    public func resendConfirmation(userID: Int64) throws -> ResendOutcome {
        guard let status = try emailStatus(userID: userID) else { return .alreadyConfirmed }
        guard let address = status.pendingAddress ?? (status.confirmed ? nil : status.address) else { return .alreadyConfirmed }
        let token = try AccountToken.make()
        let now = clock.now()
        return try store.write { tx in
            guard try AccountToken.mayIssue(tx, purpose: .confirmAddress, userID: userID, email: address, now: now) else { return .tooSoon }
            try AccountToken.issue(tx, purpose: .confirmAddress, userID: userID, email: address, token: token, now: now)
            return .sent(to: address)
        }
    }
}
