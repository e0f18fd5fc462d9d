import DemoContent
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// `TemplateKeys`: each view model lists the names it answers, and the renderer asks a context
/// for no other. A name missing from a list would hide a value from a page, so the lists are
/// checked three ways: against each type's `switch` in the source, against full instances
/// asked for every name the site's templates use, and (in debug builds, so in every test that
/// renders a page) by the renderer itself for every name it skips.
@Suite struct TemplateKeysTests {
    /// Every view model that lists its keys, by the name its source declares it with.
    static let declared: [String: TemplateKeys] = [
        "FormState": FormState.templateKeys, "LayoutContext": LayoutContext.templateKeys, "PostBylineView": PostBylineView.templateKeys, "CurrentUserView": CurrentUserView.templateKeys,
        "HomePage": HomePage.templateKeys, "ErrorPage": ErrorPage.templateKeys,
        "NotificationsView": NotificationsView.templateKeys, "NotificationSettingsView": NotificationSettingsView.templateKeys,
        "StaticPage": StaticPage.templateKeys,
        "TopicTagView": TopicTagView.templateKeys, "ThreadListItem": ThreadListItem.templateKeys,
        "ThreadLinkView": ThreadLinkView.templateKeys, "TopicCountView": TopicCountView.templateKeys,
        "HomeView": HomeView.templateKeys, "FilterOption": FilterOption.templateKeys, "TopicView": TopicView.templateKeys,
        "PostAuthorView": PostAuthorView.templateKeys, "PostBlockView": PostBlockView.templateKeys,
        "Moderation": PostBlockView.Moderation.templateKeys, "PostBlockSurroundings": PostBlockSurroundings.templateKeys,
        "Reader": PostBlockSurroundings.Reader.templateKeys, "PageLinkView": PageLinkView.templateKeys,
        "ThreadView": ThreadView.templateKeys, "OrganisationLinkView": OrganisationLinkView.templateKeys,
        "MemberView": MemberView.templateKeys, "OrganisationView": OrganisationView.templateKeys,
        "PostHistoryView": PostHistoryView.templateKeys, "Version": PostHistoryView.Version.templateKeys,
        "ProfilePage": ProfilePage.templateKeys, "SearchView": SearchView.templateKeys,
        "SearchResultRow": SearchResultRow.templateKeys, "SearchPersonRow": SearchPersonRow.templateKeys,
        "SearchFilterChoice": SearchFilterChoice.templateKeys, "SearchAnsweredChoice": SearchAnsweredChoice.templateKeys,
        "SearchDateErrorRow": SearchDateErrorRow.templateKeys,
        "ThreadFollowView": ThreadFollowView.templateKeys, "SavedView": SavedView.templateKeys,
        "FollowingView": FollowingView.templateKeys, "UnsubscribeView": UnsubscribeView.templateKeys,
        "WeeklyDigestView": WeeklyDigestView.templateKeys, "FlagPageView": FlagPageView.templateKeys,
        "HidePostView": HidePostView.templateKeys,
        "ModerationLogView": ModerationLogView.templateKeys, "AdminQueueView": AdminQueueView.templateKeys,
        "AdminThreadView": AdminThreadView.templateKeys, "AdminUsersView": AdminUsersView.templateKeys,
        "AdminConfirmView": AdminConfirmView.templateKeys, "AdminSettingsView": AdminSettingsView.templateKeys,
        "AdminTopicsView": AdminTopicsView.templateKeys, "AdminInvitesView": AdminInvitesView.templateKeys,
        "AdminOrganisationsView": AdminOrganisationsView.templateKeys, "AdminMembershipsView": AdminMembershipsView.templateKeys,
        "BriefingItemView": BriefingItemView.templateKeys, "BriefingWeekView": BriefingWeekView.templateKeys,
        "BriefingTopicView": BriefingTopicView.templateKeys, "BriefingView": BriefingView.templateKeys,
        "BriefingFormView": BriefingFormView.templateKeys, "PostFormView": PostFormView.templateKeys,
        "ThreadDetailsView": ThreadDetailsView.templateKeys, "NewThreadView": NewThreadView.templateKeys,
        "ReplyFormView": ReplyFormView.templateKeys,
    ]

