import Database
import Foundation
import HTMLEscaping
import Synchronization

/// Which answered state a search is limited to.
public enum SearchAnswered: String, Sendable, CaseIterable {
    case any, answered, unanswered, mentor
}

/// A search request: the parsed query and its filters (nil or `.any`: no filter).
public struct SearchRequest: Sendable {
    /// The words; nil for no words, which lists an author's posts newest first (`authorHandle`
    /// is then required: without it there are no results).
    public var query: SearchQuery?
    public var topicSlug: String?
    public var organisationSlug: String?
    public var authorHandle: String?
    public var answered: SearchAnswered
    /// Posts written at or after `from` and before `until`.
    public var from: Date?
    public var until: Date?
    /// 1-based.
    public var page: Int

    public init(query: SearchQuery?, topicSlug: String? = nil, organisationSlug: String? = nil,
                authorHandle: String? = nil, answered: SearchAnswered = .any, from: Date? = nil,
                until: Date? = nil, page: Int = 1) {
        self.query = query
        self.topicSlug = topicSlug
        self.organisationSlug = organisationSlug
        self.authorHandle = authorHandle
        self.answered = answered
        self.from = from
        self.until = until
        self.page = max(1, page)
    }
}

/// One search result: a post, its thread, and highlighted excerpts as safe HTML.
public struct SearchHit: Sendable {
    public let postID: Int64
    public let position: Int
    public let threadID: Int64
    public let threadSlug: String
    public let threadTitle: String
    /// The thread title, HTML-escaped, with matched words in `<mark>`.
    public internal(set) var titleHTML: String
    /// An excerpt of the post, HTML-escaped, with matched words in `<mark>`.
    public internal(set) var snippetHTML: String
    public let authorHandle: String
    public let authorName: String
    public let createdAt: Date
    public let isPrivate: Bool
    public let hasAcceptedAnswer: Bool
}

/// A page of results.
public struct SearchResults: Sendable {
    public let hits: [SearchHit]
    public let page: Int
    public let hasNextPage: Bool
    /// True when the filters left too few of the newest `SearchQueries.widestCandidateLimit`
    /// matches and older ones were not searched (the page says so).
    public let isPartial: Bool

    public init(hits: [SearchHit], page: Int, hasNextPage: Bool, isPartial: Bool = false) {
        self.hits = hits
        self.page = page
        self.hasNextPage = hasNextPage
        self.isPartial = isPartial
    }
}

/// Full-text search over thread titles and post text, ranked by bm25 with title matches weighted
/// `titleWeight` times a body match. Privacy is in the SQL (`PageQueries.visible`); hidden
/// threads and posts, posts held for approval and posts deleted by their author are never found.
public enum SearchQueries {
    public static let resultsPerPage = 20
    public static let titleWeight = 4.0
    /// Pages further than this are not offered (deep OFFSETs cost a scan of every match).
    public static let maximumPage = 50

    /// Marks around matched words in FTS5's `snippet()`/`highlight()` output. They are turned
    /// into `<mark>` by `markedHTML` after the text around them is escaped.
    static let openMarker: Unicode.Scalar = "\u{E000}"
    static let closeMarker: Unicode.Scalar = "\u{E001}"

    /// Ranking every match of a word found in most of a million posts cannot fit a page's time
    /// (bm25 for each of them, and a join to its thread for the privacy check), so a query ranks
    /// the newest `candidateLimit` matches of each index first, and joins only the best-ranked
    /// of those to their threads. Only when that leaves the page short (filters or privacy
    /// exclude most candidates) does it widen: every candidate joined, then the newest
    /// `widestCandidateLimit` matches. A word with fewer matches than that is searched exactly;
    /// beyond it the results say they are partial. A filter that picks out few posts (an
    /// author; answered threads, while they are few) is exact whatever the words: those posts
    /// are searched on their own (`drivenSearch`).
    ///
    /// 300 (it was 1,000) because each candidate costs about 5,000 instructions, most of them
    /// FTS5 reading the row's length for bm25: at 1,000 a common word took ~23 million
    /// instructions (~4 ms of CPU), at 300 ~10 million, within issue 14's 2 ms a search. The
    /// newest 300 matches of a common word still span days of a busy forum; a word with fewer
    /// matches is ranked over all of them.
    public static let candidateLimit = 300
    public static let widestCandidateLimit = 10_000
    /// Above this many posts, a filter that `drivenSearch` starts from takes the general path.
    static let drivenPostsLimit = 5_000
    /// … or this many bytes of post text.
    static let drivenTextLimit = 8 << 20

