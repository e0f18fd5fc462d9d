import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The thread page's header statement brings what the page shows beside the thread: its private
/// space, the briefing item it is about and the page its accepted answer is on.
@Suite struct ThreadPageHeaderTests {
    @Test func spaceBriefingItemAndAcceptedAnswerComeWithTheThread() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation("tri-borough-mutual")
            let insider = try network.member(of: pathfinder, handle: "insider")
            let secret = try network.thread(in: .organisation(pathfinder), by: insider, title: "Private numbers here")
            let replies = try (0..<24).map { index in
                try network.reply(to: secret, by: insider, body: "Reply \(index)", at: Fixtures.now + Double(index))
            }
            let open = try network.thread(by: insider, title: "An open question here")
            let item = try network.store.write { tx -> Int64 in
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                    VALUES ('A new fund', 'https://example.org/fund', 'Gov', ?, 'About it', ?)
                    """, Fixtures.now, Fixtures.now)
                let item = tx.lastInsertedRowID
                try tx.run("UPDATE threads SET briefing_item_id = ? WHERE id = ?", item, open.id)
                try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", replies[21], secret.id)  // position 23: page 2
                return item
            }
            let page = try #require(try network.store.read { try PageQueries.thread($0, id: secret.id, page: 1, viewer: insider.viewer) })
            #expect(page.space?.slug == "tri-borough-mutual")
            #expect(page.briefingItem == nil)
            #expect(page.acceptedPostID == replies[21])
            #expect(page.acceptedPostPage == 2)
            let other = try #require(try network.store.read { try PageQueries.thread($0, id: open.id, page: 1, viewer: .visitor) })
            #expect(other.space == nil)
            #expect(other.briefingItem?.id == item)
            #expect(other.briefingItem?.url == "https://example.org/fund")
            #expect(other.acceptedPostPage == nil)
            // An accepted post of another thread (never made by the forms) gives no page.
            try network.store.write { tx in try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", replies[0], open.id) }
            let mismatched = try #require(try network.store.read { try PageQueries.thread($0, id: open.id, page: 1, viewer: .visitor) })
            #expect(mismatched.acceptedPostPage == nil)
            // Still the one rule: a visitor reads nothing of the private thread.
            #expect(try network.store.read { try PageQueries.thread($0, id: secret.id, page: 1, viewer: .visitor) } == nil)
        }
    }
}
