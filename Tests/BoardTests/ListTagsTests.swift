import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The home, topic and thread pages read each thread's topic ids (kept on its row by migration
/// 20's triggers) and "new since your last visit" in the thread's own statement, and name the topics from those `ReadingService` keeps
/// until the store changes (`TopicDirectory`). After every write that changes either, the pages
/// agree with reading them directly, as the statements these replaced did.
@Suite struct ListTagsTests {
    /// Every thread's tags as "slug/name" (topics in use), in the board's order.
    func tagsReadDirectly(_ store: Store) throws -> [Int64: [String]] {
        try store.read { conn in
            var tags: [Int64: [String]] = [:]
            try conn.forEach("""
                SELECT tt.thread_id, tp.slug, tp.name FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id
                WHERE tp.retired = 0 ORDER BY tp.position
                """) { row in
                tags[try row["thread_id"], default: []].append(try row["slug"] + "/" + (try row["name"] as String))
            }
            return tags
        }
    }

    /// The threads `viewer` is shown on home, on every topic page and on each thread's own page.
    func shown(_ board: Network, _ viewer: Viewer, threads: [Int64]) throws -> [ThreadSummary] {
        let home = try board.reading.home(viewer: viewer)
        var shown = home.latest + home.unanswered
        for topic in try board.topics.active() {
            shown += try #require(try board.reading.topic(slug: topic.slug, viewer: viewer, filter: .all)).threads
        }
        for id in threads {
            if let page = try board.reading.thread(id: id, page: 1, viewer: viewer) { shown.append(page.thread) }
        }
        return shown
    }

    /// Threads whose kept topic ids (migration 20) are not those `thread_topics` holds; none
    /// keeps ids when it has no topics.
    func keptIDsDisagreeing(_ store: Store) throws -> [Int64] {
        try store.read { conn in
            try conn.column(Int64.self, """
                SELECT t.id FROM threads t
                WHERE t.topic_ids IS NOT (SELECT group_concat(topic_id) FROM
                                            (SELECT topic_id FROM thread_topics WHERE thread_id = t.id ORDER BY topic_id))
                """)
        }
    }

    func check(_ board: Network, _ store: Store, _ viewers: [Viewer], threads: [Int64], _ step: String) throws {
        #expect(try keptIDsDisagreeing(store).isEmpty, "\(step)")
        let expected = try tagsReadDirectly(store)
        for viewer in viewers {
            let shown = try shown(board, viewer, threads: threads)
            #expect(!shown.isEmpty, "\(step)")
            for thread in shown {
                #expect(thread.topics.map { $0.slug + "/" + $0.name } == expected[thread.id] ?? [], "\(step), thread \(thread.id)")
            }
        }
    }