    /// View models left without a list, and why: asked for every name, as before `TemplateKeys`.
    static let unlisted: Set<String> = [
        "InLayout",  // its keys are its page's, its form's and the layout's (`InLayout.templateKeys`)
        "TemplateObject",  // a dictionary: any name
        "SignInToSeeView",  // in a route file (Routes/ReadingRoutes.swift), one name on a small page
    ]

    /// A view model as its source declares it: its `case` names (of its `switch` over strings,
    /// or of its `enum Key`), the name families it answers by prefix, and the type it passes
    /// other names to (its `default:`, or its keys' `including:`).
    struct Source {
        var cases: Set<String> = []
        var prefixes: [String] = []
        var delegate: String?
        var keyed = false
    }

    /// Reads every `TemplateRenderable` struct of Sources/Web and its `templateValue(for:)`, or
    /// every `KeyedTemplateRenderable` and its `enum Key`.
    static func sources() throws -> [String: Source] {
        var found: [String: Source] = [:]
        let root = repositoryRoot + "/Sources/Web"
        guard let files = FileManager.default.enumerator(atPath: root) else { throw TemplateKeysTestError("cannot list \(root)") }
        for case let file as String in files where file.hasSuffix(".swift") {
            let lines = try String(contentsOfFile: root + "/" + file, encoding: .utf8).components(separatedBy: "\n")
            var structs: [(name: String, depth: Int, renderable: Bool, properties: [String: String])] = []
            var depth = 0
            var index = 0
            while index < lines.count {
                let line = lines[index]
                if let match = line.firstMatch(of: /^\s*(?:public |private )?(?:struct|final class) (\w+)/) {
                    structs.append((String(match.1), depth, line.contains("TemplateRenderable"), [:]))
                } else if let match = line.firstMatch(of: /^\s*(?:let|var) (\w+): (\w+)/), !structs.isEmpty {
                    structs[structs.count - 1].properties[String(match.1)] = String(match.2)
                }
                if line.contains("enum Key: String, CaseIterable"), let owner = structs.last, owner.renderable {
                    var source = found[owner.name] ?? Source()
                    source.keyed = true
                    // The cases, on the enum's line (`{ case a, b }`) or on the lines up to its `}`.
                    var end = index
                    while end < lines.count - 1, !lines[end].contains("}") { end += 1 }
                    for caseLine in lines[index...end] {
                        let body = caseLine.contains("enum Key") ? caseLine.split(separator: "{", omittingEmptySubsequences: false).dropFirst().joined() : caseLine
                        for name in body.matches(of: /(?:case |, )`?(\w+)`?/) { source.cases.insert(String(name.1)) }
                    }
                    found[owner.name] = source
                    index = end + 1
                    continue
                }
                if let match = line.firstMatch(of: /static let templateKeys = TemplateKeys\(Key\.self, including: (\w+)\.templateKeys\)/),
                   let owner = structs.last {
                    found[owner.name, default: Source()].delegate = String(match.1)
                }
                if line.contains("func templateValue(for key: String)"), let owner = structs.last, owner.renderable {
                    var source = Source()
                    var bodyDepth = 0
                    var started = false
                    repeat {
                        let body = lines[index]
                        if let match = body.firstMatch(of: /^\s*case ((?:"[^"]+"(?:, )?)+):/) {
                            for name in match.1.matches(of: /"([^"]+)"/) { source.cases.insert(String(name.1)) }
                        }
                        for prefix in body.matches(of: /key\.hasPrefix\("([^"]+)"\)/) { source.prefixes.append(String(prefix.1)) }
                        if let call = body.firstMatch(of: /default: (\w+)\.templateValue\(for: key\)/) {
                            source.delegate = owner.properties[String(call.1)]
                        }
                        bodyDepth += body.filter { $0 == "{" }.count - body.filter { $0 == "}" }.count
                        started = started || body.contains("{")
                        depth += body.filter { $0 == "{" }.count - body.filter { $0 == "}" }.count
                        index += 1
                    } while index < lines.count && !(started && bodyDepth <= 0)
                    found[owner.name] = source
                    continue
                }
                depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
                while let last = structs.last, depth <= last.depth, line.contains("}") { structs.removeLast() }
                index += 1
            }
        }
        return found
    }

