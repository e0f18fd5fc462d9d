import Database
import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// What a signed-in page costs the database, counted by the store's readers (never timed): the
/// read scope around every GET makes one read transaction of a page's reads (issue 14).
@Suite(.serialized) struct PageReadCostTests {
    /// The reader counts of one GET of `path` by `browser`, after one GET to warm it (the session's
    /// once-a-minute touch and the first reads of kept settings happen there): the cheapest of
    /// three, since the settings every request asks ("require sign-in to read") are read again
    /// once a second, and a slow machine can put a second between two loads.
    func cost(of path: String, by browser: BrowserClient, in site: TestSite) throws -> ReaderStatistics {
        let warm = try browser.get(path)
        #expect(warm.status == 200)
        let network = Network(accounts: site.accounts)
        var cheapest: ReaderStatistics?
        for _ in 0..<3 {
            let before = network.readerStatistics
            let response = try browser.get(path)
            #expect(response.status == 200)
            let cost = network.readerStatistics.since(before)
            if cheapest.map({ cost.statements < $0.statements }) ?? true { cheapest = cost }
        }
        let cost = try #require(cheapest)
        print("read cost of \(path): \(cost)")
        return cost
    }

    @Test func aSignedInThreadPageIsOneReadTransaction() throws {
        try withTestSite(content: .demo) { site in
            let sam = try site.signedIn("sam_okafor")
            let path = try site.threadPath(try site.id(ofThread: "Life after the first contract%"))
            let page = try cost(of: path, by: sam, in: site)
            #expect(page.checkouts == 1)
            #expect(page.transactions == 1)
            // The session with its account (kept until the next commit, but the warm-up's visit
            // was a write), unread notifications, the thread (with its briefing item, space,
            // accepted answer and topic ids), its posts (with their "this helped" marks),
            // mentors, the reader's draft, visit, saved posts and follow state (one); BEGIN and
            // ROLLBACK: 8, and the topics (kept, but read again after that write). (About ten
            // transactions and ~34 statements before read scopes.)
            #expect(page.statements <= 9)
        }
    }

    @Test func signedInHomeAndTopicAreOneReadTransactionEach() throws {
        try withTestSite(content: .demo) { site in
            let sam = try site.signedIn("sam_okafor")
            // Each list's threads come with their topic ids and "new since your last visit"; the
            // topics, a topic's briefing items and the session with its account are kept until
            // the store changes. Home: notifications, pinned, latest and unanswered threads,
            // topic counts, BEGIN, ROLLBACK. Topic: notifications, its threads, most helpful
            // answers, whether the reader follows it, BEGIN, ROLLBACK.
            let limits = ["/": 7, "/topics/capital-and-finance": 6]
            let slug = try #require(try site.scalar(String.self, "SELECT slug FROM topics WHERE slug = 'capital-and-finance'"))
            for path in ["/", "/topics/" + slug] {
                let page = try cost(of: path, by: sam, in: site)
                #expect(page.checkouts == 1)
                #expect(page.transactions == 1)
                #expect(page.statements <= UInt64(limits[path] ?? 0))
            }
        }
    }

    @Test func aVisitorsCachedPageReadsNothing() throws {
        try withTestSite(content: .demo) { site in
            let visitor = site.browser()
            let page = try cost(of: "/", by: visitor, in: site)
            #expect(page.checkouts <= 1)
            #expect(page.transactions <= 1)
        }
    }
}
