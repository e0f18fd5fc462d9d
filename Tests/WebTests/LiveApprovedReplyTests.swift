import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A reply held for approval reaches open thread streams when an admin approves it, once, and
/// only streams whose reader may read it (migration 22's `post_releases`; it used to reach
/// nobody until a reload, being older than the streams' position).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LiveApprovedReplyTests {
    struct World {
        let network: TestNetwork
        let admin: TestPerson
        let reader: TestPerson
        let outsider: TestPerson
        let regular: TestPerson
        let newcomer: TestPerson
        let open: TestThread
        let closed: TestThread

        func session(_ person: TestPerson) throws -> NewSession {
            try network.accounts.startSession(userID: person.id, userAgent: "test")
        }

        func viewer(_ person: TestPerson) throws -> Viewer { try network.actor(person.handle).viewer }
    }

    /// Two pathfinders; a public thread and one in the first's private space; a newcomer of the
    /// first, whose first reply waits for approval (the default setting).
    func withWorld(_ body: (World, TestServer) throws -> Void) throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation("pathfinder-a")
            let other = try network.organisation("pathfinder-b")
            let regular = try network.member(of: pathfinder, handle: "regular")
            let world = World(network: network, admin: try network.admin(),
                              reader: try network.member(of: pathfinder, handle: "reader"),
                              outsider: try network.member(of: other, handle: "outsider"),
                              regular: regular, newcomer: try network.member(of: pathfinder, handle: "newcomer", at: Date()),
                              open: try network.thread(by: regular, title: "An open question about bonds"),
                              closed: try network.thread(in: .organisation(pathfinder), by: regular, title: "A private question about bonds"))
            var site = TestNetwork.siteFiles
            site.liveStreams.readerCheckInterval = 0.2
            try withTestServer(router: try network.router(site: site)) { server in
                try body(world, server)
            }
        }
    }

    /// Opens a stream with an optional session; its head and `retry` line have been read.
    func open(_ server: TestServer, _ path: String, session: NewSession? = nil) throws -> (RawClient, Int) {
        let client = try server.client()
        let cookie = session.map { "Cookie: session=\($0.token)\r\n" } ?? ""
        try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(cookie)\r\n")
        client.setTimeout(15)
        let head = try client.readHead()
        if head.status == 200 { _ = try client.readChunk() }
        return (client, head.status)
    }

    /// The events read until one contains `text`, that one last.
    func events(until text: String, on client: RawClient) throws -> [String] {
        var events: [String] = []
        while let chunk = try client.readChunk() {
            events.append(String(decoding: chunk, as: UTF8.self))
            if events.last?.contains(text) == true { return events }
        }
        Issue.record("the stream ended before \(text)")
        return events
    }

    func held(_ world: World, _ postID: Int64) throws -> Bool? {
        try world.network.store.read { try $0.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", postID) }
    }

    @Test func anApprovedReplyReachesAnOpenStreamOnce() throws {
        try withWorld { world, server in
            let (stream, status) = try open(server, "/t/\(world.open.id)/live", session: try world.session(world.reader))
            defer { stream.close() }
            #expect(status == 200)
            let store = world.network.store

            let waiting = try Threads.reply(store, by: try world.viewer(world.newcomer), threadID: world.open.id,
                                            body: "A first question from a newcomer")
            #expect(try held(world, waiting) == true)
            // A later reply arrives; the held one was not sent before it.
            let later = try Threads.reply(store, by: try world.viewer(world.regular), threadID: world.open.id, body: "A later answer")
            let before = try events(until: "id: \(later)\n", on: stream)
            #expect(!before.joined().contains("A first question from a newcomer"))

            try Moderation.decide(store, actor: try world.network.actor(world.admin.handle), postID: waiting, .approve)
            // Sent once: nothing of it again until a reply written after the approval arrives.
            let last = try Threads.reply(store, by: try world.viewer(world.regular), threadID: world.open.id, body: "After the approval")
            let after = try events(until: "id: \(last)\n", on: stream).joined()
            #expect(after.components(separatedBy: "event: reply\nid: \(waiting)\n").count == 2, "\(after)")
            #expect(after.components(separatedBy: "A first question from a newcomer").count == 2)
            #expect(after.contains("id=\"post-\(waiting)\""))
        }
    }

    @Test func anApprovedPrivateReplyReachesOnlyItsSpacesReaders() throws {
        try withWorld { world, server in
            let store = world.network.store
            // The outsider may not open the private thread's stream at all.
            let (refused, refusedStatus) = try open(server, "/t/\(world.closed.id)/live", session: try world.session(world.outsider))
            refused.close()
            #expect(refusedStatus == 404)
            let (member, memberStatus) = try open(server, "/t/\(world.closed.id)/live", session: try world.session(world.reader))
            defer { member.close() }
            #expect(memberStatus == 200)
            // The outsider's stream of the public thread carries nothing of the private one.
            let (outsider, outsiderStatus) = try open(server, "/t/\(world.open.id)/live", session: try world.session(world.outsider))
            defer { outsider.close() }
            #expect(outsiderStatus == 200)

            let waiting = try Threads.reply(store, by: try world.viewer(world.newcomer), threadID: world.closed.id,
                                            body: "CONFIDENTIAL first question")
            #expect(try held(world, waiting) == true)
            try Moderation.decide(store, actor: try world.network.actor(world.admin.handle), postID: waiting, .approve)
            let private1 = try Threads.reply(store, by: try world.viewer(world.regular), threadID: world.closed.id, body: "Private answer")
            let seen = try events(until: "id: \(private1)\n", on: member).joined()
            #expect(seen.components(separatedBy: "id: \(waiting)\n").count == 2, "\(seen)")

            let publicReply = try Threads.reply(store, by: try world.viewer(world.regular), threadID: world.open.id, body: "Public answer")
            let outsiders = try events(until: "id: \(publicReply)\n", on: outsider).joined()
            #expect(!outsiders.contains("CONFIDENTIAL"))
            #expect(!outsiders.contains("id: \(waiting)\n"))
        }
    }
}
