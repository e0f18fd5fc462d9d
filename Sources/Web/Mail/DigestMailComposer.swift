import Board
import Foundation
import Mail

/// Composes notification mail, the daily summary and the weekly briefing (issue 15) for the
/// `OutboxSender`: `DigestMail` decides what may be said (or that the row is dropped), the
/// templates in `Templates/mail` say it. Every message carries the recipient's signed
/// unsubscribe link (`List-Unsubscribe`, RFC 8058).
struct DigestMailComposer: MailComposing {
    /// The messages this composer renders: `NAME.txt` and `NAME.html` in `Templates/mail`.
    static let messageNames = ["notification", "daily-summary", "weekly-briefing"]
    static let kinds: [MailKind] = [.notification, .dailySummary, .weeklyBriefing]

    let digest: DigestMail
    let templates: MailTemplates
    let site: MailSite

    /// - Throws: when one of its templates is missing or does not compile; at start.
    init(mailDigest: MailDigestService, templates: MailTemplates, site: MailSite) throws {
        try templates.library.require(Self.messageNames.flatMap { ["\($0).txt", "\($0).html"] })
        self.digest = DigestMail(mailDigest: mailDigest, baseURL: site.baseURL, siteName: site.siteName)
        self.templates = templates
        self.site = site
    }

    func compose(_ item: OutboxItem, now: Date) throws -> ComposedMail {
        let outcome: DigestMail.Outcome
        switch item.kind {
        case .notification: outcome = try digest.notification(notificationID: item.notificationID, userID: item.userID)
        case .dailySummary: outcome = try digest.dailySummary(userID: item.userID, payload: item.payloadFields)
        case .weeklyBriefing: outcome = try digest.weeklyBriefing(userID: item.userID, payload: item.payloadFields)
        default: return .drop(reason: "not a notification, summary or briefing")
        }
        switch outcome {
        case .drop(let reason):
            return .drop(reason: reason)
        case .draft(let draft):
            let parts = try templates.render(draft.template, draft.model)
            return .send(MailMessage(from: site.from, to: .recipient(item.toAddress, name: draft.recipientName),
                                     subject: draft.subject, text: parts.text, html: parts.html,
                                     messageID: site.messageID(outboxID: item.id, queuedAt: item.createdAt), date: now,
                                     inReplyTo: draft.inReplyTo, references: draft.references,
                                     unsubscribeURL: draft.unsubscribeURL))
        }
    }
}
