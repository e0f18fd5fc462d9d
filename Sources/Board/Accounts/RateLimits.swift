import Database
import Foundation
import Metrics
#if canImport(Glibc)
import Glibc
#endif

/// Sign-in throttling over `login_attempts`: per account and per client address.
///
/// The account key is the account the name resolves to (`account:<id>`), so its handle and its
/// email address count together; a name matching no account is counted under what was typed,
/// folded, so the answer never reveals whether it exists. The address key is the IPv4 address,
/// or the IPv6 /64 (one subscriber's network: `2001:db8:1:2::/64`).
///
/// Failures count within the sliding `failureWindow`. On an account, a success clears its
/// earlier failures (only the owner can succeed). On an address it does not (issue 16: 49
/// failures, one sign-in to the attacker's own account, then more failures went unthrottled):
/// every failure in the window counts. With `n` failures on an account: up to `freeFailures`
/// no delay; then the next attempt must wait 2^(n − freeFailures) seconds after the last failure
/// (1, 2, 4 … s); at `lockAfterFailures` the account is locked for `lockDuration` after the last
/// failure. An address with `addressLockAfterFailures` failures in the window is locked the same way.
///
/// The current password asked again on a signed-in form (`Accounts.confirmPassword`) is counted
/// and throttled by this same rule, under the same keys: it is a guess like any other.
public enum SignInThrottle {
    /// Sign-ins refused for throttling (`mutuals_signin_throttled_total`), by step.
    static let throttledPasswords = Counter(label: "mutuals_signin_throttled_total", dimensions: [("step", "password")])
    static let throttledCodes = Counter(label: "mutuals_signin_throttled_total", dimensions: [("step", "two_factor")])
    /// Password re-checks on signed-in forms refused (`Accounts.confirmPassword`).
    static let throttledRechecks = Counter(label: "mutuals_signin_throttled_total", dimensions: [("step", "recheck")])

    /// When the next attempt is allowed, or nil when it is allowed now.
    static func retryAfter(_ conn: Connection, accountKey: String, address: String, now: Date, limits: AccountLimits) throws -> Date? {
        let windowStart = now.addingTimeInterval(-limits.failureWindow)
        func failures(scope: String, key: String, resetBySuccess: Bool) throws -> (count: Int, last: Date?) {
            var since = windowStart
            if resetBySuccess, let lastSuccess = try conn.scalar(Date.self, """
                SELECT max(attempted_at) FROM login_attempts WHERE scope = ? AND key = ? AND succeeded = 1 AND attempted_at > ?
                """, scope, key, windowStart) {
                since = max(windowStart, lastSuccess)
            }
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
        let account = try failures(scope: "account", key: storable(accountKey), resetBySuccess: true)
        if let last = account.last {
            if account.count >= limits.lockAfterFailures {
                retry = last.addingTimeInterval(limits.lockDuration)
            } else if account.count >= limits.freeFailures {
                retry = last.addingTimeInterval(pow(2, Double(account.count - limits.freeFailures)))
            }
        }
        let byAddress = try failures(scope: "address", key: storable(address), resetBySuccess: false)
        if let last = byAddress.last, byAddress.count >= limits.addressLockAfterFailures {
            let until = last.addingTimeInterval(limits.lockDuration)
            retry = max(retry ?? until, until)
        }
        guard let retry, retry > now else { return nil }
        return retry
    }

    /// Counts one attempt under both keys. Both rows are written or neither (one transaction),
    /// and neither insert can fail the table's CHECK: every key goes through `storable(_:)`.
    static func record(_ tx: Connection, accountKey: String, address: String, succeeded: Bool, at now: Date) throws {
        try tx.run("INSERT INTO login_attempts(scope, key, attempted_at, succeeded) VALUES ('account', ?, ?, ?)",
                   storable(accountKey), now, succeeded)
        try tx.run("INSERT INTO login_attempts(scope, key, attempted_at, succeeded) VALUES ('address', ?, ?, ?)",
                   storable(address), now, succeeded)
    }

    /// The longest key stored as it is, in UTF-8 bytes: SQLite's CHECK allows 254 code points,
    /// and a code point is at least one byte, so 200 bytes always fits, prefixes and all.
    static let longestStoredKey = 200

    /// `key` as `login_attempts` stores it: as it is when it is 1 to `longestStoredKey` bytes
    /// with no control character (SQLite's `length()` stops at a NUL), otherwise `sha256:` and
    /// the hex digest of its UTF-8 bytes. The same key always gives the same answer, so repeated
    /// attempts with a crafted name still count together.
    static func storable(_ key: String) -> String {
        let bytes = key.utf8
        if !bytes.isEmpty, bytes.count <= longestStoredKey,
           !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return key
        }
        return "sha256:" + Digest.hex(Digest.sha256(Array(bytes)))
    }

    /// The key an attempt is counted under: the account it resolves to, whichever of its names
    /// was typed; otherwise what was typed, folded, control characters dropped (a NUL-led name
    /// counts with the plain one), and made `storable(_:)` (a long name by its digest).
    static func accountKey(_ identifier: String, resolvedTo userID: Int64? = nil, prefix: String = "") -> String {
        if let userID { return prefix + "account:\(userID)" }
        let folded = identifier.trimmingCharacters(in: .whitespaces).lowercased()
        let cleaned = String(String.UnicodeScalarView(folded.unicodeScalars.filter { $0.properties.generalCategory != .control }))
        return storable(prefix + (cleaned.isEmpty ? "-" : cleaned))
    }

    /// The key a client address is counted under: an IPv4 address as it is, an IPv6 address by
    /// its /64 (a home or office gets a whole /64, so per-/128 keys are free to rotate), an
    /// IPv4-mapped IPv6 address as its IPv4 address. Anything unparseable is kept as text.
    public static func addressKey(_ address: String) -> String {
        var text = address
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") { text = String(text[text.index(after: text.startIndex)..<close]) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }  // a zone index (fe80::1%eth0)
        var v6 = in6_addr()
        if text.contains(":"), inet_pton(AF_INET6, text, &v6) == 1 {
            var bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            for index in 8..<16 { bytes[index] = 0 }
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        }
        return text.isEmpty ? "-" : storable(text)
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
        let hold = try Setting.holdFirstPostsOfNewMembers.isOn(conn)
        return PostingAllowance(allowed: remaining > 0, remainingToday: remaining, holdForApproval: hold,
                                reason: remaining > 0 ? nil : "New accounts can post \(limits.newAccountPostsPerDay) times a day. Try again tomorrow")
    }
}
