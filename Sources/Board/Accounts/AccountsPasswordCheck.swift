import Database
import Foundation

/// A password re-check refused because of recent wrong passwords: nothing was checked or
/// changed. The forms show it on their password field, with HTTP 429 and `Retry-After`.
public struct PasswordAttemptsThrottled: Error, Sendable, Equatable {
    /// When the next attempt is allowed.
    public let until: Date

    public init(until: Date) { self.until = until }
}

extension Accounts {
    /// What the current password typed on a signed-in form turned out to be.
    enum PasswordConfirmation: Sendable, Equatable {
        case confirmed
        /// Nothing typed: not an attempt, no hash computed, nothing counted.
        case missing
        case wrong
    }

    /// The one check of the current password that every change asking for it makes first: a new
    /// email address, a new password, turning two-factor off, deleting the account.
    ///
    /// Someone holding a stolen session could otherwise guess the password here without limit,
    /// so a re-check is a sign-in attempt: it is counted and throttled by the sign-in rule
    /// (`SignInThrottle`), under the key signing in uses for the account (`account:<id>`) and the
    /// client's address. Guesses here and at the sign-in form add up, and a right password
    /// clears the account's earlier failures as a sign-in does.
    /// - Parameter address: the client's address, for the per-address limit.
    /// - Throws: `PasswordAttemptsThrottled` while the throttle says to wait.
    func confirmPassword(userID: Int64, _ password: String, address: String) throws -> PasswordConfirmation {
        let now = clock.now()
        let accountKey = SignInThrottle.accountKey("", resolvedTo: userID)
        let addressKey = SignInThrottle.addressKey(address)
        let limits = self.limits
        let (retry, stored): (Date?, String?) = try store.read { conn in
            (try SignInThrottle.retryAfter(conn, accountKey: accountKey, address: addressKey, now: now, limits: limits),
             try conn.scalar(String.self, "SELECT password_hash FROM users WHERE id = ? AND deleted_at IS NULL", userID))
        }
        if let retry {
            SignInThrottle.throttledRechecks.increment()
            throw PasswordAttemptsThrottled(until: retry)
        }
        if password.isEmpty { return .missing }
        let matches = hasher.verify(password, against: stored ?? decoyHash) && stored != nil
        try store.write { tx in
            try SignInThrottle.record(tx, accountKey: accountKey, address: addressKey, succeeded: matches, at: now)
        }
        return matches ? .confirmed : .wrong
    }
}
