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

    /// A thread page with kept bylines is byte for byte the page rendered with each byline in
    /// place, before and after the things a byline shows change (an edit, the accepted answer,
    /// the author's name).
    @Test func keptBylinesWriteTheSamePageAsBylinesRenderedInPlace() throws {
        try withTestNetwork { network in
            let library = try TemplateLibrary(directory: repositoryRoot + "/Templates")
            let page = try library.template("thread")
            let bylines = PostBylines(template: try library.template("post-byline"), limit: 3)
            let author = try network.member(handle: "asker")
            let mentor = try network.mentor(handle: "guide")
            let thread = try network.thread(by: author, title: "Pensions after the transfer")
            let replies = try (0..<5).map { index in
                try network.reply(to: thread, by: index % 2 == 0 ? mentor : author, body: "Reply \(index)")
            }
            let reading = Network(accounts: network.accounts).reading
            func bothWays() throws {
                let threadPage = try #require(try reading.thread(id: thread.id, page: 1, viewer: .visitor))
                let inPlace = page.render(ThreadView(page: threadPage))
                let kept = page.render(ThreadView(page: threadPage, bylines: bylines))
                #expect(String(decoding: kept, as: UTF8.self) == String(decoding: inPlace, as: UTF8.self))
                #expect(String(decoding: kept, as: UTF8.self).contains("post__author"))
            }
            try bothWays()
            try bothWays()  // kept now
            let (edited, accepted) = (replies[1], replies[0])
            try network.store.write { try $0.run("UPDATE posts SET edited_at = ? WHERE id = ?", Date(timeIntervalSince1970: 1_900_000_000), edited) }
            try network.store.write { try $0.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", accepted, thread.id) }
            try network.store.write { try $0.run("UPDATE users SET display_name = 'Renamed Guide' WHERE id = ?", mentor.id) }
            try bothWays()
            let after = try #require(try reading.thread(id: thread.id, page: 1, viewer: .visitor))
            let html = String(decoding: page.render(ThreadView(page: after, bylines: bylines)), as: UTF8.self)
            #expect(html.contains("Renamed Guide") && html.contains("Accepted answer") && html.contains("/revisions"))
        }
    }
}
