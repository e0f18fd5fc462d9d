import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 18 follow-ups: the welcome page's mentors, the notification meta line, the following
/// page's buttons, the sessions table, search's date filters, the settings' server defaults and
/// the briefing's date field, over the real server.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PolishPagesTests {
    @Test(arguments: [
        ("Ownership and governance adviser, John Lewis Partnership", "John Lewis Partnership", nil),
        ("Ownership and governance adviser, john lewis partnership", "John Lewis Partnership", nil),
        ("Ownership and governance adviser", "John Lewis Partnership", "John Lewis Partnership"),
        ("Ownership and governance adviser", "", nil),
    ] as [(String, String, String?)])
    func welcomeNamesAnOrganisationTheHeadlineDoesNot(headline: String, organisation: String, shown: String?) {
        #expect(WelcomeMentorLine.organisation(organisation, headline: headline) == shown)
        #expect(WelcomeMentorLine.organisation(nil, headline: headline) == nil)
    }

    @Test func welcomeShowsTheMentorsOrganisationOnce() throws {
        try withTestNetwork(content: .demo) { network in
            try network.serve { site in
                let priya = try site.signedIn("priya_nair")
                let page = try priya.get("/welcome")
                #expect(page.status == 200)
                let line = try #require(page.text.split(separator: "\n").first { $0.contains("/mentors/helen_marsh") })
                #expect(line.components(separatedBy: "John Lewis Partnership").count == 2, "\(line)")
            }
        }
    }

    @Test func aNotificationsMetaLineJoinsOnlyItsParts() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", name: "Capital and finance")
            let asker = try site.member(handle: "asker")
            let replier = try site.member(handle: "replier")
            let (thread, _) = try Threads.create(site.store, by: try site.actor("asker").viewer, NewThread(
                title: "Which pension scheme did you choose?", body: "Local government or a new one?", topicSlugs: ["capital-and-finance"]))
            try Threads.reply(site.store, by: try site.actor("replier").viewer, threadID: thread, body: "The local government scheme.")
            #expect(asker.id != replier.id)
            let browser = try site.signedIn("asker")
            let page = try browser.get("/notifications")
            #expect(page.status == 200)
            #expect(page.text.contains("replied in"))
            #expect(!page.text.contains("<span class=\"meta\"> ·"))
            #expect(!page.text.contains("<span class=\"meta\">·"))
            #expect(page.text.contains("<span class=\"meta\"><time datetime="))
            #expect(page.text.contains("</time> · New</span>"))
            // Read: the date alone, with no separator after it.
            _ = try browser.post("/notifications/read", [])
            let read = try browser.get("/notifications")
            #expect(read.text.contains("<span class=\"meta\"><time datetime="))
            #expect(!read.text.contains(" · New"))
            #expect(!read.text.contains("</time> ·"))
        }
    }

    @Test func stopFollowingIsAButtonAndSaysWhatHappened() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", name: "Capital and finance")
            let member = try site.member(handle: "follower")
            let thread = try site.thread(by: member, title: "Working capital in year one")
            let browser = try site.signedIn("follower", landingOn: "/following")
            #expect(try browser.post("/topics/capital-and-finance/follow", [("action", "follow")]).status == 303)
            #expect(try browser.post("/t/\(thread.id)/follow", [("action", "follow")]).status == 303)
            let page = try browser.get("/following")
            #expect(page.text.contains("<button class=\"button button--secondary following-list__button\" type=\"submit\">Stop following<span class=\"visually-hidden\"> Capital and finance</span></button>"))
            #expect(!page.text.contains("link-button"))

            let stopped = try browser.post("/t/\(thread.id)/follow", [("action", "unfollow"), ("back", "/following")])
            #expect(stopped.header("location")?.hasPrefix("/following?notice=stopped-following-thread.") == true)
            let after = try browser.follow(stopped)
            #expect(after.text.contains("You have stopped following the thread."))
            #expect(after.text.contains("You do not follow any threads."))
            let topic = try browser.post("/topics/capital-and-finance/follow", [("action", "unfollow"), ("back", "/following")])
            #expect(topic.header("location")?.hasPrefix("/following?notice=stopped-following-topic.") == true)
            #expect(try browser.follow(topic).text.contains("You have stopped following the topic."))
            // From the thread page, the thread page's own word (muted) is said there.
            #expect(try browser.post("/t/\(thread.id)/follow", [("action", "mute")]).header("location")?.contains("notice=muted.") == true)
            let muted = try browser.post("/t/\(thread.id)/follow", [("action", "unmute"), ("back", "/following")])
            #expect(muted.header("location")?.hasPrefix("/following?notice=thread-unmuted.") == true)
        }
    }

    @Test func theSessionsTableLabelsEachCellForAPhone() throws {
        try withTestSite { site in
            _ = try site.member(handle: "ann")
            let page = try site.signedIn("ann").get("/account/sessions")
            #expect(page.text.contains("<table class=\"table table--stacked\">"))
            for label in ["Browser", "Signed in", "Last used"] { #expect(page.text.contains("<td data-label=\"\(label)\">")) }
        }
    }

    @Test func anInvalidSearchDateIsNamedNotIgnored() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", name: "Capital and finance")
            let member = try site.member(handle: "asker")
            _ = try site.thread(by: member, title: "How did you handle the bond?")

            let bad = try site.get("/search?q=bond&topic=capital-and-finance&from=2026-02-30&to=")
            #expect(bad.status == 422)
            #expect(bad.text.contains("<title>Error: Search: bond"))
            #expect(bad.text.contains("<a href=\"#search-from\">“Written on or after” must be a real date, for example 2026-03-27 (year, month, day)</a>"))
            #expect(bad.text.contains("id=\"search-from-error\""))
            // What was typed stays, and so do the query and the other filters.
            #expect(bad.text.contains("value=\"2026-02-30\""))
            #expect(bad.text.contains("<option value=\"capital-and-finance\" selected>"))
            #expect(bad.text.contains("value=\"bond\""))
            // The bad date is not counted as a filter in use; the topic is.
            #expect(bad.text.contains("Filter results (1 in use)"))
            #expect(bad.text.contains("<details class=\"search-filters\" open>"))
            #expect(!bad.text.contains("search-results"))

            let backwards = try site.get("/search?q=bond&from=2026-03-02&to=2026-03-01")
            #expect(backwards.status == 422)
            #expect(backwards.text.contains("<a href=\"#search-to\">“Written on or before” must be the same as or after “Written on or after”</a>"))
            #expect(backwards.text.contains("Filter results</summary>"))

            // One bad date: the good one still counts.
            let oneBad = try site.get("/search?q=bond&from=2000-01-01&to=2100-02-31")
            #expect(oneBad.status == 422)
            #expect(oneBad.text.contains("Filter results (1 in use)"))
            #expect(oneBad.text.contains("<a href=\"#search-to\">“Written on or before” must be a real date"))

            let good = try site.get("/search?q=bond&from=2000-01-01&to=2100-01-01")
            #expect(good.status == 200)
            #expect(good.text.contains("Filter results (2 in use)"))
            #expect(good.text.contains("<mark>bond</mark>"))
        }
    }

    @Test func unsetSettingsSayWhatTheServerDefaultIs() throws {
        try withTestSite { site in
            _ = try site.admin()
            let page = try site.signedIn("admin").get("/admin/settings")
            #expect(page.status == 200)
            #expect(page.text.contains(">Server default (currently: 3)</option>"))
            #expect(page.text.contains(">Server default (currently: 10)</option>"))
            #expect(page.text.contains("the value built into the server applies"))
        }
        #expect(AdminSettingsView.serverDefault(.newAccountDays) == "Server default (currently: 3)")
        #expect(AdminSettingsView.serverDefault(.registration) == "Server default (currently: No one)")
    }

    @Test func theBriefingsPublishedFieldIsADateInputThatKeepsABadDate() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", name: "Capital and finance")
            _ = try site.admin()
            let admin = try site.signedIn("admin")
            let form = try admin.get("/briefing/new")
            #expect(form.status == 200)
            #expect(form.text.contains("id=\"published\" name=\"published\" type=\"date\" value=\"\(BriefingRoutes.isoDay(Date()))\""))
            #expect(form.text.contains("Today is filled in"))
            let rejected = try admin.post("/briefing/new", [
                ("title", "Mutual Support Programme opens"), ("url", "https://example.org/msp"), ("source", "Cabinet Office"),
                ("published", "14/03/2026"), ("summary", "Applications open."), ("topics", "capital-and-finance"),
            ])
            #expect(rejected.status == 422)
            #expect(rejected.text.contains("class=\"error-summary\""))
            #expect(rejected.text.contains("href=\"#published\""))
            #expect(rejected.text.contains("value=\"14/03/2026\""))
            #expect(rejected.text.contains("aria-describedby=\"published-hint published-error\""))
            #expect(rejected.text.contains("value=\"Mutual Support Programme opens\""))
            let saved = try admin.post("/briefing/new", [
                ("title", "Mutual Support Programme opens"), ("url", "https://example.org/msp"), ("source", "Cabinet Office"),
                ("published", "2026-03-14"), ("summary", "Applications open."), ("topics", "capital-and-finance"),
            ])
            #expect(saved.status == 303)
            #expect(try admin.follow(saved).text.contains("14 March 2026"))
        }
    }

    @Test func feedLinksUseTheBaseURLWhenOneIsSet() throws {
        try withTestNetwork { network in
            // Not set: the request's Host, as before.
            try network.serve { site in
                let feed = try site.get("/briefing.atom")
                #expect(feed.status == 200)
                #expect(feed.text.contains("href=\"https://localhost/briefing.atom\""))
            }
            var files = TestNetwork.siteFiles
            files.baseURL = "https://mutuals.example.org"
            try network.serve(site: files) { site in
                let client = try site.client()
                defer { client.close() }
                try client.send("GET /briefing.atom HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
                let feed = try client.readResponse()
                #expect(feed.status == 200)
                #expect(feed.text.contains("<id>https://mutuals.example.org/briefing</id>"))
                #expect(feed.text.contains("href=\"https://mutuals.example.org/briefing.atom\""))
                #expect(!feed.text.contains("evil.example"))
            }
        }
    }
}
