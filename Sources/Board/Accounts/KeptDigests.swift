import Locking

/// Digests of cookie tokens, kept by token. A signed-in page hashes its session token (to find
/// the session, `Accounts.tokenHash`) and derives its forms' CSRF secret from the same token
/// (`CSRF.secret` in Web): two SHA-256s through OpenSSL's EVP interface on every request, about
/// 10,000 of the signed-in thread page's 231,000 instructions (docs/PERFORMANCE.md, twenty-first
/// round). Each digest is a function of the token alone, so a kept one is always right: nothing
/// to invalidate when a session ends (the session row is looked up afresh or kept until the next
/// commit, as before; only the arithmetic is kept).
///
/// The tokens are keys in this process's memory while they are kept, as each is while its
/// request is answered; the database still stores only digests. Bounded: at `capacity` entries
/// it starts afresh, so a client sending new tokens costs itself a digest each, as before, and
/// can only make others compute theirs once more. Tokens `digest` turns down (nil: malformed)
/// are not kept.
public final class KeptDigests: Sendable {
    private let kept = WaitingMutex<[String: [UInt8]]>([:])
    private let capacity: Int
    private let digest: @Sendable (String) -> [UInt8]?

    public init(capacity: Int = 4096, digest: @escaping @Sendable (String) -> [UInt8]?) {
        self.capacity = max(1, capacity)
        self.digest = digest
    }

    /// `digest(token)`, computed once while kept.
    public func of(_ token: String) -> [UInt8]? {
        if let found = kept.withLock({ $0[token] }) { return found }
        guard let made = digest(token) else { return nil }
        kept.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = made
        }
        return made
    }

    /// Tokens kept now (tests).
    var count: Int { kept.withLock { $0.count } }
}
