import Database
import Foundation
import Testing
import TestSupport
@testable import Board

@Suite("mutuals rerender", .timeLimit(.minutes(2)))
struct BoardRerenderCommandTests {
    /// Posts stored by the plain-text renderer (version 0) are upgraded by the command, once.
    @Test func rerenderUpgradesOlderPostsThroughTheBinary() throws {
        try withTestNetwork { network in
            let directory = network.directory
            let user = try network.member(handle: "member")
            let topic = try network.topic()
            for index in 1...3 {
                try network.thread(by: user, title: "Old thread number \(index)", body: "Old *markdown* \(index)", topics: [topic])
            }
            network.store.close()

            let first = try runMutuals(["rerender", "--data", directory])
            #expect(first.status == 0)
            #expect(first.output.contains("Re-rendered 3 posts to renderer version \(Markdown.version)."))
            let second = try runMutuals(["rerender", "--data", directory])
            #expect(second.output.contains("Re-rendered 0 posts"))

            let reopened = try Storage.openStore(dataDirectory: directory)
            defer { reopened.close() }
            let html = try reopened.read { try $0.column(String.self, "SELECT body_html FROM posts ORDER BY id") }
            #expect(html.first == "<p>Old <em>markdown</em> 1</p>\n")
        }
    }
}
