import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// `ThreadLines` keeps each thread-list line for the state of its thread it was rendered from:
/// an equal summary gets the kept line, a changed one a fresh render, and the line is always
/// what rendering the partial would write.
@Suite struct ThreadLinesTests {
    @Test func aLineIsKeptForAnEqualThreadAndRenderedAfreshWhenItChanges() throws {
        try withTestNetwork { network in
            let library = try TemplateLibrary(directory: repositoryRoot + "/Templates")
            let partial = try library.template("thread-list")
            let lines = ThreadLines(template: partial, limit: 2)
            func render(_ thread: ThreadSummary) -> String {
                String(decoding: partial.render(ThreadListItem(thread: thread)), as: UTF8.self)
            }
            func latest() throws -> [ThreadSummary] {
                try network.store.read { try PageQueries.homePage($0, viewer: .visitor) }.latest
            }
            let author = try network.member(handle: "asker")
            let replier = try network.member(handle: "replier")
            let topic = try network.topic()
            let first = try network.thread(by: author, title: "Pensions after the transfer", topics: [topic])
            _ = try network.thread(by: author, title: "Second question on bonds", topics: [topic])
            _ = try network.thread(by: author, title: "Third question on premises", topics: [topic])

            let before = try #require(try latest().first { $0.id == first.id })
            #expect(lines.html(before) == render(before))
            #expect(lines.html(before) == render(before))  // kept
            #expect(render(before).contains("0 replies"))

            // The reader with posts they have not seen gets the badge; the next reader does not.
            var unseen = before
            unseen.hasNewPosts = true
            #expect(lines.html(unseen).contains("New replies"))
            #expect(!lines.html(before).contains("New replies"))

            // A reply changes the thread's summary: its line is rendered again.
            _ = try network.reply(to: first, by: replier, body: "Our pension fund asked for a bond")
            let after = try #require(try latest().first { $0.id == first.id })
            #expect(after != before)
            #expect(lines.html(after) == render(after))
            #expect(lines.html(after).contains("1 reply"))

            // More threads than the limit: every line is still its own render.
            for thread in try latest() {
                #expect(lines.html(thread) == render(thread))
            }
        }
    }
}
