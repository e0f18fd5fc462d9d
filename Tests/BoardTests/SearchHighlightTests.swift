import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The search page's snippets and highlighted titles: the page's bodies are read in one
/// statement (the eighth round of docs/PERFORMANCE.md). What a page shows is pinned to what the one-statement-a-row version
/// showed, kept here as the reference. Since the sixteenth round the snippets are made without
/// an FTS5 table (`SearchSnippets`); the references still ask FTS5's `snippet()` and `highlight()`.
@Suite(.serialized) struct SearchHighlightTests {
    func search(_ world: TestNetwork, _ request: SearchRequest, viewer: Viewer = .visitor) throws -> SearchResults {
        try world.store.read { try SearchQueries.search($0, request, viewer: viewer) }
    }

    /// The snippets and titles as the version before this round made them: each body read by its
    /// own statement, and highlighted in a new table.
    func reference(_ world: TestNetwork, _ hits: [SearchHit], expression: String) throws -> [(title: String, snippet: String)] {
        let bodies = try world.store.read { conn in
            try hits.map { try conn.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", $0.postID) ?? "" }
        }
        let scratch = try Connection(path: ":memory:", role: .memory)
        try scratch.execute("""
            CREATE VIRTUAL TABLE shown USING fts5(body, title, tokenize = 'porter unicode61 remove_diacritics 2')
            """)
        for (index, body) in bodies.enumerated() {
            try scratch.run("INSERT INTO shown(rowid, body, title) VALUES (?, ?, ?)", index, body, hits[index].threadTitle)
        }
        var result = hits.indices.map { (title: PlainTextRenderer.escapeHTML(hits[$0].threadTitle), snippet: SearchQueries.startHTML(bodies[$0])) }
        try scratch.forEach("""
            SELECT rowid, snippet(shown, 0, ?1, ?2, '…', 24) AS snippet, highlight(shown, 1, ?1, ?2) AS highlighted_title
              FROM shown WHERE shown MATCH ?3
            """, arguments: [String(SearchQueries.openMarker), String(SearchQueries.closeMarker), expression]) { row in
            let index: Int = try row["rowid"]
            result[index] = (SearchQueries.markedHTML(try row["highlighted_title"]), SearchQueries.markedHTML(try row["snippet"]))
        }
        return result
    }

    /// A world whose posts give snippets of every shape: a match in the title only, in the body
    /// only, both; long bodies (the snippet's window moves), accents, characters to escape,
    /// prefixes and phrases; and more matches than a page.
    func seed(_ world: TestNetwork) throws {
        let author = try world.member(handle: "writer")
        let long = (1...60).map { "Sentence \($0) says little." }.joined(separator: " ")
        try world.thread(by: author, title: "Pension bonds & <guarantees>", body: "Nothing about it here, only \"quotes\" & ampersands.")
        let thread = try world.thread(by: author, title: "Spin-out questions", body: "How did the pension transfer go? " + long)
        for index in 1...30 {
            let body: String
            switch index % 5 {
            case 0: body = long + " At the end: the pension scheme, admitted body status, café résumé."
            case 1: body = "The pensión (with an accent) and governance of the board, reply \(index)."
            case 2: body = "Governing <b>boards</b> & staff councils discuss pension schemes, reply \(index). " + long
            case 3: body = "No match in this one at all, reply \(index)."
            default: body = "Pension pension pension: the staff council met, reply \(index)."
            }
            try world.reply(to: thread, by: author, body: body)
        }
    }

    @Test func snippetsAndTitlesAreWhatTheyWere() throws {
        try withTestNetwork { world in
            try seed(world)
            let queries = ["pension", "pension scheme", "\"staff council\"", "govern*", "spin*", "bonds", "cafe", "guarantees", "zebra",
                           "pension OR governance"]
            for text in queries {
                let query = try SearchQuery(parsing: text)
                for page in 1...2 {
                    let results = try search(world, SearchRequest(query: query, page: page))
                    let expected = try reference(world, results.hits, expression: query.fts5Expression)
                    #expect(results.hits.map(\.titleHTML) == expected.map(\.title), "\(text), page \(page)")
                    #expect(results.hits.map(\.snippetHTML) == expected.map(\.snippet), "\(text), page \(page)")
                }
            }
            // The search found something to compare.
            let pension = try search(world, SearchRequest(query: try SearchQuery(parsing: "pension")))
            #expect(pension.hits.count == SearchQueries.resultsPerPage)
            #expect(pension.hits.contains { $0.titleHTML.contains("<mark>Pension</mark>") })
        }
    }

    /// The author's posts with no words: each with the start of its text, as before.
    @Test func anAuthorsPostsShowTheStartOfTheirText() throws {
        try withTestNetwork { world in
            try seed(world)
            let results = try search(world, SearchRequest(query: nil, authorHandle: "writer"))
            #expect(results.hits.count == SearchQueries.resultsPerPage)
            let starts = try world.store.read { conn in
                try results.hits.map { SearchQueries.startHTML(try conn.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", $0.postID) ?? "") }
            }
            #expect(results.hits.map(\.snippetHTML) == starts)
        }
    }

    /// The bodies come back in the order asked, repeated ids included, "" for an id with no post.
    @Test func bodyTextsKeepTheOrderAsked() throws {
        try withTestNetwork { world in
            let author = try world.member()
            let first = try world.thread(by: author, title: "First thread", body: "First body")
            let second = try world.reply(to: first, by: author, body: "Second body")
            let bodies = try world.store.read { conn in
                try SearchQueries.bodyTexts(of: [second, first.openingPostID, 999_999, second], conn)
            }
            #expect(bodies == ["Second body", "First body", "", "Second body"])
            #expect(try world.store.read { try SearchQueries.bodyTexts(of: [], $0) } == [])
        }
    }
    /// The snippets and titles against FTS5's own `snippet()` and `highlight()` on the same
    /// texts, for many made-up texts and queries: stems and prefixes, phrases that overlap or
    /// run past the snippet's ends, repeated and alternative terms, sentences, accents and text
    /// outside the Latin alphabet, matches in the title alone, and texts without a match.
    @Test func snippetsAreFTS5sOnManyTextsAndQueries() throws {
        var random = Xorshift(seed: 0x5EED_0014)
        let vocabulary = ["pension", "pensions", "pensioned", "scheme", "schemes", "staff", "council", "councils",
                          "governance", "governing", "govern", "board", "the", "a", "of", "café", "résumé",
                          "naïve", "mutual", "mutuals", "spin", "spinning", "out", "TUPE", "Pension", "STAFF",
                          "employee", "owned", "ÉCOLE", "école", "会议", "Δημόσιο", "x1", "2024"]
        let separators = [" ", " ", " ", " ", ", ", ". ", ": ", "; ", " - ", "\n", ".\n\n", " (", ") ", "! ", "? ", "…", " & ", "  ", ".", ":"]
        func text(_ words: Int) -> String {
            var result = random.next(upTo: 4) == 0 ? "  " : ""
            for index in 0..<words {
                if index > 0 { result += separators[random.next(upTo: separators.count)] }
                result += vocabulary[random.next(upTo: vocabulary.count)]
            }
            if random.next(upTo: 3) == 0 { result += "." }
            return result
        }
        func term() -> String {
            let word = vocabulary[random.next(upTo: 22)].lowercased()
            switch random.next(upTo: 6) {
            case 0: return String(word.prefix(max(2, word.count - 2))) + "*"
            case 1: return "\"" + word + " " + vocabulary[random.next(upTo: 22)].lowercased() + "\""
            default: return word
            }
        }
        func queryText() -> String {
            var parts: [String] = []
            for _ in 0..<(1 + random.next(upTo: 3)) {
                parts.append(random.next(upTo: 4) == 0 ? term() + " OR " + term() : term())
            }
            return parts.joined(separator: " ")
        }
        let scratch = try Connection(path: ":memory:", role: .memory)
        try scratch.execute("""
            CREATE VIRTUAL TABLE shown USING fts5(body, title, tokenize = 'porter unicode61 remove_diacritics 2')
            """)
        var compared = 0
        var matched = 0
        for _ in 0..<400 {
            let typed = queryText()
            let query = try SearchQuery(parsing: typed)
            let bodies = (0..<8).map { _ in text([0, 3, 10, 23, 24, 25, 40, 90][random.next(upTo: 8)]) }
            let titles = (0..<8).map { _ in text(1 + random.next(upTo: 6)) }
            var expected = [(snippet: String, title: String)?](repeating: nil, count: bodies.count)
            try scratch.run("BEGIN")
            for index in bodies.indices {
                try scratch.run("INSERT INTO shown(rowid, body, title) VALUES (?, ?, ?)", index, bodies[index], titles[index])
            }
            try scratch.forEach("""
                SELECT rowid, snippet(shown, 0, ?1, ?2, '…', 24) AS snippet, highlight(shown, 1, ?1, ?2) AS highlighted_title
                  FROM shown WHERE shown MATCH ?3
                """, arguments: [String(SearchQueries.openMarker), String(SearchQueries.closeMarker), query.fts5Expression]) { row in
                let index: Int = try row["rowid"]
                expected[index] = (try row["snippet"], try row["highlighted_title"])
            }
            try scratch.run("ROLLBACK")
            let marked = try SearchQueries.Highlighter.marked(bodies: bodies, titles: titles, query: query)
            for index in bodies.indices {
                compared += 1
                if expected[index] != nil { matched += 1 }
                #expect(marked[index]?.snippet == expected[index]?.snippet, "\(query.fts5Expression) in \(bodies[index].debugDescription)")
                #expect(marked[index]?.title == expected[index]?.title, "\(query.fts5Expression) in title \(titles[index].debugDescription)")
            }
        }
        #expect(compared == 3_200)
        // Enough of them matched for the comparison to say something.
        #expect(matched > 800)
    }
}

/// A small deterministic generator (xorshift64*), so a failure comes back on the next run.
struct Xorshift {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 1 : seed }
    mutating func next(upTo bound: Int) -> Int {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) >> 33) % bound
    }
}
