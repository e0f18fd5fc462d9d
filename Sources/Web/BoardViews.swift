import Board
import Foundation

/// View models for the board's pages: plain structs answering template names through a
/// `switch` (no reflection), built from `Board` results.

/// Dates as pages show them: ISO 8601 for `<time datetime>` and Atom, and "10 January 2012".
/// Computed by hand from the day count (Howard Hinnant's civil-from-days), because a
/// `DateFormatter` per call costs microseconds on the hot path and shared ones are not `Sendable`.
enum DateText {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                         "September", "October", "November", "December"]

    /// (year, month 1–12, day 1–31, seconds into the day) in UTC.
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int, seconds: Int) {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var seconds = total % 86_400
        if seconds < 0 { seconds += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day, seconds)
    }

    /// "2012-01-10T03:00:00Z". Written byte by byte: it is on every post of every page.
    static func iso(_ date: Date) -> String {
        let c = civil(date)
        var out: [UInt8] = []
        out.reserveCapacity(20)
        appendDigits(c.year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(c.month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(c.day, 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(c.seconds / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(c.seconds / 60 % 60, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(c.seconds % 60, 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` in decimal, zero-padded to at least `width` digits.
    static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        guard value >= 0 else { out.append(contentsOf: Array(pad(value, width).utf8)); return }
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for _ in digits.count..<max(width, digits.count) { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: digits.reversed())
    }

    /// "10 January 2012".
    static func human(_ date: Date) -> String {
        let c = civil(date)
        return "\(c.day) \(months[c.month - 1]) \(c.year)"
    }

    /// "10 January 2012 at 03:00".
    static func humanWithTime(_ date: Date) -> String {
        let c = civil(date)
        return "\(c.day) \(months[c.month - 1]) \(c.year) at \(pad(c.seconds / 3600, 2)):\(pad(c.seconds / 60 % 60, 2))"
    }

    /// Midnight UTC of the Monday of `date`'s week.
    static func weekStart(_ date: Date) -> Date {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        // 1 January 1970 was a Thursday: (days + 3) mod 7 is 0 on Mondays.
        let sinceMonday = ((days + 3) % 7 + 7) % 7
        return Date(timeIntervalSince1970: Double(days - sinceMonday) * 86_400)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// Paths of the board's pages, in one place.
enum BoardPaths {
    static func thread(id: Int64, slug: String) -> String { "/t/\(id)-\(slug)" }
    static func topic(_ slug: String) -> String { "/topics/\(slug)" }
    static func organisation(_ slug: String) -> String { "/o/\(slug)" }
    static func user(_ handle: String) -> String { "/u/\(handle.lowercased())" }
}

struct TopicTagView: TemplateRenderable {
    var tag: TopicTag
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "slug": .text(tag.slug)
        case "name": .text(tag.name)
        default: nil
        }
    }
}

/// One line of a thread list.
struct ThreadListItem: TemplateRenderable {
    var thread: ThreadSummary

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "url": .text(BoardPaths.thread(id: thread.id, slug: thread.slug))
        case "title": .text(thread.title)
        case "authorName": .text(thread.authorName)
        case "authorURL": .text(BoardPaths.user(thread.authorHandle))
        case "replyCount": .text(thread.replyCount == 1 ? "1 reply" : "\(thread.replyCount) replies")
        case "answered": .bool(thread.hasAcceptedAnswer)
        case "answeredByMentor": .bool(thread.answeredByMentor)
        case "pinned": .bool(thread.pinned)
        case "locked": .bool(thread.locked)
        case "private": .bool(thread.organisationID != nil)
        case "activityISO": .text(DateText.iso(thread.lastActivityAt))
        case "activityText": .text(DateText.human(thread.lastActivityAt))
        case "lastReplyBy": thread.replyCount > 0 ? .text(thread.lastPosterName) : nil
        case "topics": .list(thread.topics.map(TopicTagView.init))
        default: nil
        }
    }
}

struct ThreadLinkView: TemplateRenderable {
    var link: ThreadLink
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "url": .text(BoardPaths.thread(id: link.id, slug: link.slug))
        case "title": .text(link.title)
        default: nil
        }
    }
}

struct BriefingItemView: TemplateRenderable {
    var item: BriefingItemSummary

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(Int(item.id))
        case "title": .text(item.title)
        // Stored URLs are checked to be http or https by the schema.
        case "url": .text(item.url)
        case "source": .text(item.source)
        case "summary": .text(item.summary)
        case "publishedISO": .text(DateText.iso(item.publishedAt))
        case "publishedText": .text(DateText.human(item.publishedAt))
        case "topics": .list(item.topics.map(TopicTagView.init))
        case "threads": .list(item.threads.map(ThreadLinkView.init))
        case "hasThreads": .bool(!item.threads.isEmpty)
        default: nil
        }
    }
}

struct TopicCountView: TemplateRenderable {
    var topic: TopicCount
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "slug": .text(topic.slug)
        case "name": .text(topic.name)
        case "description": .text(topic.description)
        case "count": .text(topic.threadCount == 1 ? "1 thread" : "\(topic.threadCount) threads")
        default: nil
        }
    }
}

/// The home page with the board's content.
struct HomeView: TemplateRenderable {
    var content: HomePageContent

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "latest": .list(content.latest.map(ThreadListItem.init))
        case "unanswered": .list(content.unanswered.map(ThreadListItem.init))
        case "briefing": .list(content.briefing.map(BriefingItemView.init))
        case "topics": .list(content.topics.map(TopicCountView.init))
        default: nil
        }
    }
}

struct FilterOption: TemplateRenderable {
    var filter: ThreadFilter
    var current: Bool
    var topicSlug: String

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "label": .text(filter.label)
        case "url": .text(filter == .all ? BoardPaths.topic(topicSlug) : BoardPaths.topic(topicSlug) + "?filter=\(filter.rawValue)")
        case "current": .bool(current)
        default: nil
        }
    }
}

extension ThreadFilter {
    var label: String {
        switch self {
        case .all: "All threads"
        case .unanswered: "Unanswered"
        case .answered: "Answered"
        case .answeredByMentor: "Answered by a mentor"
        }
    }
}

struct TopicView: TemplateRenderable {
    var page: TopicPage
    /// For signed-in readers: whether they follow the topic (nil for visitors: no form).
    var following: Bool?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "follow":
            following.map { following in
                ["following": .bool(following), "followAction": .text("/topics/\(page.topic.slug)/follow")]
            }
        case "name": .text(page.topic.name)
        case "slug": .text(page.topic.slug)
        case "description": .text(page.description)
        case "briefing": .list(page.briefingItems.map(BriefingItemView.init))
        case "threads": .list(page.threads.map(ThreadListItem.init))
        case "filters": .list(ThreadFilter.allCases.map { FilterOption(filter: $0, current: $0 == page.filter, topicSlug: page.topic.slug) })
        case "filterLabel": page.filter == .all ? nil : .text(page.filter.label)
        case "emptyMessage": .text(page.filter == .all ? "No threads in this topic yet." : "No threads match this filter.")
        default: nil
        }
    }
}

/// A post's author as the thread page shows them.
struct PostAuthorView: TemplateRenderable {
    var post: PostView

    /// "Mentor · John Lewis Partnership", "Admin", or nothing for members.
    var badge: String? {
        switch post.authorRole {
        case "mentor": post.authorOrganisation.map { "Mentor · \($0)" } ?? "Mentor"
        case "admin": "Admin"
        default: nil
        }
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "handle": .text(post.authorHandle.lowercased())
        case "name": .text(post.authorName)
        case "badge": .text(badge)
        case "role": .text(post.authorRole)
        // A mentor's organisation is already in the badge.
        case "organisation": post.authorRole == "mentor" ? nil : .text(post.authorOrganisation)
        default: nil
        }
    }
}

struct PostItemView: TemplateRenderable {
    var post: PostView
    var accepted: Bool
    /// Who is reading: the author and admins still see a hidden post's text.
    var viewer: Viewer = .visitor

    private var seesHiddenText: Bool { viewer.isAdmin || viewer.userID == post.authorID }

    /// The moderation partial's values (Templates/post-moderation.mustache).
    struct Moderation: TemplateRenderable {
        let post: PostView
        let viewer: Viewer

        func templateValue(for key: String) -> TemplateValue? {
            switch key {
            case "hidden": .bool(post.hidden && !post.deletedByAuthor)
            case "hiddenReason": .text(post.hiddenReason.isEmpty ? "no reason given" : post.hiddenReason)
            case "awaitingApproval": .bool(post.heldForApproval)
            case "canFlag": .bool(viewer.userID != nil && viewer.userID != post.authorID && !post.hidden && !post.deletedByAuthor)
            default: nil
            }
        }
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(Int(post.id))
        case "position": .int(post.position)
        case "author": .object(PostAuthorView(post: post))
        case "createdISO": .text(DateText.iso(post.createdAt))
        case "createdText": .text(DateText.humanWithTime(post.createdAt))
        case "edited": .bool(post.editedAt != nil)
        case "editedISO": .text(post.editedAt.map(DateText.iso))
        case "editedText": .text(post.editedAt.map(DateText.humanWithTime))
        case "accepted": .bool(accepted)
        case "removed": .bool(post.deletedByAuthor)
        case "removedText": .text("Deleted by its author.")
        case "bodyHTML": post.deletedByAuthor || (post.hidden && !seesHiddenText) ? nil : .html(post.bodyHTML)
        case "moderation": .object(Moderation(post: post, viewer: viewer))
        default: nil
        }
    }
}

struct PageLinkView: TemplateRenderable {
    var number: Int
    var url: String
    var current: Bool
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "number": .int(number)
        case "url": .text(url)
        case "current": .bool(current)
        default: nil
        }
    }
}

struct ThreadView: TemplateRenderable {
    var page: ThreadPage
    var viewer: Viewer = .visitor
    var starter: String { page.thread.authorName }

    var canonicalPath: String { BoardPaths.thread(id: page.thread.id, slug: page.thread.slug) }

    func pagePath(_ number: Int) -> String {
        number == 1 ? canonicalPath : canonicalPath + "?page=\(number)"
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(Int(page.thread.id))
        case "title": .text(page.thread.title)
        case "starterName": .text(page.thread.authorName)
        case "starterURL": .text(BoardPaths.user(page.thread.authorHandle))
        case "topics": .list(page.thread.topics.map(TopicTagView.init))
        case "space": page.space.map { .object(OrganisationLinkView(link: $0)) }
        case "briefingItem": page.briefingItem.map { .object(TemplateObject(["title": .text($0.title), "url": .text($0.url)])) }
        case "postCount": .text(page.thread.replyCount == 0 ? "1 post" : "\(page.thread.replyCount + 1) posts")
        case "mentors": page.mentorNames.isEmpty ? nil : .text(page.mentorNames.joined(separator: ", "))
        case "acceptedURL":
            page.acceptedPostID.map { id in
                .text((page.acceptedPostPage == page.page ? "" : pagePath(page.acceptedPostPage ?? 1)) + "#post-\(id)")
            }
        case "posts": .list(page.posts.map { PostItemView(post: $0, accepted: $0.id == page.acceptedPostID, viewer: viewer) })
        case "pageNumber": page.pageCount > 1 ? .int(page.page) : nil
        case "pageCount": .int(page.pageCount)
        case "paginated": .bool(page.pageCount > 1)
        case "previousURL": page.page > 1 ? .text(pagePath(page.page - 1)) : nil
        case "nextURL": page.page < page.pageCount ? .text(pagePath(page.page + 1)) : nil
        case "pages": .list((1...page.pageCount).map { PageLinkView(number: $0, url: pagePath($0), current: $0 == page.page) })
        case "locked": .bool(page.thread.locked)
        case "feedURL": .text("/t/\(page.thread.id)/feed.atom")
        default: nil
        }
    }
}

struct OrganisationLinkView: TemplateRenderable {
    var link: OrganisationLink
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "url": .text(BoardPaths.organisation(link.slug))
        case "name": .text(link.name)
        case "kind": .text(OrganisationView.kindLabel(link.kind))
        default: nil
        }
    }
}

struct BriefingWeekView: TemplateRenderable {
    var weekStart: Date
    var items: [BriefingItemSummary]
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "label": .text("Week beginning " + DateText.human(weekStart))
        case "iso": .text(DateText.iso(weekStart))
        case "items": .list(items.map(BriefingItemView.init))
        default: nil
        }
    }
}

struct BriefingTopicView: TemplateRenderable {
    var tag: TopicTag
    var items: [BriefingItemSummary]
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "slug": .text(tag.slug)
        case "name": .text(tag.name)
        case "items": .list(items.map(BriefingItemView.init))
        default: nil
        }
    }
}

/// The briefing: items by week (each in full) and by topic (links to the full entries).
struct BriefingView: TemplateRenderable {
    var weeks: [BriefingWeekView]
    var topics: [BriefingTopicView]

    init(items: [BriefingItemSummary], topicOrder: [TopicCount]) {
        var weeks: [BriefingWeekView] = []
        for item in items {
            let start = DateText.weekStart(item.publishedAt)
            if let last = weeks.indices.last, weeks[last].weekStart == start {
                weeks[last].items.append(item)
            } else {
                weeks.append(BriefingWeekView(weekStart: start, items: [item]))
            }
        }
        self.weeks = weeks
        var byTopic: [String: [BriefingItemSummary]] = [:]
        var tags: [String: TopicTag] = [:]
        for item in items {
            for tag in item.topics {
                byTopic[tag.slug, default: []].append(item)
                tags[tag.slug] = tag
            }
        }
        topics = topicOrder.compactMap { topic in
            guard let tag = tags[topic.slug], let items = byTopic[topic.slug] else { return nil }
            return BriefingTopicView(tag: tag, items: items)
        }
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "weeks": .list(weeks)
        case "topics": .list(topics)
        default: nil
        }
    }
}

struct MemberView: TemplateRenderable {
    var member: MemberSummary
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "url": .text(BoardPaths.user(member.handle))
        case "name": .text(member.displayName)
        case "role": .text(member.role == "member" ? nil : member.role.capitalized)
        case "organisation": .text(member.organisationName)
        default: nil
        }
    }
}

struct OrganisationView: TemplateRenderable {
    var page: OrganisationPage

    static func kindLabel(_ kind: String) -> String {
        switch kind {
        case "pathfinder": "Pathfinder mutual"
        case "mentor_organisation": "Mentor organisation"
        default: "Organisation"
        }
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "name": .text(page.organisation.name)
        case "kind": .text(Self.kindLabel(page.organisation.kind))
        case "isPathfinder": .bool(page.organisation.kind == "pathfinder")
        case "region": .text(page.region.isEmpty ? nil : page.region)
        case "description": .text(page.description.isEmpty ? nil : page.description)
        // Stored websites are checked to be http or https by the schema.
        case "website": .text(page.website)
        case "members": .list(page.members.map(MemberView.init))
        case "linkedMentors": .list(page.linkedMentors.map(MemberView.init))
        case "supports": .list(page.supports.map(OrganisationLinkView.init))
        case "hasSupports": .bool(!page.supports.isEmpty)
        case "publicThreads": .list(page.publicThreads.map(ThreadListItem.init))
        case "privateThreads": .list(page.privateThreads.map(ThreadListItem.init))
        case "canReadPrivateSpace": .bool(page.canReadPrivateSpace)
        default: nil
        }
    }
}
