import Database
import Foundation

/// Which answered state a search is limited to.
public enum SearchAnswered: String, Sendable, CaseIterable {
    case any, answered, unanswered, mentor
}

/// A search request: the parsed query and its filters (nil or `.any`: no filter).
public struct SearchRequest: Sendable {
    public var query: SearchQuery
    public var topicSlug: String?
    public var organisationSlug: String?
    public var authorHandle: String?
    public var answered: SearchAnswered
    /// Posts written at or after `from` and before `until`.
    public var from: Date?
    public var until: Date?
    /// 1-based.
    public var page: Int

    public init(query: SearchQuery, topicSlug: String? = nil, organisationSlug: String? = nil,
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

    /// At most this many of the newest matches of each index are ranked on the fast path: bm25 over
    /// every match of a word in most posts costs ~1 s at 1M posts (measured), so a very common word
    /// is ranked among its newest matches. When that leaves less than the page asked for (rare
    /// words, or filters that exclude most candidates) the query runs again over every match.
    public static let candidateLimit = 2000

    /// Parameters: ?1–?3 the viewer, ?4 the FTS5 expression, ?5 topic slug, ?6 answered filter,
    /// ?7 organisation slug, ?8 author handle, ?9 from (ms), ?10 until (ms), ?11 limit, ?12 offset,
    /// ?13 title weight, ?14 candidates per index (-1: all).
    static let sql = """
        WITH hits(post_id, score) AS (
            SELECT * FROM (SELECT rowid, bm25(post_search) FROM post_search WHERE post_search MATCH ?4
                           ORDER BY rowid DESC LIMIT ?14)
            UNION ALL
            SELECT p.id, ?13 * th.score
            FROM (SELECT rowid AS id, bm25(thread_search) AS score FROM thread_search WHERE thread_search MATCH ?4
                  ORDER BY rowid DESC LIMIT ?14) th
            JOIN posts p ON p.thread_id = th.id AND p.position = 1
        ),
        ranked(post_id, score) AS (SELECT post_id, sum(score) FROM hits GROUP BY post_id)
        SELECT p.id, p.position, t.id, t.slug, t.title, a.handle, a.display_name, p.created_at,
               t.organisation_id IS NOT NULL, t.accepted_post_id IS NOT NULL
        FROM ranked r
        JOIN posts p ON p.id = r.post_id
        JOIN threads t ON t.id = p.thread_id
        JOIN users a ON a.id = p.author_id
        WHERE t.hidden = 0 AND p.hidden = 0 AND p.deleted_by_author = 0 AND p.held_for_approval = 0
          AND \(PageQueries.visible)
          AND (?5 IS NULL OR EXISTS (SELECT 1 FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id
                                     WHERE tt.thread_id = t.id AND tp.slug = ?5))
          AND (?6 = 'any'
               OR (?6 = 'unanswered' AND t.accepted_post_id IS NULL)
               OR (?6 = 'answered' AND t.accepted_post_id IS NOT NULL)
               OR (?6 = 'mentor' AND EXISTS (SELECT 1 FROM posts ap JOIN users au ON au.id = ap.author_id
                                             WHERE ap.id = t.accepted_post_id AND au.role = 'mentor')))
          AND (?7 IS NULL OR EXISTS (SELECT 1 FROM organisations o WHERE o.slug = ?7
                                     AND (o.id = t.organisation_id OR o.id = a.organisation_id)))
          AND (?8 IS NULL OR a.handle = ?8)
          AND (?9 IS NULL OR p.created_at >= ?9)
          AND (?10 IS NULL OR p.created_at < ?10)
        ORDER BY r.score, p.id DESC
        LIMIT ?11 OFFSET ?12
        """

    struct Row10: RowDecodable {
        let hit: SearchHit
        init(row: Row) throws {
            let title: String = try row[4]
            hit = SearchHit(postID: try row[0], position: try row[1], threadID: try row[2], threadSlug: try row[3],
                            threadTitle: title, titleHTML: PlainTextRenderer.escapeHTML(title), snippetHTML: "",
                            authorHandle: try row[5], authorName: try row[6], createdAt: try row[7],
                            isPrivate: try row[8], hasAcceptedAnswer: try row[9])
        }
    }

    /// One page of results for `viewer`.
    public static func search(_ conn: Connection, _ request: SearchRequest, viewer: Viewer) throws -> SearchResults {
        let page = min(request.page, maximumPage)
        let expression = request.query.fts5Expression
        let arguments: [(any Bindable)?] = PageQueries.viewerArguments(viewer) + [
            expression, request.topicSlug, request.answered.rawValue, request.organisationSlug,
            request.authorHandle, request.from.map(milliseconds), request.until.map(milliseconds),
            resultsPerPage + 1, (page - 1) * resultsPerPage, titleWeight,
        ]
        var hits = try conn.query(Row10.self, sql, arguments: arguments + [candidateLimit]).map(\.hit)
        if hits.count <= resultsPerPage {
            hits = try conn.query(Row10.self, sql, arguments: arguments + [-1]).map(\.hit)
        }
        let hasNext = hits.count > resultsPerPage && page < maximumPage
        if hits.count > resultsPerPage { hits.removeLast(hits.count - resultsPerPage) }
        let open = String(openMarker), close = String(closeMarker)
        for index in hits.indices {
            let snippet = try conn.scalar(String.self, """
                SELECT snippet(post_search, 0, ?1, ?2, '…', 24) FROM post_search WHERE post_search MATCH ?3 AND rowid = ?4
                """, open, close, expression, hits[index].postID)
            if let snippet {
                hits[index].snippetHTML = markedHTML(snippet)
            } else {
                // Found by its title only: the start of the post.
                let body = try conn.scalar(String.self, "SELECT substr(body_markdown, 1, 200) FROM posts WHERE id = ?",
                                           hits[index].postID) ?? ""
                hits[index].snippetHTML = PlainTextRenderer.escapeHTML(body) + (body.count >= 200 ? "…" : "")
            }
            if let title = try conn.scalar(String.self, """
                SELECT highlight(thread_search, 0, ?1, ?2) FROM thread_search WHERE thread_search MATCH ?3 AND rowid = ?4
                """, open, close, expression, hits[index].threadID) {
                hits[index].titleHTML = markedHTML(title)
            }
        }
        return SearchResults(hits: hits, page: page, hasNextPage: hasNext)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Escapes `text` for HTML and turns the match markers into `<mark>`…`</mark>`. Markers
    /// that were already in the stored text can at worst open or close a highlight early: marks
    /// are always balanced and every other character is escaped.
    public static func markedHTML(_ text: String) -> String {
        var result = ""
        var piece = String.UnicodeScalarView()
        var open = false
        func flush() {
            result += PlainTextRenderer.escapeHTML(String(piece))
            piece = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar == openMarker {
                flush()
                if !open { result += "<mark>"; open = true }
            } else if scalar == closeMarker {
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
