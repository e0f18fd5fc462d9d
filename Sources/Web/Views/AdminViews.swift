import Board
import Foundation
import HTTPServer

struct AdminQueueView: KeyedTemplateRenderable {
    let items: [QueueItem]
    /// Who is looking: "Suspend the author" is offered only when Policy lets them suspend the
    /// author (not a deleted account, an admin, or themselves), the rule the suspension asks.
    let actor: Actor
    let now: Date
    /// A decision that came back with an error: its message shows at the post's reason field
    /// (`reason-12`), with what was typed.
    var form = FormState()
    /// The post in the path of the decision that came back: its reason shows as typed, also when
    /// the form was refused as a whole (its token), which names no field.
    var formPostID: Int64?

    /// What was typed as the reason for `postID`, when its form came back; "" otherwise.
    func typedReason(_ postID: Int64) -> String {
        let cameBack = !reasonError(postID).isEmpty || (postID == formPostID && form.formMessage != nil)
        return cameBack ? form.values["reason"] ?? "" : ""
    }

    /// The post's words without markup (not raw Markdown), up to 600 characters, a paragraph each.
    static func paragraphs(_ markdown: String) -> [TemplateValue] {
        Markdown.plainExcerpt(markdown, limit: 600).components(separatedBy: "\n\n").map { ["text": .text($0)] }
    }

    func maySuspendAuthor(_ item: QueueItem) -> Bool {
        guard let role = item.authorRole else { return false }
        return Policy.decide(actor, .suspendUser, .user(id: item.authorID, role: role), now: now).isAllowed
    }

    func reasonError(_ postID: Int64) -> String {
        form.errors.first { $0.field == "reason-\(postID)" }?.message ?? ""
    }

    enum Key: String, CaseIterable, Sendable { case items }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .items:
            .list(items.map { item in
                [
                    "postID": .int(Int(item.postID)), "threadID": .int(Int(item.threadID)), "threadTitle": .text(item.threadTitle),
                    "shown": .text(item.shown),
                    "author": .text(item.authorHandle), "maySuspendAuthor": .bool(maySuspendAuthor(item)),
                    "authorSearch": .text(AdminUsersView.link(query: item.authorHandle)), "paragraphs": .list(Self.paragraphs(item.bodyMarkdown)), "held": .bool(item.held),
                    "hidden": .bool(item.hidden), "mayHide": .bool(item.mayHide), "since": .text(DateText.humanWithTime(item.since)),
                    "sinceISO": .text(DateText.iso(item.since)), "hasFlags": .bool(!item.flags.isEmpty),
                    "error_reason": .text(reasonError(item.postID)),
                    "reason": .text(typedReason(item.postID)),
                    "flags": .list(item.flags.map { flag in
                        ["reason": .text(flag.reason.label), "reporter": .text(flag.reporterHandle), "note": .text(flag.note)]
                    }),
                ]
            })
        }
    }
}

/// One option of a select or checkbox list on the admin pages.
struct ChoiceRow: Sendable {
    let value: String, label: String, selected: Bool

    var templateValue: TemplateValue { ["value": .text(value), "label": .text(label), "selected": .bool(selected)] }
}

/// The forms of a thread's admin page: the one that came back refused shows what was typed in it.
enum AdminThreadForm: Sendable { case change, rename, slowMode, move, topics }

struct AdminThreadView: KeyedTemplateRenderable {
    let thread: AdminThread
    let spaces: [ChoiceRow]
    let topics: [ChoiceRow]
    /// The form that came back refused, and what was typed in it (its reason, minutes, place or topics).
    var refused: AdminThreadForm? = nil
    var typed: [FormItem] = []

    enum Key: String, CaseIterable, Sendable {
        case id, title, locked, pinned, isPublic, hidden, slowModeMinutes, spaces, topics
        case reasonChange, reasonRename, reasonSlowMode, reasonMove, reasonTopics
    }
    static let templateKeys = TemplateKeys(Key.self)

