import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// "Register" showed in the header and on the sign-in page whatever the registration mode, and
/// led a visitor to "You need an invite" or "Registration is closed". It shows now only when
/// registration is open (`Accounts.registrationIsOpen`, one layout key both pages read).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RegisterLinkTests {
    static let headerLink = "<a class=\"site-nav__link\" href=\"/register\">Register</a>"
    static let signInLink = "No account yet? <a href=\"/register\">Register</a>"

    @Test(arguments: RegistrationMode.allCases)
    func offeredOnlyWhenRegistrationIsOpen(mode: RegistrationMode) throws {
        try withTestSite(registration: mode) { site in
            let open = mode == .open
            let home = try site.browser().get("/")
            #expect(home.text.contains(Self.headerLink) == open)
            let signIn = try site.browser().get("/sign-in")
            #expect(signIn.text.contains(Self.headerLink) == open)
            #expect(signIn.text.contains(Self.signInLink) == open)
            #expect(try site.browser().get("/no-such-page").text.contains(Self.headerLink) == open)
        }
    }

    /// A change of mode shows at once, and a signed-in member is never offered it.
    @Test func followsTheSettingAndNeverShowsSignedIn() throws {
        try withTestSite(registration: .closed) { site in
            _ = try site.network.member(handle: "ann")
            #expect(!(try site.browser().get("/sign-in").text.contains(Self.signInLink)))
            try site.accounts.setRegistrationMode(.open)
            #expect(try site.browser().get("/sign-in").text.contains(Self.signInLink))
            let ann = try site.signedIn("ann")
            #expect(!(try ann.get("/").text.contains(Self.headerLink)))
        }
    }

    /// Signed in, the registration page leads to the account, and a registration sent anyway
    /// makes no second account (it used to, leaving the first signed in).
    @Test func signedInMembersAreNotRegisteredAgain() throws {
        try withTestSite(registration: .open) { site in
            _ = try site.network.member(handle: "ann")
            let ann = try site.signedIn("ann")
            let page = try ann.get("/register")
            #expect(page.status == 303)
            #expect(page.header("location")?.hasPrefix("/account?notice=already-signed-in.") == true)
            #expect(try ann.get(page.header("location") ?? "/").text.contains("You are signed in, so no new account was made."))
            let users = try site.scalar(Int.self, "SELECT count(*) FROM users")
            _ = try ann.get("/account")  // a page with the form token
            let sent = try ann.post("/register", [("handle", "ann_again"), ("displayName", "Ann Again"),
                                                  ("email", "ann.again@example.org"), ("password", "orchard lantern velvet")])
            #expect(sent.status == 303)
            #expect(sent.header("location")?.hasPrefix("/account?notice=already-signed-in.") == true)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM users") == users)
        }
    }
}