    /// Privacy, moderation and the request's filters on `p` (post), `t` (thread), `a` (author).
    /// Parameters ?1–?3 the viewer, ?5 topic slug, ?6 answered filter, ?7 organisation slug,
    /// ?8 author handle, ?9 from (ms), ?10 until (ms).
    static let filters = """
        t.hidden = 0 AND p.hidden = 0 AND p.deleted_by_author = 0 AND p.held_for_approval = 0
          AND \(PageQueries.visible)
          AND (?5 IS NULL OR EXISTS (SELECT 1 FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id
                                     WHERE tt.thread_id = t.id AND tp.slug = ?5))
          AND (?6 = 'any'
               OR (?6 = 'unanswered' AND t.accepted_post_id IS NULL)
               OR (?6 = 'answered' AND t.accepted_post_id IS NOT NULL)
               OR (?6 = 'mentor' AND EXISTS (SELECT 1 FROM posts ap JOIN users au ON au.id = ap.author_id
                                             WHERE ap.id = t.accepted_post_id AND au.role = 'mentor')))
          AND (?7 IS NULL OR EXISTS (SELECT 1 FROM organisations o WHERE o.slug = ?7
                                     AND (o.id = t.organisation_id OR o.id = \(Visibility.confirmedOrganisation("a")))))
          AND (?8 IS NULL OR a.handle = ?8)
          AND (?9 IS NULL OR p.created_at >= ?9)
          AND (?10 IS NULL OR p.created_at < ?10)
        """

    /// Parameters: ?1–?3 the viewer, ?4 the FTS5 expression, ?5 topic slug, ?6 answered filter,
    /// ?7 organisation slug, ?8 author handle, ?9 from (ms), ?10 until (ms), ?11 limit, ?12 offset,
    /// ?13 title weight, ?14 / ?15 the phrases' estimated document frequencies among posts /
    /// titles (`bm25_estimated`, see CSQLite/shim.h), ?16 candidates per index (-1: all),
    /// ?17 candidates joined to their threads (-1: all). With ?17 set, only that many of the
    /// best title candidates are looked up to their opening posts (an index seek each, ~40% of
    /// the ranking's time when all 1,000 were), so an opening post outside them is ranked on
    /// its text alone until the search widens. The last column, `post_candidates`, is -1 here
    /// (`recentSQL` counts them).
    static let sql = rankedSQL(postIndex: "post_search", countsCandidates: false)

    /// The same over `post_search_recent` (migration 9): for a query with a prefix term whose
    /// newest `candidateLimit` matches all lie in that window, so the candidates are the same
    /// and only the window's posting lists are merged. Its last column, `post_candidates`, says
    /// how many candidates the window gave (the candidates are kept in a table for that: ~0.4
    /// million instructions, against ~4 million for merging a prefix's lists again to count them).
    static let recentSQL = rankedSQL(postIndex: "post_search_recent", countsCandidates: true)

    /// Row lengths are kept between searches (kinds 1, post text in both post indexes, which
    /// tokenize the same text alike; and 2, titles) for as long as the store's
    /// `search_length_generation` (migration 26) stays what this search's snapshot reads.
    private static let keptLengths = "(SELECT value FROM search_length_generation WHERE id = 1)"

