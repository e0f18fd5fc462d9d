import Board
import Foundation
import HTTPServer

/// Atom 1.0 feeds (RFC 4287): the briefing, a topic's threads, a thread's posts. Built as text
/// with every value escaped for XML, and characters XML 1.0 forbids dropped.
struct AtomFeed {
    struct Entry {
        var id: String
        var title: String
        var link: String
        var updated: Date
        var published: Date?
        var author: String?
        var summary: String?
        /// Already-safe HTML (a stored post body), sent escaped as `type="html"` content.
        var contentHTML: String?
        var categories: [TopicTag] = []
    }

    var id: String
    var title: String
    var subtitle: String?
    var selfURL: String
    var alternateURL: String
    var entries: [Entry]

    static let contentType = "application/atom+xml; charset=utf-8"

    /// The feed's document.
    func xml() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
        out += "<id>\(Self.escape(id))</id>\n"
        out += "<title>\(Self.escape(title))</title>\n"
        if let subtitle { out += "<subtitle>\(Self.escape(subtitle))</subtitle>\n" }
        let updated = entries.map(\.updated).max() ?? Date(timeIntervalSince1970: 0)
        out += "<updated>\(DateText.iso(updated))</updated>\n"
        out += "<link rel=\"self\" type=\"application/atom+xml\" href=\"\(Self.escape(selfURL))\"/>\n"
        out += "<link rel=\"alternate\" type=\"text/html\" href=\"\(Self.escape(alternateURL))\"/>\n"
        out += "<author><name>Mutuals Network</name></author>\n"
        for entry in entries {
            out += "<entry>\n<id>\(Self.escape(entry.id))</id>\n<title>\(Self.escape(entry.title))</title>\n"
            out += "<link rel=\"alternate\" type=\"text/html\" href=\"\(Self.escape(entry.link))\"/>\n"
            out += "<updated>\(DateText.iso(entry.updated))</updated>\n"
            if let published = entry.published { out += "<published>\(DateText.iso(published))</published>\n" }
            if let author = entry.author { out += "<author><name>\(Self.escape(author))</name></author>\n" }
            for category in entry.categories {
                out += "<category term=\"\(Self.escape(category.slug))\" label=\"\(Self.escape(category.name))\"/>\n"
            }
            if let summary = entry.summary { out += "<summary type=\"text\">\(Self.escape(summary))</summary>\n" }
            if let html = entry.contentHTML { out += "<content type=\"html\">\(Self.escape(html))</content>\n" }
            out += "</entry>\n"
        }
        out += "</feed>\n"
        return out
    }

    func response() -> Response {
        Response(status: .ok, contentType: Self.contentType, body: xml())
    }

    /// `text` escaped for XML content and attribute values; characters XML 1.0 does not allow
    /// (most C0 controls, U+FFFE, U+FFFF) are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Absolute URLs for feeds: the configured public address (`--base-url`) when there is one;
/// otherwise the request's Host when it looks like a host name, with its scheme (docs/mail.md,
/// "Links"). The Host header is the client's to choose, so with `--base-url` set it is not used.
struct SiteURL {
    let base: String

    /// - Parameter configured: `SiteConfiguration.baseURL`, without a trailing slash.
    init(request: Request, configured: String?) {
        if let configured, !configured.isEmpty {
            self.init(base: configured)
        } else {
            self.init(request: request)
        }
    }

    init(base: String) {
        self.base = base
    }

    init(request: Request) {
        let host = request.host
        let isPlainHost = !host.isEmpty && host.utf8.count <= 255 && host.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x2D || byte == 0x3A || byte == 0x5B || byte == 0x5D
        }
        self.init(base: (request.isSecure ? "https://" : "http://") + (isPlainHost ? host : "localhost"))
    }

    func callAsFunction(_ path: String) -> String { base + path }
}

extension AppContext {
    /// Absolute URLs for a response to `request` (`SiteURL`).
    func siteURL(_ request: Request) -> SiteURL {
        SiteURL(request: request, configured: site.baseURL)
    }
}

/// The three feeds, from `FeedQueries` (which always read as a visitor).
enum Feeds {
    static func briefing(_ items: [BriefingItemSummary], site: SiteURL) -> AtomFeed {
        AtomFeed(
            id: site("/briefing"), title: "The briefing – Mutuals Network",
            subtitle: "Curated reading for people building public-service mutuals",
            selfURL: site("/briefing.atom"), alternateURL: site("/briefing"),
            entries: items.map { item in
                AtomFeed.Entry(id: site("/briefing#item-\(item.id)"), title: item.title, link: item.url,
                               updated: item.publishedAt, published: item.publishedAt, author: item.source,
                               summary: item.summary, contentHTML: nil, categories: item.topics)
            })
    }

    static func topic(_ page: TopicPage, site: SiteURL) -> AtomFeed {
        AtomFeed(
            id: site(BoardPaths.topic(page.topic.slug)), title: "\(page.topic.name) – Mutuals Network",
            subtitle: page.description.isEmpty ? nil : page.description,
            selfURL: site(BoardPaths.topic(page.topic.slug) + ".atom"), alternateURL: site(BoardPaths.topic(page.topic.slug)),
            entries: page.threads.map { thread in
                let replies = thread.replyCount == 1 ? "1 reply" : "\(thread.replyCount) replies"
                return AtomFeed.Entry(id: site("/t/\(thread.id)"), title: thread.title,
                                      link: site(BoardPaths.thread(id: thread.id, slug: thread.slug)),
                                      updated: thread.lastActivityAt, published: nil, author: thread.authorName,
                                      summary: "Started by \(thread.authorName); \(replies)\(thread.hasAcceptedAnswer ? "; answered" : "").",
                                      contentHTML: nil, categories: thread.topics)
            })
    }

    static func thread(_ feed: ThreadFeed, site: SiteURL) -> AtomFeed {
        let path = BoardPaths.thread(id: feed.thread.id, slug: feed.thread.slug)
        return AtomFeed(
            id: site("/t/\(feed.thread.id)"), title: "\(feed.thread.title) – Mutuals Network", subtitle: nil,
            selfURL: site("/t/\(feed.thread.id)/feed.atom"), alternateURL: site(path),
            entries: feed.posts.map { post in
                let page = (post.position - 1) / PageQueries.postsPerPage + 1
                return AtomFeed.Entry(id: site("/t/\(feed.thread.id)#post-\(post.id)"),
                                      title: post.position == 1 ? feed.thread.title : "Reply by \(post.authorName)",
                                      link: site(path + (page == 1 ? "" : "?page=\(page)") + "#post-\(post.id)"),
                                      updated: post.editedAt ?? post.createdAt, published: post.createdAt,
                                      author: post.authorName, summary: nil, contentHTML: post.bodyHTML)
            })
    }
}
