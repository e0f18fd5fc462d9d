import Foundation
import Testing
import TestSupport
@testable import Board

/// Markdown's plain text (what search indexes and shows, and notification excerpts), and
/// migration 11, which converts the posts already written.
@Suite struct PlainTextTests {
    @Test(arguments: [
        ("**Bold** and _soft_ words", "Bold and soft words"),
        ("See [the guide](https://example.org) now", "See the guide now"),
        ("> quoted\n\nmine", "quoted\n\nmine"),
        ("# Heading\n\n- one\n- two", "Heading\n\none\n\ntwo"),
        ("`code` and <b>raw</b>", "code and <b>raw</b>"),
        ("![a chart](https://example.org/c.png)", "a chart"),
    ])
    func plainText(markdown: String, expected: String) {
        #expect(Markdown.plainText(markdown) == expected)
    }

    @Test func excerptLeavesQuotesOutAndCutsAtAWord() {
        #expect(Markdown.excerpt("> their words\n\nMy **answer** here") == "My answer here")
        #expect(Markdown.excerpt("> only a quote") == "only a quote")
        let long = Array(repeating: "word", count: 60).joined(separator: " ")
        let cut = Markdown.excerpt(long, limit: 20)
        #expect(cut == "word word word word…")
    }

    @Test func newAndEditedPostsAreIndexedAsPlainText() throws {
        try withTestNetwork { network in
            let author = try network.member(handle: "writer")
            let thread = try network.thread(by: author, title: "A question about bonds", body: "**Performance** [bond](https://example.org)")
            let text = try network.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", thread.openingPostID)
            #expect(text == "Performance bond")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'example'") == 0)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'performance'") == 1)
            try network.store.write { try $0.run("UPDATE posts SET body_markdown = '_Surety_ instead' WHERE id = ?", thread.openingPostID) }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'performance'") == 0)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search_recent WHERE post_search_recent MATCH 'surety'") == 1)
            #expect(try network.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", thread.openingPostID) == "Surety instead")
            try network.store.write { try $0.run("INSERT INTO post_search(post_search) VALUES ('integrity-check')") }
        }
    }

    @Test func migrationElevenConvertsPostsAlreadyWritten() throws {
        try withTestNetwork(migratedTo: 10) { network in
            let author = try network.member(handle: "writer")
            let thread = try network.thread(by: author, title: "Older question", body: "**Shadow** board, see [notes](https://example.org)")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'example'") == 1)
            _ = try network.store.migrate(Schema.migrator)
            #expect(try network.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", thread.openingPostID) == "Shadow board, see notes")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'example'") == 0)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'shadow'") == 1)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search_recent WHERE post_search_recent MATCH 'notes'") == 1)
        }
    }
}