    /// `postIndex` is one of our two table names, never input.
    private static func rankedSQL(postIndex: String, countsCandidates: Bool) -> String {
        """
        WITH post_hits(post_id, score) AS \(countsCandidates ? "MATERIALIZED " : "")(
            SELECT rowid, bm25_estimated(\(postIndex), ?14, 0, 1, \(keptLengths)) FROM \(postIndex)
            WHERE \(postIndex) MATCH ?4 ORDER BY rowid DESC LIMIT ?16
        ),
        hits(post_id, score) AS (
            SELECT post_id, score FROM post_hits
            UNION ALL
            SELECT p.id, ?13 * th.score
            FROM (SELECT * FROM (SELECT rowid AS id, bm25_estimated(thread_search, ?15, 0, 2, \(keptLengths)) AS score FROM thread_search
                                 WHERE thread_search MATCH ?4 ORDER BY rowid DESC LIMIT ?16)
                  ORDER BY score LIMIT ?17) th
            JOIN posts p ON p.thread_id = th.id AND p.position = 1
        ),
        ranked(post_id, score) AS (
            SELECT post_id, sum(score) AS total FROM hits GROUP BY post_id ORDER BY total, post_id DESC LIMIT ?17
        )
        SELECT p.id AS post_id, p.position, t.id AS thread_id, t.slug AS thread_slug, t.title AS thread_title,
               a.handle AS author_handle, a.display_name AS author_name, p.created_at,
               t.organisation_id IS NOT NULL AS is_private, t.accepted_post_id IS NOT NULL AS has_accepted_answer,
               \(countsCandidates ? "(SELECT count(*) FROM post_hits)" : "-1") AS post_candidates
        FROM ranked r
        JOIN posts p ON p.id = r.post_id
        JOIN threads t ON t.id = p.thread_id
        JOIN users a ON a.id = p.author_id
        WHERE \(filters)
        ORDER BY r.score, p.id DESC
        LIMIT ?11 OFFSET ?12
        """
    }

    /// How many of ?2 the recent index has for ?1.
    static let recentCountSQL = """
        SELECT count(*) FROM (SELECT 1 FROM post_search_recent WHERE post_search_recent MATCH ?1 LIMIT ?2)
        """

    /// How many matches for ?1 each index has, counting to ?2 + 1 at most (more than ?2: a wider
    /// window can find more).
    static let matchCountsSQL = """
        SELECT (SELECT count(*) FROM (SELECT 1 FROM post_search WHERE post_search MATCH ?1
                                      ORDER BY rowid DESC LIMIT ?2 + 1)) AS posts,
               (SELECT count(*) FROM (SELECT 1 FROM thread_search WHERE thread_search MATCH ?1
                                      ORDER BY rowid DESC LIMIT ?2 + 1)) AS titles
        """

    struct MatchCounts: RowDecodable {
        let posts: Int, titles: Int
        init(row: Row) throws { posts = try row["posts"]; titles = try row["titles"] }
        init(posts: Int, titles: Int) { self.posts = posts; self.titles = titles }
    }

    struct Row10: RowDecodable {
        let hit: SearchHit
        init(row: Row) throws {
            let postID: Int64 = try row["post_id"]
            let position: Int = try row["position"]
            let threadID: Int64 = try row["thread_id"]
            let threadSlug: String = try row["thread_slug"]
            let title: String = try row["thread_title"]
            hit = SearchHit(postID: postID, position: position, threadID: threadID, threadSlug: threadSlug,
                            threadTitle: title, titleHTML: PlainTextRenderer.escapeHTML(title), snippetHTML: "",
                            authorHandle: try row["author_handle"], authorName: try row["author_name"], createdAt: try row["created_at"],
                            isPrivate: try row["is_private"], hasAcceptedAnswer: try row["has_accepted_answer"])
        }
    }

    /// A row of `sql` or `recentSQL`: a hit, and how many post candidates the index gave.
    struct RankedRow: RowDecodable {
        let hit: SearchHit, postCandidates: Int
        init(row: Row) throws { hit = try Row10(row: row).hit; postCandidates = try row["post_candidates"] }
    }

