import Database
import Dispatch
import Foundation
import Mail
import Metrics
import Synchronization

/// How the sender retries, each with its default.
public struct OutboxRetryPolicy: Sendable {
    /// Wait after the first temporary failure (default 1 minute); doubled after each further one.
    public var firstRetry: TimeInterval = 60
    /// The longest wait between attempts (default 1 hour).
    public var longestRetry: TimeInterval = 3600
    /// A message still not delivered this long after it was queued (or retried by an admin) is
    /// marked failed (default 2 days).
    public var giveUpAfter: TimeInterval = 2 * 86_400
    /// How often the sender looks for due messages when it has nothing to do (default 2 seconds).
    public var pollInterval: TimeInterval = 2

    public init() {}

    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    public func delay(afterFailures attempts: Int) -> TimeInterval {
        min(longestRetry, firstRetry * pow(2, Double(max(0, attempts - 1))))
    }
}

/// The background sender: takes the oldest due queued message (in id order, never overtaking an
/// earlier message to the same address), checks again that it may go (`OutboxAccess`), asks its
/// kind's composer for the words, hands it to the transport, and marks it sent in a write right
/// after. A temporary failure is retried with backoff; a permanent one, or one older than
/// `giveUpAfter`, marks it failed. With no transport the queue is left as it is.
///
/// Delivery and the write that marks it sent are two steps: a crash between them sends that one
/// message again after the restart (docs/mail.md). Every other message is sent exactly once.
public final class OutboxSender: Sendable {
    public enum Outcome: Sendable, Equatable {
        case sent(Int64)
        case retrying(Int64, String)
        case failed(Int64, String)
        case dropped(Int64, String)
        /// No transport is configured: the message stays queued.
        case waiting(Int64)
    }

    let store: Store
    let composers: MailComposers
    let transport: (any MailTransport)?
    let clock: Clock
    let policy: OutboxRetryPolicy
    let log: @Sendable (String) -> Void

    private let stopping = Atomic<Bool>(false)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(false)

    let depth = Gauge(label: "mutuals_mail_outbox_depth")
    let sentCount = Counter(label: "mutuals_mail_sent_total")
    let failedCount = Counter(label: "mutuals_mail_failed_total")
    let droppedCount = Counter(label: "mutuals_mail_dropped_total")

