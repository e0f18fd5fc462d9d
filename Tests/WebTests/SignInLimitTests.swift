import Board
import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// Issue 16, items 6 and 9: sign-in and registration limits, over the real server.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SignInLimitTests {
    /// 49 failures, one sign-in to the attacker's own account, 26 more failures: none got 429.
    @Test func successDoesNotResetAddressFailures() throws {
        var limits = AccountLimits()
        limits.addressLockAfterFailures = 6
        try withTestSite(clock: TestClock(), limits: limits, registration: .open) { world in
            try world.register(world.browser(), handle: "attacker_own")
            let browser = world.browser()
            for index in 0..<5 {
                #expect(try world.signIn(browser, "victim_\(index)", "wrong password guess").status == 422)
            }
            #expect(try world.signIn(world.browser(), "attacker_own").status == 303)
            #expect(try world.signIn(browser, "victim_5", "wrong password guess").status == 422)
            let locked = try world.signIn(browser, "victim_6", "wrong password guess")
            #expect(locked.status == 429)
            #expect(locked.header("retry-after") != nil)
            // Locked for everyone at that address, the attacker's own account included.
            #expect(try world.signIn(world.browser(), "attacker_own").status == 429)
        }
    }

    /// The handle and the email address of one account are one key.
    @Test func handleAndEmailCountAsOneAccount() throws {
        var limits = AccountLimits()
        limits.lockAfterFailures = 4
        limits.freeFailures = 4
        try withTestSite(clock: TestClock(), limits: limits, registration: .open) { world in
            try world.register(world.browser(), handle: "ruth_k")
            world.clock.advance(1)  // after the sign-in that registering made
            let now = world.clock.now
            for (index, name) in ["ruth_k", "ruth_k@example.org", " ruth_k ", "ruth_k@example.org"].enumerated() {
                let outcome = try world.accounts.signIn(identifier: name, password: "not her password", address: "10.0.0.\(index)", userAgent: "")
                guard case .refused = outcome else { Issue.record("attempt \(index): \(outcome)"); return }
            }
            #expect(world.clock.now == now)
            guard case .throttled = try world.accounts.signIn(identifier: "ruth_k@example.org", password: "correct horse battery",
                                                             address: "10.0.0.9", userAgent: "") else {
                Issue.record("the email address was not locked with the handle")
                return
            }
        }
    }

    @Test(arguments: [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("[2001:db8:1:3::1]", "2001:db8:1:3::/64"),
        ("fe80::1%eth0", "fe80:0:0:0::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),
        ("", "-"),
    ])
    func addressesAreKeyedByIPv4OrIPv6Slash64(address: String, key: String) {
        #expect(SignInThrottle.addressKey(address) == key)
    }

    /// Failed registrations count against the address too.
    @Test func everyRegistrationAttemptCounts() throws {
        var limits = AccountLimits()
        limits.registrationsPerAddressPerDay = 3
        try withTestSite(clock: TestClock(), limits: limits, registration: .open) { world in
            let browser = world.browser()
            try browser.get("/register")
            for _ in 0..<3 {
                let refused = try browser.post("/register", [("handle", "X"), ("displayName", ""), ("email", "nope"), ("password", "short")])
                #expect(refused.status == 422)
            }
            let limited = try world.register(world.browser(), handle: "fourth_try")
            #expect(limited.status == 429)
            #expect(try world.accounts.account(handle: "fourth_try") == nil)
        }
    }

    /// "An account with that email address already exists" told anyone which addresses are
    /// registered. The answer to an existing address is now the answer to a success.
    @Test func registeringAnExistingEmailAnswersAsASuccess() throws {
        try withTestSite(clock: TestClock(), registration: .open) { world in
            func attempt(_ handle: String, _ email: String) throws -> ClientResponse {
                let browser = world.browser()
                try browser.get("/register")
                return try browser.post("/register", [("invite", ""), ("handle", handle), ("displayName", "Someone"),
                                                      ("email", email), ("password", "correct horse battery"), ("organisation", "")])
            }
            let fresh = try attempt("first_person", "person@example.org")
            let existing = try attempt("second_person", "person@example.org")
            #expect(fresh.status == 303)
            #expect(existing.status == 303)
            #expect(existing.header("location") == fresh.header("location"))
            func cookieNames(_ response: ClientResponse) -> [String] {
                response.headers("set-cookie").map { String($0.prefix { $0 != "=" }) }
            }
            #expect(cookieNames(existing) == cookieNames(fresh))
            #expect(!cookieNames(fresh).contains("__Host-session"))
            #expect(existing.body == fresh.body)
            #expect(try world.accounts.account(handle: "second_person") == nil)
            // A taken handle may still say so: handles are public.
            let taken = try attempt("first_person", "other@example.org")
            #expect(taken.status == 422)
            #expect(taken.text.contains("That handle is taken"))
            #expect(!taken.text.contains("email address already exists"))
        }
    }
}