    /// One page of results for `viewer`.
    public static func search(_ conn: Connection, _ request: SearchRequest, viewer: Viewer) throws -> SearchResults {
        guard let query = request.query else { return try authorPosts(conn, request, viewer: viewer) }
        let page = min(request.page, maximumPage)
        let expression = query.fts5Expression
        let offset = (page - 1) * resultsPerPage
        // With one phrase its IDF is a constant factor and cannot change the order: no estimate.
        let phrases = query.phraseExpressions
        let posts = phrases.count > 1 ? try DocumentFrequency.posts.estimates(conn, phrases) : .none
        let titles = phrases.count > 1 ? try DocumentFrequency.titles.estimates(conn, phrases) : .none
        let arguments: [(any Bindable)?] = PageQueries.viewerArguments(viewer) + [
            expression, request.topicSlug, request.answered.rawValue, request.organisationSlug,
            request.authorHandle, request.from.map(milliseconds), request.until.map(milliseconds),
        ]
        var hits: [SearchHit]
        var isPartial = false
        if let found = try drivenSearch(conn, request, query: query, arguments: arguments, offset: offset, posts: posts, titles: titles) {
            hits = found
        } else {
            (hits, isPartial) = try indexSearch(conn, query: query, arguments: arguments + [
                resultsPerPage + 1, offset, titleWeight, posts.text, titles.text,
            ], offset: offset)
        }
        let hasNext = hits.count > resultsPerPage && page < maximumPage
        if hits.count > resultsPerPage { hits.removeLast(hits.count - resultsPerPage) }
        try highlight(&hits, query: query, conn)
        return SearchResults(hits: hits, page: page, hasNextPage: hasNext, isPartial: isPartial)
    }

    /// The general path: candidates from the indexes, widening as described at `candidateLimit`.
    /// `arguments` are ?1–?15 of `sql`.
    static func indexSearch(_ conn: Connection, query: SearchQuery, arguments: [(any Bindable)?],
                            offset: Int) throws -> (hits: [SearchHit], isPartial: Bool) {
        let expression = query.fts5Expression
        var candidates = candidateLimit
        // Join the best-ranked few first: for a common word that fills the page at once.
        let stagedJoin = max(2 * (offset + resultsPerPage + 1), 64)
        // A prefix: when the recent index holds a window of matches, there are at least that many
        // (and counting them in the big index would cost the merge this avoids). Its ranking
        // says how many candidates it had, so the prefix's posting lists are merged once; only
        // when it returns no row at all are they counted on their own.
        var recentHoldsCandidates = false
        var recentRows: [RankedRow]?
        if query.hasPrefixTerm {
            let rows = try conn.query(RankedRow.self, recentSQL, arguments: arguments + [candidateLimit, stagedJoin])
            if let first = rows.first {
                recentHoldsCandidates = first.postCandidates == candidateLimit
                if recentHoldsCandidates { recentRows = rows }
            } else {
                recentHoldsCandidates = try conn.scalar(Int.self, recentCountSQL, expression, candidateLimit) == candidateLimit
            }
        }
        while true {
            let statement = recentHoldsCandidates && candidates == candidateLimit ? recentSQL : sql
            let staged = candidates == candidateLimit
            let firstJoin = staged ? stagedJoin : -1
            var hits = try (recentRows ?? conn.query(RankedRow.self, statement, arguments: arguments + [candidates, firstJoin])).map(\.hit)
            recentRows = nil
            if hits.count > resultsPerPage { return (hits, false) }
            // Short: how many candidates were there, and more matches beyond the window? (With a
            // prefix the recent index already said there are more; counting them in the big index
            // would cost the merge it avoids.)
            let counts = staged && recentHoldsCandidates
                ? MatchCounts(posts: candidates + 1, titles: 0)
                : try conn.queryOne(MatchCounts.self, matchCountsSQL, expression, candidates) ?? MatchCounts(posts: 0, titles: 0)
            if firstJoin >= 0, counts.posts + counts.titles > firstJoin {
                hits = try conn.query(RankedRow.self, statement, arguments: arguments + [candidates, -1]).map(\.hit)
                if hits.count > resultsPerPage { return (hits, false) }
            }
            if counts.posts <= candidates && counts.titles <= candidates { return (hits, false) }
            if candidates >= widestCandidateLimit { return (hits, true) }
            candidates = widestCandidateLimit
        }
    }

    /// The posts of the filtered author that pass every other filter, at most
    /// `drivenPostsLimit` + 1 of them. Parameters as `filters`, ?11 the limit.
    static let authorPostsSQL = """
        SELECT p.id, p.position, p.body_text, t.title
        FROM users a
        JOIN posts p ON p.author_id = a.id
        JOIN threads t ON t.id = p.thread_id
        WHERE a.handle = ?8 AND \(filters)
        LIMIT ?11
        """

