import Database
import Foundation

/// Password reset by mail (issue 15). Asking answers the same whether or not the address has an
/// account, and costs the same (one scrypt, one durable write); it is throttled as sign-in is,
/// per address typed and per client address (`SignInThrottle`, under keys of their own). The
/// link is single-use, lasts an hour and is stored hashed; using it sets the password, ends
/// every session of the account, spends every other reset link, and confirms the address it was
/// sent to. Two-factor sign-in is still asked for afterwards: the reset changes only the password.
extension Accounts {
    public enum ResetRequestOutcome: Sendable, Equatable {
        /// The one answer: "if the address has an account, a link is on its way".
        case accepted
        case throttled(until: Date)
    }

    /// Asks for a reset link for `email`.
    /// - Parameter address: the client's address, for the per-address limit.
    public func requestPasswordReset(email: String, address: String) throws -> ResetRequestOutcome {
        let now = clock.now()
        let typed = email.trimmingCharacters(in: .whitespaces)
        let accountKey = SignInThrottle.accountKey(typed, prefix: "reset:")
        let addressKey = SignInThrottle.storable("reset:" + SignInThrottle.addressKey(address))
        let limits = self.limits
        let (retry, userID): (Date?, Int64?) = try store.read { conn in
            let retry = try SignInThrottle.retryAfter(conn, accountKey: accountKey, address: addressKey, now: now, limits: limits)
            let userID = Self.emailProblem(typed) == nil
                ? try conn.scalar(Int64.self, "SELECT id FROM users WHERE email = ? AND deleted_at IS NULL", typed) : nil
            return (retry, userID)
        }
        if let retry { return .throttled(until: retry) }
        // The same work whether or not the address has an account: one scrypt ...
        _ = hasher.verify(typed, against: decoyHash)
        let token = try AccountToken.make()
        // ... and one durable write, which counts the request like a failed sign-in.
        try store.write { tx in
            try SignInThrottle.record(tx, accountKey: accountKey, address: addressKey, succeeded: false, at: now)
            // An account already sent a link in the last minute, or five today, gets no more: the
            // answer stays the same, so it says nothing about whether the account exists.
            if let userID, let stored = try tx.scalar(String.self, "SELECT email FROM users WHERE id = ?", userID),
               try AccountToken.mayIssue(tx, purpose: .passwordReset, userID: userID, email: stored, now: now) {
                try AccountToken.issue(tx, purpose: .passwordReset, userID: userID, email: stored, token: token, now: now)
            }
        }
        return .accepted
    }

    /// Whether a reset link can still be used, for the page that asks for the new password.
    public func resetLinkProblem(token: String) throws -> AccountToken.Problem? {
        let now = clock.now()
        return try store.read { conn in
            if case .failure(let error) = try AccountToken.find(conn, token, purpose: .passwordReset, now: now) { return error.problem }
            return nil
        }
    }

    public enum ResetOutcome: Sendable, Equatable {
        /// The password is set and every session ended; `handle` is for the sign-in form.
        case reset(handle: String)
        case invalidLink(AccountToken.Problem)
        case invalid([FieldError])
    }

    /// Sets a new password through a reset link.
    public func resetPassword(token: String, newPassword: String) throws -> ResetOutcome {
        let now = clock.now()
        // Checked before the hash, so a dead link costs no scrypt; checked again in the write.
        let account: Account? = try store.read { conn in
            guard case .success(let stored) = try AccountToken.find(conn, token, purpose: .passwordReset, now: now) else { return nil }
            return try Self.account(conn, id: stored.userID)
        }
        guard let account else { return .invalidLink(try resetLinkProblem(token: token) ?? .unknown) }
        if newPassword.isEmpty { return .invalid([FieldError("newPassword", "Enter a new password")]) }
        if let problem = PasswordRules.problem(with: newPassword, handle: account.handle, email: account.email) {
            return .invalid([FieldError("newPassword", problem)])
        }
        let hash = try hasher.hash(newPassword)
        return try store.write { tx in
            guard case .success(let stored) = try AccountToken.find(tx, token, purpose: .passwordReset, now: now),
                  stored.userID == account.id
            else { return .invalidLink(.used) }
            try tx.run("UPDATE users SET password_hash = ? WHERE id = ?", hash, stored.userID)
            try tx.run("DELETE FROM sessions WHERE user_id = ?", stored.userID)
            try tx.run("""
                UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'password_reset' AND used_at IS NULL
                """, now, stored.userID)
            // The link reached this address, so the address is confirmed (if it is still the account's).
            try tx.run("""
                UPDATE users SET email_confirmed_at = coalesce(email_confirmed_at, ?) WHERE id = ? AND email = ?
                """, now, stored.userID, stored.email)
            return .reset(handle: account.handle)
        }
    }
}
