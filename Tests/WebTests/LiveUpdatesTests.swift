import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 8: a new reply reaches a second client that has the thread page's stream open.
@Suite(.serialized, .timeLimit(.minutes(2))) struct LiveUpdatesTests {
    @Test func newReplyArrivesOverServerSentEvents() throws {
        try withTestNetwork(content: .demo) { site in
            let thread = try site.id(ofThread: "Community interest company%")
            let tom = Viewer(userID: try site.userID("tom_beckett"), organisationID: try site.organisationID("central-surrey-health"), isAdmin: false)
            try site.serve { server in
                let watcher = try server.client()
                defer { watcher.close() }
                try watcher.send("GET /t/\(thread)/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let head = try watcher.readHead()
                #expect(head.status == 200)
                #expect(head.header("Content-Type") == "text/event-stream; charset=utf-8")
                // The browser is told when to reconnect once the stream ends (issue 16: streams end after minutes).
                #expect(try watcher.readChunk().map { String(decoding: $0, as: UTF8.self) } == "retry: 3000\n\n")

                let postID = try Threads.reply(site.store, by: tom, threadID: thread, body: "Live <b>reply</b> about the asset lock")
                let chunk = String(decoding: try #require(try watcher.readChunk()), as: UTF8.self)
                #expect(chunk.hasPrefix("event: reply\nid: \(postID)\n"))
                #expect(chunk.contains("Live &lt;b&gt;reply&lt;/b&gt; about the asset lock") || chunk.contains("Live <strong>reply</strong>") || chunk.contains("&lt;b&gt;"))
                #expect(!chunk.contains("<b>reply</b>"))
                #expect(chunk.contains("Tom Beckett"))

                // A private thread's stream does not exist for a visitor.
                let outsider = try server.get("/t/\(site.privateThreadID)/live")
                #expect(outsider.status == 404)
                let anonymous = try server.get("/notifications/live")
                #expect(anonymous.status == 401)
            }
        }
    }
}
