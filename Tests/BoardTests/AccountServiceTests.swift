import Database
import Foundation
import Synchronization
import Testing
@testable import Board

@Suite struct AccountServiceTests {
    static let cheap = PasswordHasher(n: 1 << 10, r: 8, p: 1)

    @Test func postingAllowanceForNewMembers() throws {
        try withBoardStore { store, _ in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let accounts = Accounts(store: store, hasher: Self.cheap, clock: Clock { start })
            guard case .added(let member) = try accounts.addUser(handle: "newbie", email: "n@example.org", displayName: nil, role: .member,
                                                                 password: "orchard lantern velvet"),
                  case .added(let mentor) = try accounts.addUser(handle: "guide", email: "g@example.org", displayName: nil, role: .mentor,
                                                                 password: "orchard lantern velvet")
            else {
                Issue.record("could not add users")
                return
            }
            let limits = AccountLimits()
            let topic = try store.write { try Fixtures.topic($0) }
            let first = try store.read { try Accounts.postingAllowance($0, account: member, now: start, limits: limits) }
            #expect(first.allowed && first.remainingToday == limits.newAccountPostsPerDay && first.holdForApproval)
            for i in 0..<limits.newAccountPostsPerDay {
                try store.write { tx in
                    _ = try Fixtures.thread(tx, author: member.id, topics: [topic], title: "Question number \(i)", at: start)
                }
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

    @Test func selfChosenOrganisationIsUnconfirmedAndOpensNoPrivateSpace() throws {
        try withBoardStore { store, _ in
            let accounts = Accounts(store: store, hasher: Self.cheap)
            try accounts.setRegistrationMode(.open)
            _ = try store.write { try Fixtures.organisation($0, slug: "tri-borough") }
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

    @Test func anAddressIsLockedAfterManyFailuresOnDifferentNames() throws {
        try withBoardStore { store, _ in
            var limits = AccountLimits()
            limits.addressLockAfterFailures = 5
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let accounts = Accounts(store: store, hasher: Self.cheap, clock: Clock { now }, limits: limits)
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
        try withBoardStore { store, _ in
            final class Box: Sendable {
                let date = Synchronization.Mutex(Date(timeIntervalSince1970: 1_800_000_000))
            }
            let box = Box()
            let accounts = Accounts(store: store, hasher: Self.cheap, clock: Clock { box.date.withLock { $0 } })
            guard case .added(let user) = try accounts.addUser(handle: "pruned", email: "p@example.org", displayName: nil, role: .member,
                                                               password: "orchard lantern velvet") else {
                Issue.record("could not add")
                return
            }
            let old = try accounts.startSession(userID: user.id, userAgent: "old")
            box.date.withLock { $0 = $0.addingTimeInterval(accounts.limits.sessionIdle - 10) }
            let fresh = try accounts.startSession(userID: user.id, userAgent: "fresh")
            box.date.withLock { $0 = $0.addingTimeInterval(20) }
            try accounts.pruneExpired()
            #expect(try accounts.resolveSession(token: old.token) == nil)
            #expect(try accounts.resolveSession(token: fresh.token) != nil)
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM sessions") } == 1)
        }
    }
}
