import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// After registering, the person is told a confirmation link is on its way (it is: the outbox
/// holds it), not only to sign in; the page they land on is the same whether or not the address
/// had an account (docs/security.md).
@Suite(.serialized, .timeLimit(.minutes(2))) struct RegistrationWordsTests {
    @Test func registeringSaysToCheckYourEmail() throws {
        try withTestSite(registration: .open) { site in
            let browser = site.browser()
            try browser.get("/register")
            let registered = try browser.post("/register", [("invite", ""), ("handle", "newcomer"), ("displayName", "Nia Newcomer"),
                                                            ("email", "nia@example.org"), ("password", TestNetwork.password), ("organisation", "")])
            #expect(registered.header("location") == "/sign-in?registered=1")
            let landing = try browser.get("/sign-in?registered=1")
            #expect(landing.text.contains("Check your email: a new address is sent a link to confirm it."))
            #expect(try site.network.store.read {
                try $0.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE kind = 'confirm_address' AND to_address = 'nia@example.org'")
            } == 1)
        }
    }
}
