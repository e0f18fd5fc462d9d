import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// The live unread count follows what its reader may read: a demotion that takes a private
/// thread away takes its notification out of the count, on the open stream, as on the page.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LiveUnreadRecountTests {
    @Test func aDemotionSendsTheRecomputedCount() throws {
        try withTestNetwork(content: .demo) { network in
            var site = TestNetwork.siteFiles
            site.liveStreams.readerCheckInterval = 0.2
            try withTestServer(router: try network.router(site: site)) { server in
                let helen = try network.userID("helen_marsh")
                let thread = try network.privateThreadID
                let post = try #require(try network.store.read { try $0.scalar(Int64.self, "SELECT max(id) FROM posts WHERE thread_id = ?", thread) })
                let sam = try network.userID("sam_okafor")
                try network.store.write { try $0.run("UPDATE notifications SET read_at = 1 WHERE user_id = ?", helen) }
                try notifyOfReply(network, userID: helen, thread: thread, post: post, by: sam)
                let client = try openUnreadStream(server, network, userID: helen)
                defer { client.close() }
                #expect(try next("event: unread", client).contains("data: 1"))
                try Moderation.changeRole(network.store, actor: try network.actor("network_admin"), userID: helen, to: .member, reason: "")
                #expect(try next("event: unread", client).contains("data: 0"))
                // The page says the same.
                #expect(try network.store.read { try Notifications.unreadCount($0, userID: helen) } == 0)
            }
        }
    }

    /// What a moderator does to a thread that takes it from a reader, with no new notification.
    enum TakenAway: CaseIterable, Sendable {
        case hidden, movedIntoAPrivateSpace
    }

    /// A thread hidden or moved into a private space its reader is not in: its unread
    /// notifications leave the count, on the open stream as on the page, though no notification
    /// was added and the reader is unchanged.
    @Test(arguments: TakenAway.allCases)
    func aThreadTakenAwaySendsTheRecomputedCount(_ change: TakenAway) throws {
        try withTestNetwork { network in
            var site = TestNetwork.siteFiles
            site.liveStreams.readerCheckInterval = 0.2
            try withTestServer(router: try network.router(site: site)) { server in
                let organisation = try network.organisation()
                let admin = try network.admin()
                let author = try network.member()
                let reader = try network.member()
                let thread = try network.thread(by: author)
                func notify() throws {
                    try notifyOfReply(network, userID: reader.id, thread: thread.id, post: try network.reply(to: thread, by: author),
                                      by: author.id)
                }
                try notify()
                let client = try openUnreadStream(server, network, userID: reader.id)
                defer { client.close() }
                #expect(try next("event: unread", client).contains("data: 1"))
                // A second notification, sent by the watcher: its reader checks have seen this reader.
                try notify()
                #expect(try next("event: unread", client).contains("data: 2"))
                let moderator = try network.actor(admin.handle)
                switch change {
                case .hidden:
                    try Moderation.changeThread(network.store, actor: moderator, threadID: thread.id, .hide, reason: "Off topic")
                case .movedIntoAPrivateSpace:
                    try Moderation.moveThread(network.store, actor: moderator, threadID: thread.id,
                                              organisationSlug: organisation.slug, reason: "")
                }
                #expect(try next("event: unread", client).contains("data: 0"))
                // The page says the same.
                #expect(try network.store.read { try Notifications.unreadCount($0, userID: reader.id) } == 0)
            }
        }
    }

    /// An unread notification for `userID` of a reply `post` in `thread`.
    func notifyOfReply(_ network: TestNetwork, userID: Int64, thread: Int64, post: Int64, by actor: Int64) throws {
        try network.store.write { tx in
            try tx.run("""
                INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at) VALUES (?, 'reply', ?, ?, ?, 1)
                """, userID, thread, post, actor)
        }
    }

    /// `userID`'s unread-count stream, open (its first event, the count, not read yet).
    func openUnreadStream(_ server: TestServer, _ network: TestNetwork, userID: Int64) throws -> RawClient {
        let session = try network.accounts.startSession(userID: userID, userAgent: "test")
        let client = try server.client()
        try client.send("GET /notifications/live HTTP/1.1\r\nHost: localhost\r\nCookie: session=\(session.token)\r\n\r\n")
        client.setTimeout(15)
        #expect(try client.readHead().status == 200)
        return client
    }

    /// The next event containing `text`; fails when the stream ends first.
    func next(_ text: String, _ client: RawClient) throws -> String {
        while let chunk = try client.readChunk() {
            let event = String(decoding: chunk, as: UTF8.self)
            if event.contains(text) { return event }
        }
        Issue.record("the stream ended before \(text)")
        return ""
    }
}
