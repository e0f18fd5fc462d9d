import Board
import Foundation
import Locking
import Synchronization

/// View models for the board's pages: plain structs answering template names through a
/// `switch` (no reflection), built from `Board` results.

struct TopicTagView: KeyedTemplateRenderable {
    var tag: TopicTag
    enum Key: String, CaseIterable, Sendable { case slug, name }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .slug: .text(tag.slug)
        case .name: .text(tag.name)
        }
    }
}

/// One line of a thread list.
struct ThreadListItem: KeyedTemplateRenderable {
    var thread: ThreadSummary
    /// The reader opened it before and it has posts they have not seen.
    var newReplies: Bool { thread.hasNewPosts }

    enum Key: String, CaseIterable, Sendable {
        case url, title, newReplies, authorName, authorURL, replyCount, answered, answeredByMentor, pinned, locked
        case `private`, activityISO, activityText, lastReplyBy, topics, hasTopics
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .url: .text(BoardPaths.thread(id: thread.id, slug: thread.slug))
        case .title: .text(thread.title)
        case .newReplies: .bool(newReplies)
        case .authorName: .text(thread.authorName)
        case .authorURL: BoardPaths.author(thread.authorHandle).map { .text($0) }
        case .replyCount: .text(thread.replyCount == 1 ? "1 reply" : "\(thread.replyCount) replies")
        case .answered: .bool(thread.hasAcceptedAnswer)
        case .answeredByMentor: .bool(thread.answeredByMentor)
        case .pinned: .bool(thread.pinned)
        case .locked: .bool(thread.locked)
        case .private: .bool(thread.organisationID != nil)
        case .activityISO: .text(DateText.iso(thread.lastActivityAt))
        case .activityText: .text(DateText.human(thread.lastActivityAt))
        case .lastReplyBy: thread.replyCount > 0 ? .text(thread.lastPosterName) : nil
        case .topics: .list(thread.topics.map(TopicTagView.init))
        case .hasTopics: .bool(!thread.topics.isEmpty)
        }
    }
}

/// Thread-list lines (Templates/thread-list.mustache), each rendered once for each state of its
/// thread and kept: a line is a function of its `ThreadSummary` alone (the partial asks its
/// `ThreadListItem` for every name it shows, nothing of the page or the reader around it), so
/// the line kept for an equal summary is the line a render would write, for whoever reads it.
/// A reply, an edit, a new topic or "new since your last visit" changes the summary, and the
/// next page renders that line afresh. Home, topic and organisation pages spent about half
/// their rendering on these lines.
///
/// A line is kept as the bytes a list writes (`CutMarkup` without cuts, ending in a newline), so
/// a page's list is the kept lines one after the other (`listHTML`), written by the renderer
/// straight from each: neither a view model a line (a section over 30 lines pushed, asked and
/// released a context each) nor a string of the list (`joined` cost ~21,000 instructions a list).
typealias ThreadLines = KeptFragments<ThreadSummary, CutMarkup>

extension KeptFragments where Input == ThreadSummary, Output == CutMarkup {
    convenience init(template: Template, limit: Int = 4096, byteLimit: Int = 8 << 20) {
        self.init(limit: limit, byteLimit: byteLimit, bytes: { _, line in line.bytes.count }) {
            var line = template.render(ThreadListItem(thread: $0))
            line.append(UInt8(ascii: "\n"))
            return CutMarkup(bytes: line, cuts: [])
        }
    }

    /// The lines of `threads`, each on a line of its own: the markup a page's
    /// `{{{…ThreadsHTML}}}` writes inside its `<ol>`.
    func listHTML(_ threads: [ThreadSummary]) -> TemplateValue {
        .cutMarkup(threads.map { output(id: $0.id, for: $0) }, joint: "")
    }
}

