import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Queries whose rows are read by column name and that no other suite reaches with a row in
/// its result (a query that returns nothing never looks a name up): the pinned threads of the
/// home page, a data export with threads, posts and flags, moving a topic down, and the unread
/// count on the live notifications stream.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RowNameQueriesTests {
    static let password = "correct horse battery"

    func member(_ site: TestNetwork, _ handle: String, _ organisation: String) throws -> Viewer {
        Viewer(userID: try site.userID(handle), organisationID: try site.organisationID(organisation), isAdmin: false)
    }

    func admin(_ site: TestNetwork) throws -> Actor {
        let id: Int64 = try site.userID("network_admin")
        return Actor(userID: id, role: .admin)
    }

    @Test func aPinnedThreadLeadsTheHomePageWithTheSameFieldsAsItsOwnPage() throws {
        try withTestNetwork(content: .demo) { site in
            let tom = try member(site, "tom_beckett", "central-surrey-health")
            let priya = try member(site, "priya_nair", "anglian-community-enterprise")
            let (thread, _) = try Threads.create(site.store, by: tom, NewThread(
                title: "Pinned: how the bond was repaid", body: "Our schedule.", topicSlugs: ["capital-and-finance"]))
            try Threads.reply(site.store, by: priya, threadID: thread, body: "Ours was the same.")
            try Moderation.changeThread(site.store, actor: try admin(site), threadID: thread, .pin, reason: "")

            let (home, page) = try site.store.read { conn in
                (try PageQueries.home(conn, viewer: .visitor), try PageQueries.thread(conn, id: thread, page: 1, viewer: .visitor))
            }
            let pinned = try #require(home.first)
            let own = try #require(page).thread
            #expect(pinned.id == thread)
            #expect(pinned.pinned)
            #expect(pinned.title == "Pinned: how the bond was repaid")
            #expect(pinned.authorHandle == "tom_beckett")
            #expect(pinned.authorName == "Tom Beckett")
            #expect(pinned.lastPosterName == "Priya Nair")
            #expect(pinned.replyCount == 1)
            #expect(pinned.organisationID == nil)
            #expect(!pinned.locked)
            #expect(!pinned.hasAcceptedAnswer)
            #expect(pinned.topics.map(\.slug) == ["capital-and-finance"])
            // The thread page reads the same columns through its own header query.
            #expect(pinned.slug == own.slug)
            #expect(pinned.authorHandle == own.authorHandle)
            #expect(pinned.lastPosterName == own.lastPosterName)
            #expect(pinned.lastActivityAt == own.lastActivityAt)
            #expect(pinned.pinned == own.pinned)
        }
    }

    @Test func aDataExportListsTheThreadsPostsAndFlagsByTheirFields() throws {
        try withTestNetwork(content: .demo) { site in
            let tom = try member(site, "tom_beckett", "central-surrey-health")
            let priya = try member(site, "priya_nair", "anglian-community-enterprise")
            let tomID = try #require(tom.userID)
            let (thread, opening) = try Threads.create(site.store, by: tom, NewThread(
                title: "Export check thread", body: "Opening words for the export.", topicSlugs: ["capital-and-finance"]))
            let reply = try Threads.reply(site.store, by: priya, threadID: thread, body: "A reply Tom will flag.")
            let tomActor = Actor(userID: tomID, role: .member, organisationID: tom.organisationID)
            _ = try Moderation.flag(site.store, actor: tomActor, postID: reply, reason: .offTopic, note: "Not about bonds")

            let accounts = Accounts(store: site.store, hasher: PasswordHasher(n: 1 << 10, r: 8, p: 1))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(try accounts.exportData(userID: tomID))) as? [String: Any])
            let threads = try #require(json["threads"] as? [[String: Any]])
            let exported = try #require(threads.first { ($0["id"] as? Int).map(Int64.init) == thread })
            #expect(exported["title"] as? String == "Export check thread")
            #expect(exported["privateToOrganisation"] as? Bool == false)
            #expect(exported["createdAt"] is String)

            let posts = try #require(json["posts"] as? [[String: Any]])
            let post = try #require(posts.first { ($0["id"] as? Int).map(Int64.init) == opening })
            #expect((post["threadID"] as? Int).map(Int64.init) == thread)
            #expect(post["body"] as? String == "Opening words for the export.")
            #expect(post["editedAt"] == nil)
            #expect(!posts.contains { ($0["id"] as? Int).map(Int64.init) == reply })

            let flags = try #require(json["flags"] as? [[String: Any]])
            #expect(flags.count == 1)
            #expect((flags.first?["postID"] as? Int).map(Int64.init) == reply)
            #expect(flags.first?["reason"] as? String == "off_topic")
            #expect(flags.first?["note"] as? String == "Not about bonds")
        }
    }

    @Test func movingATopicDownSwapsItWithTheNextOne() throws {
        try withTestNetwork(content: .demo) { site in
            let before = try site.store.read { try Moderation.topics($0) }.filter { !$0.retired }
            #expect(before.count >= 2)
            let (first, second) = (before[0], before[1])
            try Moderation.changeTopic(site.store, actor: try admin(site), topicID: first.id, .moveDown)
            let after = try site.store.read { try Moderation.topics($0) }.filter { !$0.retired }
            #expect(after.map(\.id).prefix(2) == [second.id, first.id])
            #expect(after.first { $0.id == first.id }?.position == second.position)
            #expect(after.first { $0.id == second.id }?.position == first.position)
            #expect(after.first { $0.id == first.id }?.slug == first.slug)
            #expect(after.first { $0.id == first.id }?.name == first.name)
        }
    }

    @Test func theLiveStreamSendsTheUnreadCountWhenANotificationArrives() throws {
        try withTestNetwork(content: .demo) { site in
            let hash = try PasswordHasher(n: 1 << 10, r: 8, p: 1).hash(Self.password)
            try site.store.write {
                try $0.run("UPDATE users SET password_hash = ? WHERE handle = 'tom_beckett'", hash)
                try $0.run("DELETE FROM notifications")
            }
            let tom = try member(site, "tom_beckett", "central-surrey-health")
            let priya = try member(site, "priya_nair", "anglian-community-enterprise")
            let (thread, _) = try Threads.create(site.store, by: tom, NewThread(
                title: "Live unread check", body: "Anyone?", topicSlugs: ["capital-and-finance"]))

            try withTestServer(router: try site.router(), tls: true) { server in
                let browser = BrowserClient(port: server.port, tls: true)
                _ = try browser.get("/sign-in")
                #expect(try browser.post("/sign-in", [("identifier", "tom_beckett"), ("password", Self.password)]).status == 303)
                let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")

                let watcher = try server.client()
                defer { watcher.close() }
                try watcher.send("GET /notifications/live HTTP/1.1\r\nHost: localhost\r\nCookie: \(cookie)\r\n\r\n")
                #expect(try watcher.readHead().status == 200)
                #expect(try watcher.readChunk().map { String(decoding: $0, as: UTF8.self) } == "retry: 3000\n\n")
                let first = String(decoding: try #require(try watcher.readChunk()), as: UTF8.self)
                #expect(first == "event: unread\ndata: 0\n\n")

                try Threads.reply(site.store, by: priya, threadID: thread, body: "Yes, here.")
                let next = String(decoding: try #require(try watcher.readChunk()), as: UTF8.self)
                #expect(next == "event: unread\ndata: 1\n\n")
            }
        }
    }
}
