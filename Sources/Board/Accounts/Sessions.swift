import Database
import Foundation
import Synchronization

/// A session just made: the token goes into the cookie once and is never stored.
public struct NewSession: Sendable {
    /// 32 random bytes, base64url: the cookie value.
    public let token: String
    public let id: Int64
}

/// A valid session and who it belongs to.
public struct ResolvedSession: Sendable {
    public let sessionID: Int64
    public let account: Account
}

/// One line of the "your sessions" page.
public struct SessionSummary: RowDecodable, Sendable {
    public let id: Int64
    public let createdAt: Date
    public let lastSeenAt: Date
    public let userAgent: String

    public init(row: Row) throws {
        id = try row["id"]
        createdAt = try row["created_at"]
        lastSeenAt = try row["last_seen_at"]
        userAgent = try row["user_agent"]
    }
}

/// A session row and its account as `Accounts.resolve` reads them (`Accounts.keptSessions`).
struct KeptSession: Sendable {
    let id: Int64
    let lastSeen: Date
    let expires: Date
    let pending: Bool
    let account: Account
}

/// Sessions: random tokens stored as SHA-256, with idle and absolute expiry.
extension Accounts {
    /// How often `last_seen_at` is written at most, so reading pages does not write every time.
    static let touchInterval: TimeInterval = 60

    /// The SHA-256 a token is stored as; nil for a malformed token.
    static func tokenHash(_ token: String) -> [UInt8]? {
        guard let bytes = Digest.fromBase64URL(token), bytes.count == 32 else { return nil }
        return Digest.sha256(bytes)
    }

    /// `tokenHash` of the session tokens requests present, kept (`KeptDigests`): every signed-in
    /// request would otherwise hash the same token again.
    static let sessionTokenHashes = KeptDigests { tokenHash($0) }