/// Markup rendered from an input by a partial that shows that input and nothing else, kept per
/// id for the last input it was rendered from: asked again with an equal input, the kept
/// markup is the markup a render would write, whoever asks; a changed input is rendered
/// afresh. At most about `limit` are kept, a shard's all dropped together when it is full.
///
/// **Kept from the second render on.** An id is kept the second time it is rendered (or at once
/// when an older state of it is kept): a page read once, as a crawler or a reader going through
/// the archive reads them, would otherwise fill the set with markup nobody asks for again, and
/// keeping it cost more than rendering (allocation and freeing of a few KB a post). The ids
/// rendered once are remembered, about four times `limit` of them, dropped together when full.
///
/// The kept markup is spread over shards by id, each with its own lock: every worker asks for
/// every post and line of its page, and one lock for all of them was contended (a profile of
/// the thread page on one core had 6% of its CPU waiting in it). An entry is one object, so the
/// lock is held for a dictionary probe and one retain.
final class KeptFragments<Input: Equatable & Sendable, Output: Sendable>: Sendable {
    private final class Entry: Sendable {
        let input: Input
        let output: Output
        init(input: Input, output: Output) {
            self.input = input
            self.output = output
        }
    }

    private struct Kept {
        var entries: [Int64: Entry] = [:]
        /// Ids rendered once and not kept.
        var seen: Set<Int64> = []
        /// The bytes the entries hold (`bytes(of:)`).
        var bytes = 0
    }

    private final class Shard: Sendable {
        let kept = WaitingMutex(Kept())
    }

    /// What to do for an id: its kept output, or render it and keep it, or render it only.
    enum Lookup {
        case kept(Output)
        case renderAndKeep
        case renderOnce
    }

    private let render: @Sendable (Input) -> Output
    /// Whether an equal input is the very same (shares its objects with the kept one); nil when
    /// there is no such thing. An equal input that is not is kept in place of the old one, so
    /// the next comparison is quick again (a post's kept text is read anew after a change).
    private let identical: (@Sendable (Input, Input) -> Bool)?
    private let shards: [Shard]
    private let limitPerShard: Int
    /// What an entry weighs, in bytes, and how much a shard may hold (its share of `byteLimit`):
    /// whatever members post (a post may hold 50,000 characters), the kept markup stays bounded.
    private let bytes: @Sendable (Input, Output) -> Int
    private let byteLimitPerShard: Int

    /// - Parameters:
    ///   - limit: how many entries are kept, about (all of a shard's dropped when it is full).
    ///   - byteLimit: how many bytes they may hold, by `bytes`; an entry heavier than a shard's
    ///     share is rendered each time and never kept.
    init(limit: Int, byteLimit: Int = .max, bytes: @escaping @Sendable (Input, Output) -> Int = { _, _ in 0 },
         identical: (@Sendable (Input, Input) -> Bool)? = nil, render: @escaping @Sendable (Input) -> Output) {
        // Small limits (tests) keep one shard, so the limit is exact.
        let count = limit >= 1024 ? 32 : 1
        shards = (0..<count).map { _ in Shard() }
        limitPerShard = max(1, limit / count)
        byteLimitPerShard = max(1, byteLimit / count)
        self.bytes = bytes
        self.identical = identical
        self.render = render
    }

    private func shard(_ id: Int64) -> Shard {
        shards[Int(UInt64(bitPattern: id) % UInt64(shards.count))]
    }

    /// The kept output for `input` under `id`, or whether one rendered now is to be kept.
    func lookup(id: Int64, for input: Input) -> Lookup {
        shard(id).kept.withLock { kept in
            if let entry = kept.entries[id] {
                guard entry.input == input else { return .renderAndKeep }
                if let identical, !identical(entry.input, input) {
                    // Equal is not the same weight (a post's unshown text), so the count follows.
                    kept.bytes += bytes(input, entry.output) - bytes(entry.input, entry.output)
                    kept.entries[id] = Entry(input: input, output: entry.output)
                }
                return .kept(entry.output)
            }
            if kept.seen.remove(id) != nil { return .renderAndKeep }
            if kept.seen.count >= limitPerShard * 4 { kept.seen.removeAll(keepingCapacity: true) }
            kept.seen.insert(id)
            return .renderOnce
        }
    }

