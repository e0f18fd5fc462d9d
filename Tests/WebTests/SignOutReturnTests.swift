import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// Signing out returns the person to the page they signed out from when a visitor may read it
/// (a public thread, a topic, the briefing...), else home; never off the site (`ReturnPath`).
@Suite(.serialized, .timeLimit(.minutes(2))) struct SignOutReturnTests {
    /// Signs `handle` in, signs out from `page` (sent as the form's `Referer`, as a browser does
    /// under `Referrer-Policy: same-origin`), and gives where it led, without its notice.
    func signOut(_ site: TestSite, _ handle: String, from referer: String?, told: Bool = true) throws -> (location: String, landed: String) {
        let browser = try site.signedIn(handle, landingOn: "/account")
        let out = try browser.post("/sign-out", [], headers: referer.map { [("Referer", $0)] } ?? [])
        #expect(out.status == 303)
        #expect(browser.cookie("__Host-session") == nil)
        let location = try #require(out.header("location"))
        let landed = try browser.get(location).text
        if told { #expect(landed.contains("You have signed out."), "\(location)") }
        let bare = location.split(separator: "?", maxSplits: 1).first.map(String.init) ?? location
        let kept = location.split(separator: "?", maxSplits: 1).dropFirst().first?
            .split(separator: "&").filter { !$0.hasPrefix("notice=") }.joined(separator: "&") ?? ""
        return (kept.isEmpty ? bare : bare + "?" + kept, landed)
    }

    @Test func backToAPageAVisitorMayReadElseHome() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance")
            let pathfinder = try site.organisation("kingsmead-care")
            let member = try site.member(of: pathfinder, handle: "writer")
            let open = try site.thread(by: member, title: "Pensions after the spin-out")
            let closed = try site.thread(in: .organisation(pathfinder), by: member, title: "Our board's pension decision")
            let origin = site.browser().origin
            let openPath = try site.threadPath(open.id)

            // A public thread (its page and query kept, an old notice dropped), a topic, the briefing, search.
            #expect(try signOut(site, "writer", from: origin + openPath + "?page=1&notice=saved.1.x#post-3").location == openPath + "?page=1")
            #expect(try signOut(site, "writer", from: origin + "/topics/capital-and-finance").location == "/topics/capital-and-finance")
            #expect(try signOut(site, "writer", from: origin + "/briefing").location == "/briefing")
            #expect(try signOut(site, "writer", from: origin + "/search?q=pension").location == "/search?q=pension")
            #expect(try signOut(site, "writer", from: origin + "/u/writer").location == "/u/writer")
            // Pages only members read: home.
            for page in [try site.threadPath(closed.id), "/account", "/notifications", "/saved", "/t/new", "/admin/queue", "/o/nowhere",
                         "/u/nobody", "/t/999999-gone"] {
                #expect(try signOut(site, "writer", from: origin + page).location == "/", "\(page)")
            }
            // Never off the site: another host, a scheme-relative path, no Referer at all.
            for referer in ["https://evil.example/topics/capital-and-finance", origin + "//evil.example/topics",
                            origin + "/%2F%2Fevil.example", "javascript:alert(1)", nil] as [String?] {
                #expect(try signOut(site, "writer", from: referer).location == "/", "\(referer ?? "none")")
            }
            // Signed out already (another tab): the same place, without the word.
            let stale = site.browser()
            _ = try stale.get(openPath)
            let again = try stale.post("/sign-out", [], headers: [("Referer", origin + openPath)])
            #expect(again.header("location") == openPath)

            // With "require sign-in to read" on, a visitor reads nothing: home (which asks them to sign in).
            try Moderation.setSetting(site.store, actor: try site.actor(try site.admin().handle), .requireSignInToRead, to: "1")
            #expect(try signOut(site, "writer", from: origin + openPath, told: false).location == "/")
        }
    }
}
