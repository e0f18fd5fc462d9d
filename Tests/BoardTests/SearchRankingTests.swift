import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Issue 14: search ranks a bounded window of the newest matches (`SearchQueries.candidateLimit`)
/// and highlights in in-memory tables kept between searches. What it finds, in which order and
/// for whom stays what docs/search.md says.
@Suite(.serialized) struct SearchRankingTests {
    /// Replies to `thread`, all in one transaction, in order (so with increasing ids).
    func addReplies(_ world: TestNetwork, thread: Int64, author: Int64, bodies: [String]) throws {
        try world.store.write { tx in
            for body in bodies {
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                    VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, '<p>x</p>', ?4)
                    """, thread, author, body, Fixtures.now)
            }
        }
    }

    func search(_ world: TestNetwork, _ text: String, viewer: Viewer = .visitor) throws -> SearchResults {
        try world.store.read { try SearchQueries.search($0, SearchRequest(query: try SearchQuery(parsing: text)), viewer: viewer) }
    }

    /// Row lengths are kept between searches (`bm25_estimated`, migration 26) only while no post
    /// is edited or deleted: a post made longer is ranked by its new length on the next search,
    /// and a new post that takes a deleted post's id by its own.
    @Test func keptRowLengthsFollowEditsAndReusedIDs() throws {
        try withTestNetwork { world in
            let author = try world.member()
            let thread = try world.thread(by: author, title: "Field notes", body: "Opening words")
            let padding = Array(repeating: "the route, the weather, the team and the way back home", count: 6).joined(separator: ", ")
            try addReplies(world, thread: thread.id, author: author.id, bodies: [
                "The numbat survey is done.",
                "The numbat survey is done, with an account of \(padding).",
            ])
            let short = try world.id("SELECT id FROM posts WHERE body_markdown = 'The numbat survey is done.'")
            let long = try world.id("SELECT id FROM posts WHERE body_markdown LIKE 'The numbat survey is done, with%'")
            // One mention each: the shorter post ranks first (and both lengths are now kept).
            #expect(try search(world, "numbat").hits.map(\.postID) == [short, long])
            #expect(try search(world, "numbat").hits.map(\.postID) == [short, long])

            // Edited to twice the other's length: now it ranks second.
            try world.store.write { tx in
                try tx.run("UPDATE posts SET body_markdown = ? WHERE id = ?",
                           "The numbat survey is done, with an account of \(padding), and again \(padding).", short)
            }
            #expect(try search(world, "numbat").hits.map(\.postID) == [long, short])

            // The long post (the newest) deleted, and its id taken by a new post shorter than any:
            // ranked by its own length, not the kept one of the post that had its id.
            try world.store.write { tx in
                try tx.run("UPDATE posts SET body_markdown = 'The numbat survey is done.' WHERE id = ?", short)
            }
            #expect(try search(world, "numbat").hits.map(\.postID) == [short, long])
            try world.store.write { tx in try tx.run("DELETE FROM posts WHERE id = ?", long) }
            try addReplies(world, thread: thread.id, author: author.id, bodies: ["Numbat."])
            let reused = try world.id("SELECT id FROM posts WHERE body_markdown = 'Numbat.'")
            #expect(reused == long)
            #expect(try search(world, "numbat").hits.map(\.postID) == [reused, short])
        }
    }

    /// The same for titles: a renamed thread is ranked by its new title's length.
    @Test func keptTitleLengthsFollowRenames() throws {
        try withTestNetwork { world in
            let author = try world.member()
            let short = try world.thread(by: author, title: "Numbat counts", body: "Opening words")
            let long = try world.thread(by: author, title: "Numbat counts along the northern ridge and the river", body: "Opening words")
            #expect(try search(world, "numbat").hits.map(\.postID) == [short.openingPostID, long.openingPostID])
            try world.store.write { tx in
                try tx.run("UPDATE threads SET title = ? WHERE id = ?",
                           "Numbat counts along the northern ridge, the river and the old quarry road past the farm", short.id)
            }
            #expect(try search(world, "numbat").hits.map(\.postID) == [long.openingPostID, short.openingPostID])
        }
    }

    /// The one post holding an exact phrase comes first (here: alone), though more posts than
    /// the candidate window holds have both words apart, and all of them are newer.
    @Test func aRareExactPhraseComesFirst() throws {
        try withTestNetwork { world in
            let author = try world.member()
            let exact = try world.thread(by: author, title: "Quarterly notes", body: "The quokka meadow survey is due in May.")
            let busy = try world.thread(by: author, title: "General chat")
            try addReplies(world, thread: busy.id, author: author.id, bodies: (1...(SearchQueries.candidateLimit + 50)).map {
                "A quokka crossed the wide meadow, sighting \($0)."
            })
            let phrase = try search(world, "\"quokka meadow\"")
            #expect(phrase.hits.map(\.postID) == [exact.openingPostID])
            #expect(phrase.hits.first?.snippetHTML.contains("<mark>quokka meadow</mark>") == true
                    || phrase.hits.first?.snippetHTML.contains("<mark>quokka</mark> <mark>meadow</mark>") == true)
            // Both words, not as a phrase: a full page of the newer posts.
            let words = try search(world, "quokka meadow")
            #expect(words.hits.count == SearchQueries.resultsPerPage && words.hasNextPage)
        }
    }

    /// A title match ranks its opening post first (titles weigh four times a post's text) even
    /// when more posts than the window holds mention the word, all newer; a private thread's
    /// title is found only by those who may read it, and never counted for anyone else.
    @Test func titlesRankFirstAndPrivateTitlesStayPrivate() throws {
        try withTestNetwork { world in
            let pathfinder = try world.organisation("tri-borough-mutual")
            let insider = try world.member(of: pathfinder, handle: "insider")
            let outsider = try world.member(handle: "outsider")
            let titled = try world.thread(by: outsider, title: "Wombat wombat policy", body: "Opening post")
            let secret = try world.thread(in: .organisation(pathfinder), by: insider, title: "Wombat merger plans",
                                          body: "Confidential opening post")
            let busy = try world.thread(by: outsider, title: "General chat")
            try addReplies(world, thread: busy.id, author: outsider.id, bodies: (1...(SearchQueries.candidateLimit + 50)).map {
                "Another wombat was seen today, number \($0)."
            })
            for viewer in [Viewer.visitor, outsider.viewer] {
                let results = try search(world, "wombat", viewer: viewer)
                #expect(results.hits.first?.postID == titled.openingPostID)
                #expect(results.hits.first?.titleHTML.contains("<mark>Wombat</mark>") == true)
                #expect(results.hits.first?.snippetHTML.contains("Opening post") == true)
                #expect(!results.hits.contains { $0.threadID == secret.id })
                #expect(results.hits.count == SearchQueries.resultsPerPage && results.hasNextPage)
            }
            let member = try search(world, "wombat", viewer: insider.viewer)
            #expect(Set(member.hits.prefix(2).map(\.postID)) == [titled.openingPostID, secret.openingPostID])
            // The private title alone: nothing for those who may not read it, not even "page 1 of nothing".
            let merger = try search(world, "merger", viewer: outsider.viewer)
            #expect(merger.hits.isEmpty && !merger.hasNextPage && !merger.isPartial)
            #expect(try search(world, "merger", viewer: insider.viewer).hits.map(\.postID) == [secret.openingPostID])
        }
    }

    /// The highlighters (a tokenizer and its token lists) are kept between searches: a search
    /// shows only its own posts' text, whoever searched before. The private post is longer than
    /// the public one, so tokens left over from it would lie past the public text's own.
    @Test func highlightingKeepsNothingBetweenSearches() throws {
        try withTestNetwork { world in
            let pathfinder = try world.organisation("tri-borough-mutual")
            let insider = try world.member(of: pathfinder, handle: "insider")
            let outsider = try world.member(handle: "outsider")
            try world.thread(in: .organisation(pathfinder), by: insider, title: "Budget lines for the heron fund",
                             body: "The heron budget is secret and sits in the ledger until the board meets in March.")
            let open = try world.thread(by: outsider, title: "Birds", body: "A heron by the canal.")
            // The pool hands back the highlighter put in last: the outsider's search takes the
            // one the insider's search just used (other suites' searches may come between).
            for _ in 1...3 {
                let inside = try search(world, "heron", viewer: insider.viewer)
                #expect(inside.hits.count == 2)
                let outside = try search(world, "heron", viewer: outsider.viewer)
                #expect(outside.hits.map(\.postID) == [open.openingPostID])
                for hit in outside.hits {
                    #expect(hit.snippetHTML == "A <mark>heron</mark> by the canal.")
                    #expect(hit.titleHTML == "Birds")
                }
            }
            #expect(SearchQueries.Highlighter.idle.withLock { !$0.isEmpty })
        }
    }

    /// `markedHTML` works on UTF-8 bytes; it gives what the scalar-by-scalar version it replaced
    /// gave, for text mixing markers, characters to escape, other private-use characters whose
    /// bytes begin like a marker's, and characters of every UTF-8 length.
    @Test func markedHTMLMatchesTheScalarVersion() {
        let pieces = ["\u{E000}", "\u{E001}", "\u{E002}", "\u{E040}", "\u{EE}", "a", "bond", " ", "<", ">", "&", "\"", "'",
                      "é", "e\u{301}", "日本", "🙂", "👩‍👩‍👧", "\u{0}", "\n"]
        var state: UInt64 = 0x5EED
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<2_000 {
            let text = (0..<(next() % 14)).map { _ in pieces[next() % pieces.count] }.joined()
            #expect(SearchQueries.markedHTML(text) == scalarMarkedHTML(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(SearchQueries.markedHTML("") == "")
        #expect(SearchQueries.markedHTML("\u{E000}x") == "<mark>x</mark>")
        #expect(SearchQueries.markedHTML("a\u{E000}\u{E000}b\u{E001}\u{E001}c") == "a<mark>b</mark>c")
        #expect(SearchQueries.markedHTML("\u{E002}<\u{E000}é\u{E001}") == "\u{E002}&lt;<mark>é</mark>")
    }

    /// The version before issue 14 (one scalar at a time), as the reference.
    func scalarMarkedHTML(_ text: String) -> String {
        var result = ""
        var piece = String.UnicodeScalarView()
        var open = false
        func flush() {
            result += PlainTextRenderer.escapeHTML(String(piece))
            piece = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar == "\u{E000}" {
                flush()
                if !open { result += "<mark>"; open = true }
            } else if scalar == "\u{E001}" {
                flush()
                if open { result += "</mark>"; open = false }
            } else {
                piece.append(scalar)
            }
        }
        flush()
        if open { result += "</mark>" }
        return result
    }
}
