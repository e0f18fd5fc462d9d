import Foundation

/// One mailbox: an address and an optional display name. Neither may carry CR or LF, so no
/// user-controlled text can ever reach a header line of its own.
public struct MailAddress: Sendable, Hashable {
    public let address: String
    public let displayName: String?

    public init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }
}

/// One outgoing message, before encoding: `multipart/alternative` with a plain-text and an HTML
/// part. `messageID`, `inReplyTo` and `references` are ids without angle brackets
/// (`local@domain`).
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String
    public var messageID: String
    public var date: Date
    public var inReplyTo: String?
    public var references: [String]
    /// The https unsubscribe link for `List-Unsubscribe`; nil for security mail (reset, confirm).
    public var unsubscribeURL: String?

    public init(from: MailAddress, to: MailAddress, subject: String, text: String, html: String,
                messageID: String, date: Date = Date(), inReplyTo: String? = nil,
                references: [String] = [], unsubscribeURL: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
        self.inReplyTo = inReplyTo
        self.references = references
        self.unsubscribeURL = unsubscribeURL
    }
}

/// Why a delivery did not happen: `temporary` (relay down, timeout, 4xx) is retried with backoff;
/// `permanent` (5xx, a refused recipient) marks the message failed.
public enum MailDeliveryError: Error, Sendable, Equatable {
    case temporary(String)
    case permanent(String)
}

/// Something that hands a message to the next hop. `SMTPTransport` is the real one.
public protocol MailTransport: Sendable {
    func deliver(_ message: MailMessage) throws(MailDeliveryError)
}
