import DemoContent
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A long thread's reply form is on its last page; earlier pages link there.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ThreadReplyLinkTests {
    /// Makes the first public thread three pages long (46 posts) and returns its path.
    func longThread(_ world: TestSite) throws -> (id: Int64, path: String) {
        let thread = try world.publicThread()
        let author = try #require(try world.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'helen_marsh'"))
        let existing = try #require(try world.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", thread.id))
        try world.store.write { tx in
            for index in 1...(46 - existing) {
                _ = try tx.insertPost(threadID: thread.id, authorID: author, body: "Long thread reply number \(index)",
                                      at: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)))
            }
        }
        return thread
    }

    @Test func earlierPagesLinkToTheReplyFormOnTheLastPage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try longThread(world)
            let sam = try world.signedIn("sam_okafor")
            let replyURL = thread.path + "?page=3#reply-heading"

            for earlier in [thread.path, thread.path + "?page=2"] {
                let page = try sam.get(earlier)
                #expect(page.status == 200, "\(earlier)")
                #expect(page.text.contains("<a href=\"\(replyURL)\">Reply</a> (the reply form is on the last page, page 3"), "\(earlier)")
                #expect(page.text.contains("<a href=\"\(replyURL)\">Reply<span class=\"visually-hidden\">"), "\(earlier)")
                #expect(!page.text.contains("name=\"body\""), "\(earlier)")
                // Quoting from an earlier page opens the form on the last page.
                let quote = try #require(Self.quoteLinks(in: page.text).first, "\(earlier)")
                #expect(quote.hasPrefix(thread.path + "?page=3&quote="), "\(earlier)")
                let followed = try sam.get(Self.withoutFragment(quote))
                #expect(followed.status == 200 && followed.text.contains("(page 3 of 3)"), "\(earlier)")
                #expect(followed.text.contains("wrote:\n&gt;"), "\(earlier)")
            }

            let last = try sam.get(thread.path + "?page=3")
            #expect(last.text.contains("<h2 class=\"heading-m\" id=\"reply-heading\">Reply</h2>"))
            #expect(last.text.contains("<label class=\"label\" for=\"body\">Your reply</label>"))
            #expect(!last.text.contains("the reply form is on the last page"))

            // The quote link of a post on page 1 fills the form on page 3.
            let firstPostID = try #require(try world.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position = 1", thread.id))
            let quoting = try sam.get(thread.path + "?page=3&quote=\(firstPostID)")
            #expect(quoting.text.contains("(page 3 of 3)"))
            #expect(quoting.text.contains("wrote:\n&gt;"))

            // A refused reply comes back on the last page, with the form and what was typed.
            let refused = try sam.post("/t/\(thread.id)/reply", [("body", "   "), ("action", "post")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("(page 3 of 3)"))
            #expect(refused.text.contains("<label class=\"label\" for=\"body\">Your reply</label>"))

            // Posted from the last page, the reply lands there.
            let posted = try sam.post("/t/\(thread.id)/reply", [("body", "A reply posted from the last page"), ("action", "post")])
            #expect(posted.status == 303)
            #expect(posted.header("location")?.hasPrefix(thread.path + "?page=3&notice=reply-posted.") == true)
        }
    }

    @Test func visitorsOnEarlierPagesSignInToTheLastPage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try longThread(world)
            let page = try world.browser().get(thread.path)
            let next = FormDecoder.encode(thread.path + "?page=3#reply-heading")
            #expect(page.text.contains("<a href=\"/sign-in?next=\(next)\">Sign in to reply</a>"))
            // A visitor may not reply: no Reply link, no Quote link.
            #expect(!page.text.contains("the reply form is on the last page"))
            #expect(!page.text.contains("quote="))
        }
    }

    @Test func aShortThreadHasTheFormAndNoLink() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let page = try world.signedIn("sam_okafor").get(thread.path)
            #expect(page.text.contains("<label class=\"label\" for=\"body\">Your reply</label>"))
            #expect(!page.text.contains("the reply form is on the last page"))
            let quote = try #require(Self.quoteLinks(in: page.text).first)
            #expect(quote.hasPrefix(thread.path + "?quote="))
            let followed = try world.signedIn("sam_okafor").get(Self.withoutFragment(quote))
            #expect(followed.text.contains("wrote:\n&gt;"))
        }
    }

    /// The thread page answering a reply's preview is at `/t/ID/reply`: its Quote links still
    /// lead to the thread's reply form, not to an address under that one.
    @Test func quoteLinksWorkOnThePreviewPage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let sam = try world.signedIn("sam_okafor", landingOn: thread.path)
            let preview = try sam.post("/t/\(thread.id)/reply", [("body", "A draft to preview"), ("action", "preview")])
            #expect(preview.status == 200)
            let quote = try #require(Self.quoteLinks(in: preview.text).first)
            #expect(quote.hasPrefix("/t/\(thread.id)-"))
            let followed = try sam.get(Self.withoutFragment(quote))
            #expect(followed.status == 200 && followed.text.contains("wrote:\n&gt;"))
        }
    }

    /// The Quote links' addresses as written (`&amp;` unescaped), in page order.
    static func quoteLinks(in html: String) -> [String] {
        html.components(separatedBy: "<a href=\"").dropFirst().compactMap { rest -> String? in
            guard let end = rest.firstIndex(of: "\""), rest[end...].hasPrefix("\">Quote</a>") else { return nil }
            return rest[..<end].replacingOccurrences(of: "&amp;", with: "&")
        }
    }

    /// A link's address as a browser requests it: without its fragment.
    static func withoutFragment(_ link: String) -> String {
        String(link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
    }
}