    /// The posts of answered threads (with ?6 'mentor', answered by a mentor: `filters` checks)
    /// that pass every other filter. CROSS JOIN keeps SQLite's join order (threads first, one
    /// row each); left to itself, with no statistics, it would walk every post.
    static let answeredPostsSQL = """
        SELECT p.id, p.position, p.body_text, t.title
        FROM threads t
        CROSS JOIN posts p ON p.thread_id = t.id
        CROSS JOIN users a ON a.id = p.author_id
        WHERE t.accepted_post_id IS NOT NULL AND \(filters)
        LIMIT ?11
        """

    /// With a filter that may pick out few posts (an author; answered threads), the
    /// posts that pass every filter are copied into a private in-memory FTS5 table and searched
    /// there, so the result is exact however common the words. Nil when there is no such filter
    /// or it leaves more than `drivenPostsLimit` posts (the general path then applies).
    static func drivenSearch(_ conn: Connection, _ request: SearchRequest, query: SearchQuery, arguments: [(any Bindable)?], offset: Int,
                             posts: DocumentFrequency.Estimates, titles: DocumentFrequency.Estimates) throws -> [SearchHit]? {
        let drivingSQL: String
        if request.authorHandle != nil {
            drivingSQL = authorPostsSQL
        } else if request.answered == .mentor || request.answered == .answered {
            drivingSQL = answeredPostsSQL
        } else {
            return nil
        }
        struct Candidate: RowDecodable {
            let id: Int64, position: Int, body: String, title: String
            init(row: Row) throws { id = try row["id"]; position = try row["position"]; body = try row["body_text"]; title = try row["title"] }
        }
        let candidates = try conn.query(Candidate.self, drivingSQL, arguments: arguments + [drivenPostsLimit + 1])
        // Bounded in text too (long posts): tokenizing more than this would cost more than the
        // general path.
        guard candidates.count <= drivenPostsLimit,
              candidates.reduce(0, { $0 + $1.body.utf8.count }) <= drivenTextLimit else { return nil }
        guard !candidates.isEmpty else { return [] }
        let expression = query.fts5Expression
        let scratch = try Connection(path: ":memory:", role: .memory)
        try scratch.execute("""
            CREATE VIRTUAL TABLE body_hits USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE title_hits USING fts5(title, tokenize = 'porter unicode61 remove_diacritics 2');
            """)
        try scratch.transaction(.immediate) { tx in
            for candidate in candidates {
                try tx.run("INSERT INTO body_hits(rowid, body) VALUES (?, ?)", candidate.id, candidate.body)
                if candidate.position == 1 {
                    try tx.run("INSERT INTO title_hits(rowid, title) VALUES (?, ?)", candidate.id, candidate.title)
                }
            }
        }
        // The same ranking as `sql`, with the big indexes' document frequencies and sizes.
        let ranked = try scratch.column(Int64.self, """
            SELECT id FROM (
                SELECT rowid AS id, bm25_estimated(body_hits, ?1, ?3) AS score FROM body_hits WHERE body_hits MATCH ?5
                UNION ALL
                SELECT rowid, ?7 * bm25_estimated(title_hits, ?2, ?4) FROM title_hits WHERE title_hits MATCH ?5)
            GROUP BY id ORDER BY sum(score), id DESC LIMIT ?6 OFFSET ?8
            """, posts.text, titles.text, posts.rows, titles.rows, expression, resultsPerPage + 1, titleWeight, offset)
        return try ranked.compactMap { id in
            try conn.queryOne(Row10.self, """
                SELECT p.id AS post_id, p.position, t.id AS thread_id, t.slug AS thread_slug, t.title AS thread_title,
                       a.handle AS author_handle, a.display_name AS author_name, p.created_at,
                       t.organisation_id IS NOT NULL AS is_private, t.accepted_post_id IS NOT NULL AS has_accepted_answer
                FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users a ON a.id = p.author_id
                WHERE p.id = ?
                """, id)?.hit
        }
    }

