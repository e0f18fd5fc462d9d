import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 16, items 2 and 5, over the real server: a stream is re-checked against its reader on
/// every event, ends with its session, its reader's suspension or its lifetime, and is capped
/// per session and per address.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LiveStreamSecurityTests {
    struct Site {
        let network: TestNetwork
        var store: Store { network.store }
        var accounts: Accounts { network.accounts }

        /// A signed-in session for `handle`: its cookie value and id.
        func session(_ handle: String) throws -> NewSession {
            try accounts.startSession(userID: try network.userID(handle), userAgent: "test")
        }

        func actor(_ handle: String) throws -> Actor { try network.actor(handle) }
        func viewer(_ handle: String) throws -> Viewer { try actor(handle).viewer }
        func id(ofThread pattern: String) throws -> Int64 { try network.id(ofThread: pattern) }
        func userID(_ handle: String) throws -> Int64 { try network.userID(handle) }
    }

    /// The demo network served over plain HTTP (cookie `session`), streams limited by `configure`.
    func withSite(_ configure: (inout LiveStreamLimits) -> Void = { _ in }, _ body: (Site, TestServer) throws -> Void) throws {
        try withTestNetwork(content: .demo) { network in
            var site = TestNetwork.siteFiles
            site.liveStreams.readerCheckInterval = 0.2
            configure(&site.liveStreams)
            try withTestServer(router: try network.router(site: site)) { server in
                try body(Site(network: network), server)
            }
        }
    }

    /// Opens `/t/{id}/live` (or another stream path) with an optional session cookie; the
    /// answer's head has been read.
    func open(_ server: TestServer, _ path: String, session: NewSession? = nil) throws -> (RawClient, ClientResponse) {
        let client = try server.client()
        let cookie = session.map { "Cookie: session=\($0.token)\r\n" } ?? ""
        try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(cookie)\r\n")
        client.setTimeout(15)
        return (client, try client.readHead())
    }

    /// The events the stream sends until the server ends it (the last chunk).
    func eventsUntilEnd(_ client: RawClient) throws -> [String] {
        var events: [String] = []
        while let chunk = try client.readChunk() { events.append(String(decoding: chunk, as: UTF8.self)) }
        return events
    }

    /// Reads events until one contains `text`; fails when the stream ends first.
    func waitFor(_ text: String, on client: RawClient) throws -> String {
        while let chunk = try client.readChunk() {
            let event = String(decoding: chunk, as: UTF8.self)
            if event.contains(text) { return event }
        }
        Issue.record("the stream ended before \(text)")
        return ""
    }

    var publicThreadTitle: String { "Community interest company%" }

    @Test func streamStopsAfterThreadGoesPrivate() throws {
        try withSite { site, server in
            let thread = try site.id(ofThread: publicThreadTitle)
            let (visitor, head) = try open(server, "/t/\(thread)/live")
            defer { visitor.close() }
            #expect(head.status == 200)
            #expect(try visitor.readChunk().map { String(decoding: $0, as: UTF8.self) } == "retry: 3000\n\n")
            // Public still: a reply reaches the visitor.
            let tom = try site.viewer("tom_beckett")
            let first = try Threads.reply(site.store, by: tom, threadID: thread, body: "Still public, this reply")
            #expect(try waitFor("id: \(first)", on: visitor).contains("Still public, this reply"))

            // An admin moves it into Tri-borough's private space; the next reply is private.
            try Moderation.moveThread(site.store, actor: try site.actor("network_admin"), threadID: thread,
                                      organisationSlug: "tri-borough-mutual", reason: "belongs to the pathfinder")
            _ = try Threads.reply(site.store, by: try site.viewer("sam_okafor"), threadID: thread, body: "CONFIDENTIAL redundancy plan")
            let rest = try eventsUntilEnd(visitor)
            #expect(!rest.joined().contains("CONFIDENTIAL"))
            #expect(try server.get("/t/\(thread)/live").status == 404)
        }
    }

    @Test func streamStopsAfterThreadIsHidden() throws {
        try withSite { site, server in
            let thread = try site.id(ofThread: publicThreadTitle)
            let (visitor, _) = try open(server, "/t/\(thread)/live")
            defer { visitor.close() }
            try Moderation.changeThread(site.store, actor: try site.actor("network_admin"), threadID: thread, .hide, reason: "off topic")
            // Written behind the services' backs (they refuse replies to a hidden thread): the
            // stream must still not carry it.
            let author = try site.userID("tom_beckett")
            _ = try site.store.write { try $0.insertPost(threadID: thread, authorID: author, body: "Reply in a hidden thread", at: Date()) }
            #expect(!(try eventsUntilEnd(visitor)).joined().contains("Reply in a hidden thread"))
        }
    }

    @Test func demotedMentorsStreamStops() throws {
        try withSite { site, server in
            let thread = try site.network.privateThreadID
            let (mentor, head) = try open(server, "/t/\(thread)/live", session: try site.session("helen_marsh"))
            defer { mentor.close() }
            #expect(head.status == 200)
            let helen = try site.userID("helen_marsh")
            try Moderation.changeRole(site.store, actor: try site.actor("network_admin"), userID: helen, to: .member, reason: "")
            _ = try Threads.reply(site.store, by: try site.viewer("sam_okafor"), threadID: thread, body: "After the demotion")
            #expect(!(try eventsUntilEnd(mentor)).joined().contains("After the demotion"))
        }
    }

    @Test func streamEndsOnSignOutPasswordChangeAndSuspension() throws {
        try withSite { site, server in
            let thread = try site.id(ofThread: publicThreadTitle)
            // Signed out elsewhere: the session row is gone.
            let session = try site.session("priya_nair")
            let (signedIn, head) = try open(server, "/t/\(thread)/live", session: session)
            defer { signedIn.close() }
            #expect(head.status == 200)
            let (unread, unreadHead) = try open(server, "/notifications/live", session: session)
            defer { unread.close() }
            #expect(unreadHead.status == 200)
            try site.accounts.endSession(token: session.token)
            _ = try eventsUntilEnd(signedIn)
            _ = try eventsUntilEnd(unread)

            // A password change from another session revokes this one.
            let other = try site.session("priya_nair")
            let (revoked, _) = try open(server, "/t/\(thread)/live", session: other)
            defer { revoked.close() }
            let keeping = try site.session("priya_nair")
            try site.accounts.setPassword(userID: try site.userID("priya_nair"), "a brand new passphrase",
                                          keepingSession: keeping.id)
            _ = try eventsUntilEnd(revoked)

            // Suspended: the stream ends though the session lives.
            let (suspended, _) = try open(server, "/t/\(thread)/live", session: keeping)
            defer { suspended.close() }
            try Moderation.suspend(site.store, actor: try site.actor("network_admin"), userID: try site.userID("priya_nair"),
                                   until: Date().addingTimeInterval(86_400), reason: "cooling off")
            _ = try Threads.reply(site.store, by: try site.viewer("tom_beckett"), threadID: thread, body: "While suspended")
            #expect(!(try eventsUntilEnd(suspended)).joined().contains("While suspended"))

            // Reopened while suspended: 204, which tells the browser's EventSource not to try
            // again (it reopened an ended stream every 3 seconds); the thread page still reads.
            for path in ["/t/\(thread)/live", "/notifications/live"] {
                let (reopened, reopenedHead) = try open(server, path, session: keeping)
                defer { reopened.close() }
                #expect(reopenedHead.status == 204)
            }
        }
    }

    /// A visitor's stream opened while the network was open to visitors ends once an admin
    /// turns on "require sign-in to read": it used to carry every new reply to the signed-out
    /// browser until its lifetime ran out, though a new stream is sent to sign in.
    @Test func visitorsStreamEndsWhenSignInBecomesRequired() throws {
        try withSite { site, server in
            let thread = try site.id(ofThread: publicThreadTitle)
            let (visitor, head) = try open(server, "/t/\(thread)/live")
            defer { visitor.close() }
            #expect(head.status == 200)
            let tom = try site.viewer("tom_beckett")
            let first = try Threads.reply(site.store, by: tom, threadID: thread, body: "Before the network closed")
            #expect(try waitFor("id: \(first)", on: visitor).contains("Before the network closed"))

            try Network(accounts: site.accounts).settings.set(by: try site.actor("network_admin"), .requireSignInToRead, to: "1")
            _ = try Threads.reply(site.store, by: tom, threadID: thread, body: "MEMBERS ONLY reply")
            #expect(!(try eventsUntilEnd(visitor)).joined().contains("MEMBERS ONLY"))
            #expect(try server.get("/t/\(thread)/live").status == 303)
        }
    }

    @Test func streamCapReturns429() throws {
        try withSite({ $0.perAddress = 3; $0.perSession = 2 }) { site, server in
            let thread = try site.id(ofThread: publicThreadTitle)
            var open: [RawClient] = []
            defer { open.forEach { $0.close() } }
            // Per session: the third stream of one session is refused.
            let session = try site.session("tom_beckett")
            for _ in 0..<2 {
                let (client, head) = try self.open(server, "/t/\(thread)/live", session: session)
                #expect(head.status == 200)
                open.append(client)
            }
            let (refused, over) = try self.open(server, "/t/\(thread)/live", session: session)
            open.append(refused)
            #expect(over.status == 429)
            #expect(over.header("retry-after") == "30")
            // Per address: one more visitor stream fits (3), the next is refused.
            let (third, thirdHead) = try self.open(server, "/t/\(thread)/live")
            open.append(third)
            #expect(thirdHead.status == 200)
            let (fourth, fourthHead) = try self.open(server, "/t/\(thread)/live")
            open.append(fourth)
            #expect(fourthHead.status == 429)
            // A stream that ends frees its place.
            third.close()
            var reopened = 0
            for _ in 0..<50 where reopened == 0 {
                Thread.sleep(forTimeInterval: 0.1)
                let (client, head) = try self.open(server, "/t/\(thread)/live")
                open.append(client)
                if head.status == 200 { reopened += 1 }
            }
            #expect(reopened == 1)
        }
    }

    @Test func idleStreamsGetHeartbeats() throws {
        try withSite({ $0.heartbeatInterval = 0.3 }) { site, server in
            let (client, head) = try open(server, "/t/\(try site.id(ofThread: publicThreadTitle))/live")
            defer { client.close() }
            #expect(head.status == 200)
            #expect(try client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "retry: 3000\n\n")
            #expect(try client.readChunk().map { String(decoding: $0, as: UTF8.self) } == ": keep-alive\n\n")
        }
    }

    @Test func streamLivesAtMostItsLifetime() throws {
        try withSite({ $0.maxLifetime = 1 }) { site, server in
            let (client, head) = try open(server, "/t/\(try site.id(ofThread: publicThreadTitle))/live")
            defer { client.close() }
            #expect(head.status == 200)
            // The server ends it cleanly (the last chunk) and the browser reconnects after `retry`.
            #expect(try eventsUntilEnd(client).first == "retry: 3000\n\n")
            #expect(client.isClosedByServer(within: 5))
        }
    }
}
