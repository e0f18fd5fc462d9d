import Board
import Database
import Foundation
import Mail
import Testing
import TestSupport

extension TestNetwork {
    /// The link token of the newest queued message of `kind`, as the mail would carry it.
    func mailedToken(_ kind: MailKind, to address: String) throws -> String? {
        try store.read { conn in
            try conn.scalar(String.self, """
                SELECT json_extract(payload, '$.token') FROM mail_outbox WHERE kind = ? AND to_address = ? ORDER BY id DESC LIMIT 1
                """, kind.rawValue, address)
        }
    }

    func queuedCount(_ kind: MailKind) throws -> Int {
        try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE kind = ?", kind.rawValue) ?? 0 }
    }

    func isConfirmed(_ userID: Int64) throws -> Bool {
        try store.read { try $0.scalar(Int.self, "SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = ?", userID) } == 1
    }
}

@Suite("Address confirmation")
struct AddressConfirmationTests {
    static let form = Registration(handle: "newcomer", displayName: "New Comer", email: "newcomer@example.org",
                                   password: "a long enough passphrase")

    @Test func registrationQueuesALinkThatConfirmsOnce() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock, registration: .open) { network in
            guard case .registered(let account) = try network.accounts.register(Self.form, inviteCode: nil, address: "192.0.2.1") else {
                Issue.record("not registered"); return
            }
            #expect(try network.isConfirmed(account.id) == false)
            let token = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.org"))
            // Stored as its SHA-256 only.
            let raw = try #require(Digest.fromBase64URL(token))
            let hashed = try network.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM account_tokens WHERE token_hash = ?", Data(Digest.sha256(raw))) }
            #expect(hashed == 1)
            #expect(try network.accounts.confirmEmail(token: token) == .confirmed(address: "newcomer@example.org", changed: false, userID: account.id))
            #expect(try network.isConfirmed(account.id))
            #expect(try network.accounts.confirmEmail(token: token) == .invalid(.used))
        }
    }

    @Test func anExpiredOrTamperedLinkIsRefused() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock, registration: .open) { network in
            guard case .registered(let account) = try network.accounts.register(Self.form, inviteCode: nil, address: "192.0.2.1") else {
                Issue.record("not registered"); return
            }
            let token = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.org"))
            var tampered = Array(token)
            tampered[5] = tampered[5] == "A" ? "B" : "A"
            #expect(try network.accounts.confirmEmail(token: String(tampered)) == .invalid(.unknown))
            #expect(try network.accounts.confirmEmail(token: "not-a-token") == .invalid(.unknown))
            clock.advance(48 * 3600 + 1)
            #expect(try network.accounts.confirmEmail(token: token) == .invalid(.expired))
            #expect(try network.isConfirmed(account.id) == false)
            // A new link from the account page works.
            #expect(try network.accounts.resendConfirmation(userID: account.id) == .sent(to: "newcomer@example.org"))
            #expect(try network.accounts.resendConfirmation(userID: account.id) == .tooSoon)
            let fresh = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.org"))
            #expect(try network.accounts.confirmEmail(token: fresh) == .confirmed(address: "newcomer@example.org", changed: false, userID: account.id))
            clock.advance(120)
            #expect(try network.accounts.resendConfirmation(userID: account.id) == .alreadyConfirmed)
        }
    }

    /// A newcomer who mistyped the address puts it right at once: the minute's limit counts per
    /// address (the registration's link went to the wrong one), and only the newest change waits.
    @Test func aMistypedAddressIsPutRightAtOnceAndOnlyTheNewestChangeWaits() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock, registration: .open) { network in
            guard case .registered(let account) = try network.accounts.register(Self.form, inviteCode: nil, address: "192.0.2.1") else {
                Issue.record("not registered"); return
            }
            let password = Self.form.password
            let registration = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.org"))
            #expect(try network.accounts.requestEmailChange(userID: account.id, newEmail: "newcomer@exampel.org", password: password, address: "192.0.2.1")
                    == .linkSent(to: "newcomer@exampel.org"))
            // The same address again within the minute: refused, and nothing more is queued.
            guard case .tooSoon = try network.accounts.requestEmailChange(userID: account.id, newEmail: "NEWCOMER@exampel.org", password: password, address: "192.0.2.1") else {
                Issue.record("a second link to one address within the minute"); return
            }
            #expect(try network.queuedCount(.confirmAddress) == 2)
            let mistyped = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@exampel.org"))
            // Put right at once: the link to the mistyped address is replaced, its message dropped unsent.
            #expect(try network.accounts.requestEmailChange(userID: account.id, newEmail: "newcomer@example.net", password: password, address: "192.0.2.1")
                    == .linkSent(to: "newcomer@example.net"))
            #expect(try network.accounts.confirmEmail(token: mistyped) == .invalid(.replaced))
            #expect(try network.accounts.confirmationLink(token: mistyped) == .unusable(.replaced))
            #expect(try network.accounts.emailStatus(userID: account.id)?.pendingAddress == "newcomer@example.net")
            // The new address confirmed: the registration's link to the old one can no longer move the account back.
            let corrected = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.net"))
            clock.advance(1)  // a person reads their mail after asking (times are kept to the millisecond)
            #expect(try network.accounts.confirmEmail(token: corrected) == .confirmed(address: "newcomer@example.net", changed: true, userID: account.id))
            // The old address was never confirmed (it may be a stranger's): it is told of the change, not the new address.
            #expect(try network.scalar(String.self, """
                SELECT payload FROM mail_outbox WHERE to_address = 'newcomer@example.org' AND payload LIKE '%email_changed%'
                """) == #"{"notice":"email_changed"}"#)
            // Spent by the confirmed change, not by a newer link: "used", not "replaced".
            #expect(try network.accounts.confirmEmail(token: registration) == .invalid(.used))
            #expect(try network.accounts.account(id: account.id)?.email == "newcomer@example.net")
            // Five links a day in all, whatever the addresses.
            for n in 0..<2 {
                clock.advance(1)
                #expect(try network.accounts.requestEmailChange(userID: account.id, newEmail: "spare\(n)@example.org", password: password, address: "192.0.2.1")
                        == .linkSent(to: "spare\(n)@example.org"))
            }
            guard case .tooSoon = try network.accounts.requestEmailChange(userID: account.id, newEmail: "sixth@example.org", password: password, address: "192.0.2.1") else {
                Issue.record("a sixth link in a day"); return
            }
        }
    }

    /// The account's own address keeps its link while a change waits: the member can still
    /// confirm the address they have if they never confirm the new one.
    @Test func theAccountsOwnAddressKeepsItsLinkWhileAChangeWaits() throws {
        try withTestNetwork(clock: TestClock(), registration: .open) { network in
            guard case .registered(let account) = try network.accounts.register(Self.form, inviteCode: nil, address: "192.0.2.1") else {
                Issue.record("not registered"); return
            }
            let registration = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.org"))
            #expect(try network.accounts.requestEmailChange(userID: account.id, newEmail: "other@example.org", password: Self.form.password, address: "192.0.2.1")
                    == .linkSent(to: "other@example.org"))
            network.clock.advance(1)
            #expect(try network.accounts.confirmEmail(token: registration) == .confirmed(address: "newcomer@example.org", changed: false, userID: account.id))
            #expect(try network.accounts.emailStatus(userID: account.id)?.pendingAddress == "other@example.org")
            // Opened again: it was used (a newer link to another address exists, but did not spend it).
            #expect(try network.accounts.confirmEmail(token: registration) == .invalid(.used))
        }
    }

    /// A link followed, then a change asked for later: the old link's page says it was used, not
    /// that it was replaced (only links spent by a newer one were replaced).
    @Test func aUsedLinkStaysUsedAfterALaterChange() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock, registration: .open) { network in
            guard case .registered(let account) = try network.accounts.register(Self.form, inviteCode: nil, address: "192.0.2.1") else {
                Issue.record("not registered"); return
            }
            let registration = try #require(try network.mailedToken(.confirmAddress, to: "newcomer@example.org"))
            #expect(try network.accounts.confirmEmail(token: registration) == .confirmed(address: "newcomer@example.org", changed: false, userID: account.id))
            clock.advance(3600)
            #expect(try network.accounts.requestEmailChange(userID: account.id, newEmail: "later@example.org", password: Self.form.password, address: "192.0.2.1")
                    == .linkSent(to: "later@example.org"))
            #expect(try network.accounts.confirmEmail(token: registration) == .invalid(.used))
        }
    }

    @Test func accountsAnAdminAddsCountAsConfirmed() throws {
        try withTestNetwork { network in
            guard case .added(let account) = try network.accounts.addUser(handle: "vouched", email: "vouched@example.org",
                                                                           displayName: nil, role: .mentor, password: "a long enough passphrase") else {
                Issue.record("not added"); return
            }
            #expect(try network.isConfirmed(account.id))
            #expect(try network.queuedCount(.confirmAddress) == 0)
        }
    }

    @Test func aChangeOfAddressTakesEffectWhenTheNewAddressIsConfirmed() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            try network.confirmEmail(of: ann)
            #expect(try network.accounts.requestEmailChange(userID: ann.id, newEmail: "ann@new.example", password: "wrong password", address: "192.0.2.1")
                    == .invalid([FieldError("password", "Your password is not right")]))
            #expect(try network.accounts.requestEmailChange(userID: ann.id, newEmail: "ann@example.org", password: TestNetwork.password, address: "192.0.2.1")
                    == .invalid([FieldError("email", "That is already your email address")]))
            #expect(try network.accounts.requestEmailChange(userID: ann.id, newEmail: "ann@new.example", password: TestNetwork.password, address: "192.0.2.1")
                    == .linkSent(to: "ann@new.example"))
            let status = try #require(try network.accounts.emailStatus(userID: ann.id))
            #expect(status == EmailStatus(address: "ann@example.org", confirmed: true, pendingAddress: "ann@new.example"))
            let token = try #require(try network.mailedToken(.confirmAddress, to: "ann@new.example"))
            #expect(try network.accounts.confirmEmail(token: token) == .confirmed(address: "ann@new.example", changed: true, userID: ann.id))
            #expect(try network.accounts.account(id: ann.id)?.email == "ann@new.example")
            #expect(try network.isConfirmed(ann.id))
        }
    }

    /// Another account's address: the asker is answered as for any address (the change waits
    /// for its link, the limits count it), and its owner is sent nothing, least of all a link.
    @Test func aChangeToAnotherAccountsAddressMailsItsOwnerNothing() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            let bob = try network.member(handle: "bob")
            #expect(try network.accounts.requestEmailChange(userID: ann.id, newEmail: "BOB@example.org", password: TestNetwork.password, address: "192.0.2.1")
                    == .linkSent(to: "BOB@example.org"))
            #expect(try network.accounts.emailStatus(userID: ann.id)?.pendingAddress == "BOB@example.org")
            #expect(try network.queuedCount(.confirmAddress) == 0)
            // A new link is as limited as after any change, and is not mailed either.
            network.clock.advance(61)
            #expect(try network.accounts.resendConfirmation(userID: ann.id) == .sent(to: "BOB@example.org"))
            #expect(try network.queuedCount(.confirmAddress) == 0)
            #expect(try network.accounts.resendConfirmation(userID: ann.id) == .tooSoon)
            #expect(try network.accounts.account(id: ann.id)?.email == "ann@example.org")
            #expect(try network.accounts.account(id: bob.id)?.email == "bob@example.org")
        }
    }

    /// Free when asked, taken before the link went or was followed: the message is dropped
    /// unsent, and a link followed anyway changes nothing.
    @Test func aChangeToAnAddressTakenMeanwhileChangesNothing() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            let bob = try network.member(handle: "bob")
            #expect(try network.accounts.requestEmailChange(userID: ann.id, newEmail: "shared@example.org", password: TestNetwork.password, address: "192.0.2.1")
                    == .linkSent(to: "shared@example.org"))
            let token = try #require(try network.mailedToken(.confirmAddress, to: "shared@example.org"))
            try network.store.write { try $0.run("UPDATE users SET email = 'shared@example.org' WHERE id = ?", bob.id) }
            let item = try #require(try OutboxService(store: network.store, clock: network.accounts.clock).list(state: .queued).last)
            guard case .failure(let drop) = try network.accounts.securityMail(for: item, now: network.clock.now) else {
                Issue.record("a link to another account's address would be sent")
                return
            }
            #expect(drop.reason == "the address belongs to another account")
            #expect(try network.accounts.confirmEmail(token: token) == .addressTaken)
            #expect(try network.accounts.account(id: ann.id)?.email == "ann@example.org")
            #expect(try network.accounts.account(id: bob.id)?.email == "shared@example.org")
        }
    }
}

@Suite("Password reset")
struct PasswordResetTests {
    @Test func theAnswerIsTheSameWhetherOrNotTheAddressHasAnAccount() throws {
        try withTestNetwork(clock: TestClock()) { network in
            _ = try network.member(handle: "ann")
            #expect(try network.accounts.requestPasswordReset(email: "nobody@example.org", address: "192.0.2.1") == .accepted)
            #expect(try network.queuedCount(.passwordReset) == 0)
            #expect(try network.accounts.requestPasswordReset(email: "ANN@example.org", address: "192.0.2.1") == .accepted)
            #expect(try network.queuedCount(.passwordReset) == 1)
        }
    }

    @Test func theLinkSetsThePasswordEndsEverySessionAndConfirmsTheAddress() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            _ = try network.accounts.startSession(userID: ann.id, userAgent: "one")
            _ = try network.accounts.startSession(userID: ann.id, userAgent: "two")
            #expect(try network.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1") == .accepted)
            let token = try #require(try network.mailedToken(.passwordReset, to: "ann@example.org"))
            #expect(try network.accounts.resetLinkProblem(token: token) == nil)
            #expect(try network.accounts.resetPassword(token: token, newPassword: "password123")
                    == .invalid([FieldError("newPassword", "Password is too common, choose one that would be hard to guess")]))
            #expect(try network.accounts.resetPassword(token: token, newPassword: "a brand new passphrase") == .reset(handle: "ann"))
            #expect(try network.accounts.sessions(of: ann.id).isEmpty)
            #expect(try network.isConfirmed(ann.id))
            guard case .signedIn = try network.accounts.signIn(identifier: "ann", password: "a brand new passphrase",
                                                               address: "192.0.2.1", userAgent: "test") else {
                Issue.record("the new password does not sign in"); return
            }
            // Single use.
            #expect(try network.accounts.resetPassword(token: token, newPassword: "another new passphrase") == .invalidLink(.used))
            #expect(try network.accounts.resetLinkProblem(token: token) == .used)
        }
    }

    @Test func theLinkLastsAnHour() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock) { network in
            _ = try network.member(handle: "ann")
            _ = try network.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1")
            let token = try #require(try network.mailedToken(.passwordReset, to: "ann@example.org"))
            clock.advance(3600)
            #expect(try network.accounts.resetPassword(token: token, newPassword: "a brand new passphrase") == .invalidLink(.expired))
            // Another last character (never the same one, which would be the real link).
            let altered = String(token.dropLast()) + (token.hasSuffix("x") ? "y" : "x")
            #expect(try network.accounts.resetPassword(token: altered, newPassword: "a brand new passphrase")
                    == .invalidLink(.unknown))
        }
    }

    @Test func twoFactorIsStillAskedForAfterAReset() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            try network.store.write { try $0.run("UPDATE users SET totp_secret = ?, totp_enabled_at = 1 WHERE id = ?", Data(repeating: 7, count: 20), ann.id) }
            _ = try network.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1")
            let token = try #require(try network.mailedToken(.passwordReset, to: "ann@example.org"))
            #expect(try network.accounts.resetPassword(token: token, newPassword: "a brand new passphrase") == .reset(handle: "ann"))
            guard case .twoFactorRequired = try network.accounts.signIn(identifier: "ann", password: "a brand new passphrase",
                                                                        address: "192.0.2.1", userAgent: "test") else {
                Issue.record("two-factor was not asked for"); return
            }
        }
    }

    @Test func requestsAreThrottledLikeSignIn() throws {
        try withTestNetwork(clock: TestClock()) { network in
            _ = try network.member(handle: "ann")
            var outcomes: [Accounts.ResetRequestOutcome] = []
            for _ in 0..<5 { outcomes.append(try network.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1")) }
            #expect(outcomes.prefix(3).allSatisfy { $0 == .accepted })
            guard case .throttled = outcomes[3] else { Issue.record("the fourth request was not throttled"); return }
            // Three were answered "accepted", but one account gets one link a minute (`AccountToken.mayIssue`).
            #expect(try network.queuedCount(.passwordReset) == 1)
        }
    }
}