    /// Starts a session for `userID` with a fresh token (always a new one at sign-in).
    /// - Parameter pendingTwoFactor: a half-signed-in session that only the two-factor page accepts.
    public func startSession(userID: Int64, userAgent: String, pendingTwoFactor: Bool = false) throws -> NewSession {
        let raw = try SecureRandom.bytes(32)
        let token = Digest.base64URL(raw)
        let hash = Data(Digest.sha256(raw))
        let now = clock.now()
        let expires = now.addingTimeInterval(pendingTwoFactor ? limits.twoFactorPending : limits.sessionAbsolute)
        let agent = String(String.UnicodeScalarView(userAgent.unicodeScalars.prefix(500)))  // the CHECK counts code points
        let id: Int64 = try store.write { tx in
            try tx.run("""
                INSERT INTO sessions(token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, two_factor_pending)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, hash, userID, now, now, expires, agent, pendingTwoFactor)
            try tx.run("UPDATE users SET last_seen_at = ? WHERE id = ?", now, userID)
            return tx.lastInsertedRowID
        }
        return NewSession(token: token, id: id)
    }

    /// The signed-in session for a cookie's token, or nil when it is unknown, expired (idle or
    /// absolute), waiting for two-factor, or its user is gone. Refreshes `last_seen_at` at most
    /// once a minute.
    public func resolveSession(token: String) throws -> ResolvedSession? {
        try resolve(token: token, pending: false)
    }

    /// The signed-in session with this token, without refreshing its last-seen time: a read
    /// only, for error pages, which may be rendered on a reactor thread (never a write there).
    public func peekSession(token: String) throws -> ResolvedSession? {
        try resolve(token: token, pending: false, touch: false)
    }

    /// The half-signed-in session waiting for a two-factor code.
    public func resolvePendingSession(token: String) throws -> ResolvedSession? {
        try resolve(token: token, pending: true)
    }

    private func resolve(token: String, pending: Bool, touch: Bool = true) throws -> ResolvedSession? {
        guard let hash = Self.sessionTokenHashes.of(token) else { return nil }
        let now = clock.now()
        let idle = limits.sessionIdle
        // The session and its account in one statement: the subquery's columns are all renamed,
        // so `Account.columns` name the user's. Kept until the next commit (`keptSessions`); the
        // expiry and two-factor checks below run on every request, kept or not.
        let key = Data(hash)
        let row = try keptSessions.found(for: key, version: store.changeCount, now: now) { () -> KeptSession? in
            try store.read { conn in
                var row: KeptSession?
                try conn.forEach("""
                    SELECT \(Account.columns), s.session_id, s.session_last_seen_at, s.session_expires_at, s.session_pending
                    FROM (SELECT id AS session_id, user_id AS session_user_id, last_seen_at AS session_last_seen_at,
                                 expires_at AS session_expires_at, two_factor_pending AS session_pending
                          FROM sessions WHERE token_hash = ?) AS s
                    JOIN users ON users.id = s.session_user_id AND users.deleted_at IS NULL
                    """, arguments: [key]) { r in
                    row = KeptSession(id: try r["session_id"], lastSeen: try r["session_last_seen_at"],
                                      expires: try r["session_expires_at"], pending: try r["session_pending"], account: try Account(row: r))
                }
                return row
            }
        }
        guard let row, row.pending == pending, row.expires > now, pending || row.lastSeen.addingTimeInterval(idle) > now else {
            return nil
        }
        let (id, lastSeen, account) = (row.id, row.lastSeen, row.account)
        if touch, now.timeIntervalSince(lastSeen) >= Self.touchInterval {
            do {
                try store.write { tx in
                    try tx.run("UPDATE sessions SET last_seen_at = ? WHERE id = ?", now, id)
                    try tx.run("UPDATE users SET last_seen_at = ? WHERE id = ?", now, account.id)
                }
            } catch where StorageUnavailable(error) != nil {
                // A full disk or a read-only file must not stop signed-in members reading: the
                // last-seen time is a convenience, tried again on the next page.
            }
        }
        return ResolvedSession(sessionID: id, account: account)
    }

    /// Ends the session with this token (sign out). Unknown tokens are ignored.
    public func endSession(token: String) throws {
        guard let hash = Self.tokenHash(token) else { return }
        try store.write { tx in try tx.run("DELETE FROM sessions WHERE token_hash = ?", Data(hash)) }
    }

    /// Ends one of the user's own sessions ("your sessions" page). - Returns: whether one ended.
    @discardableResult
    public func endSession(id: Int64, userID: Int64) throws -> Bool {
        try store.write { tx in
            try tx.run("DELETE FROM sessions WHERE id = ? AND user_id = ?", id, userID)
            return tx.changes == 1
        }
    }

    /// Ends every session of the user except `keeping`.
    public func endOtherSessions(userID: Int64, keeping: Int64?) throws {
        try store.write { tx in try tx.run("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", userID, keeping) }
    }

    /// The user's live sessions, most recently used first.
    public func sessions(of userID: Int64) throws -> [SessionSummary] {
        let now = clock.now()
        let idleCutoff = now.addingTimeInterval(-limits.sessionIdle)
        return try store.read {
            try $0.query(SessionSummary.self, """
                SELECT id, created_at, last_seen_at, user_agent FROM sessions
                 WHERE user_id = ? AND two_factor_pending = 0 AND expires_at > ? AND last_seen_at > ?
                 ORDER BY last_seen_at DESC, id DESC
                """, userID, now, idleCutoff)
        }
    }

    /// Runs `pruneExpired` when the last run (in this process) was over an hour ago. Called at
    /// start and after each successful sign-in, so no separate timer is needed.
    public func pruneIfDue() throws {
        let now = clock.now()
        let due = PruneSchedule.shared.last.withLock { last -> Bool in
            if let previous = last, now.timeIntervalSince(previous) < 3600, now >= previous { return false }
            last = now
            return true
        }
        if due { try pruneExpired() }
    }

    /// Deletes expired sessions and old rate-limit rows.
    public func pruneExpired() throws {
        let now = clock.now()
        let idleCutoff = now.addingTimeInterval(-limits.sessionIdle)
        let attemptsCutoff = now.addingTimeInterval(-max(limits.failureWindow, limits.lockDuration) - 86_400)
        try store.write { tx in
            try tx.run("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", now, idleCutoff)
            try tx.run("DELETE FROM login_attempts WHERE attempted_at < ?", attemptsCutoff)
            try tx.run("DELETE FROM registration_attempts WHERE attempted_at < ?", attemptsCutoff)
        }
    }
}

/// When expired rows were last pruned in this process.
final class PruneSchedule: Sendable {
    static let shared = PruneSchedule()
    let last = Mutex<Date?>(nil)
}
