import Database
import Foundation

/// What one unsubscribe link turns off: one kind of notification mail, the daily summary, or
/// the weekly briefing.
public enum UnsubscribeScope: Sendable, Equatable {
    case notification(NotificationKind)
    case dailySummary
    case weeklyBriefing

    /// The scope's name in a token: a notification kind's raw value, `daily_summary` or
    /// `weekly_briefing`.
    public var name: String {
        switch self {
        case .notification(let kind): kind.rawValue
        case .dailySummary: MailKind.dailySummary.rawValue
        case .weeklyBriefing: MailKind.weeklyBriefing.rawValue
        }
    }

    public init?(name: String) {
        if let kind = NotificationKind(rawValue: name) {
            self = .notification(kind)
        } else if name == MailKind.dailySummary.rawValue {
            self = .dailySummary
        } else if name == MailKind.weeklyBriefing.rawValue {
            self = .weeklyBriefing
        } else {
            return nil
        }
    }

    /// What the mail was, in a sentence's words ("emails about replies …").
    public var mailDescription: String {
        switch self {
        case .notification(let kind): "emails when: \(kind.label.prefix(1).lowercased() + kind.label.dropFirst())"
        case .dailySummary: "the daily summary of your notifications"
        case .weeklyBriefing: "the weekly briefing"
        }
    }
}

/// Signed unsubscribe links (issue 15): `<user id>.<scope>.<HMAC-SHA256>` where the MAC covers
/// "unsubscribe:<user id>:<scope>" under an instance key kept in `mail_keys` (32 random bytes,
/// made on first use). No sign-in is needed: the token is the proof. It is checked in constant
/// time; a token whose MAC does not match, or that names no known scope, opens nothing.
enum UnsubscribeLinks {
    static func token(key: [UInt8], userID: Int64, scope: UnsubscribeScope) -> String {
        "\(userID).\(scope.name)." + Digest.base64URL(mac(key: key, userID: userID, scope: scope.name))
    }

    static func mac(key: [UInt8], userID: Int64, scope: String) -> [UInt8] {
        Digest.hmacSHA256(key: key, message: Array("unsubscribe:\(userID):\(scope)".utf8))
    }

    /// The account and scope a token names, when its MAC is right; nil otherwise.
    static func verify(_ token: String, key: [UInt8]) -> (userID: Int64, scope: UnsubscribeScope)? {
        guard token.utf8.count <= 200 else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, (1...18).contains(parts[0].utf8.count),
              parts[0].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let userID = Int64(parts[0]), let scope = UnsubscribeScope(name: String(parts[1])),
              let sent = Digest.fromBase64URL(String(parts[2])), sent.count == 32,
              Digest.constantTimeEquals(sent, mac(key: key, userID: userID, scope: scope.name))
        else { return nil }
        return (userID, scope)
    }

    /// The instance key, made inside `tx` the first time it is needed.
    static func key(_ tx: Connection, now: Date) throws -> [UInt8] {
        if let key = try storedKey(tx) { return key }
        try tx.run("INSERT OR IGNORE INTO mail_keys(name, key, created_at) VALUES ('unsubscribe', ?, ?)",
                   Data(try SecureRandom.bytes(32)), now)
        return try storedKey(tx) ?? []
    }

    static func storedKey(_ conn: Connection) throws -> [UInt8]? {
        try conn.scalar(Data.self, "SELECT key FROM mail_keys WHERE name = 'unsubscribe'").map(Array.init)
    }

    /// Turns the scope off for the account.
    static func apply(_ tx: Connection, userID: Int64, scope: UnsubscribeScope, now: Date) throws {
        switch scope {
        case .notification(let kind):
            try NotificationMail.setDelivery(tx, userID: userID, kind: kind, .never)
        case .dailySummary:
            for kind in NotificationKind.allCases {
                let current = try NotificationMail.preferences(tx, userID: userID).delivery(kind)
                if current == .daily { try NotificationMail.setDelivery(tx, userID: userID, kind: kind, .never) }
            }
        case .weeklyBriefing:
            try NotificationMail.setWeeklyBriefing(tx, userID: userID, on: false, now: now)
        }
    }
}
