import Database
import Foundation
import Mail

/// One row of the outbox as the sender and the composers see it.
public struct OutboxItem: RowDecodable, Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case queued, sent, failed, dropped
    }

    public let id: Int64
    public let kind: MailKind
    public let userID: Int64?
    public let toAddress: String
    public let notificationID: Int64?
    public let threadID: Int64?
    public let postID: Int64?
    /// The JSON object the event queued with the message (`OutgoingMail.payload`).
    public let payload: String
    public let state: State
    public let attempts: Int
    public let createdAt: Date
    public let nextAttemptAt: Date
    public let finishedAt: Date?
    public let lastError: String?

    static let columns = """
        id, kind, user_id, to_address, notification_id, thread_id, post_id, payload, state, attempts,
        created_at, next_attempt_at, finished_at, last_error
        """

    public init(row: Row) throws {
        id = try row["id"]
        let kindText: String = try row["kind"]
        kind = MailKind(rawValue: kindText) ?? .test
        userID = try row["user_id"]
        toAddress = try row["to_address"]
        notificationID = try row["notification_id"]
        threadID = try row["thread_id"]
        postID = try row["post_id"]
        payload = try row["payload"]
        let stateText: String = try row["state"]
        state = State(rawValue: stateText) ?? .queued
        attempts = try row["attempts"]
        createdAt = try row["created_at"]
        nextAttemptAt = try row["next_attempt_at"]
        finishedAt = try row["finished_at"]
        lastError = try row["last_error"]
    }

    /// The payload's string fields (a JSON object); empty when it is not one.
    public var payloadFields: [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { return [:] }
        return object.compactMapValues { $0 as? String }
    }
}

/// What a composer made of an outbox row: a message to deliver, or a reason not to send it
/// (the row is marked `dropped` with the reason, never sent).
public enum ComposedMail: Sendable {
    case send(MailMessage)
    case drop(reason: String)
}

/// Turns an outbox row of some kinds into the message to send. The sender has already checked
/// that the recipient may still read what the row names (`OutboxAccess`) before it asks.
///
/// A composer throws only for a fault of its own (a missing row it needed, a database error):
/// the sender then retries later, as for a relay that is down.
public protocol MailComposing: Sendable {
    func compose(_ item: OutboxItem, now: Date) throws -> ComposedMail
}

/// The composers by kind, built once at start and handed to the `OutboxSender`.
public struct MailComposers: Sendable {
    private var byKind: [MailKind: any MailComposing] = [:]

    public init() {}

    /// Registers `composer` for `kinds` (a later registration for a kind replaces an earlier one).
    public mutating func register(_ composer: any MailComposing, for kinds: [MailKind]) {
        for kind in kinds { byKind[kind] = composer }
    }

    /// The composer for `kind`, or nil when none was registered.
    public func composer(for kind: MailKind) -> (any MailComposing)? {
        byKind[kind]
    }

    /// The kinds that have a composer.
    public var kinds: Set<MailKind> { Set(byKind.keys) }
}
