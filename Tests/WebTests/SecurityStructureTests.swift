import Board
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// Structural checks over the whole router instead of lint rules: every POST route refuses a
/// forged token and a foreign Origin, whoever registered it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SecurityStructureTests {
    @Test func everyPostRouteRefusesForgedTokensAndForeignOrigins() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            let router = try world.network.router()
            let posts = router.routes.filter { $0.method == .post }.map(\.pattern)
            #expect(posts.count >= 10)
            let browser = world.browser()
            try world.register(browser, handle: "structural")
            for pattern in posts {
                let path = pattern.split(separator: "/").map { $0.hasPrefix("{") ? "1" : String($0) }.joined(separator: "/")
                try browser.get("/account")
                let forged = try browser.post("/" + path, [("displayName", "Changed")], csrf: "forged")
                #expect(forged.status == 403, "POST \(pattern) with a forged token answered \(forged.status)")
                try browser.get("/account")
                let foreign = try browser.post("/" + path, [("displayName", "Changed")], origin: .some("https://evil.example"))
                #expect(foreign.status == 403, "POST \(pattern) from another origin answered \(foreign.status)")
            }
            #expect(try browser.get("/account").status == 200)   // still signed in: sign-out was refused too
            #expect(try world.accounts.account(handle: "structural")?.displayName == "Structural")
        }
    }
}