    /// Keeps `output`, rendered from `input`, under `id`, unless it weighs more than a shard may
    /// hold.
    func keep(_ output: Output, id: Int64, for input: Input) {
        let weight = bytes(input, output)
        guard weight <= byteLimitPerShard else { return }
        let entry = Entry(input: input, output: output)
        shard(id).kept.withLock { kept in
            if let old = kept.entries.removeValue(forKey: id) { kept.bytes -= bytes(old.input, old.output) }
            if kept.entries.count >= limitPerShard || kept.bytes + weight > byteLimitPerShard {
                kept.entries.removeAll(keepingCapacity: true)
                kept.bytes = 0
            }
            kept.entries[id] = entry
            kept.bytes += weight
        }
    }

    /// The output for `input`, kept under `id` from its second render on.
    func output(id: Int64, for input: Input) -> Output {
        switch lookup(id: id, for: input) {
        case .kept(let output):
            return output
        case .renderAndKeep:
            let output = render(input)
            keep(output, id: id, for: input)
            return output
        case .renderOnce:
            return render(input)
        }
    }
}

struct ThreadLinkView: KeyedTemplateRenderable {
    var link: ThreadLink
    enum Key: String, CaseIterable, Sendable { case url, title }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .url: .text(BoardPaths.thread(id: link.id, slug: link.slug))
        case .title: .text(link.title)
        }
    }
}

struct TopicCountView: KeyedTemplateRenderable {
    var topic: TopicCount
    enum Key: String, CaseIterable, Sendable { case slug, name, description, count }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .slug: .text(topic.slug)
        case .name: .text(topic.name)
        case .description: .text(topic.description)
        case .count: .text(topic.threadCount == 1 ? "1 thread" : "\(topic.threadCount) threads")
        }
    }
}

/// The home page with the board's content.
struct HomeView: KeyedTemplateRenderable {
    var content: HomePageContent
    let lines: ThreadLines

    enum Key: String, CaseIterable, Sendable {
        case latestHTML, hasLatest, unansweredHTML, hasUnanswered, briefing, hasBriefing, topics, hasTopics
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .latestHTML: lines.listHTML(content.latest)
        case .unansweredHTML: lines.listHTML(content.unanswered)
        case .briefing: .list(content.briefing.map(BriefingItemView.init))
        case .topics: .list(content.topics.map(TopicCountView.init))
        case .hasLatest: .bool(!content.latest.isEmpty)
        case .hasUnanswered: .bool(!content.unanswered.isEmpty)
        case .hasBriefing: .bool(!content.briefing.isEmpty)
        case .hasTopics: .bool(!content.topics.isEmpty)
        }
    }
}

struct FilterOption: KeyedTemplateRenderable {
    var filter: ThreadFilter
    var current: Bool
    var topicSlug: String

    enum Key: String, CaseIterable, Sendable { case label, url, current }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .label: .text(filter.label)
        case .url: .text(filter == .all ? BoardPaths.topic(topicSlug) : BoardPaths.topic(topicSlug) + "?filter=\(filter.rawValue)")
        case .current: .bool(current)
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

struct TopicView: KeyedTemplateRenderable {
    var page: TopicPage
    let lines: ThreadLines
    /// For signed-in readers: whether they follow the topic (nil for visitors: no form).
    var following: Bool?
    /// The replies members marked most often as helpful ("This helped").
    var helpfulAnswers: [HelpfulAnswer] = []

    enum Key: String, CaseIterable, Sendable {
        case follow, name, slug, askURL, hasHelpfulAnswers, helpfulAnswers, description, briefing, hasBriefing, threadsHTML, hasThreads, filters
        case filterLabel, emptyMessage
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .follow:
            following.map { following in
                ["following": .bool(following), "followAction": .text("/topics/\(page.topic.slug)/follow")]
            }
        case .name: .text(page.topic.name)
        case .slug: .text(page.topic.slug)
        case .askURL: .text("/t/new?topic=" + page.topic.slug)
        case .hasHelpfulAnswers: .bool(!helpfulAnswers.isEmpty)
        case .helpfulAnswers:
            .list(helpfulAnswers.map { answer in
                var row = TemplateObject()
                let page = (answer.position - 1) / PageQueries.postsPerPage + 1
                row["url"] = .text(BoardPaths.thread(id: answer.threadID, slug: answer.threadSlug) + (page > 1 ? "?page=\(page)" : "") + "#post-\(answer.postID)")
                row["threadTitle"] = .text(answer.threadTitle)
                row["authorName"] = .text(answer.authorName)
                row["countText"] = .text(answer.count == 1 ? "1 member found this helpful" : "\(answer.count) members found this helpful")
                return .object(row)
            })
        case .description: .text(page.description)
        case .briefing: .list(page.briefingItems.map(BriefingItemView.init))
        case .threadsHTML: lines.listHTML(page.threads)
        case .hasBriefing: .bool(!page.briefingItems.isEmpty)
        case .hasThreads: .bool(!page.threads.isEmpty)
        case .filters: .list(ThreadFilter.allCases.map { FilterOption(filter: $0, current: $0 == page.filter, topicSlug: page.topic.slug) })
        case .filterLabel: page.filter == .all ? nil : .text(page.filter.label)
        case .emptyMessage: .text(page.filter == .all ? "No threads in this topic yet." : "No threads match this filter.")
        }
    }
}