    /// No words, an author: their posts that pass the other filters and the viewer may read,
    /// newest first (through `posts_by_author`), each with the start of its text.
    static func authorPosts(_ conn: Connection, _ request: SearchRequest, viewer: Viewer) throws -> SearchResults {
        let page = min(request.page, maximumPage)
        guard let handle = request.authorHandle else { return SearchResults(hits: [], page: page, hasNextPage: false) }
        let arguments: [(any Bindable)?] = PageQueries.viewerArguments(viewer) + [
            nil, request.topicSlug, request.answered.rawValue, request.organisationSlug,
            handle, request.from.map(milliseconds), request.until.map(milliseconds), resultsPerPage + 1, (page - 1) * resultsPerPage,
        ]
        var hits = try conn.query(Row10.self, """
            SELECT p.id AS post_id, p.position, t.id AS thread_id, t.slug AS thread_slug, t.title AS thread_title,
                   a.handle AS author_handle, a.display_name AS author_name, p.created_at,
                   t.organisation_id IS NOT NULL AS is_private, t.accepted_post_id IS NOT NULL AS has_accepted_answer
            FROM users a
            JOIN posts p ON p.author_id = a.id
            JOIN threads t ON t.id = p.thread_id
            WHERE a.handle = ?8 AND \(filters)
            ORDER BY p.created_at DESC, p.id DESC
            LIMIT ?11 OFFSET ?12
            """, arguments: arguments).map(\.hit)
        let hasNext = hits.count > resultsPerPage && page < maximumPage
        if hits.count > resultsPerPage { hits.removeLast(hits.count - resultsPerPage) }
        for (index, text) in try bodyTexts(of: hits.map(\.postID), conn).enumerated() {
            hits[index].snippetHTML = startHTML(text)
        }
        return SearchResults(hits: hits, page: page, hasNextPage: hasNext)
    }

    /// The first 200 characters of `text`, escaped, with "…" when there is more.
    static func startHTML(_ text: String) -> String {
        let start = String(text.prefix(200))
        return PlainTextRenderer.escapeHTML(start) + (start.count < text.count ? "…" : "")
    }

    /// Fills in each hit's snippet and highlighted title, as FTS5's `snippet()` and
    /// `highlight()` would in a table of the shown texts (`SearchSnippets`). Those on the big
    /// indexes would each seek the query's posting lists again, and a prefix query merges the
    /// lists of every word with that prefix on each call (~2 ms apiece for `gov*` at 1M posts).
    static func highlight(_ hits: inout [SearchHit], query: SearchQuery, _ conn: Connection) throws {
        guard !hits.isEmpty else { return }
        let bodies = try bodyTexts(of: hits.map(\.postID), conn)
        let highlighted = try Highlighter.marked(bodies: bodies, titles: hits.map(\.threadTitle), query: query)
        for index in hits.indices {
            if let marked = highlighted[index] {
                hits[index].snippetHTML = markedHTML(marked.snippet)
                hits[index].titleHTML = markedHTML(marked.title)
            } else {
                hits[index].snippetHTML = startHTML(bodies[index])
            }
        }
    }

    /// The texts of posts `ids`, in that order ("" for one not found), in one statement: the ids
    /// go in as one JSON array, written here from numbers, and each is looked up by its rowid
    /// (it was one statement a post: twenty a page).
    static func bodyTexts(of ids: [Int64], _ conn: Connection) throws -> [String] {
        var bodies = [String](repeating: "", count: ids.count)
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        try conn.forEach("""
            SELECT j.key AS position, p.body_text FROM json_each(?1) j LEFT JOIN posts p ON p.id = j.value
            """, arguments: [list]) { row in
            let position: Int = try row["position"]
            guard bodies.indices.contains(position) else { return }
            let text: String? = try row["body_text"]
            bodies[position] = text ?? ""
        }
        return bodies
    }

    /// The search indexes' tokenizer, and room for the tokens of a page's texts, kept for the
    /// next search (making them costs an FTS5 module's lookup and the tokenizer's tables).
    /// Each text is tokenized into the lists before they are read, so nothing of one viewer's
    /// results reaches another's.
    final class Highlighter: @unchecked Sendable {
        // `@unchecked Sendable` is sound: a highlighter is used by one thread at a time. It is
        // either in `idle` (touched only under its lock) or taken out of it by exactly one
        // `marked` call, which puts it back when done.
        /// The connection whose FTS5 module the tokenizer belongs to.
        let connection: Connection
        let tokenizer: FullTextTokenizer
        let body = FullTextTokens()
        let title = FullTextTokens()