    @Test func tagsFollowEveryChangeToThreadsAndTopics() throws {
        try withTestNetwork { network in
            let store = network.store
            let board = Network(accounts: network.accounts)
            let pathfinder = try network.organisation()
            let member = try network.member(of: pathfinder, handle: "member")
            let admin = try network.admin()
            let adminActor = Actor(userID: admin.id, role: .admin)
            let alpha = try network.topic("alpha-topic", position: 1)
            let beta = try network.topic("beta-topic", position: 2)
            let gamma = try network.topic("gamma-topic", position: 3)
            // Tagged out of the board's order: the tags still come in it.
            let first = try network.thread(by: member, title: "First thread here", topics: [gamma, alpha])
            let second = try network.thread(by: member, title: "Second thread here", topics: [beta], at: Fixtures.now + 1)
            let secret = try network.thread(in: .organisation(pathfinder), by: member, title: "Private thread here",
                                            topics: [beta, alpha], at: Fixtures.now + 2)
            _ = try network.reply(to: second, by: admin, at: Fixtures.now + 3)
            let threads = [first.id, second.id, secret.id]
            let viewers = [Viewer.visitor, member.viewer, admin.viewer]
            try check(board, store, viewers, threads: threads, "created")
            #expect(try board.reading.thread(id: first.id, page: 1, viewer: .visitor)?.thread.topics.map(\.slug) == ["alpha-topic", "gamma-topic"])

            try Threads.editDetails(store, by: adminActor, threadID: second.id, title: "Second thread here",
                                    topicSlugs: ["gamma-topic", "beta-topic"])
            try check(board, store, viewers, threads: threads, "edited by the form")
            try Moderation.retagThread(store, actor: adminActor, threadID: first.id, topicSlugs: ["beta-topic"], reason: "")
            try check(board, store, viewers, threads: threads, "retagged by a moderator")

            // A topic made after the topics were kept, and a thread tagged with it at once.
            try Moderation.createTopic(store, actor: adminActor, slug: "delta-topic", name: "Delta", description: "New")
            try Moderation.retagThread(store, actor: adminActor, threadID: first.id, topicSlugs: ["delta-topic", "alpha-topic"], reason: "")
            try check(board, store, viewers, threads: threads, "a new topic")
            #expect(try board.reading.topic(slug: "delta-topic", viewer: .visitor, filter: .all)?.threads.map(\.id) == [first.id])

            try Moderation.changeTopic(store, actor: adminActor, topicID: alpha, .edit(name: "Alpha renamed", description: "Now"))
            try check(board, store, viewers, threads: threads, "renamed")
            #expect(try board.reading.topic(slug: "alpha-topic", viewer: .visitor, filter: .all)?.topic.name == "Alpha renamed")
            #expect(try board.reading.topic(slug: "alpha-topic", viewer: .visitor, filter: .all)?.description == "Now")
            for _ in 0..<3 {
                try Moderation.changeTopic(store, actor: adminActor, topicID: alpha, .moveDown)
                try check(board, store, viewers, threads: threads, "moved down")
            }
            #expect(try board.reading.thread(id: first.id, page: 1, viewer: .visitor)?.thread.topics.map(\.slug) == ["delta-topic", "alpha-topic"])

            // A retired topic's page is gone, and so is its tag (it would link to a 404); the
            // thread keeps the topic, so restoring it brings the tag back.
            try Moderation.changeTopic(store, actor: adminActor, topicID: gamma, .retire)
            try check(board, store, viewers, threads: threads, "retired")
            #expect(try board.reading.topic(slug: "gamma-topic", viewer: .visitor, filter: .all) == nil)
            #expect(try board.reading.thread(id: second.id, page: 1, viewer: .visitor)?.thread.topics.map(\.slug) == ["beta-topic"])
            try Moderation.changeTopic(store, actor: adminActor, topicID: gamma, .restore)
            try check(board, store, viewers, threads: threads, "restored")
            #expect(try board.reading.thread(id: second.id, page: 1, viewer: .visitor)?.thread.topics.map(\.slug) == ["beta-topic", "gamma-topic"])
            #expect(try board.reading.topic(slug: "gamma-topic", viewer: .visitor, filter: .all) != nil)
            #expect(try board.reading.topic(slug: "no-such-topic", viewer: .visitor, filter: .all) == nil)

        }
    }

    @Test func anUpgradedDatabaseKeepsEveryThreadsTopicIDs() throws {
        try withTestNetwork(migratedTo: 19) { network in
            let store = network.store
            let member = try network.member(handle: "member")
            let alpha = try network.topic("alpha-topic", position: 1)
            let beta = try network.topic("beta-topic", position: 2)
            let both = try network.thread(by: member, title: "Tagged twice here", topics: [beta, alpha]).id
            let one = try network.thread(by: member, title: "Tagged once here", topics: [beta], at: Fixtures.now + 1).id
            let none = try network.thread(by: member, title: "Not tagged here", at: Fixtures.now + 2).id
            #expect(try store.migrate(Schema.migrator).to == Schema.migrations.count)
            #expect(try store.integrityProblems().isEmpty)
            #expect(try keptIDsDisagreeing(store).isEmpty)
            #expect(try store.read { try $0.scalar(String.self, "SELECT topic_ids FROM threads WHERE id = ?", none) } == nil)
            let board = Network(accounts: network.accounts)
            try check(board, store, [.visitor], threads: [both, one, none], "upgraded")
            let home = try board.reading.home(viewer: .visitor).latest
            #expect(home.map(\.id) == [none, one, both])
            #expect(home.map { $0.topics.map(\.slug) } == [[], ["beta-topic"], ["alpha-topic", "beta-topic"]])
        }
    }

    /// A thread written with the triggers set aside (as the scale seed writes) keeps no ids: its
    /// tags are read from `thread_topics`, never left out.
    @Test func aThreadKeepingNoIDsStillShowsItsTags() throws {
        try withTestNetwork { network in
            let store = network.store
            let member = try network.member(handle: "member")
            let alpha = try network.topic("alpha-topic", position: 1)
            let thread = try network.thread(by: member, title: "Seeded in bulk", topics: [alpha]).id
            try store.write { try $0.run("UPDATE threads SET topic_ids = NULL WHERE id = ?", thread) }
            let board = Network(accounts: network.accounts)
            #expect(try board.reading.home(viewer: .visitor).latest.map { $0.topics.map(\.slug) } == [["alpha-topic"]])
            #expect(try board.reading.thread(id: thread, page: 1, viewer: .visitor)?.thread.topics.map(\.slug) == ["alpha-topic"])
        }
    }

