import Database
import Foundation
import Mail

/// The outbox for the people who run the network: `/admin/outbox` and `mutuals mail list`.
public struct OutboxService: Sendable {
    let store: Store
    let clock: Clock

    public init(store: Store, clock: Clock) {
        self.store = store
        self.clock = clock
    }

    /// Messages in `state` (every state when nil): queued ones oldest first (the order they will
    /// go in), the others most recently finished first.
    public func list(state: OutboxItem.State?, limit: Int = 200) throws -> [OutboxItem] {
        try store.read { conn in
            switch state {
            case .queued:
                try conn.query(OutboxItem.self, "SELECT \(OutboxItem.columns) FROM mail_outbox WHERE state = 'queued' ORDER BY id LIMIT ?", limit)
            case .some(let state):
                try conn.query(OutboxItem.self, """
                    SELECT \(OutboxItem.columns) FROM mail_outbox WHERE state = ? ORDER BY finished_at DESC, id DESC LIMIT ?
                    """, state.rawValue, limit)
            case nil:
                try conn.query(OutboxItem.self, "SELECT \(OutboxItem.columns) FROM mail_outbox ORDER BY id DESC LIMIT ?", limit)
            }
        }
    }

    /// How many messages are in each state.
    public func counts() throws -> [OutboxItem.State: Int] {
        try store.read { conn in
            var counts: [OutboxItem.State: Int] = [:]
            try conn.forEach("SELECT state, count(*) AS n FROM mail_outbox GROUP BY state") { row in
                let state: String = try row["state"]
                if let known = OutboxItem.State(rawValue: state) { counts[known] = try row["n"] }
            }
            return counts
        }
    }

    public enum RetryOutcome: Sendable, Equatable {
        case queued
        /// The message is there but not failed (sent meanwhile, or retried already).
        case notFailed
        /// No message has that id.
        case notFound
        case denied(String)
    }

    /// Puts a failed message back in the queue, due now; the sender's time limit starts again.
    /// - Returns: `.denied` with Policy's reason for anyone who may not use the admin pages
    ///   (`viewModerationQueue`: not an admin, a suspended admin, or one without the two-factor
    ///   sign-in the network requires).
    public func retry(by actor: Actor, id: Int64) throws -> RetryOutcome {
        let now = clock.now()
        switch Policy.decide(actor, .viewModerationQueue, .network, now: now) {
        case .allowed: break
        case .denied(let why): return .denied(why)
        case .notFound: return .notFound
        }
        return try store.write { tx in
            try tx.run("""
                UPDATE mail_outbox SET state = 'queued', next_attempt_at = ?, retried_at = ?, finished_at = NULL
                 WHERE id = ? AND state = 'failed'
                """, now, now, id)
            if tx.changes == 1 { return .queued }
            let exists = try tx.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE id = ?", id) ?? 0
            return exists > 0 ? .notFailed : .notFound
        }
    }
}

extension Network {
    /// A sender over this network's store and clock (not started).
    public func outboxSender(composers: MailComposers, transport: (any MailTransport)?,
                             policy: OutboxRetryPolicy = OutboxRetryPolicy(),
                             log: @escaping @Sendable (String) -> Void = { _ in }) -> OutboxSender {
        OutboxSender(store: store, composers: composers, transport: transport, clock: accounts.clock, policy: policy, log: log)
    }
}