    /// The reason typed in `form`, when it is the one that came back.
    func reason(_ form: AdminThreadForm) -> TemplateValue? {
        refused == form ? .text(typed["reason"] ?? "") : nil
    }

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .id: .int(Int(thread.id))
        case .title: .text(thread.title)
        case .locked: .bool(thread.locked)
        case .pinned: .bool(thread.pinned)
        case .isPublic: .bool(refused == .move ? (typed["organisation"] ?? "").isEmpty : thread.organisationID == nil)
        case .hidden: .bool(thread.hidden)
        case .slowModeMinutes: refused == .slowMode ? .text(typed["minutes"] ?? "") : .int(thread.slowModeSeconds / 60)
        case .spaces:
            .list(spaces.map { space in
                refused == .move ? ChoiceRow(value: space.value, label: space.label, selected: space.value == typed["organisation"]) : space
            }.map(\.templateValue))
        case .topics:
            .list(topics.map { topic in
                refused == .topics ? ChoiceRow(value: topic.value, label: topic.label, selected: typed.values("topics").contains(topic.value)) : topic
            }.map(\.templateValue))
        case .reasonChange: reason(.change)
        case .reasonRename: reason(.rename)
        case .reasonSlowMode: reason(.slowMode)
        case .reasonMove: reason(.move)
        case .reasonTopics: reason(.topics)
        }
    }
}

struct AdminUsersView: KeyedTemplateRenderable {
    let query: String
    let users: [UserSummary]
    /// Who is looking: each row offers only what Policy lets them do to that user.
    let actor: Actor
    let now: Date
    /// What the last action did, for the success banner.
    var notice: String?
    /// A form that came back with an error: its values and messages show on the row of the
    /// user in the path (fields named `reason-12`).
    var form = FormState()
    /// The user in the path of the form that came back: their row shows what was typed, also
    /// when the form was refused as a whole (its token), which names no field.
    var formUserID: Int64?

    static let roles: [(Role, String)] = [(.member, "Member"), (.mentor, "Mentor"), (.admin, "Admin")]

    /// The users page with the admin's search (the notice after an action is added by `redirect(_:notice:)`).
    static func link(query: String) -> String {
        "/admin/users" + (query.isEmpty ? "" : "?q=" + FormDecoder.encode(query))
    }

    /// What the users page says after `done` on `user`, from the user's state now; nil for a notice of another page.
    static func notice(_ done: SiteNotice, user: UserSummary, now: Date) -> String? {
        let name = "\(user.displayName) (@\(user.handle))"
        switch done {
        case .userSuspended:
            guard let until = user.suspendedUntil, until > now else { return "\(name) is no longer suspended." }
            return "\(name) is suspended until \(DateText.humanWithTime(until))."
        case .userLifted: return "\(name) is no longer suspended."
        case .userRoleChanged: return "\(name) is now \(roleWithArticle(user.role))."
        default: return nil
        }
    }

    static func roleWithArticle(_ role: String) -> String {
        (role == Role.admin.rawValue ? "an " : "a ") + role
    }

    /// The message of the error on `field` of this user's forms, or "".
    func error(_ field: String, of user: UserSummary) -> String {
        let id = "\(field)-\(user.id)"
        return form.errors.first { $0.field == id }?.message ?? ""
    }

    /// Policy's answer to `action` on `user` for this actor: the rule the handlers ask
    /// (`Moderation.suspend`, `liftSuspension`, `changeRole`), so no control is offered that
    /// its handler refuses.
    func decision(_ action: Action, on user: UserSummary) -> Decision {
        guard let role = Role(rawValue: user.role) else { return .notFound }
        return Policy.decide(actor, action, .user(id: user.id, role: role), now: now)
    }

