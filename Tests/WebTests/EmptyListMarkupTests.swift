import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A list with nothing in it is not rendered: screen readers announce an empty `<ul>` as
/// "list, 0 items". Tag lists appear only when there are topics, and a page's lists only when
/// they hold something (each page says "nothing yet" in words instead, where it does).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EmptyListMarkupTests {
    /// Every `<ul>` or `<ol>` with no item in it.
    static func emptyLists(_ html: String) -> [String] {
        guard let pattern = try? NSRegularExpression(pattern: #"<(ul|ol)\b[^>]*>\s*</(ul|ol)>"#) else { return ["bad pattern"] }
        let range = NSRange(html.startIndex..., in: html)
        return pattern.matches(in: html, range: range).compactMap { Range($0.range, in: html).map { String(html[$0]) } }
    }

    @Test func theEmptyListCheckFindsAnEmptyList() {
        #expect(Self.emptyLists("<p>x</p><ul class=\"tags\"></ul><ol>\n</ol><ul><li>a</li></ul>") == ["<ul class=\"tags\"></ul>", "<ol>\n</ol>"])
    }

    @Test func aThreadWithoutTopicsHasNoTagList() throws {
        try withTestSite { world in
            let asker = try world.member(handle: "asker")
            let topic = try world.topic("capital-and-finance")
            let bare = try world.thread(by: asker, title: "A thread filed under nothing")
            let tagged = try world.thread(by: asker, title: "A thread about working capital", topics: [topic])
            let visitor = world.browser()

            let barePage = try visitor.get(try world.threadPath(bare.id))
            #expect(barePage.status == 200)
            #expect(!barePage.text.contains("class=\"tags\""))
            #expect(Self.emptyLists(barePage.text) == [])

            let taggedPage = try visitor.get(try world.threadPath(tagged.id))
            #expect(taggedPage.text.contains("<ul class=\"tags\"><li><a class=\"tag\" href=\"/topics/capital-and-finance\">"))

            // In lists, each thread has its tags only when it has topics.
            let home = try visitor.get("/")
            #expect(home.text.contains("A thread filed under nothing"))
            #expect(home.text.contains("<ul class=\"tags\"><li><a class=\"tag\" href=\"/topics/capital-and-finance\">"))
            #expect(Self.emptyLists(home.text) == [])
        }
    }

    /// The topic page lists its briefing items without their topics: no empty tag list for each.
    @Test func aTopicPagesBriefingItemsHaveNoEmptyTagList() throws {
        try withTestSite { world in
            let asker = try world.member(handle: "asker")
            let topic = try world.topic("capital-and-finance")
            try world.store.write { tx in
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                    VALUES ('Social investment for spin-outs', 'https://example.org/item', 'Example', ?, 'A summary', ?)
                    """, Fixtures.now, Fixtures.now)
                try tx.run("INSERT INTO briefing_item_topics(briefing_item_id, topic_id) VALUES (?, ?)", tx.lastInsertedRowID, topic)
            }
            let visitor = world.browser()
            let page = try visitor.get("/topics/capital-and-finance")
            #expect(page.status == 200)
            #expect(page.text.contains("Social investment for spin-outs"))
            #expect(!page.text.contains("class=\"tags\""))
            #expect(!page.text.contains("<ol class=\"thread-list\">"), "no threads: no thread list")
            #expect(page.text.contains("No threads in this topic yet."))
            #expect(Self.emptyLists(page.text) == [])

            try world.thread(by: asker, title: "A thread about working capital", topics: [topic])
            let withThread = try visitor.get("/topics/capital-and-finance")
            #expect(withThread.text.contains("<ol class=\"thread-list\">"))
            #expect(withThread.text.contains("<ul class=\"tags\"><li><a class=\"tag\" href=\"/topics/capital-and-finance\">"))
        }
    }

    /// Pages with nothing to list say so in words, with no empty list beside the words.
    @Test func pagesWithNothingToListRenderNoEmptyList() throws {
        try withTestSite { world in
            try world.topic("capital-and-finance")
            let organisation = try world.organisation("riverside-care")
            try world.member(handle: "reader")
            let mentor = try world.mentor(handle: "mentor")
            try world.store.write { tx in
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Finance', 'available', ?)",
                           mentor.id, Fixtures.now)
            }
            try world.admin()
            let reader = try world.signedIn("reader")
            let pages = ["/", "/topics/capital-and-finance", "/u/reader", "/o/\(organisation.slug)", "/following", "/saved",
                         "/notifications", "/mentors/mentor", "/briefing"]
            for path in pages {
                let page = try reader.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(Self.emptyLists(page.text) == [], "\(path)")
            }
            let admin = try world.signedIn("admin")
            for path in ["/admin/invites", "/admin/mentors"] {
                let page = try admin.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(Self.emptyLists(page.text) == [], "\(path)")
            }
            // A mentor directory filtered to nobody.
            let none = try reader.get("/mentors?availability=unavailable")
            #expect(none.text.contains("No mentors match these filters. Try fewer of them."))
            // Nobody matching is not a dead end: where to ask instead.
            #expect(none.text.contains("You can ask the admins to find you a mentor. <a href=\"/t/new\">Start a thread</a>"))
            #expect(Self.emptyLists(none.text) == [])
        }
    }
}
