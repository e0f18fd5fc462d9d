import Database
import Foundation

/// Single-use links sent by mail (`account_tokens`, migration 14): address confirmation and
/// password reset. The token is 32 random bytes, base64url in the link; only its SHA-256 is
/// stored. The raw token rides in the queued message's payload until the message is sent or
/// dropped (the sender then clears it), because the mail must carry it (docs/mail.md).
public enum AccountToken {
    public enum Purpose: String, Sendable {
        case confirmAddress = "confirm_address"
        case passwordReset = "password_reset"

        /// How long a link lasts: 48 hours to confirm an address, 1 hour to reset a password.
        public var lifetime: TimeInterval {
            switch self {
            case .confirmAddress: 48 * 3600
            case .passwordReset: 3600
            }
        }

        var mailKind: MailKind {
            switch self {
            case .confirmAddress: .confirmAddress
            case .passwordReset: .passwordReset
            }
        }
    }

    /// Why a link cannot be used. Each gets its own clear page.
    public enum Problem: Sendable, Equatable {
        /// Unknown to us: mistyped, cut short, tampered with, or never issued.
        case unknown
        case used
        /// A reset link spent because a newer one was sent after it (`issue`, `find`): the member
        /// is told to use the latest email, not that they used this link.
        case replaced
        case expired
    }

    /// A stored token row, found by its hash.
    struct Stored: RowDecodable {
        let id: Int64
        let userID: Int64
        let email: String
        let expiresAt: Date
        let usedAt: Date?

        init(row: Row) throws {
            id = try row["id"]
            userID = try row["user_id"]
            email = try row["email"]
            expiresAt = try row["expires_at"]
            usedAt = try row["used_at"]
        }
    }

    /// A fresh token for a link: its text and the hash to store.
    static func make() throws -> (token: String, hash: Data) {
        let raw = try SecureRandom.bytes(32)
        return (Digest.base64URL(raw), Data(Digest.sha256(raw)))
    }

    /// The hash a token from a link is stored under; nil when it cannot be one of ours.
    static func hash(of token: String) -> Data? {
        Accounts.tokenHash(token).map { Data($0) }
    }

    /// Links of one purpose one account may be sent: one a minute to any one address, five a day
    /// in all. Every path that mails a link (registration aside, which happens once) asks this
    /// first, so no form can be used to send an address a stream of mail. The minute counts per
    /// address: a newcomer who registered with a mistyped address can put it right at once (the
    /// registration's own link went to the wrong address), while the day's five still bound
    /// how many addresses one account can have mailed.
    static let perMinute = 1
    static let perDay = 5

    /// Whether another link of `purpose` may be mailed to `email` for `userID` now.
    static func mayIssue(_ tx: Connection, purpose: Purpose, userID: Int64, email: String, now: Date) throws -> Bool {
        let lastMinute = try tx.scalar(Int.self, """
            SELECT count(*) FROM account_tokens
             WHERE user_id = ? AND purpose = ? AND created_at > ? AND email = ? COLLATE NOCASE
            """, userID, purpose.rawValue, now.addingTimeInterval(-60), email) ?? 0
        let lastDay = try tx.scalar(Int.self, """
            SELECT count(*) FROM account_tokens WHERE user_id = ? AND purpose = ? AND created_at > ?
            """, userID, purpose.rawValue, now.addingTimeInterval(-86_400)) ?? 0
        return lastMinute < perMinute && lastDay < perDay
    }