    func row(_ user: UserSummary) -> TemplateValue {
        let suspend = decision(.suspendUser, on: user), changeRole = decision(.changeRole, on: user)
        // Why a control is missing, in Policy's words, each said once.
        var whyNot: [String] = []
        for case .denied(let message) in [suspend, changeRole] where !whyNot.contains(message + ".") {
            whyNot.append(message + ".")
        }
        let suspended: Date? = user.suspendedUntil.flatMap { $0 > now ? $0 : nil }
        let daysError = error("days", of: user), reasonError = error("reason", of: user)
        let refusedHere = user.id == formUserID && form.formMessage != nil
        let typed = !daysError.isEmpty || !reasonError.isEmpty || (refusedHere && form.values["days"] != nil)
        let chosenRole = refusedHere ? form.values["role"].flatMap { Role(rawValue: $0)?.rawValue } ?? user.role : user.role
        let roles: [TemplateValue] = Self.roles.map { role in
            ["value": .text(role.0.rawValue), "label": .text(role.1), "selected": .bool(role.0.rawValue == chosenRole)]
        }
        var row: [String: TemplateValue] = [
            "id": .int(Int(user.id)), "handle": .text(user.handle), "displayName": .text(user.displayName),
            "role": .text(user.role), "suspensionReason": .text(user.suspensionReason ?? ""),
        ]
        row["suspendedUntil"] = .text(suspended.map(DateText.humanWithTime) ?? "")
        row["days"] = .text(typed ? form.values["days"] ?? "" : "7")
        row["reason"] = .text(typed ? form.values["reason"] ?? "" : "")
        row["error_days"] = .text(daysError)
        row["error_reason"] = .text(reasonError)
        row["error_role"] = .text(error("role", of: user))
        row["roles"] = .list(roles)
        row["maySuspend"] = .bool(suspend.isAllowed)
        row["mayChangeRole"] = .bool(changeRole.isAllowed)
        row["whyNot"] = .text(whyNot.joined(separator: " "))
        return .object(TemplateObject(row))
    }

    enum Key: String, CaseIterable, Sendable { case query, queryParam, notice, users }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .query: .text(query)
        case .queryParam: .text(query.isEmpty ? "" : "?q=" + FormDecoder.encode(query))
        case .notice: .text(notice ?? "")
        case .users: .list(users.map(row))
        }
    }
}

/// The page that asks an admin to confirm a suspension, a role change, deleting a post for good
/// or ending a mentorship, saying plainly what will happen. Only its Confirm button (a POST
/// with the values as hidden fields) acts; Cancel goes back without changing anything.
struct AdminConfirmView: KeyedTemplateRenderable {
    let heading: String
    let details: [String]
    let action: String
    let fields: [(name: String, value: String)]
    let confirmLabel: String
    let cancelLink: String
    /// An optional reason typed on this page, for the moderation log (ending a mentorship, whose
    /// End is a link, and a role change from the users page, whose row has no reason field: this
    /// page is the first place to say why).
    var asksReason = false

    static func suspension(_ preview: SuspensionPreview, days: String, query: String) -> AdminConfirmView {
        let user = preview.user
        return AdminConfirmView(
            heading: "Suspend \(user.displayName) until \(DateText.human(preview.until))?",
            details: ["@\(user.handle) will be able to read but not post, reply or flag until then.",
                      "They will see the reason: “\(preview.reason)”.",
                      "You can lift the suspension at any time on the users page."],
            action: "/admin/users/\(user.id)/suspend/confirm" + (query.isEmpty ? "" : "?q=" + FormDecoder.encode(query)),
            fields: [("days", days), ("reason", preview.reason)],
            confirmLabel: "Suspend \(user.displayName)", cancelLink: AdminUsersView.link(query: query))
    }

    static func roleChange(_ preview: RoleChangePreview, query: String) -> AdminConfirmView {
        let user = preview.user
        return AdminConfirmView(
            heading: "Change \(user.displayName) from \(preview.from.rawValue) to \(preview.to.rawValue)?",
            details: roleChangeDetails(preview),
            action: "/admin/users/\(user.id)/role/confirm" + (query.isEmpty ? "" : "?q=" + FormDecoder.encode(query)),
            fields: [("role", preview.to.rawValue)],
            confirmLabel: "Make \(user.displayName) \(AdminUsersView.roleWithArticle(preview.to.rawValue))",
            cancelLink: AdminUsersView.link(query: query), asksReason: true)
    }

    /// The role form of /admin/mentors asks the same, then comes back there.
    static func mentorRoleChange(_ preview: RoleChangePreview, reason: String) -> AdminConfirmView {
        let user = preview.user
        return AdminConfirmView(
            heading: "Change \(user.displayName) from \(preview.from.rawValue) to \(preview.to.rawValue)?",
            details: roleChangeDetails(preview),
            action: "/admin/mentors/role/confirm",
            fields: [("handle", user.handle), ("role", preview.to.rawValue), ("reason", reason)],
            confirmLabel: "Make \(user.displayName) \(AdminUsersView.roleWithArticle(preview.to.rawValue))",
            cancelLink: "/admin/mentors")
    }

