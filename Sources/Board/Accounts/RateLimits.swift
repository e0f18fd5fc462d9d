import Database
import Foundation

/// Sign-in throttling over `login_attempts`: per account name (whatever was typed, whether or
/// not such an account exists, so the answer never reveals it) and per client address.
///
/// Failures count within `failureWindow`, and only those after the last success. With `n`
/// failures on an account name: up to `freeFailures` no delay; then the next attempt must wait
/// 2^(n − freeFailures) seconds after the last failure (1, 2, 4 … s); at `lockAfterFailures`
/// the name is locked for `lockDuration` after the last failure. An address with
/// `addressLockAfterFailures` failures is locked the same way.
public enum SignInThrottle {
    /// When the next attempt is allowed, or nil when it is allowed now.
    static func retryAfter(_ conn: Connection, accountKey: String, address: String, now: Date, limits: AccountLimits) throws -> Date? {
        let windowStart = now.addingTimeInterval(-limits.failureWindow)
        func failures(scope: String, key: String) throws -> (count: Int, last: Date?) {
            let lastSuccess = try conn.scalar(Date.self, """
                SELECT max(attempted_at) FROM login_attempts WHERE scope = ? AND key = ? AND succeeded = 1 AND attempted_at > ?
                """, scope, key, windowStart)
            let since = max(windowStart, lastSuccess ?? windowStart)
            var count = 0
            var last: Date?
            try conn.forEach("""
                SELECT count(*) AS failures, max(attempted_at) AS last_attempted_at FROM login_attempts
                 WHERE scope = ? AND key = ? AND succeeded = 0 AND attempted_at > ?
                """, arguments: [scope, key, since]) { row in
                count = try row["failures"]
                last = try row["last_attempted_at"]
            }
            return (count, last)
        }
        var retry: Date?
        let account = try failures(scope: "account", key: accountKey)
        if let last = account.last {
            if account.count >= limits.lockAfterFailures {
                retry = last.addingTimeInterval(limits.lockDuration)
            } else if account.count >= limits.freeFailures {
                retry = last.addingTimeInterval(pow(2, Double(account.count - limits.freeFailures)))
            }
        }
        let byAddress = try failures(scope: "address", key: address)
        if let last = byAddress.last, byAddress.count >= limits.addressLockAfterFailures {
            let until = last.addingTimeInterval(limits.lockDuration)
            retry = max(retry ?? until, until)
        }
        guard let retry, retry > now else { return nil }
        return retry
    }

    static func record(_ tx: Connection, accountKey: String, address: String, succeeded: Bool, at now: Date) throws {
        try tx.run("INSERT INTO login_attempts(scope, key, attempted_at, succeeded) VALUES ('account', ?, ?, ?)", accountKey, now, succeeded)
        try tx.run("INSERT INTO login_attempts(scope, key, attempted_at, succeeded) VALUES ('address', ?, ?, ?)", address, now, succeeded)
    }

    /// The key an attempt is counted under: what was typed, folded, at most 254 characters.
    static func accountKey(_ identifier: String) -> String {
        let folded = identifier.trimmingCharacters(in: .whitespaces).lowercased()
        return folded.isEmpty ? "-" : String(folded.prefix(254))
    }

    static func addressKey(_ address: String) -> String {
        address.isEmpty ? "-" : String(address.prefix(254))
    }
}

/// What a new or suspended account may post; Board's posting services call
/// `Accounts.postingAllowance(_:account:now:limits:)` inside their write.
public struct PostingAllowance: Sendable, Equatable {
    /// Whether a post may be made now.
    public let allowed: Bool
    /// Posts left today for a new account; nil when not limited.
    public let remainingToday: Int?
    /// Whether the post should be held for approval (the `hold_first_posts_of_new_members` setting).
    public let holdForApproval: Bool
    /// Why not, in words for the person, when `allowed` is false.
    public let reason: String?
}

extension Accounts {
    /// Posting limits for accounts in their first days, and for suspended accounts.
    ///
    /// A member (not mentors or admins) whose account is younger than `newAccountPeriod` may make
    /// `newAccountPostsPerDay` posts in any 24 hours, and their posts are held for approval when
    /// the instance setting says so. Call it in the same write that inserts the post.
    public static func postingAllowance(_ conn: Connection, account: Account, now: Date, limits: AccountLimits = AccountLimits()) throws -> PostingAllowance {
        if account.isSuspended(at: now) {
            return PostingAllowance(allowed: false, remainingToday: 0, holdForApproval: false,
                                    reason: "Your account is suspended, so you cannot post")
        }
        guard account.role == .member, now.timeIntervalSince(account.createdAt) < limits.newAccountPeriod else {
            return PostingAllowance(allowed: true, remainingToday: nil, holdForApproval: false, reason: nil)
        }
        let since = now.addingTimeInterval(-86_400)
        let recent = try conn.scalar(Int.self, "SELECT count(*) FROM posts WHERE author_id = ? AND created_at > ?", account.id, since) ?? 0
        let remaining = max(0, limits.newAccountPostsPerDay - recent)
        let hold = try conn.scalar(String.self, "SELECT value FROM settings WHERE key = 'hold_first_posts_of_new_members'") == "1"
        return PostingAllowance(allowed: remaining > 0, remainingToday: remaining, holdForApproval: hold,
                                reason: remaining > 0 ? nil : "New accounts can post \(limits.newAccountPostsPerDay) times a day. Try again tomorrow")
    }
}