    @Test func everyListMatchesItsTypesSwitch() throws {
        let sources = try Self.sources()
        #expect(sources.count >= Self.declared.count, "the scan found \(sources.count) view models")
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            guard let keys = Self.declared[name] else {
                #expect(Self.unlisted.contains(name), "\(name) answers template names but lists no TemplateKeys")
                continue
            }
            var expected = source.cases
            if let delegate = source.delegate {
                let included = try #require(Self.declared[delegate], "\(name) passes names on to \(delegate), which lists none")
                expected.formUnion(included.names)
            }
            #expect(keys.names == expected, "\(name): not listed \(expected.subtracting(keys.names).sorted()), not answered \(keys.names.subtracting(expected).sorted())")
            #expect(Set(keys.prefixes) == Set(source.prefixes), "\(name) answers names starting \(source.prefixes)")
            #expect(!keys.isUnknown)
            #expect(keys.isKeyed == source.keyed, "\(name): keys built from its enum")
        }
        for name in Self.declared.keys { #expect(sources[name] != nil, "no source found for \(name)") }
    }

    /// The names a model answers that its keys do not list, and those of the models it holds
    /// (objects, and the first items of lists), at most `depth` levels down. Each model's type
    /// goes into `types`.
    /// `thread` as a list shows it to a reader with posts of it to catch up on.
    static func withNewPosts(_ thread: ThreadSummary) -> ThreadSummary {
        var thread = thread
        thread.hasNewPosts = true
        return thread
    }

    static func undeclared(_ model: any TemplateRenderable, among names: Set<String>, depth: Int = 4,
                           types: inout Set<String>) -> [String] {
        types.insert(String(describing: type(of: model)))
        var problems = TemplateKeys.undeclared(by: model, among: names).map { "\(type(of: model)).\($0)" }
        guard depth > 0 else { return problems }
        for name in names.sorted() {
            guard let value = model.templateValue(for: name) else { continue }
            var children: [TemplateValue] = [value]
            if case .list(let items) = value { children = Array(items.prefix(3)) }
            for child in children {
                if case .object(let context) = child {
                    problems += undeclared(context.model, among: names, depth: depth - 1, types: &types)
                }
            }
        }
        return problems
    }