    /// What a role change does, in words: who loses which private space, who gains the admin pages.
    static func roleChangeDetails(_ preview: RoleChangePreview) -> [String] {
        let user = preview.user
        var details = ["@\(user.handle) is \(AdminUsersView.roleWithArticle(preview.from.rawValue)) now and will be "
                       + "\(AdminUsersView.roleWithArticle(preview.to.rawValue))."]
        switch preview.endingOrganisations.count {
        case 0: break
        case 1: details.append("Their mentorship of \(preview.endingOrganisations[0]) will end: they will lose access to its private space.")
        default:
            details.append("Their mentorships of \(listed(preview.endingOrganisations)) will end: they will lose access to those private spaces.")
        }
        switch preview.endingThreadLinks {
        case 0: break
        case 1: details.append("They will be taken off the thread they were linked to as a mentor.")
        case let count: details.append("They will be taken off the \(count) threads they were linked to as a mentor.")
        }
        if preview.to == .mentor { details.append("They will appear in the mentor directory and can be linked to pathfinders and threads.") }
        if preview.to == .admin { details.append("They will be able to use every admin page: the queue, users, topics, invites and settings.") }
        if preview.from == .admin { details.append("They will no longer be able to use the admin pages.") }
        details.append("The change is recorded in the moderation log.")
        return details
    }

    /// "A, B and C".
    static func listed(_ names: [String]) -> String {
        guard let last = names.last, names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + last
    }

    static func deletion(_ preview: DeletionPreview) -> AdminConfirmView {
        AdminConfirmView(
            heading: "Delete this post by \(preview.authorName) for good?",
            details: ["The reply by \(preview.authorName) (@\(preview.authorHandle)) in “\(preview.threadTitle)” will be removed "
                      + "from the thread and cannot be brought back. "
                      + (preview.mayHide ? "To keep it restorable, hide it instead."
                                         : "It is awaiting approval, so nobody else has seen it; to show it, approve it instead."),
                      "It begins: “\(preview.excerpt)”",
                      "The moderation log will record the deletion with your reason: “\(preview.reason)”."],
            action: "/admin/posts/\(preview.postID)/delete",
            fields: [("reason", preview.reason)],
            confirmLabel: "Delete the post for good", cancelLink: "/admin/queue#post-\(preview.postID)")
    }

    static func endMentorship(_ mentorship: EndingMentorship) -> AdminConfirmView {
        AdminConfirmView(
            heading: "End the mentorship of \(mentorship.mentorName) with \(mentorship.organisationName)?",
            details: ["\(mentorship.mentorName) (@\(mentorship.mentorHandle)) has mentored \(mentorship.organisationName) since "
                      + "\(DateText.human(mentorship.startedAt)).",
                      "From now on they will not be able to read \(mentorship.organisationName)’s private space. Their posts stay."
                      + Self.privateLinks(mentorship.privateThreadLinks),
                      "The ending is recorded in the moderation log. You can start a new mentorship later."],
            action: "/admin/mentorships/\(mentorship.id)/end",
            fields: [],
            confirmLabel: "End the mentorship", cancelLink: "/admin/mentors", asksReason: true)
    }

    /// " They will be taken off the 2 private threads of it they were linked to."
    static func privateLinks(_ count: Int) -> String {
        switch count {
        case 0: ""
        case 1: " They will be taken off the private thread of it they were linked to."
        default: " They will be taken off the \(count) private threads of it they were linked to."
        }
    }

    enum Key: String, CaseIterable, Sendable { case heading, details, action, fields, confirmLabel, cancelLink, asksReason }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .heading: .text(heading)
        case .details: .list(details.map { ["text": .text($0)] })
        case .action: .text(action)
        case .fields: .list(fields.map { ["name": .text($0.name), "value": .text($0.value)] })
        case .confirmLabel: .text(confirmLabel)
        case .cancelLink: .text(cancelLink)
        case .asksReason: .bool(asksReason)
        }
    }
}

struct AdminSettingsView: KeyedTemplateRenderable {
    let values: [Setting: String]
    /// What the admin chose, when the form comes back refused (field name = setting key).
    var chosen: [String: String] = [:]
    /// How many settings the last Save changed (`?saved=N`), for the success banner.
    var saved: Int?

