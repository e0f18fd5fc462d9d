import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The one visibility rule over generated networks (issue 16): many small random worlds with
/// every role (demoted mentors included), confirmed and unconfirmed organisations, active and
/// ended mentorships, public and private threads, held and hidden threads and posts, suspended
/// and deleted accounts. For every reader, every read path must show exactly what
/// `Visibility.mayRead` / `mayReadText` allow — never more — and the SQL form of the rule
/// must agree with the Swift form.
@Suite struct VisibilityRuleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let word = "zebracorn"

    /// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    struct World {
        var organisations: [Int64] = []
        var topics: [Int64] = []
        var users: [Int64] = []
        var deletedUsers: [Int64] = []
        var threads: [Int64] = []
        var posts: [Int64] = []
    }

    /// Builds a random network straight into the tables (the rule is about state, however it
    /// came about: a demoted mentor is a `member` row with an active mentorship).
    static func generate(_ tx: Connection, seed: UInt64) throws -> World {
        var random = Generator(state: seed)
        var world = World()
        for index in 1...3 {
            try tx.run("INSERT INTO organisations(slug, name, kind, created_at) VALUES (?, ?, 'pathfinder', ?)",
                       "org-\(index)", "Organisation \(index)", now)
            world.organisations.append(tx.lastInsertedRowID)
        }
        for index in 1...3 {
            try tx.run("INSERT INTO topics(slug, name, description, position) VALUES (?, ?, '', ?)",
                       "topic-\(index)", "Topic \(index)", index)
            world.topics.append(tx.lastInsertedRowID)
        }
        let roles = ["member", "member", "member", "mentor", "mentor", "admin"]
        for index in 1...10 {
            let role = random.pick(roles)
            let organisation: Int64? = random.chance(70) ? random.pick(world.organisations) : nil
            let confirmed = random.chance(60)
            let suspended = random.chance(20)
            let deleted = random.chance(8)
            try tx.run("""
                INSERT INTO users(handle, display_name, email, password_hash, role, organisation_id, organisation_confirmed,
                                  suspended_until, suspension_reason, created_at, deleted_at)
                VALUES (?, ?, ?, 'x', ?, ?, ?, ?, ?, ?, ?)
                """, "user\(index)", "User \(index)", "user\(index)@example.org", role, organisation, confirmed,
                       suspended ? now.addingTimeInterval(86_400 * 30) : nil, suspended ? "testing" : nil, now,
                       deleted ? now : nil)
            let id = tx.lastInsertedRowID
            if deleted { world.deletedUsers.append(id) } else { world.users.append(id) }
            // Mentorships whatever the role: a member with an active one is a demoted mentor.
            for organisationID in world.organisations where random.chance(role == "mentor" ? 45 : 20) {
                try tx.run("INSERT INTO mentorships(mentor_id, organisation_id, started_at, ended_at) VALUES (?, ?, ?, ?)",
                           id, organisationID, now, random.chance(30) ? now : nil)
            }
        }
        let authors = world.users + world.deletedUsers
        for index in 1...14 {
            let author = random.pick(authors)
            let space: Int64? = random.chance(50) ? random.pick(world.organisations) : nil
            try tx.run("""
                INSERT INTO threads(title, slug, author_id, organisation_id, created_at, last_activity_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, "Thread \(index) \(word)", "thread-\(index)", author, space, now, now)
            let threadID = tx.lastInsertedRowID
            world.threads.append(threadID)
            for topic in world.topics where random.chance(50) {
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", threadID, topic)
            }
            for position in 1...Int(1 + random.next() % 4) {
                let postAuthor = position == 1 ? author : random.pick(authors)
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, renderer_version, created_at)
                    VALUES (?, ?, ?, ?, ?, 0, ?)
                    """, threadID, postAuthor, position, "Post \(position) \(word)", "<p>Post \(position) \(word)</p>",
                           now.addingTimeInterval(Double(position)))
                let postID = tx.lastInsertedRowID
                world.posts.append(postID)
                try tx.run("INSERT INTO post_revisions(post_id, body_markdown, edited_by, created_at) VALUES (?, 'earlier', ?, ?)",
                           postID, postAuthor, now)
                if random.chance(18) { try tx.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", postID) }
                if random.chance(15) { try tx.run("UPDATE posts SET hidden = 1, hidden_by = author_id, hidden_reason = 'spam' WHERE id = ?", postID) }
            }
            if random.chance(15) { try tx.run("UPDATE threads SET hidden = 1, hidden_by = author_id WHERE id = ?", threadID) }
        }
        return world
    }

    /// Every reader: a visitor, then every account that can sign in, loaded as a request loads it.
    static func readers(_ conn: Connection, _ world: World) throws -> [Actor] {
        var actors: [Actor] = [.visitor]
        for id in world.users {
            let account = try #require(try Accounts.account(conn, id: id))
            actors.append(try Actor.load(conn, account: account))
        }
        return actors
    }

    @Test(arguments: 0..<40)
    func everyReadPathShowsExactlyWhatTheRuleAllows(seed: Int) throws {
        try withTestNetwork { network in
            let store = network.store
            let world = try store.write { try Self.generate($0, seed: UInt64(seed) &* 7_919 &+ 11) }
            try store.read { conn in
                var threads: [Int64: Resource.ThreadState] = [:]
                for id in world.threads { threads[id] = try Resource.ThreadState.load(conn, id: id) }
                var posts: [Int64: Resource.PostState] = [:]
                var postThread: [Int64: Int64] = [:]
                for id in world.posts {
                    posts[id] = try Resource.PostState.load(conn, id: id)
                    postThread[id] = try conn.scalar(Int64.self, "SELECT thread_id FROM posts WHERE id = ?", id)
                }
                for actor in try Self.readers(conn, world) {
                    try Self.check(conn, world: world, actor: actor, threads: threads, posts: posts, postThread: postThread)
                }
            }
        }
    }

    static func check(_ conn: Connection, world: World, actor: Actor, threads: [Int64: Resource.ThreadState],
                      posts: [Int64: Resource.PostState], postThread: [Int64: Int64]) throws {
        let viewer = actor.viewer
        let who = "reader \(actor.userID.map(String.init) ?? "visitor") (\(actor.role?.rawValue ?? "-"))"
        let readable = Set(threads.filter { Visibility.mayRead(actor, $0.value) }.keys)
        let listed = readable.filter { threads[$0]?.hidden == false }
        let readableText = Set(posts.filter { Visibility.mayReadText(actor, $0.value) }.keys)

        // The SQL form of the rule equals the Swift form.
        let bySQL = Set(try conn.column(Int64.self, "SELECT t.id FROM threads t WHERE \(PageQueries.visible)",
                                        arguments: PageQueries.viewerArguments(viewer)))
        #expect(bySQL == readable, "SQL rule differs from Swift rule for \(who)")
        let textBySQL = Set(try conn.column(Int64.self, """
            SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id
            WHERE \(PageQueries.visible) AND \(Visibility.postTextReadableByViewer)
            """, arguments: PageQueries.viewerArguments(viewer)))
        #expect(textBySQL == readableText, "SQL post rule differs from Swift rule for \(who)")
        // Which posts a thread's page lists: SQL and Swift forms agree.
        let listedPosts = Set(posts.filter { id, state in
            readable.contains(postThread[id] ?? 0)
                && Visibility.postListed(held: state.held, authorID: state.authorID, userID: actor.userID, isAdmin: actor.isAdmin)
        }.keys)
        let listedBySQL = Set(try conn.column(Int64.self, """
            SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id
            WHERE \(PageQueries.visible) AND \(Visibility.postListedByViewer())
            """, arguments: PageQueries.viewerArguments(viewer)))
        #expect(listedBySQL == listedPosts, "SQL listing rule differs from Swift rule for \(who)")

        for (id, state) in threads {
            // Single decisions and the thread page.
            #expect(Policy.decide(actor, .read, .thread(state), now: now).isAllowed == readable.contains(id), "\(who) policy, thread \(id)")
            let page = try PageQueries.thread(conn, id: id, page: 1, viewer: viewer)
            #expect((page != nil) == readable.contains(id), "\(who) thread page \(id)")
            if let page { #expect(page.state == state, "thread page \(id) carries the state the policy decides on") }
            // The first page lists exactly the thread's first posts the rule lists to this reader.
            let firstPage = try Set(conn.column(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position <= ?",
                                                id, PageQueries.postsPerPage)).intersection(listedPosts)
            #expect(Set(page?.posts.map(\.id) ?? []) == (page == nil ? [] : firstPage), "\(who) thread page \(id) posts")
            for post in page?.posts ?? [] {
                let state = try #require(posts[post.id])
                // A held post is listed only to those who may read its text.
                if state.held { #expect(readableText.contains(post.id), "\(who) sees held post \(post.id)") }
                #expect(post.bodyHTML.isEmpty == !readableText.contains(post.id), "\(who) post text \(post.id)")
            }
        }
        for (id, state) in posts {
            let threadID = try #require(postThread[id])
            let mayRead = readableText.contains(id)
            #expect((Policy.decide(actor, .flag, .post(state), now: now) != .notFound) == mayRead, "\(who) flag \(id)")
            let quote = try Threads.quote(conn, postID: id, threadID: threadID, viewer: viewer)
            #expect((quote != nil) == (mayRead && !state.hidden), "\(who) quote \(id)")
            let revisions = Result { try Threads.revisions(conn, postID: id, viewer: viewer) }
            #expect((try? revisions.get()) != nil ? mayRead : !mayRead, "\(who) revisions \(id)")
            if try Bookmarks.readableThread(conn, postID: id, viewer: viewer) != nil {
                #expect(mayRead, "\(who) bookmark \(id)")
            }
        }

        // Lists: exactly the readable threads that are not hidden.
        let home = Set(try PageQueries.home(conn, viewer: viewer, limit: 1_000).map(\.id))
        #expect(home == listed, "\(who) home")
        for topicIndex in 1...3 {
            let topicPage = try #require(try PageQueries.topic(conn, slug: "topic-\(topicIndex)", viewer: viewer, limit: 1_000))
            let tagged = Set(try conn.column(Int64.self, """
                SELECT thread_id FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id WHERE tp.slug = ?
                """, "topic-\(topicIndex)"))
            #expect(Set(topicPage.threads.map(\.id)) == listed.intersection(tagged), "\(who) topic \(topicIndex)")
        }
        let counts = try PageQueries.topicCounts(conn, viewer: viewer)
        for count in counts {
            let tagged = Set(try conn.column(Int64.self, """
                SELECT thread_id FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id WHERE tp.slug = ?
                """, count.slug))
            let expected = tagged.filter { id in
                guard let state = threads[id], !state.hidden, !state.held else { return false }
                return state.organisationID.map { Visibility.belongsToSpace(actor, $0) } ?? true
            }
            #expect(count.threadCount == expected.count, "\(who) topic count \(count.slug)")
        }
        for (index, organisationID) in world.organisations.enumerated() {
            let page = try #require(try PageQueries.organisation(conn, slug: "org-\(index + 1)", viewer: viewer, limit: 1_000))
            let canRead = Visibility.belongsToSpace(actor, organisationID)
            #expect(page.canReadPrivateSpace == canRead, "\(who) space \(organisationID)")
            #expect(Set(page.privateThreads.map(\.id)) == listed.filter { threads[$0]?.organisationID == organisationID },
                    "\(who) organisation page \(organisationID)")
            let members = Set(page.members.map(\.handle))
            let confirmed = Set(try conn.column(String.self, """
                SELECT handle FROM users WHERE organisation_id = ? AND organisation_confirmed = 1 AND deleted_at IS NULL
                """, organisationID))
            #expect(members == confirmed, "organisation \(organisationID) lists only confirmed members")
        }
        let home2 = try PageQueries.homePage(conn, viewer: viewer)
        #expect(Set(home2.unanswered.map(\.id)).isSubset(of: listed), "\(who) unanswered")
        var searchHits: [SearchHit] = []
        for pageNumber in 1...5 {
            let results = try SearchQueries.search(conn, SearchRequest(query: try SearchQuery(parsing: word), page: pageNumber), viewer: viewer)
            searchHits += results.hits
            if !results.hasNextPage { break }
        }
        let searchable = readableText.filter { id in
            guard let state = posts[id], let threadID = postThread[id], let thread = threads[threadID] else { return false }
            return !state.hidden && !state.held && !thread.hidden
        }
        #expect(Set(searchHits.map(\.postID)) == searchable, "\(who) search")
        // Feeds read as a visitor whoever asks: exactly the visitor's listed threads and readable posts.
        if actor.userID == nil {
            for id in threads.keys {
                let feed = try FeedQueries.thread(conn, id: id)
                #expect((feed != nil) == listed.contains(id), "feed of thread \(id)")
                for post in feed?.posts ?? [] { #expect(readableText.contains(post.id), "feed post \(post.id)") }
            }
            for topicIndex in 1...3 {
                let feed = try #require(try FeedQueries.topic(conn, slug: "topic-\(topicIndex)"))
                #expect(Set(feed.threads.map(\.id)).isSubset(of: listed), "topic feed \(topicIndex)")
            }
        }
        if actor.isMentor, let userID = actor.userID {
            let queue = try MentorQueries.queue(conn, mentorID: userID, viewer: viewer)
            #expect(Set((queue.waiting + queue.done).map(\.threadID)).isSubset(of: readable), "\(who) mentor queue")
        }
    }

    /// Notifications: made only for those who may read, and listed (and counted) only while the
    /// recipient still may.
    @Test(arguments: 0..<20)
    func notificationsFollowTheRule(seed: Int) throws {
        try withTestNetwork { network in
            let store = network.store
            let world = try store.write { try Self.generate($0, seed: UInt64(seed) &* 104_729 &+ 3) }
            // Everyone follows every thread and topic; every post is announced as a reply or a new thread.
            try store.write { tx in
                for user in world.users + world.deletedUsers {
                    for thread in world.threads {
                        try tx.run("INSERT INTO subscriptions(user_id, thread_id, created_at) VALUES (?, ?, ?)", user, thread, Self.now)
                    }
                    for topic in world.topics {
                        try tx.run("INSERT INTO subscriptions(user_id, topic_id, created_at) VALUES (?, ?, ?)", user, topic, Self.now)
                    }
                }
                for post in world.posts {
                    let row = try #require(try tx.queryOne(PostRow.self, "SELECT thread_id, author_id, position FROM posts WHERE id = ?", post))
                    if row.position == 1 {
                        try Notifications.announceThread(tx, threadID: row.threadID, postID: post, authorID: row.authorID,
                                                         body: "", now: Self.now)
                    } else {
                        try Notifications.announceReply(tx, threadID: row.threadID, postID: post, authorID: row.authorID,
                                                        body: "", now: Self.now)
                    }
                }
            }
            try store.read { conn in
                var threads: [Int64: Resource.ThreadState] = [:]
                for id in world.threads { threads[id] = try Resource.ThreadState.load(conn, id: id) }
                let made = try conn.query(NotificationRow.self, "SELECT user_id, thread_id, post_id FROM notifications")
                let actors = Dictionary(uniqueKeysWithValues: try Self.readers(conn, world).compactMap { actor in actor.userID.map { ($0, actor) } })
                for notification in made {
                    let actor = try #require(actors[notification.userID], "a deleted account was notified")
                    let thread = try #require(threads[notification.threadID])
                    #expect(Visibility.mayRead(actor, thread), "notified \(notification.userID) of thread \(notification.threadID)")
                }
                // Now make a notification for everyone about every post, as if access had changed since.
            }
            try store.write { tx in
                try tx.run("DELETE FROM notifications")
                for user in world.users {
                    for post in world.posts {
                        try tx.run("""
                            INSERT INTO notifications(user_id, kind, thread_id, post_id, created_at)
                            SELECT ?, 'reply', thread_id, id, ? FROM posts WHERE id = ?
                            """, user, Self.now, post)
                    }
                }
            }
            try store.read { conn in
                for actor in try Self.readers(conn, world) {
                    guard let userID = actor.userID else { continue }
                    var expected: Set<Int64> = []
                    for post in world.posts {
                        let state = try #require(try Resource.PostState.load(conn, id: post))
                        if Visibility.mayReadText(actor, state) { expected.insert(post) }
                    }
                    let listed = try Notifications.list(conn, userID: userID, limit: 1_000)
                    #expect(Set(listed.compactMap(\.postID)) == expected, "notifications of \(userID)")
                    #expect(try Notifications.unreadCount(conn, userID: userID) == expected.count, "unread count of \(userID)")
                }
            }
        }
    }

    struct PostRow: RowDecodable {
        let threadID: Int64, authorID: Int64, position: Int
        init(row: Row) throws { threadID = try row["thread_id"]; authorID = try row["author_id"]; position = try row["position"] }
    }

    struct NotificationRow: RowDecodable {
        let userID: Int64, threadID: Int64, postID: Int64?
        init(row: Row) throws { userID = try row["user_id"]; threadID = try row["thread_id"]; postID = try row["post_id"] }
    }
}
