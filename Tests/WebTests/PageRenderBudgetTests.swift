import Foundation
import Testing
@testable import Board
@testable import Web

/// Issue 5's budget: a 20-post thread page rendered in under 100 µs of CPU beyond its SQL, in a
/// release build. Run it there with
/// `swift test -c release -Xswiftc -enable-testing --filter PageRenderBudgetTests`;
/// in a debug build it measures and prints, but does not hold the page to the release budget.
@Suite(.serialized) struct PageRenderBudgetTests {
    @Test func twentyPostThreadPageRendersWithinBudget() throws {
        try withDemoSite { site in
            let id = site.id(ofThread: "Life after the first contract%")
            guard let author = site.userID("helen_marsh") else { Issue.record("no demo mentor"); return }
            // About 1 KB of Markdown per post: paragraphs, emphasis, a list, a link, a mention.
            let body = """
                Thanks for raising this, @tom_beckett. Three things helped us **most** when we first bid for work \
                outside our founding contract, and I would do them again:

                1. Keep one person's diary *clear* for bids, even two days a month.
                2. Reuse the evidence you already report to your commissioner — outcomes, feedback, costs.
                3. Partner with a larger provider for the first bid, then lead the second.

                > We learned more from the bids we lost than the ones we won.

                There is a good write-up in [the support programme's notes](https://example.org/notes?id=42&x=1) \
                and `bid-library` on our shared drive has templates. Happy to talk it through on a call.
                """
            try site.store.write { tx in
                for index in 0..<19 {
                    _ = try tx.insertPost(threadID: id, authorID: author, body: body, at: Date(timeIntervalSince1970: 1_400_000_000 + Double(index)))
                }
                try Markdown.rerenderOutdated(in: tx)
            }
            let pages = try PageLibrary(directory: repositoryRoot + "/Templates")
            guard let page = try site.store.read({ try PageQueries.thread($0, id: id, page: 1, viewer: .visitor) }) else {
                Issue.record("no thread page")
                return
            }
            #expect(page.posts.count == 20)
            let first = pages.thread.response(ThreadView(page: page))
            let size = first.body.count
            let iterations = 3000
            var samples: [Double] = []
            samples.reserveCapacity(iterations)
            let cpuStart = clock()
            for _ in 0..<iterations {
                let start = DispatchTime.now().uptimeNanoseconds
                let response = pages.thread.response(ThreadView(page: page))
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
                precondition(response.body.count == size)
            }
            let cpuPerRender = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC) / Double(iterations) * 1_000_000
            samples.sort()
            let p50 = samples[iterations / 2]
            let p99 = samples[iterations * 99 / 100]
            print("thread page, 20 posts, \(size) bytes: p50 \(Int(p50)) µs, p99 \(Int(p99)) µs, CPU \(Int(cpuPerRender)) µs per render")
            #expect(size > 20_000)
            #if !DEBUG
            #expect(cpuPerRender < 100, "CPU per render \(cpuPerRender) µs")
            #endif
        }
    }
}