/// What a post's byline shows (Templates/post-byline.mustache): who wrote it, when, whether it
/// was edited and whether it is the accepted answer.
struct PostByline: Equatable, Sendable {
    let id: Int64
    let authorHandle: String
    let authorName: String
    let authorRole: String
    let authorOrganisation: String?
    let createdAt: Date
    let editedAt: Date?
    let accepted: Bool

    init(_ post: PostView, accepted: Bool) {
        id = post.id
        authorHandle = post.authorHandle
        authorName = post.authorName
        authorRole = post.authorRole
        authorOrganisation = post.authorOrganisation
        createdAt = post.createdAt
        editedAt = post.editedAt
        self.accepted = accepted
    }
}

/// The byline partial's values.
struct PostBylineView: KeyedTemplateRenderable {
    let byline: PostByline

    enum Key: String, CaseIterable, Sendable {
        case id, author, createdISO, createdText, edited, editedISO, editedText, accepted
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .id: .int(Int(byline.id))
        case .author: .object(PostAuthorView(post: byline))
        case .createdISO: .text(DateText.iso(byline.createdAt))
        case .createdText: .text(DateText.humanWithTime(byline.createdAt))
        case .edited: .bool(byline.editedAt != nil)
        case .editedISO: .text(byline.editedAt.map(DateText.iso))
        case .editedText: .text(byline.editedAt.map(DateText.humanWithTime))
        case .accepted: .bool(byline.accepted)
        }
    }
}

struct PostAuthorView: KeyedTemplateRenderable {
    var post: PostByline

    /// "Mentor · John Lewis Partnership", "Admin", or nothing for members.
    var badge: String? {
        switch post.authorRole {
        case "mentor": post.authorOrganisation.map { "Mentor · \($0)" } ?? "Mentor"
        case "admin": "Admin"
        default: nil
        }
    }

    enum Key: String, CaseIterable, Sendable { case handle, url, name, badge, role, organisation }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .handle: .text(post.authorHandle.lowercased())
        case .url: BoardPaths.author(post.authorHandle).map { .text($0) }
        case .name: .text(post.authorName)
        case .badge: .text(badge)
        case .role: .text(post.authorRole)
        // A mentor's organisation is already in the badge.
        case .organisation: post.authorRole == "mentor" ? nil : .text(post.authorOrganisation)
        }
    }
}

struct PageLinkView: KeyedTemplateRenderable {
    var number: Int
    var url: String
    var current: Bool
    enum Key: String, CaseIterable, Sendable { case number, url, current }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .number: .int(number)
        case .url: .text(url)
        case .current: .bool(current)
        }
    }
}

struct ThreadView: KeyedTemplateRenderable {
    let page: ThreadPage
    /// Who is reading: the author and admins still see a hidden post's text.
    let viewer: Viewer
    var starter: String { page.thread.authorName }

    /// Made once: a page asks for its own and its other pages' paths half a dozen times.
    let canonicalPath: String

    init(page: ThreadPage, viewer: Viewer = .visitor) {
        self.page = page
        self.viewer = viewer
        canonicalPath = BoardPaths.thread(id: page.thread.id, slug: page.thread.slug)
    }

    func pagePath(_ number: Int) -> String {
        number == 1 ? canonicalPath : canonicalPath + "?page=\(number)"
    }