    /// Full view models of the thread, home and topic pages (every thread of the demo network,
    /// read by an admin, with every optional value of the views set) asked for every name the
    /// site's templates use.
    @Test func fullPagesAnswerOnlyListedNames() throws {
        let library = try TemplateLibrary(directory: repositoryRoot + "/Templates")
        let names = library.valueNames
        #expect(names.contains("csrfToken") && names.contains("quoteURL"))
        try withTestNetwork(content: .demo) { site in
            let admin = try site.userID("network_admin")
            let viewer = Viewer(userID: admin, organisationID: nil, isAdmin: true)
            let actor = Actor(userID: admin, role: .admin)
            var types: Set<String> = []
            var problems: [String] = []
            var seen = (space: false, briefing: false, accepted: false, mentors: false)
            let blocks = PostBlocks(template: try library.template("thread-post"))
            let everything = PostCapabilities(edit: true, delete: true, flag: true, markHelpful: true, restore: true, hide: true,
                                              accept: true, quote: true, save: true)
            let threads = try site.store.read { try PageQueries.home($0, viewer: viewer, limit: 500) }
            #expect(!threads.isEmpty)
            for summary in threads {
                guard let page = try site.store.read({ try PageQueries.thread($0, id: summary.id, page: 1, viewer: viewer) }) else { continue }
                seen.space = seen.space || page.space != nil
                seen.briefing = seen.briefing || page.briefingItem != nil
                seen.accepted = seen.accepted || page.acceptedPostID != nil
                seen.mentors = seen.mentors || !page.mentorNames.isEmpty
                let thread = ThreadView(page: page, viewer: viewer)
                var context = RequestContext(session: nil, actor: actor, csrfToken: "token", csrfSecret: [],
                                             cookies: SessionCookies(for: Request(method: .get, path: "/", pathSegments: [])),
                                             setCookies: [])
                context.unreadNotifications = 3
                context.awaitingModeration = 2
                context.returnPath = "/t/\(summary.id)"
                let reply = ReplyFormView(thread: thread, blocks: blocks, ctx: context, state: page.state, previewHTML: "<p>preview</p>",
                                          follow: ThreadFollowView(threadID: summary.id, state: false, csrfToken: "token"),
                                          savedPostIDs: Set(page.posts.map(\.id)), postWaits: true, draftSavedAt: Date(), seenBefore: 0)
                let form = FormState(values: ["body": "text"], errors: [FieldError("body", "Enter a reply")], formMessage: "Try again")
                for model: any TemplateRenderable in [thread, reply, InLayout(reply, context, form: form), LayoutContext(context), form] {
                    problems += Self.undeclared(model, among: names, types: &types)
                }
                // Each post is rendered on its own (`PostBlocks`): its view models are checked
                // directly, with every control allowed and every optional value set.
                for post in page.posts {
                    let block = PostBlock(post, accepted: true, viewer: viewer, may: everything, threadID: summary.id,
                                          replyPagePath: "/t/\(summary.id)?page=2", saved: true, isNew: true, notice: "Saved.")
                    problems += Self.undeclared(PostBlockView(block: block), among: names, types: &types)
                    problems += Self.undeclared(PostBlockSurroundings(csrfToken: "token", readerIsAdmin: true), among: names, types: &types)
                }
            }
            let home = try site.store.read { try PageQueries.homePage($0, viewer: viewer) }
            let withNewPosts = HomePageContent(latest: home.latest.map(Self.withNewPosts), unanswered: home.unanswered,
                                               briefing: home.briefing, topics: home.topics)
            let lines = ThreadLines(template: try library.template("thread-list"))
            problems += Self.undeclared(HomeView(content: withNewPosts, lines: lines), among: names, types: &types)
            // Each line is rendered on its own (`ThreadLines`): its view model is checked directly.
            for thread in withNewPosts.latest + withNewPosts.unanswered {
                problems += Self.undeclared(ThreadListItem(thread: thread), among: names, types: &types)
            }
            for topic in home.topics {
                guard let page = try site.store.read({ try PageQueries.topic($0, slug: topic.slug, viewer: viewer) }) else { continue }
                let view = TopicView(page: TopicPage(topic: page.topic, description: page.description, briefingItems: page.briefingItems,
                                                     threads: page.threads.map(Self.withNewPosts), filter: page.filter),
                                     lines: lines, following: true)
                problems += Self.undeclared(view, among: names, types: &types)
            }
            let undeclared = Set(problems).sorted()
            #expect(undeclared.isEmpty, "answered but not listed")
            #expect(seen.space && seen.briefing && seen.accepted && seen.mentors, "the demo threads no longer cover every optional part: \(seen)")
            for hot in ["ThreadView", "ReplyFormView", "PostBlockView", "PostBlockSurroundings", "Reader", "PostAuthorView", "Moderation",
                        "ThreadFollowView", "InLayout", "LayoutContext", "FormState", "HomeView", "ThreadListItem",
                        "TopicCountView", "TopicView", "FilterOption", "TopicTagView"] {
                #expect(types.contains(hot), "\(hot) was not checked")
            }
        }
    }

    /// A view model whose list leaves out a name it answers.
    struct Forgetful: TemplateRenderable {
        static let templateKeys = TemplateKeys(["title"])
        func templateValue(for key: String) -> TemplateValue? {
            switch key {
            case "title": .text("A title")
            case "author": .text("Ana")
            default: nil
            }
        }
    }

    struct Listed: TemplateRenderable {
        static let templateKeys = TemplateKeys(["title"], prefixes: ["value_"])
        func templateValue(for key: String) -> TemplateValue? {
            if key == "title" { return .text("Inner") }
            if key.hasPrefix("value_") { return .text(String(key.dropFirst(6))) }
            return nil
        }
    }

