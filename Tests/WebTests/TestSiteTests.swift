import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The real server the test network builder starts: over TLS or plain TCP, with the site's
/// headers, and browsers that sign in as the accounts the network knows.
@Suite(.serialized, .timeLimit(.minutes(2))) struct TestSiteTests {
    @Test(arguments: [true, false])
    func servesTheSiteWithItsHeaders(tls: Bool) throws {
        try withTestSite(tls: tls) { site in
            let home = try site.browser().get("/")
            #expect(home.status == 200)
            #expect(home.header("x-frame-options") == "DENY")
            let missing = try site.get("/no/such/page")
            #expect(missing.status == 404)
            #expect(missing.text.contains("Page not found"))
        }
    }

    @Test func factoryAccountsSignInThroughThePages() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation()
            let member = try site.member(of: pathfinder, handle: "page_member")
            let thread = try site.thread(in: .organisation(pathfinder), by: member, title: "Inside our pathfinder")
            let browser = try site.signedIn(member.handle, landingOn: "/account")
            #expect(browser.lastResponse?.status == 200)
            #expect(try browser.get(thread.path).status == 200)
            #expect(try site.browser().get(thread.path).status == 404)
            #expect(throws: TestNetworkError.self) { try site.signedIn("nobody_here") }
        }
    }

    @Test func demoAccountsSignInWithPrintedOrKnownPasswords() throws {
        try withTestSite(content: .demo) { site in
            let printed = try #require(site.passwords["sam_okafor"])
            #expect(printed != TestNetwork.password)
            #expect(site.passwords["tom_beckett"] == TestNetwork.password)
            for handle in ["sam_okafor", "tom_beckett", "network_admin"] {
                _ = try site.signedIn(handle)
            }
        }
    }
}