    enum Key: String, CaseIterable, Sendable {
        case id, title, starterName, starterURL, topics, hasTopics, primaryTopic, space, briefingItem, postCount, mentors
        case acceptedURL, pageNumber, pageCount, paginated, previousURL, nextURL, pages, locked, feedURL
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .id: .int(Int(page.thread.id))
        case .title: .text(page.thread.title)
        case .starterName: .text(page.thread.authorName)
        case .starterURL: BoardPaths.author(page.thread.authorHandle).map { .text($0) }
        case .topics: .list(page.thread.topics.map(TopicTagView.init))
        case .hasTopics: .bool(!page.thread.topics.isEmpty)
        case .primaryTopic: page.thread.topics.first.map { .object(TopicTagView(tag: $0)) }
        case .space: page.space.map { .object(OrganisationLinkView(link: $0)) }
        case .briefingItem: page.briefingItem.map { .object(TemplateObject(["title": .text($0.title), "url": .text($0.url)])) }
        case .postCount: .text(page.thread.replyCount == 0 ? "1 post" : "\(page.thread.replyCount + 1) posts")
        case .mentors: page.mentorNames.isEmpty ? nil : .text(page.mentorNames.joined(separator: ", "))
        case .acceptedURL:
            page.acceptedPostID.map { id in
                .text((page.acceptedPostPage == page.page ? "" : pagePath(page.acceptedPostPage ?? 1)) + "#post-\(id)")
            }
        case .pageNumber: page.pageCount > 1 ? .int(page.page) : nil
        case .pageCount: .int(page.pageCount)
        case .paginated: .bool(page.pageCount > 1)
        case .previousURL: page.page > 1 ? .text(pagePath(page.page - 1)) : nil
        case .nextURL: page.page < page.pageCount ? .text(pagePath(page.page + 1)) : nil
        case .pages: .list((1...page.pageCount).map { PageLinkView(number: $0, url: pagePath($0), current: $0 == page.page) })
        case .locked: .bool(page.thread.locked)
        // Only a thread a visitor may read has a feed (`FeedQueries.thread`): public, not
        // hidden, not awaiting approval. Anywhere else the link would lead to a 404.
        case .feedURL:
            page.state.organisationID == nil && !page.state.hidden && !page.state.held
                ? .text("/t/\(page.thread.id)/feed.atom") : nil
        }
    }
}

struct OrganisationLinkView: KeyedTemplateRenderable {
    var link: OrganisationLink
    enum Key: String, CaseIterable, Sendable { case url, name, kind }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .url: .text(BoardPaths.organisation(link.slug))
        case .name: .text(link.name)
        case .kind: .text(OrganisationView.kindLabel(link.kind))
        }
    }
}

struct MemberView: KeyedTemplateRenderable {
    var member: MemberSummary
    enum Key: String, CaseIterable, Sendable { case url, name, role, organisation }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .url: .text(BoardPaths.user(member.handle))
        case .name: .text(member.displayName)
        case .role: .text(member.role == "member" ? nil : member.role.capitalized)
        case .organisation: .text(member.organisationName)
        }
    }
}

struct OrganisationView: KeyedTemplateRenderable {
    var page: OrganisationPage
    let lines: ThreadLines

    static func kindLabel(_ kind: String) -> String {
        switch kind {
        case "pathfinder": "Pathfinder mutual"
        case "mentor_organisation": "Mentor organisation"
        default: "Organisation"
        }
    }