    /// Stores a new token for `purpose` and queues its mail to `email`, inside `tx` (the
    /// transaction of the event: a registration, a change of address, a reset request).
    ///
    /// A confirmation link for an address another account holds is stored but not mailed
    /// (`Accounts.addressHeldByAnother`): its owner must not be sent a link about someone else's
    /// account, and the asker sees what any other change shows (the change waiting for its link,
    /// the same limits), so the form does not tell which addresses are registered
    /// (docs/security.md, "Changing the email address"). Nobody ever holds the token.
    static func issue(_ tx: Connection, purpose: Purpose, userID: Int64, email: String,
                      token: (token: String, hash: Data), now: Date) throws {
        switch purpose {
        case .passwordReset:
            // Only the newest reset link works: an older one still in the inbox is replaced
            // (`Problem.replaced`), and its message, if still queued, is dropped unsent.
            try tx.run("""
                UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'password_reset' AND used_at IS NULL
                """, now, userID)
        case .confirmAddress:
            // Only the newest change waits: asking for another address (or putting a mistyped one
            // right) replaces the links to any address asked for before, so a stranger at the
            // wrong address cannot confirm it later. Links to this same address, and to the
            // account's own address, still work.
            try tx.run("""
                UPDATE account_tokens SET used_at = ?
                 WHERE user_id = ? AND purpose = 'confirm_address' AND used_at IS NULL AND email <> ? COLLATE NOCASE
                   AND email <> (SELECT email FROM users WHERE id = ?) COLLATE NOCASE
                """, now, userID, email, userID)
        }
        try tx.run("""
            INSERT INTO account_tokens(purpose, user_id, token_hash, email, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, purpose.rawValue, userID, token.hash, email, now, now.addingTimeInterval(purpose.lifetime))
        if purpose == .confirmAddress, try Accounts.addressHeldByAnother(tx, email, userID: userID) { return }
        let payload = try JSONSerialization.data(withJSONObject: ["token": token.token], options: [.sortedKeys])
        try Outbox.enqueue(tx, OutgoingMail(kind: purpose.mailKind, userID: userID, toAddress: email,
                                            payload: String(decoding: payload, as: UTF8.self)), now: now)
    }

    /// The token row for `token` and `purpose`, with what is wrong with it, if anything.
    static func find(_ conn: Connection, _ token: String, purpose: Purpose, now: Date) throws -> Result<Stored, ProblemError> {
        guard let hash = hash(of: token),
              let stored = try conn.queryOne(Stored.self, """
                SELECT t.id, t.user_id, t.email, t.expires_at, t.used_at FROM account_tokens t
                  JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
                 WHERE t.token_hash = ? AND t.purpose = ?
                """, hash, purpose.rawValue)
        else { return .failure(ProblemError(.unknown)) }
        if let usedAt = stored.usedAt {
            // Sending a reset link spends the older ones, and a link to a new address spends those
            // to other addresses (`issue`), in the transaction that makes the newer one, so with
            // its time: a link spent at the moment a newer one was made was replaced; one spent
            // any other way (followed, or ended by a confirmed change) was used.
            let newer = try conn.scalar(Int.self, """
                SELECT 1 FROM account_tokens
                 WHERE user_id = ? AND purpose = ? AND id > ? AND created_at = ?
                   AND (purpose = 'password_reset' OR email <> ? COLLATE NOCASE)
                 LIMIT 1
                """, stored.userID, purpose.rawValue, stored.id, usedAt, stored.email)
            return .failure(ProblemError(newer != nil ? .replaced : .used))
        }
        if stored.expiresAt <= now { return .failure(ProblemError(.expired)) }
        return .success(stored)
    }

    struct ProblemError: Error {
        let problem: Problem
        init(_ problem: Problem) { self.problem = problem }
    }
}

/// What a security message (confirmation, reset) needs from the board: whom it is for and the
/// live link token. `Accounts.securityMail(for:now:)` answers it, or says why not to send.
public struct SecurityMailContent: Sendable {
    public let account: Account
    public let token: String
    public let expiresAt: Date
}

extension Accounts {
    /// What a queued confirmation or reset message should say, checked again at send time: the
    /// link must still be live (not used, not expired, not for a deleted account).
    /// - Returns: the content, or the reason to drop the message.
    public func securityMail(for item: OutboxItem, now: Date) throws -> Result<SecurityMailContent, SecurityMailDrop> {
        let purpose: AccountToken.Purpose
        switch item.kind {
        case .confirmAddress: purpose = .confirmAddress
        case .passwordReset: purpose = .passwordReset
        default: return .failure(SecurityMailDrop(reason: "not a security message"))
        }
        guard let token = item.payloadFields["token"] else {
            return .failure(SecurityMailDrop(reason: "the link is no longer stored"))
        }
        return try store.read { conn in
            switch try AccountToken.find(conn, token, purpose: purpose, now: now) {
            case .failure(let error):
                let reason = switch error.problem {
                case .used: "the link was used before the message went"
                case .replaced: "a newer link was sent before the message went"
                case .expired: "the link expired before the message went"
                case .unknown: "the link is unknown or its account was deleted"
                }
                return .failure(SecurityMailDrop(reason: reason))
            case .success(let stored):
                guard let account = try Self.account(conn, id: stored.userID) else {
                    return .failure(SecurityMailDrop(reason: "the account was deleted"))
                }
                // Taken by another account since the link was asked for: its owner gets nothing.
                if purpose == .confirmAddress, try Self.addressHeldByAnother(conn, stored.email, userID: stored.userID) {
                    return .failure(SecurityMailDrop(reason: "the address belongs to another account"))
                }
                return .success(SecurityMailContent(account: account, token: token, expiresAt: stored.expiresAt))
            }
        }
    }
}

/// Why a security message is not sent.
public struct SecurityMailDrop: Error, Sendable {
    public let reason: String
}
