import Board
import Foundation

/// The mentor pages' templates (issue 6), compiled at start.
struct MentorPages: Sendable {
    static let templateNames = ["mentor-directory", "mentor-profile", "mentor-profile-edit", "mentor-queue", "mentor-admin",
                                "mentor-ask", "thread-mentors", "mentor-decline"]

    let directory: Template
    let profile: Template
    let edit: Template
    let queue: Template
    let admin: Template
    let ask: Template
    let decline: Template

    init(_ templates: TemplateLibrary) throws {
        directory = try templates.template("mentor-directory")
        profile = try templates.template("mentor-profile")
        edit = try templates.template("mentor-profile-edit")
        queue = try templates.template("mentor-queue")
        admin = try templates.template("mentor-admin")
        ask = try templates.template("mentor-ask")
        decline = try templates.template("mentor-decline")
    }
}

/// View values shared by the mentor pages.
enum MentorViews {
    static func topics(_ tags: [TopicTag]) -> TemplateValue {
        .list(tags.map { ["slug": .text($0.slug), "name": .text($0.name), "url": .text(BoardPaths.topic($0.slug))] })
    }

    static func card(_ card: MentorCard) -> TemplateValue {
        var values: [String: TemplateValue] = [
            "handle": .text(card.handle), "name": .text(card.displayName), "headline": .text(card.headline),
            "url": .text("/mentors/\(card.handle)"), "availability": .text(card.availability.label),
            "availabilityValue": .text(card.availability.rawValue), "topics": topics(card.topics), "hasTopics": .bool(!card.topics.isEmpty),
            "bio": .text(card.bio),
        ]
        if let name = card.organisationName, let slug = card.organisationSlug {
            values["organisation"] = ["name": .text(name), "url": .text(BoardPaths.organisation(slug))]
        }
        return .object(TemplateObject(values))
    }

    static func mentorship(_ item: MentorshipSummary) -> TemplateValue {
        var values: [String: TemplateValue] = [
            "id": .int(Int(item.id)), "mentorName": .text(item.mentorName), "mentorURL": BoardPaths.mentor(item.mentorHandle).map { .text($0) } ?? .bool(false),
            "organisationName": .text(item.organisationName), "organisationURL": .text(BoardPaths.organisation(item.organisationSlug)),
            "started": .text(DateText.human(item.startedAt)), "startedISO": .text(DateText.iso(item.startedAt)),
            "note": .text(item.note), "active": .bool(item.endedAt == nil),
        ]
        if let ended = item.endedAt { values["ended"] = .text(DateText.human(ended)) }
        return .object(TemplateObject(values))
    }

    static func answer(_ answer: MentorAnswer) -> TemplateValue {
        [
            "title": .text(answer.threadTitle),
            "url": .text(BoardPaths.thread(id: answer.threadID, slug: answer.threadSlug) + "#post-\(answer.postID)"),
            "date": .text(DateText.human(answer.createdAt)), "dateISO": .text(DateText.iso(answer.createdAt)),
            "accepted": .bool(answer.accepted),
        ]
    }

    static func queueItem(_ item: MentorQueueItem) -> TemplateValue {
        var reasons: [String] = []
        if item.linkedToYou { reasons.append("Linked to you") }
        if item.fromYourPathfinder { reasons.append("From a pathfinder you support") }
        if item.inYourTopics { reasons.append("In your topics") }
        return [
            "id": .int(Int(item.threadID)), "title": .text(item.title),
            "url": .text(BoardPaths.thread(id: item.threadID, slug: item.slug)),
            "author": .text(item.authorName), "date": .text(DateText.human(item.createdAt)),
            "dateISO": .text(DateText.iso(item.createdAt)), "replies": .int(item.replyCount),
            "accepted": .bool(item.hasAcceptedAnswer), "answeredByYou": .bool(item.answeredByYou),
            "linkedToYou": .bool(item.linkedToYou), "reasons": .text(reasons.joined(separator: " · ")),
        ]
    }

    static func suggestion(_ item: MentorSuggestion) -> TemplateValue {
        var why: [String] = []
        if item.matchingTopics > 0 { why.append("\(item.matchingTopics) matching topic\(item.matchingTopics == 1 ? "" : "s")") }
        if item.supportsPathfinder { why.append("supports this pathfinder") }
        why.append("\(item.openLinks) open thread\(item.openLinks == 1 ? "" : "s")")
        return [
            "handle": .text(item.handle), "name": .text(item.displayName), "headline": .text(item.headline),
            "url": .text("/mentors/\(item.handle)"), "availability": .text(item.availability.label),
            "why": .text(why.joined(separator: " · ")),
        ]
    }

    /// Busy mentors left out of the list, said for each count.
    static func busyNote(_ busy: Int) -> String? {
        switch busy {
        case 0: nil
        case 1: "One mentor who is busy and not taking new threads is not listed."
        default: "\(busy) mentors who are busy and not taking new threads are not listed."
        }
    }

    /// Why the ask page offers nobody to ask directly (issue 18): never "no more mentors" without
    /// a reason, said right for every count (nobody busy, one busy, several busy).
    static func whyNoSuggestions(_ page: MentorRequestPage) -> String {
        // "Other" only beside mentors already asked; with nobody linked, these are all there are.
        let other = page.linked.isEmpty ? "" : " other"
        let busy = switch page.busyMentors {
        case 0: ""
        case 1: " The only\(other) mentor who could be asked is busy and not taking new threads."
        default: " All \(page.busyMentors)\(other) mentors who could be asked are busy and not taking new threads."
        }
        if let space = page.spaceName {
            if page.spaceMentors == 0 {
                return "No mentor can be asked directly yet: this thread is private to \(space), and no mentor supports \(space) yet."
            }
            if page.busyMentors > 0 && page.linked.isEmpty {
                return "No mentor who supports \(space) can take this thread now." + busy
            }
            return page.linked.isEmpty
                ? "No mentor who supports \(space) can be asked to this thread." + busy
                : "Every mentor who supports \(space) and is taking new threads has already been asked to this thread." + busy
        }
        if page.busyMentors > 0 && page.linked.isEmpty {
            return "No mentor can take this thread now." + busy
        }
        return page.linked.isEmpty
            ? "There is no mentor on the network who could be asked to this thread yet." + busy
            : "Every mentor taking new threads has already been asked to this thread." + busy
    }

    /// Options for a select: `value`, `name`, `selected`.
    static func options(_ pairs: [(value: String, name: String)], selected: String?) -> TemplateValue {
        .list(pairs.map { ["value": .text($0.value), "name": .text($0.name), "selected": .bool($0.value == selected)] })
    }
}