    @Test func aNameLeftOutOfAListIsCaught() {
        #expect(TemplateKeys.undeclared(by: Forgetful(), among: ["title", "author", "site"]) == ["author"])
        #expect(TemplateKeys.undeclared(by: Listed(), among: ["title", "value_x", "site"]).isEmpty)
        let wrapper = TemplateKeys([], including: [Forgetful.templateKeys, Listed.templateKeys])
        #expect(wrapper.contains("title") && wrapper.contains("value_body") && !wrapper.contains("author"))
        #expect(TemplateKeys([], including: [Forgetful.templateKeys, .unknown]).contains("anything"))
        #expect(TemplateObject(["a": 1]).templateKeys.isUnknown)
    }

    @Test func contextsSkippedByTheirListsStillFindOuterNames() throws {
        let page: TemplateValue = ["site": "MN", "title": "Outer", "posts": .list([Listed(), Listed()])]
        let template = "{{#posts}}{{title}}@{{site}}:{{value_a}};{{/posts}}{{title}}"
        #expect(try render(template, page) == "Inner@MN:a;Inner@MN:a;Outer")
    }
}

/// Keyed view models: names reach a `switch` over an enum by their number, through wrappers.
@Suite struct KeyedTemplateTests {
    struct Author: KeyedTemplateRenderable {
        enum Key: String, CaseIterable, Sendable { case name, handle }
        static let templateKeys = TemplateKeys(Key.self)
        var name: String
        func templateValue(for key: Key) -> TemplateValue? {
            switch key {
            case .name: .text(name)
            case .handle: nil
            }
        }
    }

    struct Item: KeyedTemplateRenderable {
        enum Key: String, CaseIterable, Sendable { case title, author, position }
        static let templateKeys = TemplateKeys(Key.self, including: Author.templateKeys)
        var title: String
        var author: Author
        var position: Int
        func templateValue(for key: Key) -> TemplateValue? {
            switch key {
            case .title: .text(title)
            case .author: .object(author)
            case .position: .int(position)
            }
        }
        func templateValue(passedOn slot: Int32, to part: Int) -> TemplateValue? { author.templateValue(slot: slot) }
    }

    /// Wraps an item, answering `title` itself (its own case wins) and passing the rest on, two levels down.
    struct Actions: KeyedTemplateRenderable {
        enum Key: String, CaseIterable, Sendable { case mayEdit, title }
        static let templateKeys = TemplateKeys(Key.self, including: Item.templateKeys)
        var item: Item
        func templateValue(for key: Key) -> TemplateValue? {
            switch key {
            case .mayEdit: .bool(true)
            case .title: .text("Wrapped " + item.title)
            }
        }
        func templateValue(passedOn slot: Int32, to part: Int) -> TemplateValue? { item.templateValue(slot: slot) }
    }

    static let actions = Actions(item: Item(title: "Hello", author: Author(name: "Ana"), position: 3))

    @Test func wrappersPassNamesOnBySlot() throws {
        let page: TemplateValue = ["handle": "outer", "posts": .list([Self.actions])]
        let template = "{{#posts}}{{title}}|{{position}}|{{name}}|{{handle}}|{{author.name}}|{{#mayEdit}}edit{{/mayEdit}}|{{site}};{{/posts}}"
        // `handle` is the author's name, but the author answers nil: the page's is found.
        #expect(try render(template, page) == "Wrapped Hello|3|Ana|outer|Ana|edit|;")
    }

    @Test func theStringEntryPointAgreesWithTheSlots() {
        let keys = Actions.templateKeys
        #expect(keys.isKeyed && keys.names == ["mayEdit", "title", "author", "position", "name", "handle"])
        #expect(keys.ownCount == 2 && keys.slotCount == 2 + 3 + 2)
        if case .text(let title)? = Self.actions.templateValue(for: "title") { #expect(title == "Wrapped Hello") } else { Issue.record("no title") }
        if case .int(let position)? = Self.actions.templateValue(for: "position") { #expect(position == 3) } else { Issue.record("no position") }
        if case .text(let name)? = Self.actions.templateValue(for: "name") { #expect(name == "Ana") } else { Issue.record("no name") }
        #expect(Self.actions.templateValue(for: "handle") == nil)
        #expect(Self.actions.templateValue(for: "site") == nil)
        #expect(Self.actions.templateValue(for: "a name no template or type has ever used") == nil)
    }
}

struct TemplateKeysTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