    static let settings: [(key: Setting, label: String, options: [(String, String)])] = [
        (.registration, "Who can register", [("open", "Anyone"), ("invite_only", "Only people with an invite"), ("closed", "No one")]),
        (.requireSignInToRead, "Who can read the network", [("0", "Visitors and members"), ("1", "Members only")]),
        (.holdFirstPostsOfNewMembers, "Hold the first posts of new accounts for approval", [("1", "Yes"), ("0", "No")]),
        (.flagThreshold, "Members whose flags hide a post until an admin decides",
         (1...10).map { (String($0), String($0)) }),
        (.newAccountDays, "Days an account counts as new (limited posting)", (0...14).map { (String($0), String($0)) }),
        (.newAccountPostsPerDay, "Posts a day for a new account", [1, 2, 3, 5, 10, 20].map { (String($0), String($0)) }),
    ]

    /// The value a Save without changes sends for a setting that has none yet: it stays unset.
    static let unset = ""

    /// "Server default (currently: 3)": what applies while a setting is unset, which for the
    /// new-account limits is `AccountLimits`' built-in value (no option changes it).
    static func serverDefault(_ setting: Setting, limits: AccountLimits = AccountLimits()) -> String {
        let value: String? = switch setting {
        case .newAccountDays: String(Int(limits.newAccountPeriod / 86_400))
        case .newAccountPostsPerDay: String(limits.newAccountPostsPerDay)
        default: setting.defaultValue.flatMap { value in settings.first { $0.key == setting }?.options.first { $0.0 == value }?.1 }
        }
        return value.map { "Server default (currently: \($0))" } ?? "Server default"
    }

    /// The settings' values as the one form sent them; a setting left unset, or missing, is not
    /// changed.
    static func submitted(_ items: [FormItem]) -> [Setting: String] {
        var values: [Setting: String] = [:]
        for setting in settings {
            if let value = items.value(setting.key.rawValue), value != unset { values[setting.key] = value }
        }
        return values
    }

    static func notice(saved count: Int) -> String {
        switch count {
        case 0: "Settings saved. Nothing had changed."
        case 1: "Settings saved. 1 setting changed."
        default: "Settings saved. \(count) settings changed."
        }
    }

    enum Key: String, CaseIterable, Sendable { case notice, settings }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .notice: saved.map { .text(Self.notice(saved: $0)) }
        case .settings:
            .list(Self.settings.map { setting in
                let current = chosen[setting.key.rawValue] ?? values[setting.key] ?? Self.unset
                // A setting never set (the server's default applies) says so, and Save keeps it unset.
                let options = (values[setting.key] == nil ? [(Self.unset, Self.serverDefault(setting.key))] : []) + setting.options
                return [
                    "key": .text(setting.key.rawValue), "label": .text(setting.label),
                    "options": .list(options.map { option in
                        ["value": .text(option.0), "text": .text(option.1), "selected": .bool(current == option.0)]
                    }),
                ]
            })
        }
    }
}

/// A refused edit of one row of an admin list (a topic, an organisation): what was typed and
/// the errors show on that row's form, whose fields are named `name-12` (where the error
/// summary's links lead), and the form for a new one below stays empty.
struct AdminRowEdit: Sendable {
    let id: Int64
    /// The submitted values, and errors on the row's fields (`name-12`).
    let form: FormState

    /// The row fields' typed values and error messages for `id`'s row; the stored values (and
    /// empty messages, so that no error of the page's other form shows here) for the others.
    static func fields(_ names: [String], of id: Int64, stored: [String: String], edit: AdminRowEdit?) -> [String: TemplateValue] {
        var row: [String: TemplateValue] = [:]
        let editing = edit?.id == id ? edit : nil
        for name in names {
            row["error_" + name] = .text(editing.flatMap { e in e.form.errors.first { $0.field == "\(name)-\(id)" }?.message } ?? "")
            row["value_" + name] = .text(editing.map { $0.form.values[name] ?? "" } ?? stored[name] ?? "")
        }
        return row
    }

    /// The layout's form for the page: the errors for its summary, none of the typed values
    /// (they belong to the row, not to the form for a new one).
    var pageForm: FormState { FormState(errors: form.errors, formMessage: form.formMessage) }
}

struct AdminTopicsView: KeyedTemplateRenderable {
    let topics: [AdminTopic]
    var edit: AdminRowEdit? = nil

