import Database
import Foundation
import Testing
import TestSupport
@testable import Board

@Suite struct AccountServiceTests {
    @Test func postingAllowanceForNewMembers() throws {
        try withTestNetwork(clock: TestClock(stoppedAt: Date(timeIntervalSince1970: 1_800_000_000))) { network in
            let (store, accounts, start) = (network.store, network.accounts, network.clock.now)
            guard case .added(let member) = try accounts.addUser(handle: "newbie", email: "n@example.org", displayName: nil, role: .member,
                                                                 password: "orchard lantern velvet"),
                  case .added(let mentor) = try accounts.addUser(handle: "guide", email: "g@example.org", displayName: nil, role: .mentor,
                                                                 password: "orchard lantern velvet")
            else {
                Issue.record("could not add users")
                return
            }
            let limits = AccountLimits()
            let topic = try network.topic()
            let first = try store.read { try Accounts.postingAllowance($0, account: member, now: start, limits: limits) }
            #expect(first.allowed && first.remainingToday == limits.newAccountPostsPerDay && first.holdForApproval)
            for i in 0..<limits.newAccountPostsPerDay {
                try network.thread(in: nil, by: member.id, title: "Question number \(i)", topics: [topic], at: start)
            }
            let spent = try store.read { try Accounts.postingAllowance($0, account: member, now: start.addingTimeInterval(60), limits: limits) }
            #expect(!spent.allowed)
            #expect(spent.reason?.contains("Try again tomorrow") == true)
            let nextDay = try store.read { try Accounts.postingAllowance($0, account: member, now: start.addingTimeInterval(86_401), limits: limits) }
            #expect(nextDay.allowed)
            let later = try store.read { try Accounts.postingAllowance($0, account: member, now: start.addingTimeInterval(limits.newAccountPeriod + 1), limits: limits) }
            #expect(later == PostingAllowance(allowed: true, remainingToday: nil, holdForApproval: false, reason: nil))
            let mentorAllowance = try store.read { try Accounts.postingAllowance($0, account: mentor, now: start, limits: limits) }
            #expect(mentorAllowance.allowed && mentorAllowance.remainingToday == nil)
            try store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'spam' WHERE id = ?", start.addingTimeInterval(3600), member.id)
            }
            let suspended = try #require(try accounts.account(id: member.id))
            #expect(try store.read { try Accounts.postingAllowance($0, account: suspended, now: start, limits: limits) }.allowed == false)
        }
    }

    /// A deleted account's handle is never given to anyone else (migration 28): `@alex` written to
    /// the member who left must not lead to a newcomer who registers "alex".
    @Test func aDeletedAccountsHandleIsNeverReused() throws {
        try withTestNetwork(registration: .open) { network in
            let accounts = network.accounts
            let password = "orchard lantern velvet"
            guard case .added(let alex) = try accounts.addUser(handle: "alex", email: "alex@example.org", displayName: "Alex",
                                                               role: .member, password: password) else {
                Issue.record("could not add alex")
                return
            }
            #expect(try accounts.deleteAccount(userID: alex.id, password: password, address: "192.0.2.1"))
            #expect(try network.scalar(String.self, "SELECT handle FROM users WHERE id = ?", alex.id) == "former_\(alex.id)")

            let again = try accounts.register(Registration(handle: "alex", displayName: "Not Alex", email: "new@example.org",
                                                           password: password), inviteCode: nil, address: "192.0.2.2")
            guard case .invalid(let errors) = again else {
                Issue.record("the handle of a deleted account was given out again: \(again)")
                return
            }
            #expect(errors.map(\.message) == ["That handle is taken, choose another"])
            guard case .invalid = try accounts.addUser(handle: "alex", email: "other@example.org", displayName: nil,
                                                       role: .member, password: password) else {
                Issue.record("mutuals user add gave out a deleted account's handle")
                return
            }
            // Whatever path inserts the account, the store itself refuses.
            #expect(throws: (any Error).self) {
                try network.store.write { tx in
                    try tx.run("""
                        INSERT INTO users(handle, display_name, email, password_hash, role, created_at)
                        VALUES ('alex', 'Sneaky', 'sneaky@example.org', '!', 'member', 0)
                        """)
                }
            }
            // Other handles are as free as ever.
            guard case .registered = try accounts.register(Registration(handle: "alexandra", displayName: "Alexandra",
                                                                        email: "alexandra@example.org", password: password),
                                                           inviteCode: nil, address: "192.0.2.3") else {
                Issue.record("a new handle was refused")
                return
            }
        }
    }

    @Test func selfChosenOrganisationIsUnconfirmedAndOpensNoPrivateSpace() throws {
        try withTestNetwork(registration: .open) { network in
            let (store, accounts) = (network.store, network.accounts)
            try network.organisation("tri-borough")
            guard case .registered(let account) = try accounts.register(
                Registration(handle: "claimer", displayName: "Claimer", email: "c@example.org", password: "orchard lantern velvet",
                             organisationSlug: "tri-borough"), inviteCode: nil, address: "1.2.3.4")
            else {
                Issue.record("registration failed")
                return
            }
            #expect(account.organisationID != nil)
            #expect(account.memberOrganisationID == nil)
            let actor = try store.read { try Actor.load($0, account: account) }
            #expect(actor.organisationID == nil)
            let unknown = try accounts.register(
                Registration(handle: "claimer2", displayName: "C", email: "c2@example.org", password: "orchard lantern velvet",
                             organisationSlug: "nowhere"), inviteCode: nil, address: "1.2.3.4")
            guard case .invalid(let errors) = unknown else {
                Issue.record("expected invalid")
                return
            }
            #expect(errors.map(\.field) == ["organisation"])
        }
    }

    /// The service refuses a suspended account's profile change itself (as `Mentors.updateProfile`
    /// does), whoever calls it: nothing changes, and the refusal says why and until when. Once the
    /// suspension has ended, the same change is saved.
    @Test func aSuspendedAccountCannotChangeItsProfile() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let pathfinder = try network.organisation("kingsmead-care")
            let until = network.clock.now.addingTimeInterval(86_400)
            let member = try network.suspended(handle: "rude_one", until: until, reason: "Abuse")
            let suspended = try network.actor("rude_one")
            #expect(suspended.isSuspended(at: network.clock.now))
            #expect(throws: ProfileError.denied(Policy.suspensionMessage(suspended))) {
                try network.accounts.updateProfile(by: suspended, displayName: "Someone Else", bio: "New bio", organisationSlug: pathfinder.slug)
            }
            let stored = try network.store.read { try $0.scalar(String.self, "SELECT display_name || '|' || bio FROM users WHERE id = ?", member.id) }
            #expect(stored == "Rude_One|")
            #expect(throws: ProfileError.self) {
                try network.accounts.updateProfile(by: .visitor, displayName: "Nobody", bio: "", organisationSlug: "")
            }

            network.clock.advance(86_401)
            #expect(try network.accounts.updateProfile(by: suspended, displayName: "Someone Else", bio: "New bio", organisationSlug: "").isEmpty)
            #expect(try network.store.read { try $0.scalar(String.self, "SELECT display_name FROM users WHERE id = ?", member.id) } == "Someone Else")
        }
    }

    @Test func anAddressIsLockedAfterManyFailuresOnDifferentNames() throws {
        var limits = AccountLimits()
        limits.addressLockAfterFailures = 5
        try withTestNetwork(clock: TestClock(stoppedAt: Date(timeIntervalSince1970: 1_800_000_000)), limits: limits) { network in
            let accounts = network.accounts
            _ = try accounts.addUser(handle: "victim", email: "v@example.org", displayName: nil, role: .member, password: "orchard lantern velvet")
            for i in 0..<5 {
                guard case .refused = try accounts.signIn(identifier: "guess\(i)", password: "x", address: "9.9.9.9", userAgent: "") else {
                    Issue.record("expected refused")
                    return
                }
            }
            guard case .throttled = try accounts.signIn(identifier: "victim", password: "orchard lantern velvet", address: "9.9.9.9", userAgent: "") else {
                Issue.record("the address should be locked")
                return
            }
            guard case .signedIn = try accounts.signIn(identifier: "victim", password: "orchard lantern velvet", address: "8.8.8.8", userAgent: "") else {
                Issue.record("another address is not locked")
                return
            }
        }
    }

    @Test func pruningRemovesExpiredSessionsOnly() throws {
        try withTestNetwork(clock: TestClock(stoppedAt: Date(timeIntervalSince1970: 1_800_000_000))) { network in
            let (store, accounts) = (network.store, network.accounts)
            guard case .added(let user) = try accounts.addUser(handle: "pruned", email: "p@example.org", displayName: nil, role: .member,
                                                               password: "orchard lantern velvet") else {
                Issue.record("could not add")
                return
            }
            let old = try accounts.startSession(userID: user.id, userAgent: "old")
            network.clock.advance(accounts.limits.sessionIdle - 10)
            let fresh = try accounts.startSession(userID: user.id, userAgent: "fresh")
            network.clock.advance(20)
            try accounts.pruneExpired()
            #expect(try accounts.resolveSession(token: old.token) == nil)
            #expect(try accounts.resolveSession(token: fresh.token) != nil)
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM sessions") } == 1)
        }
    }

    /// Sessions are kept between requests (`Accounts.keptSessions`) until the next commit: each
    /// change below is seen on the very next resolve, and expiry is checked on every one.
    @Test func aKeptSessionFollowsEveryChange() throws {
        try withTestNetwork(clock: TestClock(stoppedAt: Date(timeIntervalSince1970: 1_800_000_000))) { network in
            let accounts = network.accounts
            guard case .added(let user) = try accounts.addUser(handle: "kept", email: "k@example.org", displayName: nil, role: .member,
                                                               password: "orchard lantern velvet") else {
                Issue.record("could not add")
                return
            }
            let session = try accounts.startSession(userID: user.id, userAgent: "kept")
            let other = try accounts.startSession(userID: user.id, userAgent: "other")
            #expect(try accounts.resolveSession(token: session.token)?.account.role == .member)
            #expect(try accounts.resolveSession(token: session.token)?.account.role == .member)  // kept now
            #expect(try accounts.setRole(handle: "kept", .mentor))
            #expect(try accounts.resolveSession(token: session.token)?.account.role == .mentor)

            // Idle expiry, with no commit in between: the kept row's times are checked again.
            network.clock.advance(accounts.limits.sessionIdle - 30)
            #expect(try accounts.resolveSession(token: other.token) != nil)  // touched: a commit
            #expect(try accounts.resolveSession(token: session.token) != nil)  // touched too
            network.clock.advance(accounts.limits.sessionIdle + 1)
            #expect(try accounts.resolveSession(token: session.token) == nil)

            // Signing out ends a session that was kept a moment before.
            let fresh = try accounts.startSession(userID: user.id, userAgent: "fresh")
            #expect(try accounts.resolveSession(token: fresh.token) != nil)
            #expect(try accounts.resolveSession(token: fresh.token) != nil)
            try accounts.endSession(token: fresh.token)
            #expect(try accounts.resolveSession(token: fresh.token) == nil)

            // A half-signed-in session is never taken for a signed-in one, kept or not.
            let pending = try accounts.startSession(userID: user.id, userAgent: "pending", pendingTwoFactor: true)
            #expect(try accounts.resolvePendingSession(token: pending.token) != nil)
            #expect(try accounts.resolveSession(token: pending.token) == nil)
            #expect(try accounts.resolvePendingSession(token: pending.token) != nil)
        }
    }

    /// A write by another connection (`mutuals user`, a direct write to the file) is seen by
    /// the next request, not at the watcher's next poll: each read scope asks as it begins.
    @Test func aKeptSessionSeesAnotherProcesssWriteAtOnce() throws {
        try withTestNetwork(clock: TestClock(stoppedAt: Date(timeIntervalSince1970: 1_800_000_000))) { network in
            let (store, accounts) = (network.store, network.accounts)
            try store.watchOtherProcesses(interval: 2)  // the test is over long before the first poll
            guard case .added(let user) = try accounts.addUser(handle: "elsewhere", email: "e@example.org", displayName: nil, role: .member,
                                                               password: "orchard lantern velvet") else {
                Issue.record("could not add")
                return
            }
            let session = try accounts.startSession(userID: user.id, userAgent: "kept")
            for _ in 0..<2 {
                #expect(try store.readScope { try accounts.resolveSession(token: session.token) }?.account.role == .member)
            }
            let other = try Connection(path: store.path, role: .writer)
            try other.run("UPDATE users SET role = 'mentor' WHERE id = ?", user.id)
            #expect(try store.readScope { try accounts.resolveSession(token: session.token) }?.account.role == .mentor)
            try other.run("DELETE FROM sessions WHERE user_id = ?", user.id)
            #expect(try store.readScope { try accounts.resolveSession(token: session.token) } == nil)
        }
    }
}
