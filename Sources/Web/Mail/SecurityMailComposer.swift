import Board
import Foundation
import Mail

/// Composes the security mail: address confirmation and password reset. The board says whether
/// the link is still live and whom it is for (`Accounts.securityMail`); this turns that into
/// words. No unsubscribe link: these go whatever the member's mail settings say.
struct SecurityMailComposer: MailComposing {
    let accounts: Accounts
    let templates: MailTemplates
    let site: MailSite

    func compose(_ item: OutboxItem, now: Date) throws -> ComposedMail {
        if AccountNotice.of(item) != nil { return try composeNotice(item, now: now) }
        let content: SecurityMailContent
        switch try accounts.securityMail(for: item, now: now) {
        case .failure(let drop): return .drop(reason: drop.reason)
        case .success(let found): content = found
        }
        let name: String
        let subject: String
        var model = TemplateObject()
        model["displayName"] = .text(content.account.displayName)
        model["handle"] = .text(content.account.handle)
        model["address"] = .text(item.toAddress)
        model["siteName"] = .text(site.siteName)
        model["signInLink"] = .text(site.link("/sign-in"))
        switch item.kind {
        case .passwordReset:
            name = "password-reset"
            subject = "Reset your \(site.siteName) password"
            model["link"] = .text(site.link("/reset-password/" + content.token))
            model["lifetime"] = .text("1 hour")
            model["askAgainLink"] = .text(site.link("/forgot-password"))
            model["twoFactor"] = .bool(content.account.twoFactorEnabled)
        default:
            name = "confirm-address"
            subject = "Confirm your email address for \(site.siteName)"
            model["link"] = .text(site.link("/confirm-email/" + content.token))
            model["lifetime"] = .text("48 hours")
            model["accountLink"] = .text(site.link("/account"))
        }
        model["subject"] = .text(subject)
        let parts = try templates.render(name, model)
        return .send(MailMessage(from: site.from, to: .recipient(item.toAddress, name: content.account.displayName),
                                 subject: subject, text: parts.text, html: parts.html,
                                 messageID: site.messageID(outboxID: item.id, queuedAt: item.createdAt), date: now))
    }
}

extension SecurityMailComposer {
    /// "Your email address / password was changed" (`AccountNotice`), to the address in the row:
    /// for a new address, the old one.
    func composeNotice(_ item: OutboxItem, now: Date) throws -> ComposedMail {
        let content: AccountNoticeContent
        switch try accounts.accountNotice(for: item) {
        case .failure(let drop): return .drop(reason: drop.reason)
        case .success(let found): content = found
        }
        let emailChanged = content.notice == .emailChanged
        let subject = emailChanged ? "The email address of your \(site.siteName) account was changed"
                                   : "The password of your \(site.siteName) account was changed"
        var model = TemplateObject()
        model["displayName"] = .text(content.account.displayName)
        model["handle"] = .text(content.account.handle)
        model["siteName"] = .text(site.siteName)
        model["subject"] = .text(subject)
        model["emailChanged"] = .bool(emailChanged)
        model["passwordChanged"] = .bool(!emailChanged)
        model["newAddress"] = .text(content.newAddress ?? "")
        // Not said to an old address that was never confirmed (`confirmEmail`).
        model["newAddressSaid"] = .bool(content.newAddress != nil)
        model["changedAt"] = .text(DateText.humanWithTime(content.changedAt) + " (UTC)")
        model["forgotLink"] = .text(site.link("/forgot-password"))
        let parts = try templates.render("account-changed", model)
        return .send(MailMessage(from: site.from, to: .recipient(item.toAddress, name: content.account.displayName),
                                 subject: subject, text: parts.text, html: parts.html,
                                 messageID: site.messageID(outboxID: item.id, queuedAt: item.createdAt), date: now))
    }
}

/// The composers of the mail this program sends, for the `OutboxSender`.
public enum MailComposition {
    /// Every composer, over the templates in `templatesDirectory/mail`.
    /// - Throws: when a mail template is missing or does not compile; at start, never later.
    public static func composers(templatesDirectory: String, network: Network, site: MailSite) throws -> MailComposers {
        let templates = try MailTemplates(directory: templatesDirectory + "/mail")
        var composers = MailComposers()
        composers.register(SecurityMailComposer(accounts: network.accounts, templates: templates, site: site),
                           for: [.confirmAddress, .passwordReset])
        composers.register(try DigestMailComposer(mailDigest: network.mailDigest, templates: templates, site: site),
                           for: DigestMailComposer.kinds)
        return composers
    }
}
