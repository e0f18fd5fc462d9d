import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// What a hostile review found over the real server, one test per defect (each failed before
/// its fix).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct HostileReviewTests {
    /// A suspended member could rename themselves and rewrite "About you": the name is on every
    /// post they wrote and the profile is public, so a suspension for abuse did not stop the
    /// abuse. Everything else they could write was refused (a mentor profile too); now the
    /// account form is refused the same way, with what was typed kept.
    @Test func aSuspendedMemberCannotChangeTheirNameOrProfile() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("river-care")
            let member = try site.suspended(of: pathfinder, handle: "troll", reason: "abusive replies")
            let browser = try site.signedIn("troll", landingOn: "/account")
            let refused = try browser.post("/account", [("displayName", "Everyone here is a FRAUD"), ("bio", "Buy followers at spam.example"),
                                                         ("organisation", "river-care")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("Your account is suspended until"))
            #expect(refused.text.contains("abusive replies"))
            // Said once, in the page's notice (the error summary said it again).
            #expect(refused.text.components(separatedBy: "Your account is suspended until").count - 1 == 1)
            // The typed text comes back, to copy.
            #expect(refused.text.contains("Everyone here is a FRAUD") && refused.text.contains("Buy followers at spam.example"))
            // The page offers only what its handler allows: the profile's fields are shown, disabled, with why.
            let page = try browser.get("/account")
            #expect(page.text.contains("<fieldset class=\"fieldset\" disabled aria-describedby=\"profile-locked\">"))
            #expect(page.text.contains("cannot be changed while your account is suspended"))
            _ = try site.member(of: pathfinder, handle: "neighbour")
            #expect(!(try site.signedIn("neighbour").get("/account").text.contains("profile-locked")))
            let profile = try site.browser().get("/u/troll")
            #expect(profile.status == 200)
            #expect(!profile.text.contains("FRAUD") && !profile.text.contains("spam.example"))
            let stored = try site.store.read { try $0.scalar(String.self, "SELECT display_name FROM users WHERE id = ?", member.id) }
            #expect(stored != "Everyone here is a FRAUD")
        }
    }

    /// The visitors' page cache told a visitor from a signed-in reader by the first Cookie field
    /// alone, while the session is read from every Cookie field: a request carrying its session
    /// in a second field (HTTP/1.1 allows several, and proxies send them) was served the
    /// visitors' copy of the page, and its own page went through the cache's store step.
    @Test func aSessionInASecondCookieFieldNeverUsesTheVisitorsCache() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("river-care")
            _ = try site.topic()
            let member = try site.member(of: pathfinder, handle: "insider")
            _ = try site.thread(by: member, title: "A public question")
            let browser = try site.signedIn("insider")
            let session = try #require(browser.cookie("__Host-session") ?? browser.cookie("session"))
            let name = browser.cookie("__Host-session") != nil ? "__Host-session" : "session"
            let visitor = try site.browser().get("/")
            #expect(visitor.status == 200 && !visitor.text.contains("Sign out"))
            #expect(try site.browser().get("/").header("x-cache") == "hit")

            let client = try site.client()
            defer { client.close() }
            try client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1:\(site.port)\r\nCookie: theme=dark\r\nCookie: \(name)=\(session)\r\nConnection: close\r\n\r\n")
            let page = try client.readResponse()
            #expect(page.status == 200)
            #expect(page.header("x-cache") == nil)
            #expect(page.text.contains("Sign out"))
        }
    }

    /// Feeds never look at a session, so they never charged one that names no live session to the
    /// visitors' limit (`requestContext` does that for pages): a scraper sending a made-up
    /// session cookie read every feed without limit, each read skipping the page cache.
    @Test func aMadeUpSessionCookieDoesNotLiftTheLimitOnFeeds() throws {
        try withTestNetwork(limits: .noNewAccountPeriod) { network in
            _ = try network.topic()
            let member = try network.member(handle: "member")
            let thread = try network.thread(by: member, title: "A public question")
            var site = TestNetwork.siteFiles
            site.visitorRate.perSecond = 0.01
            site.visitorRate.burst = 5
            try network.serve(site: site) { site in
                for path in ["/t/\(thread.id)/feed.atom", "/briefing.atom", "/topics/capital-and-finance/feed", "/topics/capital-and-finance.atom"] {
                    // One address (loopback), so one bucket: the first feed uses up the burst.
                    let forger = site.browser()
                    forger.setCookie("__Host-session", "made-up")
                    var statuses: [Int] = []
                    for _ in 0..<8 { statuses.append(try forger.get(path).status) }
                    #expect(statuses.last == 429, "\(path): \(statuses)")
                }
            }
        }
    }
}
