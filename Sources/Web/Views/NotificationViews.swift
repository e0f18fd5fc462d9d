import Board
import Foundation
import HTTPServer

/// The notification templates, registered by `PageLibrary`.
struct NotificationPages: Sendable {
    static let templateNames = ["notifications", "notifications-settings", "saved", "following", "thread-follow"]
    let list: Template
    let settings: Template
    let saved: Template
    let following: Template

    init(_ templates: TemplateLibrary) throws {
        list = try templates.template("notifications")
        settings = try templates.template("notifications-settings")
        saved = try templates.template("saved")
        following = try templates.template("following")
    }
}

struct NotificationsView: KeyedTemplateRenderable {
    var items: [NotificationItem]

    static func sentence(_ item: NotificationItem) -> String {
        let who = item.actorName ?? "Someone"
        let thread = item.threadTitle ?? "a thread"
        switch item.kind {
        case .reply: return "\(who) replied in “\(thread)”"
        case .mention: return "\(who) mentioned you in “\(thread)”"
        case .accepted: return "\(who) accepted your reply as the answer in “\(thread)”"
        case .newThreadInTopic: return "\(who) started “\(thread)” in a topic you follow"
        case .mentorLinked: return "A mentor was linked to your thread “\(thread)”"
        case .mentorRequested: return "\(who) asked you to help with “\(thread)” as a mentor: it is in your mentor queue"
        case .moderation:
            if let reason = item.deletionReason {
                return "A moderator deleted your post in “\(thread)” for good" + (reason.isEmpty ? "" : ", saying: “\(reason)”")
            }
            return "A moderator acted on your post in “\(thread)”"
        case .postHeld: return "\(who)’s post in “\(thread)” is waiting for approval"
        case .postApproved: return "Your post in “\(thread)” was approved: everyone who can read the thread sees it now"
        case .postHidden: return "A moderator hid your post in “\(thread)”; the thread shows why"
        case .mentorDeclined:
            let note = item.note.isEmpty ? "" : ": “\(item.note)”"
            return "\(who) declined to mentor “\(thread)”\(note)"
        case .organisationRequested:
            return "\(who) asked to be confirmed as a member of \(item.organisationName ?? "an organisation")"
        case .organisationConfirmed:
            return "An admin confirmed you as a member of \(item.organisationName ?? "your organisation"): you can read its private space"
        case .organisationDeclined:
            let asked = item.organisationName ?? "another organisation"
            guard let kept = item.keptOrganisationName else { return "Your request to join \(asked) was declined; you have no organisation" }
            return "Your request to move to \(asked) was declined; you remain a member of \(kept)"
        case .mentorWanted:
            let suggested = item.mentorName.map { " (they suggest \($0))" } ?? ""
            guard let organisation = item.organisationName else {  // a public thread (issue 18)
                return "\(who) asked the admins to find a mentor\(suggested) for “\(thread)”"
            }
            return "\(who) asked for a mentor for \(organisation)\(suggested), about “\(thread)”"
        }
    }

    /// Where a notification about no post leads: the admin page that answers it, or the account.
    static func link(_ item: NotificationItem) -> String? {
        switch item.kind {
        case .organisationRequested: return "/admin/organisations/members"
        case .organisationConfirmed, .organisationDeclined: return "/account"
        case .mentorWanted:
            // A public thread: the admins ask a mentor to it from its ask page.
            if item.organisationSlug == nil, let id = item.threadID { return "/t/\(id)/mentors" }
            var query = ["organisation=" + FormDecoder.encode(item.organisationSlug ?? "")]
            if let handle = item.mentorHandle { query.append("mentor=" + FormDecoder.encode(handle)) }
            return "/admin/mentors?" + query.joined(separator: "&") + "#start-mentorship"
        default: return nil
        }
    }

    /// The parts of an item's meta line that have something to say (its date, "New" when
    /// unread), for the template to join with " · ": never a separator with nothing beside it.
    static func meta(_ item: NotificationItem) -> TemplateValue {
        var parts: [(text: String, dateISO: String?)] = []
        let date = DateText.humanWithTime(item.createdAt)
        if !date.isEmpty { parts.append((date, DateText.iso(item.createdAt))) }
        if !item.read { parts.append(("New", nil)) }
        return .list(parts.enumerated().map { index, part in
            ["first": .bool(index == 0), "text": .text(part.text), "isDate": .bool(part.dateISO != nil),
             "dateISO": .text(part.dateISO ?? "")]
        })
    }

    enum Key: String, CaseIterable, Sendable { case notifications, hasNotifications, hasUnread }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .notifications:
            return .list(items.map { item in
                var url = Self.link(item)
                if url == nil, let id = item.threadID, let slug = item.threadSlug {
                    url = BoardPaths.thread(id: id, slug: slug)
                    if let position = item.postPosition, let postID = item.postID {
                        let page = (position - 1) / PageQueries.postsPerPage + 1
                        url = (url ?? "") + (page > 1 ? "?page=\(page)" : "") + "#post-\(postID)"
                    }
                }
                var row: TemplateObject = [
                    "id": .int(Int(item.id)), "text": .text(Self.sentence(item)), "url": .text(url ?? ""),
                    "unread": .bool(!item.read),
                ]
                if let excerpt = item.excerpt { row["excerpt"] = .text(excerpt) }
                row["meta"] = Self.meta(item)
                return .object(row)
            })
        case .hasUnread: return .bool(items.contains { !$0.read })
        case .hasNotifications: return .bool(!items.isEmpty)
        }
    }
}

struct NotificationSettingsView: KeyedTemplateRenderable {
    var disabled: Set<NotificationKind>
    var saved: Bool
    /// Admins also choose the kinds only admins receive (`NotificationKind.isForAdmins`).
    var isAdmin = false
    /// How each kind reaches the inbox, and the weekly briefing (issue 15).
    var mail = MailPreferences(deliveries: [:], weeklyBriefing: true)
    var email = ""
    var emailConfirmed = true

    enum Key: String, CaseIterable, Sendable { case kinds, saved, weeklyBriefing, email, emailConfirmed }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .kinds:
            return .list(NotificationKind.allCases.filter { isAdmin || !$0.isForAdmins }.map { kind in
                let chosen = mail.delivery(kind)
                return [
                    "value": .text(kind.rawValue), "label": .text(kind.label), "checked": .bool(!disabled.contains(kind)),
                    "deliveries": .list(MailDelivery.allCases.map { delivery in
                        [
                            "id": .text("email-\(kind.rawValue)-\(delivery.rawValue)"), "name": .text("email-\(kind.rawValue)"),
                            "hintID": .text("email-\(kind.rawValue)-hint"), "value": .text(delivery.rawValue),
                            "label": .text(delivery.label), "checked": .bool(delivery == chosen),
                        ]
                    }),
                ]
            })
        case .saved: return .bool(saved)
        case .weeklyBriefing: return .bool(mail.weeklyBriefing)
        case .email: return .text(email)
        case .emailConfirmed: return .bool(emailConfirmed)
        }
    }
}
