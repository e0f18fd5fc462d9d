import Database
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import DemoContent
@testable import Web

/// Counts Atom entries and collects their titles with Foundation's XML parser.
final class AtomReader: NSObject, XMLParserDelegate {
    var entries = 0
    var titles: [String] = []
    var rootName: String?
    var rootNamespace: String?
    private var inEntryTitle = false
    private var depthInEntry = 0
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if rootName == nil { rootName = name; rootNamespace = namespaceURI }
        if name == "entry" { entries += 1; depthInEntry = 0 }
        if name == "title" && entries > 0 && titles.count < entries { inEntryTitle = true; text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inEntryTitle { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "title" && inEntryTitle { titles.append(text); inEntryTitle = false }
    }

    /// Parses `bytes`; nil when the document is not well-formed XML.
    static func read(_ bytes: [UInt8]) -> AtomReader? {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        let reader = AtomReader()
        parser.delegate = reader
        return parser.parse() ? reader : nil
    }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct BoardPagesTests {
    /// Dates on pages: ISO 8601 in UTC for `datetime`, words for people.
    @Test func datesAreWrittenInUTC() {
        let cases: [(Double, String, String)] = [
            (0, "1970-01-01T00:00:00Z", "1 January 1970 at 00:00"),
            (1_326_164_400, "2012-01-10T03:00:00Z", "10 January 2012 at 03:00"),
            (951_825_599, "2000-02-29T11:59:59Z", "29 February 2000 at 11:59"),
            (-1, "1969-12-31T23:59:59Z", "31 December 1969 at 23:59"),
            (253_402_300_799, "9999-12-31T23:59:59Z", "31 December 9999 at 23:59"),
            (253_402_300_800 + 3_723, "10000-01-01T01:02:03Z", "1 January 10000 at 01:02"),
        ]
        for (seconds, iso, human) in cases {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(DateText.iso(date) == iso)
            #expect(DateText.humanWithTime(date) == human)
            #expect(DateText.human(date) + " at " + human.suffix(5) == human)
        }
    }

    @Test func homeShowsLatestUnansweredBriefingAndTopicsWithCounts() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let response = try server.get("/")
                let html = response.text
                #expect(response.status == 200)
                #expect(html.contains("<title>Home – Mutuals Network</title>"))
                #expect(html.contains("Tender asks for a £2m performance bond"))
                #expect(html.contains("Questions waiting for an answer"))
                #expect(html.contains("</time> by Sam Okafor"))
                #expect(html.contains("Life after the first contract"))
                #expect(html.contains("A £10m Mutual Support Programme"))
                // Governance has three threads, one of them private: a visitor's count is two.
                #expect(html.contains("<a href=\"/topics/governance-and-legal-form\">Governance and legal form</a> <span class=\"meta\">(2 threads)</span>"))
                #expect(!html.contains(DemoSite.privateTitle))
                #expect(!html.contains("<script"))
            }
        }
    }

    @Test func topicPageWithFilters() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let all = try server.get("/topics/governance-and-legal-form")
                #expect(all.status == 200)
                #expect(all.text.contains("<h1 class=\"heading-l\">Governance and legal form</h1>"))
                #expect(all.text.contains("Choosing a legal form"))
                #expect(all.text.contains("Staff shareholding: one share each"))
                #expect(all.text.contains("Community interest company, co-operative"))
                #expect(all.text.contains("<strong aria-current=\"page\">All threads</strong>"))
                #expect(!all.text.contains(DemoSite.privateTitle))

                let answered = try server.get("/topics/governance-and-legal-form?filter=answered")
                #expect(answered.text.contains("Staff shareholding: one share each"))
                #expect(!answered.text.contains("Community interest company, co-operative"))
                #expect(answered.text.contains("<title>Governance and legal form: Answered – Mutuals Network</title>"))

                let unanswered = try server.get("/topics/governance-and-legal-form?filter=unanswered")
                #expect(!unanswered.text.contains("Staff shareholding: one share each"))
                #expect(unanswered.text.contains("No threads match this filter."))

                let growth = try server.get("/topics/growth-beyond-a-single-contract?filter=unanswered")
                #expect(growth.text.contains("Life after the first contract"))
                #expect(growth.text.contains("Spin-outs told not to lean on one contract"))

                #expect(try server.get("/topics/no-such-topic").status == 404)
            }
        }
    }

    @Test func threadPageShowsPostsAnswerAndBadges() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.id(ofThread: "Tender asks for%")
            let slug = try site.slug(ofThread: id)
            try site.serve { server in
                let response = try server.get("/t/\(id)-\(slug)")
                let html = response.text
                #expect(response.status == 200)
                #expect(html.contains("<h1 class=\"heading-l\">Tender asks for a £2m performance bond — is that even lawful?</h1>"))
                #expect(html.contains("<strong class=\"badge badge--mentor\">Mentor · John Lewis Partnership</strong>"))
                #expect(html.contains("<span class=\"post__org\">Anglian Community Enterprise</span>"))
                #expect(html.contains("<time datetime=\"2012-01-10T"))
                #expect(html.contains("<strong>risk</strong>"))
                #expect(html.contains("Go to the accepted answer"))
                #expect(html.contains("post--accepted"))
                // Posts in order.
                let names = ["Priya Nair", "Tom Beckett", "Helen Marsh", "Sam Okafor"]
                let positions = names.compactMap { html.range(of: ">\($0)</a>")?.lowerBound }
                #expect(positions.count == 4 && positions == positions.sorted())
                // The answer link points at the accepted post, which is marked.
                let acceptedID = try site.store.read { try $0.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", id) }
                #expect(html.contains("href=\"#post-\(acceptedID ?? 0)\""))
                #expect(html.contains("<li class=\"post post--accepted\" id=\"post-\(acceptedID ?? 0)\">"))
            }
        }
    }

    @Test func wrongOrMissingSlugRedirectsToTheCanonicalURL() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.id(ofThread: "Tender asks for%")
            let canonical = "/t/\(id)-\(try site.slug(ofThread: id))"
            try site.serve { server in
                for path in ["/t/\(id)", "/t/\(id)-wrong-slug", "/t/\(id)-"] {
                    let response = try server.get(path)
                    #expect(response.status == 301, "\(path)")
                    #expect(response.header("Location") == canonical, "\(path)")
                }
                #expect(try server.get(canonical).status == 200)
                #expect(try server.get("/t/999999-nothing").status == 404)
                #expect(try server.get("/t/abc").status == 404)
                #expect(try server.get("/t/\(id)x").status == 404)
            }
        }
    }

    @Test func paginationBoundaries() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.id(ofThread: "Life after the first contract%")
            let slug = try site.slug(ofThread: id)
            let author = try site.userID("sam_okafor")
            // 45 replies: 46 posts, pages of 20 → 3 pages.
            try site.store.write { tx in
                for index in 1...45 {
                    _ = try tx.insertPost(threadID: id, authorID: author, body: "Reply number \(index)",
                                          at: Date(timeIntervalSince1970: 1_400_000_000 + Double(index)))
                }
            }
            let base = "/t/\(id)-\(slug)"
            try site.serve { server in
                let first = try server.get(base)
                #expect(first.status == 200)
                #expect(first.text.contains("(page 1 of 3) – Mutuals Network</title>"))
                #expect(first.text.contains("href=\"\(base)?page=2\" rel=\"next\""))
                #expect(!first.text.contains("Reply number 20<"))
                #expect(first.text.contains("Reply number 19<"))

                let last = try server.get(base + "?page=3")
                #expect(last.status == 200)
                #expect(last.text.contains("(page 3 of 3) – Mutuals Network</title>"))
                #expect(last.text.contains("Reply number 45<"))
                #expect(last.text.contains("Reply number 40<"))
                #expect(!last.text.contains("Reply number 39<"))
                #expect(!last.text.contains("rel=\"next\""))
                #expect(last.text.contains("href=\"\(base)?page=2\" rel=\"prev\""))

                for bad in ["0", "4", "-1", "abc", "99999999999"] {
                    #expect(try server.get(base + "?page=\(bad)").status == 404, "page=\(bad)")
                }
                let redirect = try server.get("/t/\(id)-old-title?page=2")
                #expect(redirect.status == 301)
                #expect(redirect.header("Location") == base + "?page=2")
            }
        }
    }

    @Test func briefingGroupsItemsByWeekAndTopicWithTheirThreads() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let response = try server.get("/briefing")
                let html = response.text
                #expect(response.status == 200)
                #expect(html.contains("<h1 class=\"heading-l\">The briefing</h1>"))
                #expect(html.contains("Week beginning 12 December 2011"))
                #expect(html.contains("Week beginning 28 November 2011"))
                #expect(html.contains("id=\"topic-capital-and-finance\""))
                #expect(html.contains("Discussions about this item:"))
                #expect(html.contains("Mutual Support Programme: has anyone applied yet?"))
                #expect(!html.contains(DemoSite.privateTitle))
            }
        }
    }

    @Test func organisationPages() throws {
        try withTestNetwork(content: .demo) { site in
            try site.serve { server in
                let pathfinder = try server.get("/o/tri-borough-mutual")
                #expect(pathfinder.status == 200)
                #expect(pathfinder.text.contains("Pathfinder mutual"))
                #expect(pathfinder.text.contains(">Sam Okafor</a>"))
                #expect(pathfinder.text.contains(">Helen Marsh</a> <span class=\"meta\">(John Lewis Partnership)</span>"))
                #expect(pathfinder.text.contains("Staff shareholding: one share each"))
                #expect(!pathfinder.text.contains(DemoSite.privateTitle))
                #expect(!pathfinder.text.contains("Private space"))

                let mentors = try server.get("/o/john-lewis-partnership")
                #expect(mentors.status == 200)
                #expect(mentors.text.contains("Mentor organisation"))
                #expect(mentors.text.contains("href=\"/o/tri-borough-mutual\""))
                #expect(mentors.text.contains("href=\"https://www.johnlewispartnership.co.uk\""))

                #expect(try server.get("/o/no-such-organisation").status == 404)
            }
        }
    }

    @Test func feedsAreValidAtomWithTheRightEntries() throws {
        try withTestNetwork(content: .demo) { site in
            let tender = try site.id(ofThread: "Tender asks for%")
            try site.serve { server in
                let briefing = try server.get("/briefing.atom")
                #expect(briefing.status == 200)
                #expect(briefing.header("Content-Type") == "application/atom+xml; charset=utf-8")
                let briefingFeed = AtomReader.read(briefing.body)
                #expect(briefingFeed?.rootName == "feed")
                #expect(briefingFeed?.rootNamespace == "http://www.w3.org/2005/Atom")
                #expect(briefingFeed?.entries == Demo.briefing.count)
                #expect(briefingFeed?.titles.contains("A £10m Mutual Support Programme for staff who want to spin out") == true)

                for path in ["/topics/governance-and-legal-form.atom", "/topics/governance-and-legal-form/feed"] {
                    let topic = try server.get(path)
                    #expect(topic.status == 200)
                    let feed = AtomReader.read(topic.body)
                    #expect(feed?.entries == 2, "\(path)")
                    #expect(feed?.titles.contains { $0.hasPrefix(DemoSite.privateTitle) } == false)
                }
                #expect(try server.get("/topics/no-such-topic.atom").status == 404)

                let thread = try server.get("/t/\(tender)/feed.atom")
                #expect(thread.status == 200)
                let threadFeed = AtomReader.read(thread.body)
                #expect(threadFeed?.entries == 4)
                #expect(threadFeed?.titles.contains("Reply by Helen Marsh") == true)
                // Post bodies travel as escaped HTML content.
                #expect(thread.text.contains("&lt;strong&gt;risk&lt;/strong&gt;"))
                #expect(try server.get("/t/999999/feed.atom").status == 404)
            }
        }
    }

    @Test func feedEscapingSurvivesHostileText() {
        let feed = AtomFeed(id: "https://localhost/x", title: "A <b> & \"c\" 'd'\u{1}\u{FFFF}", subtitle: nil,
                            selfURL: "https://localhost/x.atom", alternateURL: "https://localhost/x",
                            entries: [AtomFeed.Entry(id: "https://localhost/x#1", title: "]]> <!-- &amp;", link: "https://localhost/x?a=1&b=2",
                                                     updated: Date(timeIntervalSince1970: 0), published: nil, author: "<me>",
                                                     summary: "\u{0}nul", contentHTML: "<p>x</p><script>y</script>")])
        let reader = AtomReader.read(Array(feed.xml().utf8))
        #expect(reader?.entries == 1)
        #expect(reader?.titles == ["]]> <!-- &amp;"])
    }

    @Test func editedPostsLinkToTheirHistory() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.id(ofThread: "Tender asks for%")
            let slug = try site.slug(ofThread: id)
            let helen = Viewer(userID: try site.userID("helen_marsh"), organisationID: try site.organisationID("john-lewis-partnership"), isAdmin: false)
            let postID = try site.store.read {
                try $0.scalar(Int64.self, "SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id WHERE p.thread_id = ? AND u.handle = 'helen_marsh'", id)
            } ?? 0
            try Threads.edit(site.store, by: helen, postID: postID, body: "Separate the **risk** from the <instrument>.")
            let privatePost = try site.store.read {
                try $0.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position = 1", try site.privateThreadID)
            } ?? 0
            try site.serve { server in
                let thread = try server.get("/t/\(id)-\(slug)")
                #expect(thread.text.contains("<a class=\"post__edited\" href=\"/p/\(postID)/revisions\">Edited <time datetime=\""))
                #expect(thread.text.contains("from the &lt;instrument&gt;."))
                let history = try server.get("/p/\(postID)/revisions")
                #expect(history.status == 200)
                #expect(history.text.contains("Original version"))
                #expect(history.text.contains("Worth separating two things: the **risk**"))
                #expect(history.text.contains("Separate the **risk** from the &lt;instrument&gt;."))
                #expect(history.text.contains("Replaced by Helen Marsh"))
                #expect(try server.get("/p/\(privatePost)/revisions").status == 404)
                #expect(try server.get("/p/999999/revisions").status == 404)
            }
        }
    }

    /// The demo's private thread: a visitor gets 404 for it and sees nothing of it anywhere.
    @Test func privateSpaceIsInvisibleToAVisitorEverywhere() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.privateThreadID
            #expect(id > 0)
            let slug = try site.slug(ofThread: id)
            try site.serve { server in
                for path in ["/t/\(id)-\(slug)", "/t/\(id)", "/t/\(id)-wrong", "/t/\(id)/feed.atom", "/t/\(id)-\(slug)?page=1"] {
                    #expect(try server.get(path).status == 404, "\(path)")
                }
                let pages = ["/", "/topics/governance-and-legal-form", "/topics/leadership-and-culture",
                             "/topics/governance-and-legal-form?filter=unanswered", "/topics/leadership-and-culture.atom",
                             "/topics/governance-and-legal-form/feed", "/briefing", "/briefing.atom",
                             "/o/tri-borough-mutual", "/o/john-lewis-partnership"]
                for path in pages {
                    let response = try server.get(path)
                    #expect(response.status == 200, "\(path)")
                    #expect(!response.text.contains(DemoSite.privateTitle), "\(path)")
                    #expect(!response.text.contains("/t/\(id)-"), "\(path)")
                    #expect(!response.text.contains("/t/\(id)\""), "\(path)")
                    #expect(!response.text.contains("union representatives"), "\(path)")
                }
                // Counts: leadership and culture holds only the private thread.
                #expect(try server.get("/").text.contains("Leadership and culture</a> <span class=\"meta\">(0 threads)</span>"))
            }
        }
    }

    /// At the Board level, members of the organisation, its linked mentor and admins see the
    /// private thread; a member of another organisation and a visitor do not.
    @Test func privateSpaceIsVisibleToMembersMentorsAndAdmins() throws {
        try withTestNetwork(content: .demo) { site in
            let id = try site.privateThreadID
            try site.store.read { conn in
                for (viewer, sees) in try site.privateThreadReaders {
                    #expect((try PageQueries.thread(conn, id: id, page: 1, viewer: viewer) != nil) == sees)
                    let home = try PageQueries.homePage(conn, viewer: viewer)
                    #expect(home.latest.contains { $0.id == id } == sees)
                    let leadership = home.topics.first { $0.slug == "leadership-and-culture" }?.threadCount
                    #expect(leadership == (sees ? 1 : 0))
                    let topic = try PageQueries.topic(conn, slug: "governance-and-legal-form", viewer: viewer)
                    #expect(topic?.threads.contains { $0.id == id } == sees)
                    let organisation = try PageQueries.organisation(conn, slug: "tri-borough-mutual", viewer: viewer)
                    #expect(organisation?.canReadPrivateSpace == sees)
                    #expect(organisation?.privateThreads.contains { $0.id == id } == sees)
                }
                // Feeds read as a visitor whoever asks.
                #expect(try FeedQueries.thread(conn, id: id) == nil)
                #expect(try FeedQueries.topic(conn, slug: "leadership-and-culture")?.threads.isEmpty == true)
            }
        }
    }
}
