import Database
import Foundation

extension Accounts {
    public enum SignInOutcome: Sendable {
        case signedIn(NewSession, Account)
        /// The password was right and the account uses two-factor: the session is pending
        /// until the code is given.
        case twoFactorRequired(NewSession)
        /// Wrong details; the message does not say which part, nor whether the account exists.
        case refused(String)
        /// Too many recent failures for this name or address.
        case throttled(until: Date)
    }

    public static let refusedMessage = "Enter a correct handle or email address and password"

    /// Signs in by handle or email address.
    /// - Parameters:
    ///   - address: the client's address, for the per-address limit.
    ///   - userAgent: shown on the "your sessions" page.
    public func signIn(identifier: String, password: String, address: String, userAgent: String) throws -> SignInOutcome {
        let now = clock.now()
        let addressKey = SignInThrottle.addressKey(address)
        let limits = self.limits
        let lookup = identifier.trimmingCharacters(in: .whitespaces)
        let (retry, found, key): (Date?, (Int64, String, Bool)?, String) = try store.read { conn in
            var found: (Int64, String, Bool)?
            try conn.forEach("""
                SELECT id, password_hash, totp_enabled_at IS NOT NULL AS two_factor_enabled FROM users
                 WHERE (handle = ?1 OR email = ?1) AND deleted_at IS NULL LIMIT 1
                """, arguments: [lookup]) { row in
                found = (try row["id"], try row["password_hash"], try row["two_factor_enabled"])
            }
            // The handle and the email address of one account are one key (issue 16).
            let key = SignInThrottle.accountKey(identifier, resolvedTo: found?.0)
            let retry = try SignInThrottle.retryAfter(conn, accountKey: key, address: addressKey, now: now, limits: limits)
            return (retry, found, key)
        }
        if let retry {
            SignInThrottle.throttledPasswords.increment()
            return .throttled(until: retry)
        }
        // A missing account still costs one scrypt, so timing does not reveal it either.
        let matches = hasher.verify(password, against: found?.1 ?? decoyHash) && found != nil && !password.isEmpty
        try store.write { tx in
            try SignInThrottle.record(tx, accountKey: key, address: addressKey, succeeded: matches, at: now)
        }
        guard matches, let (userID, hash, twoFactor) = found else { return .refused(Self.refusedMessage) }
        if hasher.needsRehash(hash) { try setPasswordHashOnly(userID: userID, password) }
        if twoFactor {
            return .twoFactorRequired(try startSession(userID: userID, userAgent: userAgent, pendingTwoFactor: true))
        }
        let session = try startSession(userID: userID, userAgent: userAgent)
        try pruneIfDue()
        guard let account = try account(id: userID) else { return .refused(Self.refusedMessage) }
        return .signedIn(session, account)
    }

    private func setPasswordHashOnly(userID: Int64, _ password: String) throws {
        let hash = try hasher.hash(password)
        try store.write { tx in try tx.run("UPDATE users SET password_hash = ? WHERE id = ?", hash, userID) }
    }
}
