import DemoContent
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// The real thread page with 20 posts of about 1 KB each, from the store through the site's
/// templates (the page issue 5's rendering budget is about; its timing is in Benchmarks/).
@Suite(.serialized) struct PageRenderBudgetTests {
    @Test func twentyPostThreadPageRendersWhole() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.id(ofThread: "Life after the first contract%")
            let author = try site.userID("helen_marsh")
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
            let context = RequestContext(session: nil, actor: .visitor, csrfToken: "token", csrfSecret: [],
                                         cookies: SessionCookies(for: Request(method: .get, path: "/", pathSegments: [])), setCookies: [])
            func view() -> InLayout {
                InLayout(ReplyFormView(thread: ThreadView(page: page), blocks: pages.postBlocks, ctx: context, state: page.state,
                                       previewHTML: nil), context)
            }
            let first = pages.thread.response(view())
            // The page is rendered whole and the same every time; how fast is a benchmark's
            // question (Benchmarks/render.sh), not a test's.
            #expect(first.body.count > 20_000)
            let html = String(decoding: first.body, as: UTF8.self)
            #expect(html.components(separatedBy: "<article").count - 1 == 20)
            #expect(pages.thread.response(view()).body == first.body)
        }
    }
}
