import Board
import Foundation
import HTTPServer

struct AdminQueueView: TemplateRenderable {
    let items: [QueueItem]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "items":
            .list(items.map { item in
                [
                    "postID": .int(Int(item.postID)), "threadID": .int(Int(item.threadID)), "threadTitle": .text(item.threadTitle),
                    "author": .text(item.authorHandle), "body": .text(item.bodyMarkdown), "held": .bool(item.held),
                    "hidden": .bool(item.hidden), "since": .text(DateText.humanWithTime(item.since)),
                    "sinceISO": .text(DateText.iso(item.since)), "hasFlags": .bool(!item.flags.isEmpty),
                    "flags": .list(item.flags.map { flag in
                        ["reason": .text(flag.reason.label), "reporter": .text(flag.reporterHandle), "note": .text(flag.note)]
                    }),
                ]
            })
        default: nil
        }
    }
}

/// One option of a select or checkbox list on the admin pages.
struct ChoiceRow: Sendable {
    let value: String, label: String, selected: Bool

    var templateValue: TemplateValue { ["value": .text(value), "label": .text(label), "selected": .bool(selected)] }
}

struct AdminThreadView: TemplateRenderable {
    let thread: AdminThread
    let spaces: [ChoiceRow]
    let topics: [ChoiceRow]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(Int(thread.id))
        case "title": .text(thread.title)
        case "locked": .bool(thread.locked)
        case "pinned": .bool(thread.pinned)
        case "isPublic": .bool(thread.organisationID == nil)
        case "hidden": .bool(thread.hidden)
        case "slowModeMinutes": .int(thread.slowModeSeconds / 60)
        case "spaces": .list(spaces.map(\.templateValue))
        case "topics": .list(topics.map(\.templateValue))
        default: nil
        }
    }
}

struct AdminUsersView: TemplateRenderable {
    let query: String
    let users: [UserSummary]
    let now: Date

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "query": .text(query)
        case "users":
            .list(users.map { user in
                let suspended = user.suspendedUntil.flatMap { $0 > now ? $0 : nil }
                return [
                    "id": .int(Int(user.id)), "handle": .text(user.handle), "displayName": .text(user.displayName),
                    "role": .text(user.role), "suspendedUntil": .text(suspended.map(DateText.humanWithTime) ?? ""),
                    "suspensionReason": .text(user.suspensionReason ?? ""),
                ]
            })
        default: nil
        }
    }
}

struct AdminSettingsView: TemplateRenderable {
    let values: [Setting: String]

    static let settings: [(key: Setting, label: String, options: [(String, String)])] = [
        (.registration, "Who can register", [("open", "Anyone"), ("invite_only", "Only people with an invite"), ("closed", "No one")]),
        (.requireSignInToRead, "Who can read the network", [("0", "Visitors and members"), ("1", "Members only")]),
        (.holdFirstPostsOfNewMembers, "Hold the first posts of new accounts for approval", [("1", "Yes"), ("0", "No")]),
        (.flagThreshold, "Members whose flags hide a post until an admin decides",
         (1...10).map { (String($0), String($0)) }),
        (.newAccountDays, "Days an account counts as new (limited posting)", (0...14).map { (String($0), String($0)) }),
        (.newAccountPostsPerDay, "Posts a day for a new account", [1, 2, 3, 5, 10, 20].map { (String($0), String($0)) }),
    ]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "settings":
            .list(Self.settings.map { setting in
                [
                    "key": .text(setting.key.rawValue), "label": .text(setting.label),
                    "options": .list(setting.options.map { option in
                        ["value": .text(option.0), "text": .text(option.1), "selected": .bool(values[setting.key] == option.0)]
                    }),
                ]
            })
        default: nil
        }
    }
}

struct AdminTopicsView: TemplateRenderable {
    let topics: [AdminTopic]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "topics":
            .list(topics.map { topic in
                ["id": .int(Int(topic.id)), "slug": .text(topic.slug), "name": .text(topic.name),
                 "description": .text(topic.description), "retired": .bool(topic.retired)]
            })
        default: nil
        }
    }
}

struct AdminInvitesView: TemplateRenderable {
    let invites: [AdminInvite]
    let organisations: [ChoiceRow]
    let newLink: String?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "newLink": .text(newLink ?? "")
        case "organisations": .list(organisations.map(\.templateValue))
        case "invites":
            .list(invites.map { invite in
                ["id": .int(Int(invite.id)), "role": .text(invite.role), "organisation": .text(invite.organisationName ?? ""),
                 "createdBy": .text(invite.createdBy), "expires": .text(DateText.humanWithTime(invite.expiresAt)),
                 "uses": .text("\(invite.useCount) of \(invite.maxUses)")]
            })
        default: nil
        }
    }
}

struct AdminOrganisationsView: TemplateRenderable {
    let organisations: [AdminOrganisation]

    static let kinds = [("pathfinder", "Pathfinder"), ("mentor_organisation", "Mentor organisation"), ("other", "Other")]

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "newKinds": .list(Self.kinds.map { ["value": .text($0.0), "text": .text($0.1), "selected": .bool(false)] })
        case "organisations":
            .list(organisations.map { organisation in
                ["id": .int(Int(organisation.id)), "slug": .text(organisation.slug), "name": .text(organisation.name),
                 "description": .text(organisation.description), "region": .text(organisation.region),
                 "kinds": .list(Self.kinds.map { ["value": .text($0.0), "text": .text($0.1), "selected": .bool($0.0 == organisation.kind)] })]
            })
        default: nil
        }
    }
}
