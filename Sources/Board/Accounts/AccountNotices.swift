import Database
import Foundation

/// A notice that something about the account changed, mailed so that a change made by someone
/// else (who had a session and the password) does not go unseen. Security mail: it goes
/// whatever the mail settings say, and the email-change notice goes to the address the account
/// no longer has.
///
/// No kind of its own in `mail_outbox` (its CHECK lists the kinds, and a new one would mean
/// rebuilding the table): it rides on the security kind it belongs with, marked by
/// `"notice"` in the payload (`MailKind.confirmAddress` for the address, `.passwordReset`
/// for the password). `securityMail(for:)`'s composer looks for that mark first.
public enum AccountNotice: String, Sendable, CaseIterable {
    /// To the old address, once the new one is confirmed; the payload names the new one.
    case emailChanged = "email_changed"
    /// To the account's address after a change on the account page or through a reset link.
    case passwordChanged = "password_changed"

    var mailKind: MailKind { self == .emailChanged ? .confirmAddress : .passwordReset }

    /// The notice an outbox row carries, if it is one.
    public static func of(_ item: OutboxItem) -> AccountNotice? {
        item.payloadFields["notice"].flatMap(AccountNotice.init(rawValue:))
    }

    /// Queues the notice inside `tx`, the transaction of the change.
    static func queue(_ tx: Connection, _ notice: AccountNotice, userID: Int64, to address: String,
                      newAddress: String? = nil, now: Date) throws {
        var fields = ["notice": notice.rawValue]
        if let newAddress { fields["newAddress"] = newAddress }
        let payload = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        try Outbox.enqueue(tx, OutgoingMail(kind: notice.mailKind, userID: userID, toAddress: address,
                                            payload: String(decoding: payload, as: UTF8.self)), now: now)
    }
}

/// What an account notice says: whose account, and for a new address, which.
public struct AccountNoticeContent: Sendable {
    public let notice: AccountNotice
    public let account: Account
    public let newAddress: String?
    /// When the change was made (the message was queued in its transaction).
    public let changedAt: Date
}

extension Accounts {
    /// The words of a queued account notice, or the reason to drop it (the account deleted).
    public func accountNotice(for item: OutboxItem) throws -> Result<AccountNoticeContent, SecurityMailDrop> {
        guard let notice = AccountNotice.of(item) else { return .failure(SecurityMailDrop(reason: "not an account notice")) }
        guard let userID = item.userID, let account = try account(id: userID) else {
            return .failure(SecurityMailDrop(reason: "the account was deleted"))
        }
        return .success(AccountNoticeContent(notice: notice, account: account, newAddress: item.payloadFields["newAddress"],
                                             changedAt: item.createdAt))
    }

    /// Queues the "your password was changed" notice to the account's address, in a write of
    /// its own: for a change made where the notice cannot share the transaction (a reset link).
    public func queuePasswordChangedNotice(handle: String) throws {
        let now = clock.now()
        try store.write { tx in
            try tx.forEach("SELECT id, email FROM users WHERE handle = ? AND deleted_at IS NULL", arguments: [handle]) { row in
                try AccountNotice.queue(tx, .passwordChanged, userID: try row["id"], to: try row["email"], now: now)
            }
        }
    }
}
