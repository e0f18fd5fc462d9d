import Board
import Foundation

/// One digest message before its templates are rendered: which message (`Templates/mail/NAME.txt`
/// and `NAME.html`), its subject, the model both parts read, and its headers.
struct DigestMailDraft {
    var template: String
    var subject: String
    var recipientName: String
    var model: TemplateObject
    /// Thread grouping (RFC 5322 §3.6.4): every notification mail about one thread answers the
    /// thread's own stable Message-ID, so mail clients show them as one conversation.
    var inReplyTo: String?
    var references: [String] = []
    /// The RFC 8058 link for `List-Unsubscribe` (every digest message has one).
    var unsubscribeURL: String
}

/// Turns the outbox rows of notification mail, the daily summary and the weekly briefing into
/// drafts. Board decides what may be said (`MailDigestService`: the recipient may still receive
/// mail and read it); nil means drop the message, with the reason the caller logs.
struct DigestMail {
    let mailDigest: MailDigestService
    /// The public address of the site without a trailing slash (`--base-url`).
    let baseURL: String
    let siteName: String

    init(mailDigest: MailDigestService, baseURL: String, siteName: String = "Mutuals Network") {
        self.mailDigest = mailDigest
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.siteName = siteName
    }

    var host: String { URL(string: baseURL)?.host ?? "mutuals.invalid" }

    /// The stable Message-ID that notification mail about thread `id` refers to.
    func threadMessageID(_ id: Int64) -> String { "thread-\(id)@\(host)" }

    func link(_ path: String) -> String { baseURL + path }

    /// The site path of what a notification is about: the post (on its page) or the thread.
    static func path(of item: NotificationItem) -> String? {
        guard let id = item.threadID, let slug = item.threadSlug else { return nil }
        var path = BoardPaths.thread(id: id, slug: slug)
        if let position = item.postPosition, let postID = item.postID {
            let page = (position - 1) / PageQueries.postsPerPage + 1
            path += (page > 1 ? "?page=\(page)" : "") + "#post-\(postID)"
        }
        return path
    }

    func base(_ subject: String, recipientName: String, unsubscribe: UnsubscribeScope, userID: Int64) throws -> (TemplateObject, String) {
        let unsubscribeURL = link("/unsubscribe/" + (try mailDigest.unsubscribeToken(userID: userID, scope: unsubscribe)))
        var model = TemplateObject()
        model["subject"] = .text(subject)
        model["displayName"] = .text(recipientName)
        model["siteName"] = .text(siteName)
        model["settingsLink"] = .text(link("/account/notifications"))
        model["unsubscribeLink"] = .text(unsubscribeURL)
        model["unsubscribeWhat"] = .text(unsubscribe.mailDescription)
        return (model, unsubscribeURL)
    }

    func item(_ mail: NotificationMailItem) -> TemplateValue {
        [
            "sentence": .text(NotificationsView.sentence(mail.item)),
            "excerpt": .text(mail.excerpt),
            "hasExcerpt": .bool(!mail.excerpt.isEmpty),
            "link": .text(link(Self.path(of: mail.item) ?? "/notifications")),
        ]
    }

    enum Outcome {
        case draft(DigestMailDraft)
        case drop(String)
    }

    /// One notification, straight away.
    func notification(notificationID: Int64?, userID: Int64?) throws -> Outcome {
        guard let notificationID, let userID else { return .drop("the notification no longer exists") }
        guard let mail = try mailDigest.notificationMail(notificationID: notificationID, userID: userID) else {
            return .drop("the recipient may no longer receive this mail or read what it is about")
        }
        // About a thread: a reply in its conversation; otherwise (an organisation request) the sentence itself.
        let subject = mail.item.threadTitle.map { "Re: \($0)" } ?? NotificationsView.sentence(mail.item)
        var (model, unsubscribeURL) = try base(subject, recipientName: mail.recipientName,
                                               unsubscribe: .notification(mail.item.kind), userID: userID)
        model["notification"] = item(mail)
        let threadID = mail.item.threadID.map(threadMessageID)
        return .draft(DigestMailDraft(template: "notification", subject: subject, recipientName: mail.recipientName,
                                      model: model, inReplyTo: threadID, references: threadID.map { [$0] } ?? [],
                                      unsubscribeURL: unsubscribeURL))
    }

    /// The daily summary for the window the row names (`from`, `to`: milliseconds).
    func dailySummary(userID: Int64?, payload: [String: String]) throws -> Outcome {
        guard let userID, let from = payload["from"].flatMap(Int64.init), let to = payload["to"].flatMap(Int64.init) else {
            return .drop("the summary names no recipient or window")
        }
        let items = try mailDigest.dailySummary(userID: userID, from: Date(timeIntervalSince1970: Double(from) / 1000),
                                                to: Date(timeIntervalSince1970: Double(to) / 1000))
        guard let first = items.first else { return .drop("nothing unread is left to summarise") }
        let subject = items.count == 1 ? "Your daily summary: 1 notification" : "Your daily summary: \(items.count) notifications"
        var (model, unsubscribeURL) = try base(subject, recipientName: first.recipientName, unsubscribe: .dailySummary, userID: userID)
        model["notifications"] = .list(items.map(item))
        model["notificationsLink"] = .text(link("/notifications"))
        return .draft(DigestMailDraft(template: "daily-summary", subject: subject, recipientName: first.recipientName,
                                      model: model, unsubscribeURL: unsubscribeURL))
    }

    /// The weekly briefing of the week the row names.
    func weeklyBriefing(userID: Int64?, payload: [String: String]) throws -> Outcome {
        guard let userID, let week = payload["week"].flatMap(ISOWeek.init) else { return .drop("the briefing names no recipient or week") }
        guard let mail = try mailDigest.weeklyBriefingMail(userID: userID, week: week) else {
            return .drop("the recipient may no longer receive mail or turned the weekly briefing off")
        }
        guard !mail.digest.isEmpty else { return .drop("the week's briefing has nothing in it for this member") }
        let subject = "Weekly briefing: \(DigestWords.range(week))"
        var (model, unsubscribeURL) = try base(subject, recipientName: mail.recipientName, unsubscribe: .weeklyBriefing, userID: userID)
        let view = WeeklyDigestView(digest: mail.digest, signedIn: true)
        for key in ["week", "weekRange", "briefingItems", "hasBriefingItems", "hasUsefulThreads", "usefulHeading",
                    "hasUnanswered", "unansweredHeading"] {
            model[key] = view.templateValue(for: key)
        }
        model["usefulThreads"] = WeeklyDigestView.threads(mail.digest.usefulThreads, link: link)
        model["unanswered"] = WeeklyDigestView.threads(mail.digest.unanswered, link: link)
        model["webLink"] = .text(link("/briefing/weekly/\(week)"))
        return .draft(DigestMailDraft(template: "weekly-briefing", subject: subject, recipientName: mail.recipientName,
                                      model: model, unsubscribeURL: unsubscribeURL))
    }
}