        /// The `tokenize` option of the search tables (Migration001Initial).
        static let tokenizerSpecification = "porter unicode61 remove_diacritics 2"
        /// The length of a snippet in tokens.
        static let snippetTokens = 24

        /// Highlighters not in use; at most `idleLimit` are kept.
        static let idle = Mutex<[Highlighter]>([])
        static let idleLimit = 16

        init() throws {
            connection = try Connection(path: ":memory:", role: .memory)
            tokenizer = try FullTextTokenizer(connection, specification: Self.tokenizerSpecification)
        }

        /// `snippet` (of `bodies[i]`) and `title` (`titles[i]` highlighted) with the match
        /// markers, by index; nil where the query does not match the two (the caller shows the
        /// text's start).
        static func marked(bodies: [String], titles: [String], query: SearchQuery) throws -> [(snippet: String, title: String)?] {
            let highlighter = try idle.withLock { $0.popLast() } ?? Highlighter()
            defer { idle.withLock { if $0.count < idleLimit { $0.append(highlighter) } } }
            return try highlighter.mark(bodies: bodies, titles: titles, query: query)
        }

        private func mark(bodies: [String], titles: [String], query: SearchQuery) throws -> [(snippet: String, title: String)?] {
            let snippets = try SearchSnippets(query: query, tokenizer: tokenizer, scratch: body,
                                              open: String(openMarker), close: String(closeMarker), ellipsis: "…",
                                              tokensWanted: Self.snippetTokens)
            var result = [(snippet: String, title: String)?](repeating: nil, count: bodies.count)
            for index in bodies.indices {
                var bodyText = bodies[index]
                var titleText = index < titles.count ? titles[index] : ""
                result[index] = try bodyText.withUTF8 { bodyBytes in
                    try titleText.withUTF8 { titleBytes in
                        try tokenizer.tokenize(bodyBytes, as: .document, into: body)
                        try tokenizer.tokenize(titleBytes, as: .document, into: title)
                        let inBody = snippets.instances(in: body)
                        let inTitle = snippets.instances(in: title)
                        guard snippets.matches(inBody, inTitle) else { return nil }
                        return (snippets.snippet(bodyBytes, tokens: body, instances: inBody),
                                snippets.highlight(titleBytes, tokens: title, instances: inTitle))
                    }
                }
            }
            return result
        }
    }

    /// Estimates of how many rows of one index each phrase matches, for `bm25_estimated`.
    /// Counting every match of a common word costs a pass over its whole posting list, so only
    /// the newest matches are read: when `sample` of them lie among the newest rows, the span of
    /// ids they cover gives the rate (a word in 93% of posts: its newest 1,000 matches span
    /// ~1,075 posts); when fewer lie in the window (for posts `post_search_recent`, which also
    /// spares a prefix the merge over every post), the window's count is scaled to the index; a
    /// phrase too rare for either is counted outright (it has few matches).
    enum DocumentFrequency {
        case posts, titles

        static let titleWindow: Int64 = 20_000
        static let sample = 1_000
        static let exactBelow = 20
        static let exactCap = 10_000

        var newestSQL: String {
            switch self {
            case .posts: "SELECT max(id) FROM posts"
            case .titles: "SELECT max(id) FROM threads"
            }
        }

        var window: Int64 {
            switch self {
            case .posts: SearchIndex.recentWindow
            case .titles: Self.titleWindow
            }
        }

        /// How many of the newest ?3 matches of ?1 have ids above ?2, and the oldest id among them.
        var sampleSQL: String {
            switch self {
            case .posts: """
                SELECT count(*) AS matches, min(rowid) AS oldest FROM (SELECT rowid FROM post_search_recent
                    WHERE post_search_recent MATCH ?1 AND rowid > ?2 ORDER BY rowid DESC LIMIT ?3)
                """
            case .titles: """
                SELECT count(*) AS matches, min(rowid) AS oldest FROM (SELECT rowid FROM thread_search
                    WHERE thread_search MATCH ?1 AND rowid > ?2 ORDER BY rowid DESC LIMIT ?3)
                """
            }
        }

