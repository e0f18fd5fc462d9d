import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 8: the FTS5 query builder, the search query's ranking, filters and privacy, and the
/// `/search` page over the real server.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SearchTests {
    // MARK: the query builder

    @Test func buildsWordsPhrasesPrefixesAndAlternatives() throws {
        #expect(try SearchQuery(parsing: "Pension transfer").fts5Expression == "\"pension\" AND \"transfer\"")
        #expect(try SearchQuery(parsing: "\"performance bond\" lawful").fts5Expression == "\"performance bond\" AND \"lawful\"")
        #expect(try SearchQuery(parsing: "shar*").fts5Expression == "\"shar\"*")
        #expect(try SearchQuery(parsing: "bond OR guarantee").fts5Expression == "(\"bond\" OR \"guarantee\")")
        // Alternatives beside other words: FTS5 needs the AND written out there.
        #expect(try SearchQuery(parsing: "lawful bond OR guarantee").fts5Expression == "\"lawful\" AND (\"bond\" OR \"guarantee\")")
        // A one-letter prefix is a word (a prefix that short would scan the whole index).
        #expect(try SearchQuery(parsing: "a*").fts5Expression == "\"a\"")
        // An unbalanced quote runs to the end.
        #expect(try SearchQuery(parsing: "bond \"step in rights").fts5Expression == "\"bond\" AND \"step in rights\"")
    }

    /// Every hostile input becomes either an expression of quoted letters and digits or a problem.
    @Test func hostileInputIsTextNotSyntax() throws {
        let hostile = ["\"", "\"\"", "\"\"\"", "bond\"", "AND", "OR", "NOT", "bond AND NOT guarantee", "NEAR(bond guarantee, 2)",
                       "bond NEAR guarantee", "*", "**", "bond*", "*bond", ":", "title:bond", "body_markdown:bond", "^bond",
                       "(", ")", "(bond", "bond)", "((((", "bond OR", "OR bond", "OR OR OR", "- bond", "+bond", "{bond}",
                       "'; DROP TABLE posts; --", "🙂", "🙂 bond 🙂", "👩‍👩‍👧", "bond\u{0}x", "\u{E000}bond\u{E001}",
                       "café", "e\u{301}", "日本語", String(repeating: "a", count: 2000), String(repeating: "bond ", count: 400),
                       String(repeating: "\"", count: 2000), "   ", ""]
        for input in hostile {
            do {
                let expression = try SearchQuery(parsing: input).fts5Expression
                // Only quoted runs of letters/digits, the OR and AND keywords, stars, parentheses and spaces remain.
                let stripped = expression.replacingOccurrences(of: " OR ", with: " ").replacingOccurrences(of: " AND ", with: " ")
                var insideQuotes = false
                for scalar in stripped.unicodeScalars {
                    if scalar == "\"" { insideQuotes.toggle(); continue }
                    if insideQuotes {
                        #expect(SearchQuery.isWordScalar(scalar) || scalar == " ", "\(input.prefix(40)) → \(expression.prefix(80))")
                    } else {
                        #expect(" *()".unicodeScalars.contains(scalar), "\(input.prefix(40)) → \(expression.prefix(80))")
                    }
                }
                #expect(!insideQuotes)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }

    // MARK: the query, at the Board level

    @Test func ranksTitlesHigherAndFindsPhrasesAndPrefixes() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks%")
            let shares = try site.id(ofThread: "Staff shareholding%")
            try site.store.read { conn in
                let bond = try search(conn, "bond")
                #expect(bond.hits.first?.threadID == tender)
                #expect(bond.hits.first?.position == 1, "the title match ranks the opening post first")
                #expect(bond.hits.contains { $0.snippetHTML.contains("<mark>bond</mark>") })
                #expect(bond.hits.first?.titleHTML.contains("<mark>bond</mark>") == true)

                let phrase = try search(conn, "\"performance bond\"")
                #expect(phrase.hits.map(\.threadID) == [tender])
                #expect(try search(conn, "\"bond performance\"").hits.isEmpty)

                let prefix = try search(conn, "sharehold*")
                #expect(prefix.hits.contains { $0.threadID == shares })
                let either = try search(conn, "shareholding OR bond")
                #expect(Set(either.hits.map(\.threadID)).isSuperset(of: [tender, shares]))
                // Alternatives beside another word (an FTS5 syntax error before the AND was written out).
                let performanceEither = try search(conn, "performance shareholding OR bond")
                #expect(performanceEither.hits.contains { $0.threadID == tender })
                #expect(performanceEither.hits.contains { $0.snippetHTML.contains("<mark>") })
                // Porter stemming: "pensions" in the topic text is not a post, but "bidding"/"bidders" are.
                #expect(!(try search(conn, "bidder")).hits.isEmpty)
            }
        }
    }

    @Test func filtersByTopicAnsweredMentorOrganisationAuthorAndDate() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks%")
            let legalForm = try site.id(ofThread: "Community interest company%")
            try site.store.read { conn in
                // "the" is in almost every post.
                let all = try search(conn, "the")
                #expect(Set(all.hits.map(\.threadID)).isSuperset(of: [tender, legalForm]))

                let procurement = try search(conn, "the", topic: "contracts-and-procurement")
                #expect(!procurement.hits.isEmpty && procurement.hits.allSatisfy { $0.threadID == tender })

                let unanswered = try search(conn, "the", answered: .unanswered)
                #expect(unanswered.hits.contains { $0.threadID == legalForm })
                #expect(!unanswered.hits.contains { $0.threadID == tender })
                let answered = try search(conn, "the", answered: .answered)
                #expect(answered.hits.contains { $0.threadID == tender } && !answered.hits.contains { $0.threadID == legalForm })
                // Both accepted answers in the demo are Helen Marsh's (a mentor).
                let byMentor = try search(conn, "the", answered: .mentor)
                #expect(Set(byMentor.hits.map(\.threadID)) == Set(answered.hits.map(\.threadID)))

                let byTom = try search(conn, "the", author: "tom_beckett")
                #expect(!byTom.hits.isEmpty && byTom.hits.allSatisfy { $0.authorHandle == "tom_beckett" })
                let byOrganisation = try search(conn, "the", organisation: "central-surrey-health")
                #expect(byOrganisation.hits.map(\.postID) == byTom.hits.map(\.postID))

                let future = Date(timeIntervalSinceNow: 86_400 * 365)
                #expect(try search(conn, "the", from: future).hits.isEmpty)
                #expect(try search(conn, "the", until: future).hits.count == all.hits.count)
            }
        }
    }

    @Test func privateThreadsOnlyForThoseWhoMayReadThem() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.privateThreadID
            try site.store.read { conn in
                let authors = try conn.column(String.self, """
                    SELECT DISTINCT u.handle FROM posts p JOIN users u ON u.id = p.author_id WHERE p.thread_id = ?
                    """, id)
                #expect(!authors.isEmpty)
                for (viewer, sees) in try site.privateThreadReaders {
                    for words in ["observers", "\"shadow board\"", "union*", "terms of reference"] {
                        let results = try search(conn, words, viewer: viewer)
                        #expect(results.hits.contains { $0.threadID == id } == sees, "\(words)")
                    }
                    // The same through the author-driven path (each of the thread's authors).
                    var found = false
                    for author in authors {
                        let results = try search(conn, "board OR observers OR the OR shadow", viewer: viewer, author: author)
                        found = found || results.hits.contains { $0.threadID == id }
                    }
                    #expect(found == sees)
                }
            }
        }
    }

    @Test func snippetsAreEscapedAndOnlyOurMarksAreMarkup() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks%")
            try site.store.write { conn in
                try conn.run("UPDATE posts SET body_markdown = ? WHERE thread_id = ? AND position = 2",
                             "<script>alert(1)</script> zebrafish & \"quotes\" \u{E001}</mark>\u{E000}<b>", tender)
            }
            try site.store.read { conn in
                let results = try search(conn, "zebrafish")
                let snippet = try #require(results.hits.first).snippetHTML
                #expect(snippet.contains("&lt;script&gt;alert(1)&lt;/script&gt; <mark>zebrafish</mark> &amp; &quot;quotes&quot;"))
                #expect(!snippet.contains("<script") && !snippet.contains("<b>"))
                #expect(snippet.components(separatedBy: "<mark>").count == snippet.components(separatedBy: "</mark>").count)
            }
            #expect(SearchQueries.markedHTML("\u{E001}a\u{E000}<i>\u{E000}b") == "a<mark>&lt;i&gt;b</mark>")
        }
    }

    @Test func paginatesWithFiltersKept() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks%")
            let author = try site.userID("tom_beckett")
            try site.store.write { conn in
                let base = try conn.scalar(Int.self, "SELECT max(position) FROM posts WHERE thread_id = ?", tender) ?? 1
                for offset in 1...(SearchQueries.resultsPerPage + 5) {
                    try conn.run("""
                        INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                        VALUES (?, ?, ?, ?, '<p>x</p>', ?)
                        """, tender, author, base + offset, "Another note about the quagga clause, number \(offset).",
                        Int64(Date().timeIntervalSince1970 * 1000))
                }
            }
            try site.serve { server in
                let first = try server.get("/search?q=quagga&author=tom_beckett")
                #expect(first.status == 200)
                #expect(first.text.components(separatedBy: "class=\"search-results__item\"").count - 1 == SearchQueries.resultsPerPage)
                #expect(first.text.contains("href=\"/search?q=quagga&amp;author=tom_beckett&amp;page=2\""))
                let second = try server.get("/search?q=quagga&author=tom_beckett&page=2")
                #expect(second.text.components(separatedBy: "class=\"search-results__item\"").count - 1 == 5)
                #expect(second.text.contains("rel=\"prev\""))
                #expect(!second.text.contains("rel=\"next\""))
            }
        }
    }

    /// A common word is ranked among its newest matches first; when filters or privacy leave
    /// that window short, the search widens until it has found every match that qualifies.
    @Test func filtersAndPrivacyReachBeyondTheNewestMatches() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks%")
            let privateThread = try site.privateThreadID
            let tom = try site.userID("tom_beckett")
            let sam = try site.userID("sam_okafor")
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let newer = SearchQueries.candidateLimit + 300
            try site.store.write { conn in
                func add(_ thread: Int64, _ author: Int64, _ body: String) throws {
                    let position = (try conn.scalar(Int.self, "SELECT max(position) FROM posts WHERE thread_id = ?", thread) ?? 0) + 1
                    try conn.run("""
                        INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                        VALUES (?, ?, ?, ?, '<p>x</p>', ?)
                        """, thread, author, position, body, now)
                }
                // Old matches: one by tom in a public thread, three public ones for visitors.
                try add(tender, tom, "An early word on the wombat clause from Tom.")
                for number in 1...3 { try add(tender, sam, "Public wombat note \(number).") }
                // Then more newer matches than one window holds, none by tom, all in a private space.
                for number in 1...newer { try add(privateThread, sam, "Private wombat minute \(number).") }
            }
            try site.store.read { conn in
                let byTom = try search(conn, "wombat", author: "tom_beckett")
                #expect(byTom.hits.map(\.authorHandle) == ["tom_beckett"])
                let visitor = try search(conn, "wombat")
                #expect(visitor.hits.count == 4)
                #expect(visitor.hits.allSatisfy { $0.threadID == tender })
                #expect(!visitor.hasNextPage)
                let triBorough = try site.organisationID("tri-borough-mutual")
                let member = try search(conn, "wombat", viewer: Viewer(userID: sam, organisationID: triBorough, isAdmin: false))
                #expect(member.hits.count == SearchQueries.resultsPerPage && member.hasNextPage)
            }
        }
    }

    /// Past the widest window the results say they are partial, and stay cheap; an author filter
    /// is exact however many newer posts share the words.
    @Test func filteredSearchesOfVeryCommonWordsAreBoundedAndSayPartial() throws {
        try withTestNetwork(content: .demo) { site in
            // The many newer matches go into a public thread nobody has answered.
            let tender = try #require(try site.store.read { try $0.scalar(Int64.self, """
                SELECT id FROM threads WHERE organisation_id IS NULL AND accepted_post_id IS NULL AND hidden = 0 LIMIT 1
                """) })
            let tom = try site.userID("tom_beckett")
            let sam = try site.userID("sam_okafor")
            let newer = SearchQueries.widestCandidateLimit + 50
            try site.store.write { conn in
                var position = try conn.scalar(Int.self, "SELECT max(position) FROM posts WHERE thread_id = ?", tender) ?? 0
                func add(_ author: Int64, _ body: String, at time: Int64) throws {
                    position += 1
                    try conn.run("""
                        INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                        VALUES (?, ?, ?, ?, '<p>x</p>', ?)
                        """, tender, author, position, body, time)
                }
                try add(tom, "The oldest kiwi note, from Tom.", at: 1_600_000_000_000)
                // An old match in a thread whose accepted answer is a mentor's.
                let answered = try #require(try conn.scalar(Int64.self, """
                    SELECT t.id FROM threads t JOIN posts ap ON ap.id = t.accepted_post_id
                    JOIN users au ON au.id = ap.author_id
                    WHERE au.role = 'mentor' AND t.organisation_id IS NULL AND t.id != ? LIMIT 1
                    """, tender))
                let next = (try conn.scalar(Int.self, "SELECT max(position) FROM posts WHERE thread_id = ?", answered) ?? 0) + 1
                try conn.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                    VALUES (?, ?, ?, 'A kiwi follow-up to the answer.', '<p>x</p>', 1600000000000)
                    """, answered, sam, next)
                for number in 1...newer { try add(sam, "Kiwi note \(number).", at: 1_700_000_000_000) }
            }
            try site.store.read { conn in
                // Nothing in 2020 among the newest matches: a partial, empty answer, not a scan of all.
                let day = Date(timeIntervalSince1970: 1_600_000_000)
                let dated = try search(conn, "kiwi", from: day.addingTimeInterval(-86_400), until: day.addingTimeInterval(86_400))
                #expect(dated.hits.isEmpty && dated.isPartial)
                // The author filter finds Tom's old post exactly.
                let byTom = try search(conn, "kiwi", author: "tom_beckett")
                #expect(byTom.hits.map(\.authorHandle) == ["tom_beckett"] && !byTom.isPartial)
                let bothFilters = try search(conn, "kiwi", author: "tom_beckett", from: day.addingTimeInterval(-86_400))
                #expect(bothFilters.hits.count == 1)
                #expect(try search(conn, "kiwi", author: "tom_beckett", until: day.addingTimeInterval(-86_400)).hits.isEmpty)
                // So does "answered by a mentor" (few such threads): the old follow-up is found.
                let mentor = try search(conn, "kiwi", answered: .mentor)
                #expect(mentor.hits.count == 1 && !mentor.isPartial)
                #expect(mentor.hits.first?.snippetHTML.contains("<mark>kiwi</mark>") == true)
                // The document-frequency estimate from the newest matches' span is close to the truth.
                let truth = try #require(try conn.scalar(Int64.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'kiwi'"))
                let estimate = try SearchQueries.DocumentFrequency.posts.estimates(conn, ["\"kiwi\"", "\"quagga\""])
                let parts = estimate.text.split(separator: " ").compactMap { Int64($0) }
                #expect(parts.count == 2 && abs(parts[0] - truth) * 10 < truth, "\(estimate.text) vs \(truth)")
                // Unfiltered: a full page, not partial.
                let all = try search(conn, "kiwi")
                #expect(all.hits.count == SearchQueries.resultsPerPage && all.hasNextPage && !all.isPartial)
            }
            try site.serve { server in
                let response = try server.get("/search?q=kiwi&from=2020-09-12&to=2020-09-14")
                #expect(response.status == 200)
                #expect(response.text.contains("id=\"search-partial\""))
                #expect(response.text.contains("10,000 most recent posts"))
                #expect(!(try server.get("/search?q=kiwi").text.contains("search-partial")))
            }
        }
    }

    /// A prefix search takes its candidates from the index of the newest posts when they hold
    /// enough matches; the results are the ones the whole index gives.
    @Test func prefixSearchesGiveTheSameResultsFromTheRecentIndex() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks%")
            let sam = try site.userID("sam_okafor")
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try site.store.write { conn in
                var position = try conn.scalar(Int.self, "SELECT max(position) FROM posts WHERE thread_id = ?", tender) ?? 0
                for number in 1...(SearchQueries.candidateLimit + 40) {
                    position += 1
                    let body = "Numbat note \(number)" + String(repeating: " and numbats", count: number % 3)
                        + String(repeating: " more words", count: number % 7)
                    try conn.run("""
                        INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                        VALUES (?, ?, ?, ?, '<p>x</p>', ?)
                        """, tender, sam, position, body, now)
                }
            }
            func pages() throws -> [[Int64]] {
                try site.store.read { conn in
                    try [1, 2].map { page in
                        let query = try SearchQuery(parsing: "numbat*")
                        return try SearchQueries.search(conn, SearchRequest(query: query, page: page), viewer: .visitor).hits.map(\.postID)
                    }
                }
            }
            let holds = try site.store.read {
                try $0.scalar(Int.self, SearchQueries.recentCountSQL, "\"numbat\"*", SearchQueries.candidateLimit)
            }
            #expect(holds == SearchQueries.candidateLimit)
            let viaRecent = try pages()
            try site.store.write { try $0.run("DELETE FROM post_search_recent") }
            let viaWholeIndex = try pages()
            #expect(viaRecent == viaWholeIndex)
            #expect(viaRecent.map(\.count) == [SearchQueries.resultsPerPage, SearchQueries.resultsPerPage])
            #expect(Set(viaRecent[0]).isDisjoint(with: viaRecent[1]))
        }
    }

    /// Our `bm25_estimated` gives FTS5's bm25 scores when handed the exact document frequencies,
    /// and with none the same order as bm25 for a one-phrase query.
    @Test func estimatedBM25MatchesFTS5BM25() throws {
        let conn = try Connection(path: ":memory:", role: .memory)
        try conn.execute("CREATE VIRTUAL TABLE doc USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')")
        let bodies = ["pension pension transfer", "a pension scheme for the staff of a mutual", "transfer of undertakings",
                      "pension", "staff pension transfer and more words to make this row longer than the others",
                      "nothing here", "transfer transfer transfer pension", "the staff council"]
        for (index, body) in bodies.enumerated() { try conn.run("INSERT INTO doc(rowid, body) VALUES (?, ?)", index + 1, body) }
        struct Scores: RowDecodable {
            let rowid: Int64, exact: Double, estimated: Double
            init(row: Row) throws { rowid = try row[0]; exact = try row[1]; estimated = try row[2] }
        }
        for (expression, frequencies) in [("\"pension\" OR \"transfer\"", "5 4"), ("\"pension\" \"transfer\"", "5 4"),
                                          ("\"staff\" OR \"pension transfer\"", "3 2"), ("\"pen\"*", "5")] {
            let rows = try conn.query(Scores.self, "SELECT rowid, bm25(doc), bm25_estimated(doc, ?2) FROM doc WHERE doc MATCH ?1",
                                      expression, frequencies)
            #expect(!rows.isEmpty)
            for row in rows { #expect(abs(row.exact - row.estimated) < 1e-9, "\(expression) row \(row.rowid)") }
            // Naming the row count the frequencies are out of (here the table's own) changes nothing.
            let named = try conn.column(Double.self, "SELECT bm25_estimated(doc, ?2, 8) FROM doc WHERE doc MATCH ?1",
                                        expression, frequencies)
            #expect(named.count == rows.count && zip(named, rows).allSatisfy { abs($0 - $1.exact) < 1e-9 })
        }
        let exactOrder = try conn.column(Int64.self, "SELECT rowid FROM doc WHERE doc MATCH '\"transfer\"' ORDER BY bm25(doc), rowid")
        let estimatedOrder = try conn.column(Int64.self, "SELECT rowid FROM doc WHERE doc MATCH '\"transfer\"' ORDER BY bm25_estimated(doc, ''), rowid")
        #expect(exactOrder == estimatedOrder && exactOrder.count == 4)
        // Malformed or out-of-range frequencies are clamped or ignored, never an error.
        for text in ["x", "-5 99999999999", "1e9", "   ", "3,4"] {
            let scores = try conn.column(Double.self, "SELECT bm25_estimated(doc, ?) FROM doc WHERE doc MATCH '\"pension\" OR \"staff\"'", text)
            #expect(scores.count == 6 && scores.allSatisfy { $0.isFinite && $0 <= 0 })
        }
    }

    // MARK: the page, over the real server

    /// A page past the last result says so and links back to the first, instead of claiming
    /// nothing matches.
    @Test func aPagePastTheResultsLinksToTheFirst() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let past = try server.get("/search?q=bond&topic=contracts-and-procurement&page=40")
                #expect(past.status == 200)
                #expect(past.text.contains("There are no results on page 40."))
                #expect(past.text.contains("href=\"/search?q=bond&amp;topic=contracts-and-procurement\""))
                #expect(!past.text.contains("No posts match your search"))
                let none = try server.get("/search?q=zebrafishes")
                #expect(none.text.contains("No posts match your search") && !none.text.contains("There are no results on page"))
            }
        }
    }

    @Test func searchPageShowsResultsAndKeepsTheQuery() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let empty = try server.get("/search")
                #expect(empty.status == 200)
                #expect(empty.text.contains("<h1 class=\"heading-l\">Search</h1>"))

                let response = try server.get("/search?q=%22performance+bond%22&topic=contracts-and-procurement&answered=mentor")
                #expect(response.status == 200)
                #expect(response.text.contains("<mark>performance</mark> <mark>bond</mark>") || response.text.contains("<mark>performance bond</mark>"))
                #expect(response.text.contains("value=\"&quot;performance bond&quot;\""))
                #expect(response.text.contains("<option value=\"contracts-and-procurement\" selected>"))
                #expect(response.text.contains("<option value=\"mentor\" selected>"))
                #expect(!response.text.contains(DemoSite.privateTitle))

                let hidden = try server.get("/search?q=observers")
                #expect(hidden.status == 200)
                #expect(!hidden.text.contains(DemoSite.privateTitle))
                #expect(hidden.text.contains("No posts match your search."))
            }
        }
    }

    @Test func hostileQueriesNeverFailTheServer() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let hostile = ["\"", "bond\"", "AND", "OR", "NOT bond", "bond AND NOT guarantee", "NEAR(bond guarantee, 2)",
                               "*", "bond*", "*bond", ":", "title:bond", "^bond", "(", "(bond", "bond)", "bond OR", "OR OR",
                               "'; DROP TABLE posts; --", "🙂", "🙂 bond", "<script>alert(1)</script>", "\u{E000}bond",
                               String(repeating: "x", count: 2000), String(repeating: "bond ", count: 40), "\"\"\"\"", "%"]
                for input in hostile {
                    let response = try server.get("/search?q=" + FormDecoder.encode(input))
                    #expect([200, 422].contains(response.status), "\(input.prefix(40))")
                    if response.status == 422 {
                        #expect(response.text.contains("There is a problem with your search"))
                    }
                    #expect(!response.text.contains("<script>alert"))
                }
                // A query that has something to find finds it whatever surrounds it.
                let noisy = try server.get("/search?q=" + FormDecoder.encode("((bond^ :\"performance)) 🙂"))
                #expect(noisy.status == 200)
                #expect(noisy.text.contains("<mark>bond</mark>"))
                // Choices that do not parse are ignored; dates that do not are named (issue 18), never a 500.
                let odd = try server.get("/search?q=bond&answered=maybe&page=-3")
                #expect(odd.status == 200)
                #expect(odd.text.contains("<mark>bond</mark>"))
                let badDates = try server.get("/search?q=bond&from=yesterday&to=2026-13-45&answered=maybe&page=-3")
                #expect(badDates.status == 422)
                #expect(badDates.text.contains("“Written on or after” must be a real date"))
                #expect(badDates.text.contains("“Written on or before” must be a real date"))
                // Control characters are never echoed into the page; a line break is a space.
                let controls = try server.get("/search?q=" + FormDecoder.encode("bond\u{0}\u{1}\u{1B}\nguarantee") + "&author=" + FormDecoder.encode("\u{0}"))
                #expect([200, 422].contains(controls.status))
                #expect(!controls.body.contains(where: { $0 < 0x09 || $0 == 0x1B }))
                #expect(controls.text.contains("value=\"bond guarantee\""))
                // C1 controls too (U+0085 is a line break, U+009B starts terminal escapes).
                let c1 = try server.get("/search?q=bond%C2%85guar%C2%9Bantee")
                #expect(!c1.text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
                #expect(c1.text.contains("value=\"bond guarantee\""))
            }
        }
    }
}

private func search(_ conn: Connection, _ text: String, viewer: Viewer = .visitor, topic: String? = nil,
                    answered: SearchAnswered = .any, organisation: String? = nil, author: String? = nil,
                    from: Date? = nil, until: Date? = nil) throws -> SearchResults {
    let query = try SearchQuery(parsing: text)
    return try SearchQueries.search(conn, SearchRequest(query: query, topicSlug: topic, organisationSlug: organisation,
                                                        authorHandle: author, answered: answered, from: from, until: until),
                                    viewer: viewer)
}
