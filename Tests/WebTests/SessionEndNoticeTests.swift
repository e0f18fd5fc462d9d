import Foundation
import Testing
import TestSupport
@testable import Web

/// Ending this browser's own session from "Your sessions" is signing out: it says so, as the
/// Sign out button does.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SessionEndNoticeTests {
    @Test func endingThisBrowsersSessionSaysYouHaveSignedOut() throws {
        try withTestSite(content: .demo) { world in
            let sam = try world.signedIn("sam_okafor", landingOn: "/account/sessions")
            let samID = try #require(try world.accounts.account(handle: "sam_okafor")).id
            let current = try #require(try world.accounts.sessions(of: samID).first)
            let out = try sam.post("/account/sessions/\(current.id)/end", [])
            #expect(out.status == 303)
            let location = try #require(out.header("location"))
            #expect(location.hasPrefix("/?notice=signed-out."))
            let home = try sam.follow(out)
            #expect(home.text.contains("You have signed out."))
            #expect(!home.text.contains("action=\"/sign-out\""))
        }
    }
}