    enum Key: String, CaseIterable, Sendable { case topics }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .topics:
            .list(topics.map { topic in
                var row: [String: TemplateValue] = ["id": .int(Int(topic.id)), "slug": .text(topic.slug), "name": .text(topic.name),
                                                    "retired": .bool(topic.retired)]
                row.merge(AdminRowEdit.fields(["name", "description"], of: topic.id,
                                              stored: ["name": topic.name, "description": topic.description], edit: edit)) { $1 }
                return .object(TemplateObject(row))
            })
        }
    }
}

/// The invite just made, as the invites page shows it after the redirect: its link once
/// (nil when it was shown already, or the invite is no longer open).
struct InviteMade: Sendable, Equatable {
    let link: String?
}

struct AdminInvitesView: KeyedTemplateRenderable {
    let invites: [AdminInvite]
    let organisations: [ChoiceRow]
    var made: InviteMade? = nil
    /// What was typed in the invite form when it came back (refused, or a field in error): shown
    /// again, the defaults otherwise.
    var typed: [String: String] = [:]

    static let roles = [("member", "Member"), ("mentor", "Mentor"), ("admin", "Admin")]

    enum Key: String, CaseIterable, Sendable { case made, newLink, roles, organisations, days, uses, invites, hasInvites }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .made: .bool(made != nil)
        case .newLink: .text(made?.link ?? "")
        case .roles:
            .list(Self.roles.map { ["value": .text($0.0), "label": .text($0.1), "selected": .bool(typed["role"] == $0.0)] })
        case .organisations:
            .list(organisations.map { ChoiceRow(value: $0.value, label: $0.label, selected: typed["organisation"] == $0.value).templateValue })
        case .days: .text(typed["days"] ?? "14")
        case .uses: .text(typed["uses"] ?? "1")
        case .hasInvites: .bool(!invites.isEmpty)
        case .invites:
            .list(invites.map { invite in
                ["id": .int(Int(invite.id)), "role": .text(invite.role), "organisation": .text(invite.organisationName ?? ""),
                 "createdBy": .text(invite.createdBy), "expires": .text(DateText.humanWithTime(invite.expiresAt)),
                 "uses": .text("\(invite.useCount) of \(invite.maxUses)")]
            })
        }
    }
}

struct AdminOrganisationsView: KeyedTemplateRenderable {
    let organisations: [AdminOrganisation]
    var edit: AdminRowEdit? = nil

    static let kinds = [("pathfinder", "Pathfinder"), ("mentor_organisation", "Mentor organisation"), ("other", "Other")]

    enum Key: String, CaseIterable, Sendable { case newKinds, organisations }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .newKinds: .list(Self.kinds.map { ["value": .text($0.0), "text": .text($0.1), "selected": .bool(false)] })
        case .organisations:
            .list(organisations.map { organisation in
                let typed = edit?.id == organisation.id ? edit?.form.values["kind"] : nil
                let kind = typed ?? organisation.kind
                var row: [String: TemplateValue] = [
                    "id": .int(Int(organisation.id)), "slug": .text(organisation.slug), "name": .text(organisation.name),
                    "kinds": .list(Self.kinds.map { ["value": .text($0.0), "text": .text($0.1), "selected": .bool($0.0 == kind)] })]
                row.merge(AdminRowEdit.fields(["name", "kind", "region", "description"], of: organisation.id,
                                              stored: ["name": organisation.name, "kind": organisation.kind,
                                                       "region": organisation.region, "description": organisation.description],
                                              edit: edit)) { $1 }
                return .object(TemplateObject(row))
            })
        }
    }
}

/// Members waiting for an admin to confirm their organisation (issue 18).
struct AdminMembershipsView: KeyedTemplateRenderable {
    let requests: [MembershipRequest]
    /// Why nothing changed: the request was already answered (by whom, when).
    var answered: String?

    enum Key: String, CaseIterable, Sendable { case answered, requests }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .answered: answered.map { .text($0) }
        case .requests:
            .list(requests.map { request in
                ["userID": .int(Int(request.userID)), "handle": .text(request.handle), "name": .text(request.displayName),
                 "email": .text(request.email), "organisationID": .int(Int(request.organisationID)),
                 "organisationName": .text(request.organisationName), "organisationSlug": .text(request.organisationSlug),
                 "previousOrganisation": request.previousOrganisationName.map { .text($0) } ?? .text(""),
                 "joined": .text(DateText.human(request.joinedAt)), "joinedISO": .text(DateText.iso(request.joinedAt))]
            })
        }
    }
}
