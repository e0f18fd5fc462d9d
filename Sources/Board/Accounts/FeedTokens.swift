import Database
import Foundation
import Synchronization

/// "Require sign-in to read" (setting `require_sign_in_to_read`, issue 16) and the private feed
/// links that let a feed reader through it.
///
/// A feed reader cannot sign in, so with the setting on each member gets a private feed token,
/// shown on their account page and added to a feed's address (`?token=`). The token is
/// `<user id>.<HMAC-SHA256>` of the user id and their current password hash (whose random salt
/// is the per-user secret) under an instance key kept in `settings` (`Setting.feedTokenKey`, made
/// on first use). Nothing per user is stored, so no schema change: changing the password revokes
/// the link (and ends the other sessions); deleting the instance key revokes every link. A
/// deleted or suspended account's link opens nothing.
extension Accounts {
    /// Whether visitors must sign in to read anything. Every request asks, so the value is read
    /// from the database at most once a second (`readingGate`): a change takes effect within a
    /// second, from this process or another.
    public func readingRequiresSignIn() throws -> Bool {
        try readingGate.value(now: Date()) {
            try store.read { try Setting.requireSignInToRead.isOn($0) }
        }
    }

    /// The user's private feed token, or nil when there is no such account.
    public func feedToken(userID: Int64) throws -> String? {
        let key = try feedTokenKey()
        guard let hash = try store.read({
            try $0.scalar(String.self, "SELECT password_hash FROM users WHERE id = ? AND deleted_at IS NULL", userID)
        }) else { return nil }
        return "\(userID)." + Digest.base64URL(Self.feedMAC(key: key, userID: userID, passwordHash: hash))
    }

    /// The account a feed token belongs to, when it is valid now (the account not deleted nor
    /// suspended, the password unchanged since the token was shown); nil otherwise.
    public func feedReader(token: String) throws -> Int64? {
        let parts = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 18, let userID = Int64(parts[0]),
              let mac = Digest.fromBase64URL(String(parts[1])), mac.count == 32 else { return nil }
        let now = clock.now()
        let found: (String, String, Account?)? = try store.read { conn in
            guard let key = try Setting.feedTokenKey.value(conn),
                  let hash = try conn.scalar(String.self, "SELECT password_hash FROM users WHERE id = ? AND deleted_at IS NULL", userID)
            else { return nil }
            return (key, hash, try Self.account(conn, id: userID))
        }
        guard let (key, hash, account) = found, let account, !account.isSuspended(at: now),
              let keyBytes = Digest.fromBase64URL(key),
              Digest.constantTimeEquals(mac, Self.feedMAC(key: keyBytes, userID: userID, passwordHash: hash)) else { return nil }
        return userID
    }

    /// The instance key, made (32 random bytes) the first time a token is asked for.
    private func feedTokenKey() throws -> [UInt8] {
        let fresh = Digest.base64URL(try SecureRandom.bytes(32))
        let now = clock.now()
        let stored: String? = try store.write { tx in
            try Setting.feedTokenKey.write(tx, fresh, now: now, replacing: false)
            return try Setting.feedTokenKey.value(tx)
        }
        guard let stored, let bytes = Digest.fromBase64URL(stored) else { throw CryptoError.randomBytesUnavailable }
        return bytes
    }

    static func feedMAC(key: [UInt8], userID: Int64, passwordHash: String) -> [UInt8] {
        Digest.hmacSHA256(key: key, message: Array("mutuals feed\0\(userID)\0\(passwordHash)".utf8))
    }
}

/// A setting's value kept for `lifetime` seconds, for a question asked on every request. A change
/// made in this process (every settings write bumps `generation`) is seen at once; one made by
/// another process (the command line) within `lifetime`.
final class CachedSetting: Sendable {
    /// Bumped by every settings write in this process.
    static let generation = Atomic<Int>(0)

    private let kept: KeptUntilChange<Bool>

    init(lifetime: TimeInterval) {
        kept = KeptUntilChange(lifetime: lifetime)
    }

    /// The cached value, or `read()`'s when none was read in the last `lifetime` seconds or a
    /// setting changed since.
    func value(now: Date, read: () throws -> Bool) throws -> Bool {
        let generation = Self.generation.load(ordering: .acquiring)
        return try kept.value(version: UInt64(bitPattern: Int64(generation)), now: now, read: read)
    }

    static func settingsChanged() {
        generation.add(1, ordering: .releasing)
    }
}
