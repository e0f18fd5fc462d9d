import Board
import Foundation
import HTTPServer

/// The moderation pages' templates, looked up once at start.
struct ModerationPages: Sendable {
    static let templateNames = ["moderation", "admin-queue", "admin-nav", "admin-users", "admin-settings", "admin-thread", "admin-topics", "admin-invites", "admin-organisations",
                                "admin-confirm", "admin-memberships", "flag", "post-moderation", "post-hide"]

    let log: Template
    let queue: Template
    let users: Template
    let settings: Template
    let thread: Template
    let flag: Template
    /// An admin's Hide from a thread page, when it came back with a problem.
    let hide: Template
    let topics: Template
    let invites: Template
    let organisations: Template
    let confirm: Template
    let memberships: Template

    init(_ templates: TemplateLibrary) throws {
        try templates.require(Self.templateNames)
        log = try templates.template("moderation")
        queue = try templates.template("admin-queue")
        users = try templates.template("admin-users")
        settings = try templates.template("admin-settings")
        thread = try templates.template("admin-thread")
        flag = try templates.template("flag")
        hide = try templates.template("post-hide")
        topics = try templates.template("admin-topics")
        invites = try templates.template("admin-invites")
        organisations = try templates.template("admin-organisations")
        confirm = try templates.template("admin-confirm")
        memberships = try templates.template("admin-memberships")
    }
}

struct FlagPageView: KeyedTemplateRenderable {
    let postID: Int64
    let threadTitle: String
    /// The reason chosen when the form came back (a note missing for "Something else", a
    /// refused token): it stays chosen.
    var chosen: String?

    enum Key: String, CaseIterable, Sendable { case postID, threadTitle, reasons }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .postID: .int(Int(postID))
        case .threadTitle: .text(threadTitle)
        case .reasons:
            .list(FlagReason.allCases.map { ["value": .text($0.rawValue), "label": .text($0.label), "checked": .bool($0.rawValue == chosen)] })
        }
    }
}

/// The Hide form of one post on its own page (Templates/post-hide.mustache).
struct HidePostView: KeyedTemplateRenderable {
    let postID: Int64
    /// The post on its thread page.
    let backURL: String

    enum Key: String, CaseIterable, Sendable { case postID, backURL }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .postID: .int(Int(postID))
        case .backURL: .text(backURL)
        }
    }
}

struct ModerationLogView: KeyedTemplateRenderable {
    let entries: [LogEntry]

    enum Key: String, CaseIterable, Sendable { case entries }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .entries:
            .list(entries.map { entry in
                [
                    "at": .text(DateText.humanWithTime(entry.at)), "atISO": .text(DateText.iso(entry.at)),
                    "automatic": .bool(entry.automatic), "actor": .text(entry.actorHandle),
                    "phrase": .text(Self.phrase(entry)), "label": .text(Self.label(entry)),
                    "targetPath": .text(entry.targetPath ?? ""), "reason": .text(Self.reason(entry)),
                ]
            })
        }
    }

    /// A setting change in words, not its stored `key = value` (issue 18).
    static func reason(_ entry: LogEntry) -> String {
        entry.targetType == "setting" ? Setting.describeChange(entry.reason) ?? entry.reason : entry.reason
    }

    /// The log's verb; an answered membership request is an organisation change on a person.
    static func phrase(_ entry: LogEntry) -> String {
        if entry.action == .editOrganisation && entry.targetType == "user" { return "answered the membership request of" }
        // A rename says from what (the old title, when this viewer may read the thread) to what.
        if entry.action == .renameThread, entry.targetLabel != nil {
            guard let old = entry.previousTitle, let new = entry.renamedTo else { return entry.action.phrase }
            // The link shows the title now: said once when it is still the new one.
            return entry.targetLabel == new ? "renamed a thread from “\(old)” to" : "renamed a thread from “\(old)” to “\(new)”, now"
        }
        return entry.action.phrase
    }

    static func label(_ entry: LogEntry) -> String {
        // The reason names the topic, invite, organisation or briefing item as it was.
        if ["topic", "invite", "organisation", "briefing_item"].contains(entry.targetType) { return "" }
        if let label = entry.targetLabel { return ["user", "mentorship"].contains(entry.targetType) ? label : "“\(label)”" }
        switch entry.targetType {
        case "thread", "post": return "a thread you cannot see, or one since removed"
        case "setting": return ""
        default: return "\(entry.targetType) \(entry.targetID)"
        }
    }
}
