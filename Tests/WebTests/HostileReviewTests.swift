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
            // The typed text comes back, to copy.
            #expect(refused.text.contains("Everyone here is a FRAUD") && refused.text.contains("Buy followers at spam.example"))
            let profile = try site.browser().get("/u/troll")
            #expect(profile.status == 200)
            #expect(!profile.text.contains("FRAUD") && !profile.text.contains("spam.example"))
            let stored = try site.store.read { try $0.scalar(String.self, "SELECT display_name FROM users WHERE id = ?", member.id) }
            #expect(stored != "Everyone here is a FRAUD")
        }
    }
}