    /// A topic page's briefing items are the same for everyone: kept per topic until the store changes.
    @Test func topicBriefingItemsAreKeptUntilAnythingChanges() throws {
        try withTestNetwork { network in
            let board = Network(accounts: network.accounts)
            let admin = Actor(userID: try network.admin().id, role: .admin)
            try network.topic("alpha-topic", position: 1)
            try network.topic("beta-topic", position: 2)
            func item(_ title: String, _ published: String, _ topics: [String]) throws -> Int64 {
                try board.briefing.save(by: admin, itemID: nil, BriefingItemForm(
                    title: title, url: "https://example.org/\(published)", source: "Gov", published: published,
                    summary: "About it", topicSlugs: topics))
            }
            func titles(_ slug: String) throws -> [String] {
                try #require(try board.reading.topic(slug: slug, viewer: .visitor, filter: .all)).briefingTitles
            }
            let first = try item("The first item", "2024-01-01", ["alpha-topic"])
            #expect(try titles("alpha-topic") == ["The first item"])
            #expect(try titles("beta-topic") == [])
            let before = board.readerStatistics
            #expect(try titles("alpha-topic") == ["The first item"])
            let kept = board.readerStatistics.since(before)
            #expect(try titles("beta-topic") == [])
            _ = try item("The second item", "2024-02-01", ["alpha-topic", "beta-topic"])
            let thenAgain = board.readerStatistics
            #expect(try titles("alpha-topic") == ["The second item", "The first item"])
            // Read again after the write: the kept topics and this topic's items (one each).
            #expect(board.readerStatistics.since(thenAgain).statements == kept.statements + 2)
            #expect(try titles("beta-topic") == ["The second item"])
            try board.briefing.setRetired(by: admin, id: first, true)
            #expect(try titles("alpha-topic") == ["The second item"])
            #expect(try network.store.read { try PageQueries.topic($0, slug: "alpha-topic", viewer: .visitor) }?.briefingTitles == ["The second item"])
        }
    }

    /// "New since your last visit": the threads the old statement (`VisitsService.withNewPosts`)
    /// found among those a list shows.
    func withNewPostsReadDirectly(_ store: Store, userID: Int64) throws -> Set<Int64> {
        try store.read { conn in
            Set(try conn.column(Int64.self, """
                SELECT t.id FROM threads t JOIN thread_visits v ON v.thread_id = t.id AND v.user_id = ?
                WHERE t.last_post_id > v.last_seen_post_id
                """, userID))
        }
    }

    @Test func newPostsFollowVisitsAndReplies() throws {
        try withTestNetwork { network in
            let store = network.store
            let board = Network(accounts: network.accounts)
            let reader = try network.member(handle: "reader")
            let other = try network.member(handle: "other")
            let topic = try network.topic()
            let visited = try network.thread(by: other, title: "Visited thread here", topics: [topic])
            let unvisited = try network.thread(by: other, title: "Never opened here", topics: [topic], at: Fixtures.now + 1)
            func marked(_ viewer: Viewer) throws -> [Int64: Bool] {
                var marked: [Int64: Bool] = [:]
                for thread in try shown(board, viewer, threads: []) {
                    #expect(marked[thread.id].map { $0 == thread.hasNewPosts } ?? true, "one thread, one answer on every list")
                    marked[thread.id] = thread.hasNewPosts
                }
                return marked
            }
            func check(_ step: String) throws {
                let direct = try withNewPostsReadDirectly(store, userID: reader.id)
                let listed = try marked(reader.viewer)
                #expect(Set(listed.keys) == [visited.id, unvisited.id], "\(step)")
                #expect(Set(listed.filter(\.value).keys) == direct, "\(step)")
                #expect(try marked(other.viewer).values.allSatisfy { !$0 }, "\(step): someone who never opened them")
                #expect(try marked(.visitor).values.allSatisfy { !$0 }, "\(step): a visitor")
            }
            try check("never opened")
            _ = try board.visits.seen(userID: reader.id, threadID: visited.id, postIDs: [visited.openingPostID])
            try check("opened")
            #expect(try withNewPostsReadDirectly(store, userID: reader.id).isEmpty)
            let reply = try network.reply(to: visited, by: other, at: Fixtures.now + 5)
            _ = try network.reply(to: unvisited, by: other, at: Fixtures.now + 6)
            try check("a reply since")
            #expect(try withNewPostsReadDirectly(store, userID: reader.id) == [visited.id])
            _ = try board.visits.seen(userID: reader.id, threadID: visited.id, postIDs: [reply])
            try check("read again")
            #expect(try withNewPostsReadDirectly(store, userID: reader.id).isEmpty)
        }
    }
}
