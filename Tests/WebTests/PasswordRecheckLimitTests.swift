import Board
import Database
import Foundation
import Testing
import TestSupport
@testable import Web

/// The current password asked again on the account pages (a new address, a new password,
/// turning two-factor off, deleting the account) was not limited: a stolen session could guess
/// the password without end. Each form now asks `Accounts.confirmPassword`, counted and
/// throttled by the sign-in rule, under the account's sign-in key, over the real server.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PasswordRecheckLimitTests {
    /// One of the four forms: where it posts, what else it carries, and what its success changes.
    struct RecheckForm: Sendable, CustomTestStringConvertible {
        let page: String
        let action: String
        let passwordField: String
        /// The fields typed beside the password, which a refusal must give back.
        let other: [(String, String)]
        /// What the page shows of `other` when they are kept.
        let kept: String

        var testDescription: String { action }

        static let all = [
            RecheckForm(page: "/account/email", action: "/account/email", passwordField: "password",
                        other: [("email", "ann@new.example")], kept: "value=\"ann@new.example\""),
            RecheckForm(page: "/account/password", action: "/account/password", passwordField: "currentPassword",
                        other: [("newPassword", "a brand new passphrase")], kept: ""),
            RecheckForm(page: "/account/data", action: "/account/delete", passwordField: "password",
                        other: [("confirm", "yes")], kept: "value=\"yes\" checked"),
            RecheckForm(page: "/account/two-factor", action: "/account/two-factor/disable", passwordField: "password",
                        other: [], kept: ""),
        ]
    }

    /// Three wrong guesses spread over the other forms, then the right password on this one: the
    /// fourth attempt waits as a sign-in would (the default limits: 3 free failures, then 1 s,
    /// 2 s …; the clock is stopped), and nothing changes.
    @Test(arguments: RecheckForm.all)
    func guessesOnAnyFormThrottleEveryForm(form: RecheckForm) throws {
        try withTestSite(clock: TestClock()) { site in
            let ann = try site.network.member(handle: "ann")
            let browser = try site.signedIn("ann")
            site.clock.advance(1)  // after the sign-in's success, which clears earlier failures
            // Two-factor on, so turning it off has something to do.
            let now = site.clock.now
            try site.store.write { try $0.run("UPDATE users SET totp_secret = ?, totp_enabled_at = ? WHERE id = ?",
                                             Data(repeating: 7, count: 20), now, ann.id) }
            let others = RecheckForm.all.filter { $0.action != form.action }
            for (index, other) in others.enumerated() {
                try browser.get(other.page)
                let wrong = try browser.post(other.action, other.other + [(other.passwordField, "guess number \(index)")])
                #expect(wrong.status == 422, "\(other.action)")
                #expect(wrong.header("retry-after") == nil)
            }
            try browser.get(form.page)
            let throttled = try browser.post(form.action, form.other + [(form.passwordField, TestNetwork.password)])
            #expect(throttled.status == 429)
            #expect(throttled.header("retry-after") == "1")
            #expect(throttled.text.contains("Too many wrong passwords. Wait 1 second and try again"))
            if !form.kept.isEmpty { #expect(throttled.text.contains(form.kept)) }

            // Nothing changed: the address, the password, two-factor, the account.
            let after = try #require(try site.accounts.account(id: ann.id))
            #expect(after.email == "ann@example.org")
            #expect(after.twoFactorEnabled)
            #expect(try site.accounts.emailStatus(userID: ann.id)?.pendingAddress == nil)
            #expect(try browser.get("/account").status == 200)

            // Once the wait is over the right password is taken, and clears the failures.
            site.clock.advance(1)
            try browser.get(form.page)
            let done = try browser.post(form.action, form.other + [(form.passwordField, TestNetwork.password)])
            #expect(done.status == 303)
        }
    }

    /// The guesses count with sign-in's: an account locked by re-checks cannot be signed in to
    /// either, and the lock lasts `lockDuration` as a sign-in lock does.
    @Test func recheckFailuresLockSignInToo() throws {
        var limits = AccountLimits()
        limits.freeFailures = 10
        limits.lockAfterFailures = 3
        try withTestSite(clock: TestClock(), limits: limits) { site in
            _ = try site.network.member(handle: "ann")
            let browser = try site.signedIn("ann")
            site.clock.advance(1)  // after the sign-in's success, which clears earlier failures
            for index in 0..<3 {
                try browser.get("/account/email")
                #expect(try browser.post("/account/email", [("email", "x@new.example"), ("password", "guess \(index)")]).status == 422)
            }
            let signIn = try site.signIn(site.browser(), "ann")
            #expect(signIn.status == 429)
            #expect(signIn.header("retry-after") == String(Int(limits.lockDuration)))
            site.clock.advance(limits.lockDuration)
            #expect(try site.signIn(site.browser(), "ann").status == 303)
        }
    }
}