        var cappedSQL: String {
            switch self {
            case .posts: "SELECT count(*) FROM (SELECT 1 FROM post_search WHERE post_search MATCH ?1 LIMIT ?2)"
            case .titles: "SELECT count(*) FROM (SELECT 1 FROM thread_search WHERE thread_search MATCH ?1 LIMIT ?2)"
            }
        }

        /// Space-separated estimates, one per phrase, in order, and the rows of the index they
        /// are out of (for `bm25_estimated` on a table other than the index itself).
        struct Estimates: Sendable {
            let text: String
            let rows: Int64
            static let none = Estimates(text: "", rows: 0)
        }

        struct Sample: RowDecodable {
            let count: Int64, oldest: Int64?
            init(row: Row) throws { count = try row["matches"]; oldest = try row["oldest"] }
            init(count: Int64, oldest: Int64?) { self.count = count; self.oldest = oldest }
            static let empty = Sample(count: 0, oldest: nil)
        }

        func estimates(_ conn: Connection, _ phrases: [String]) throws -> Estimates {
            let newest = try conn.scalar(Int64.self, newestSQL) ?? 0
            let start = max(0, newest - window)
            var counts: [Int64] = []
            for phrase in phrases {
                let sample = try conn.queryOne(Sample.self, sampleSQL, phrase, start, Self.sample) ?? Sample.empty
                var estimate: Int64
                if sample.count == Int64(Self.sample), let oldest = sample.oldest {
                    estimate = sample.count * newest / max(1, newest - oldest + 1)
                } else {
                    estimate = start == 0 ? sample.count : sample.count * newest / (newest - start)
                    if start > 0, sample.count < Self.exactBelow {
                        estimate = max(estimate, try conn.scalar(Int64.self, cappedSQL, phrase, Self.exactCap) ?? 0)
                    }
                }
                counts.append(estimate)
            }
            return Estimates(text: counts.map(String.init).joined(separator: " "), rows: newest)
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Escapes `text` for HTML and turns the match markers into `<mark>`…`</mark>`. Markers
    /// that were already in the stored text can at worst open or close a highlight early: marks
    /// are always balanced and every other character is escaped. Works on the UTF-8 bytes: the
    /// markers are whole three-byte sequences (EE 80 80, EE 80 81) that no other character's
    /// bytes contain, and the runs between them go through `HTMLByteEscaper` as they are.
    public static func markedHTML(_ text: String) -> String {
        var text = text
        return text.withUTF8 { source in
            guard let bytes = source.baseAddress, !source.isEmpty else { return "" }
            let count = source.count
            // A marker (3 bytes) becomes at most 7 ("</mark>"), under the escaper's 6 a byte;
            // plus one closing mark at the end.
            return String(unsafeUninitializedCapacity: HTMLByteEscaper.worstCase(count) + 7) { buffer in
                guard let start = buffer.baseAddress else { return 0 }
                var out = start
                var open = false
                var runStart = 0
                func write(_ tag: StaticString) {
                    memcpy(out, tag.utf8Start, tag.utf8CodeUnitCount)
                    out += tag.utf8CodeUnitCount
                }
                func flush(to end: Int) {
                    out += HTMLByteEscaper.escape(UnsafeBufferPointer(start: bytes + runStart, count: end - runStart), into: out)
                }
                var index = 0
                while index + 2 < count {
                    guard let found = memchr(bytes + index, 0xEE, count - 2 - index) else { break }
                    index = bytes.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    let last = bytes[index + 2]
                    guard bytes[index + 1] == 0x80, last == 0x80 || last == 0x81 else {
                        index += 1
                        continue
                    }
                    flush(to: index)
                    if last == 0x80, !open {
                        write("<mark>")
                        open = true
                    } else if last == 0x81, open {
                        write("</mark>")
                        open = false
                    }
                    index += 3
                    runStart = index
                }
                flush(to: count)
                if open { write("</mark>") }
                return out - start
            }
        }
    }
}
