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

/// `ReadingService.readerState`: the four reads of a reader's own state of a thread, in one.
@Suite struct ThreadReaderStateTests {
    @Test func readerStateAgreesWithTheFourReadsItReplaces() throws {
        try withTestNetwork { network in
            let reader = try network.member(handle: "reader")
            let author = try network.member(handle: "author")
            let thread = try network.thread(by: author, title: "Working capital in year one")
            let replies = try (0..<3).map { try network.reply(to: thread, by: author, body: "Reply \($0)") }
            let other = try network.thread(by: author, title: "Another thread here")
            let elsewhere = try network.reply(to: other, by: author, body: "Elsewhere")
            let board = Network(accounts: network.accounts)
            func agrees() throws -> ThreadReaderState {
                let state = try board.reading.readerState(userID: reader.id, threadID: thread.id)
                #expect(state.draft == (try board.drafts.draft(userID: reader.id, threadID: thread.id)))
                #expect(state.savedPostIDs == (try board.following.savedPostIDs(userID: reader.id, threadID: thread.id)))
                #expect(state.followMuted == (try board.following.threadState(userID: reader.id, threadID: thread.id)))
                let visit = try network.scalar(Int64.self, "SELECT last_seen_post_id FROM thread_visits WHERE user_id = ? AND thread_id = ?",
                                               reader.id, thread.id)
                #expect(state.lastSeenPostID == visit)
                return state
            }
            let empty = try agrees()
            #expect(empty == ThreadReaderState(draft: nil, lastSeenPostID: nil, savedPostIDs: [], followMuted: nil))

            try board.drafts.save(userID: reader.id, threadID: thread.id, title: "", body: "Half a reply")
            try board.drafts.save(userID: reader.id, threadID: nil, title: "A new thread", body: "Not this one")
            #expect(try board.following.setBookmark(postID: replies[0], saved: true, viewer: reader.viewer))
            #expect(try board.following.setBookmark(postID: replies[2], saved: true, viewer: reader.viewer))
            #expect(try board.following.setBookmark(postID: elsewhere, saved: true, viewer: reader.viewer))
            _ = try board.following.setThread(thread.id, .follow, viewer: reader.viewer)
            #expect(try board.visits.record(userID: reader.id, threadID: thread.id, postIDs: [thread.openingPostID, replies[0]],
                                            lastSeenPostID: nil) == nil)
            let full = try agrees()
            #expect(full.draft?.body == "Half a reply")
            #expect(full.savedPostIDs == [replies[0], replies[2]])
            #expect(full.followMuted == false)
            #expect(full.lastSeenPostID == replies[0])

            _ = try board.following.setThread(thread.id, .mute, viewer: reader.viewer)
            // Recording an older page leaves the mark where it is.
            #expect(try board.visits.record(userID: reader.id, threadID: thread.id, postIDs: [thread.openingPostID],
                                            lastSeenPostID: full.lastSeenPostID) == replies[0])
            let muted = try agrees()
            #expect(muted.followMuted == true)
            #expect(muted.lastSeenPostID == replies[0])
        }
    }
}

/// The home page's briefing items are the same for everyone: kept until the store changes.
@Suite struct HomeBriefingKeptTests {
    func addItem(_ network: TestNetwork, _ title: String, at date: Date) throws {
        try network.store.write { tx in
            try tx.run("""
                INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                VALUES (?, 'https://example.org/item', 'Gov', ?, 'About it', ?)
                """, title, date, date)
        }
    }

    @Test func keptUntilAnythingChanges() throws {
        try withTestNetwork { network in
            try addItem(network, "The first item", at: Fixtures.now)
            let board = Network(accounts: network.accounts)
            #expect(try board.reading.home(viewer: .visitor).briefing.map(\.title) == ["The first item"])
            let before = board.readerStatistics
            #expect(try board.reading.home(viewer: .visitor).briefing.map(\.title) == ["The first item"])
            let kept = board.readerStatistics.since(before)
            let thenAgain = board.readerStatistics
            // A write anywhere: read again at once.
            try addItem(network, "The second item", at: Fixtures.now + 60)
            #expect(try board.reading.home(viewer: .visitor).briefing.map(\.title) == ["The second item", "The first item"])
            let fresh = board.readerStatistics.since(thenAgain)
            // Outside a read scope the two statements have a transaction of their own (BEGIN, COMMIT);
            // the kept topics (`TopicDirectory`) and their counts (`StoredTopicCounts`) are read
            // again too, in the page's transaction.
            #expect(fresh.statements == kept.statements + 6)
            #expect(fresh.transactions == kept.transactions + 1)
            // The same answer as reading it in the page's own statement.
            let direct = try network.store.read { try PageQueries.homePage($0, viewer: .visitor).briefing.map(\.title) }
            #expect(direct == ["The second item", "The first item"])
        }
    }
}