    enum Key: String, CaseIterable, Sendable {
        case name, kind, isPathfinder, region, description, website, members, hasMembers, linkedMentors, hasLinkedMentors
        case supports, hasSupports, publicThreadsHTML, hasPublicThreads, privateThreadsHTML, hasPrivateThreads, canReadPrivateSpace
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .name: .text(page.organisation.name)
        case .kind: .text(Self.kindLabel(page.organisation.kind))
        case .isPathfinder: .bool(page.organisation.kind == "pathfinder")
        case .region: .text(page.region.isEmpty ? nil : page.region)
        case .description: .text(page.description.isEmpty ? nil : page.description)
        // Stored websites are checked to be http or https by the schema.
        case .website: .text(page.website)
        case .members: .list(page.members.map(MemberView.init))
        case .linkedMentors: .list(page.linkedMentors.map(MemberView.init))
        case .supports: .list(page.supports.map(OrganisationLinkView.init))
        case .hasSupports: .bool(!page.supports.isEmpty)
        case .publicThreadsHTML: lines.listHTML(page.publicThreads)
        case .privateThreadsHTML: lines.listHTML(page.privateThreads)
        case .canReadPrivateSpace: .bool(page.canReadPrivateSpace)
        case .hasMembers: .bool(!page.members.isEmpty)
        case .hasLinkedMentors: .bool(!page.linkedMentors.isEmpty)
        case .hasPublicThreads: .bool(!page.publicThreads.isEmpty)
        case .hasPrivateThreads: .bool(!page.privateThreads.isEmpty)
        }
    }
}

/// `/p/{id}/revisions`: what a post said before each edit, newest first, as the text typed.
struct PostHistoryView: KeyedTemplateRenderable {
    var history: PostHistory

    struct Version: KeyedTemplateRenderable {
        var label: String
        var editor: String?
        var date: Date?
        var markdown: String
        enum Key: String, CaseIterable, Sendable { case label, editor, dateISO, dateText, markdown }
        static let templateKeys = TemplateKeys(Key.self)

        func templateValue(for key: Key) -> TemplateValue? {
            switch key {
            case .label: .text(label)
            case .editor: .text(editor)
            case .dateISO: .text(date.map(DateText.iso))
            case .dateText: .text(date.map(DateText.humanWithTime))
            case .markdown: .text(markdown)
            }
        }
    }

    var versions: [Version] {
        var versions = [Version(label: "Current version", editor: nil, date: history.editedAt, markdown: history.currentMarkdown)]
        for (index, revision) in history.revisions.enumerated().reversed() {
            versions.append(Version(label: index == 0 ? "Original version" : "Version \(index + 1)", editor: revision.editedBy,
                                    date: revision.createdAt, markdown: revision.bodyMarkdown))
        }
        return versions
    }

    enum Key: String, CaseIterable, Sendable { case threadTitle, postURL, authorName, versions, edited }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .threadTitle: .text(history.thread.title)
        case .postURL:
            .text(BoardPaths.thread(id: history.thread.id, slug: history.thread.slug)
                  + ((history.position - 1) / PageQueries.postsPerPage == 0 ? "" : "?page=\((history.position - 1) / PageQueries.postsPerPage + 1)")
                  + "#post-\(history.postID)")
        case .authorName: .text(history.authorName)
        case .versions: .list(versions)
        case .edited: .bool(!history.revisions.isEmpty)
        }
    }
}

/// A person's public profile (`/u/{handle}`): name, role badge, organisation (once confirmed),
/// bio, and their recent posts in public threads. Private-space posts never appear here.
struct ProfilePage: KeyedTemplateRenderable {
    let profile: Profile

    enum Key: String, CaseIterable, Sendable { case displayName, handle, badge, role, bio, organisation, posts, hasPosts }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        let person = profile.person
        switch key {
        case .displayName: return .text(person.displayName)
        case .handle: return .text(person.handle)
        case .badge: return person.role == "member" ? nil : .text(person.role == "admin" ? "Admin" : "Mentor")
        case .role: return .text(person.role)
        case .bio: return person.bio.isEmpty ? nil : .text(person.bio)
        case .organisation:
            return person.organisationName.map { name in
                ["name": .text(name), "url": .text(BoardPaths.organisation(person.organisationSlug ?? ""))]
            }
        case .hasPosts: return .bool(!profile.posts.isEmpty)
        case .posts:
            return .list(profile.posts.map { post in
                let page = (post.position - 1) / PageQueries.postsPerPage + 1
                let base = BoardPaths.thread(id: post.threadID, slug: post.threadSlug)
                let url = (page == 1 ? base : base + "?page=\(page)") + "#post-\(post.postID)"
                return ["title": .text(post.threadTitle), "url": .text(url), "startedThread": .bool(post.position == 1),
                        "createdISO": .text(DateText.iso(post.createdAt)), "createdText": .text(DateText.human(post.createdAt))]
            })
        }
    }
}