    /// - Parameters:
    ///   - transport: where messages go; nil keeps them queued (no relay configured).
    ///   - log: one line per message handled and per fault, for the server's log.
    public init(store: Store, composers: MailComposers, transport: (any MailTransport)?, clock: Clock = .system,
                policy: OutboxRetryPolicy = OutboxRetryPolicy(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.composers = composers
        self.transport = transport
        self.clock = clock
        self.policy = policy
        self.log = log
    }

    /// Whether messages can go anywhere; without a transport they stay queued.
    public var hasTransport: Bool { transport != nil }

    // MARK: The thread

    /// Starts the sender's thread. Call `stop()` before closing the store.
    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopping.load(ordering: .acquiring) {
                do { try deliverDue() } catch { log("mail sender: \(error)") }
                _ = wakeUp.wait(timeout: .now() + policy.pollInterval)
            }
        }
        thread.name = "mail-sender"
        thread.start()
    }

    /// Asks the thread to look at the queue now (after a message was queued or retried).
    public func nudge() {
        wakeUp.signal()
    }

    /// Stops the thread after the message in hand, if any, and waits for it to end.
    public func stop() {
        guard running.load(ordering: .acquiring), !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wakeUp.signal()
        finished.wait()
    }

    // MARK: One round

    /// Handles due messages until none is left, the transport fails temporarily (the relay is
    /// likely down: the next round tries again), or the sender is stopping.
    /// - Returns: what happened to each message handled, in order.
    @discardableResult
    public func deliverDue() throws -> [Outcome] {
        var outcomes: [Outcome] = []
        defer { recordDepth() }
        while !stopping.load(ordering: .acquiring), let outcome = try deliverNext() {
            outcomes.append(outcome)
            switch outcome {
            case .retrying, .waiting: return outcomes
            default: continue
            }
        }
        return outcomes
    }

    /// Handles the next due message, if there is one.
    public func deliverNext() throws -> Outcome? {
        let now = clock.now()
        guard let item = try store.read({ try Self.nextDue($0, now: now) }) else { return nil }
        if let reason = try store.read({ try OutboxAccess.dropReason($0, item) }) {
            return try drop(item, reason)
        }
        guard let composer = composers.composer(for: item.kind) else {
            return try fail(item, "nothing composes \(item.kind.rawValue) mail in this version", now: now)
        }
        let message: MailMessage
        do {
            switch try composer.compose(item, now: now) {
            case .drop(let reason): return try drop(item, reason)
            case .send(let composed): message = composed
            }
        } catch {
            return try retry(item, "composing failed: \(error)", now: now)
        }
        guard let transport else { return .waiting(item.id) }
        do {
            try transport.deliver(message)
        } catch .temporary(let reason) {
            return try retry(item, reason, now: now)
        } catch .permanent(let reason) {
            return try fail(item, reason, now: now)
        }
        let finishedAt = clock.now()
        try store.write { tx in
            try tx.run("""
                UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, finished_at = ?, last_error = NULL,
                       payload = \(Self.payloadAfterFinish)
                 WHERE id = ? AND state = 'queued'
                """, finishedAt, item.id)
        }
        sentCount.increment()
        log("mail \(item.id) (\(item.kind.rawValue)) sent")
        return .sent(item.id)
    }

    /// The oldest due queued message that no earlier queued message to the same address holds back.
    static func nextDue(_ conn: Connection, now: Date) throws -> OutboxItem? {
        try conn.queryOne(OutboxItem.self, """
            SELECT \(OutboxItem.columns) FROM mail_outbox o
             WHERE o.state = 'queued' AND o.next_attempt_at <= ?
               AND NOT EXISTS (SELECT 1 FROM mail_outbox e WHERE e.state = 'queued' AND e.id < o.id
                                 AND e.to_address = o.to_address COLLATE NOCASE)
             ORDER BY o.id LIMIT 1
            """, now)
    }

    /// A finished security message keeps no link token.
    static let payloadAfterFinish = "CASE WHEN kind IN ('confirm_address', 'password_reset') THEN '{}' ELSE payload END"

    private func drop(_ item: OutboxItem, _ reason: String) throws -> Outcome {
        let now = clock.now()
        let text = String(String.UnicodeScalarView(reason.unicodeScalars.prefix(1000)))  // the CHECK counts code points
        try store.write { tx in
            try tx.run("""
                UPDATE mail_outbox SET state = 'dropped', finished_at = ?, last_error = ?, payload = \(Self.payloadAfterFinish)
                 WHERE id = ? AND state = 'queued'
                """, now, text, item.id)
        }
        droppedCount.increment()
        log("mail \(item.id) (\(item.kind.rawValue)) dropped: \(reason)")
        return .dropped(item.id, reason)
    }

    private func fail(_ item: OutboxItem, _ reason: String, now: Date) throws -> Outcome {
        let text = String(String.UnicodeScalarView(reason.unicodeScalars.prefix(1000)))  // the CHECK counts code points
        try store.write { tx in
            try tx.run("""
                UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, finished_at = ?, last_error = ?
                 WHERE id = ? AND state = 'queued'
                """, now, text, item.id)
        }
        failedCount.increment()
        log("mail \(item.id) (\(item.kind.rawValue)) failed: \(reason)")
        return .failed(item.id, reason)
    }

    private func retry(_ item: OutboxItem, _ reason: String, now: Date) throws -> Outcome {
        let since = try store.read { try $0.scalar(Date.self, "SELECT coalesce(retried_at, created_at) FROM mail_outbox WHERE id = ?", item.id) }
        if now.timeIntervalSince(since ?? item.createdAt) >= policy.giveUpAfter {
            return try fail(item, "gave up after \(Int(policy.giveUpAfter / 3600)) hours; last: \(reason)", now: now)
        }
        let next = now.addingTimeInterval(policy.delay(afterFailures: item.attempts + 1))
        let text = String(String.UnicodeScalarView(reason.unicodeScalars.prefix(1000)))  // the CHECK counts code points
        try store.write { tx in
            try tx.run("""
                UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
                 WHERE id = ? AND state = 'queued'
                """, next, text, item.id)
        }
        log("mail \(item.id) (\(item.kind.rawValue)) will be retried at \(next): \(reason)")
        return .retrying(item.id, reason)
    }

    private func recordDepth() {
        if let queued = try? store.read({ try $0.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE state = 'queued'") }) {
            depth.record(queued)
        }
    }
}

/// The checks made again just before a message goes (issue 15: "mail is sent only about what
/// the recipient may still read"). The thread and post rules are the one rule in
/// `Visibility`; the address rules are: a deleted account gets nothing, and only security mail
/// goes to an unconfirmed address or to an address the account no longer has.
public enum OutboxAccess {
    /// Why `item` must not be sent, or nil when it may go.
    static func dropReason(_ conn: Connection, _ item: OutboxItem) throws -> String? {
        guard let userID = item.userID else { return nil }
        var recipient: (email: String, confirmed: Bool, deleted: Bool)?
        try conn.forEach("""
            SELECT email, email_confirmed_at IS NOT NULL AS confirmed, deleted_at IS NOT NULL AS deleted FROM users WHERE id = ?
            """, arguments: [userID]) { row in
            recipient = (try row["email"], try row["confirmed"], try row["deleted"])
        }
        guard let recipient, !recipient.deleted else { return "the recipient's account was deleted" }
        if !item.kind.isSecurityMail {
            if recipient.email.lowercased() != item.toAddress.lowercased() { return "the recipient's address has changed" }
            if !recipient.confirmed { return "the recipient's address is not confirmed" }
        }
        if let threadID = item.threadID {
            let readable = try conn.scalar(Int.self, """
                SELECT 1 FROM threads t JOIN users u ON u.id = ? WHERE t.id = ? AND \(Visibility.threadReadableByRecipient)
                """, userID, threadID) != nil
            if !readable { return "the recipient may no longer read the thread" }
        }
        if let postID = item.postID {
            let readable = try conn.scalar(Int.self, """
                SELECT 1 FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = ?
                 WHERE p.id = ? AND \(Visibility.threadReadableByRecipient) AND \(Visibility.postTextReadable(by: Visibility.userRow("u")))
                """, userID, postID) != nil
            if !readable { return "the post is hidden, awaiting approval, or no longer readable by the recipient" }
        }
        return nil
    }
}
