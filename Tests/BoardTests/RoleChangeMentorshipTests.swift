import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Issue 16, item 3: a mentor demoted from the admin page or with `mutuals user role` kept
/// their active mentorships, and so kept reading the private spaces they had mentored.
@Suite struct RoleChangeMentorshipTests {
    struct World {
        let admin: Int64
        let mentor: Int64
        let privateThread: Resource.ThreadState
    }

    func makeWorld(_ network: TestNetwork) throws -> World {
        let pathfinder = try network.organisation()
        let admin = try network.admin(handle: "admin_one")
        let mentor = try network.mentor(of: pathfinder, handle: "helen")
        let member = try network.member(of: pathfinder, handle: "sam")
        let thread = try network.thread(in: .organisation(pathfinder), by: member, title: "CONFIDENTIAL redundancy plan")
        let state = try #require(try network.store.read { try Resource.ThreadState.load($0, id: thread.id) })
        return World(admin: admin.id, mentor: mentor.id, privateThread: state)
    }

    func actor(_ store: Store, _ id: Int64) throws -> Actor {
        let account = try #require(try Accounts(store: store).account(id: id))
        return try store.read { try Actor.load($0, account: account) }
    }

    func endings(_ store: Store) throws -> [String] {
        try store.read {
            try $0.column(String.self, "SELECT reason FROM moderation_log WHERE action = 'end_mentorship' ORDER BY id")
        }
    }

    @Test func demotedMentorLosesPrivateSpace() throws {
        try withTestNetwork { network in
            let store = network.store
            let world = try makeWorld(network)
            #expect(Policy.decide(try actor(store, world.mentor), .read, .thread(world.privateThread)) == .allowed)

            let admin = try actor(store, world.admin)
            try Moderation.changeRole(store, actor: admin, userID: world.mentor, to: .member, reason: "stepped down")

            let active = try store.read {
                try $0.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL", world.mentor)
            }
            #expect(active == 0)
            #expect(try endings(store) == ["Role changed from mentor to member"])
            let demoted = try actor(store, world.mentor)
            #expect(demoted.mentoredOrganisations.isEmpty)
            #expect(Policy.decide(demoted, .read, .thread(world.privateThread)) == .notFound)
            // Promoted again, they do not get the space back by themselves: an admin links them anew.
            try Moderation.changeRole(store, actor: admin, userID: world.mentor, to: .mentor, reason: "")
            #expect(Policy.decide(try actor(store, world.mentor), .read, .thread(world.privateThread)) == .notFound)
        }
    }

    /// The mentor admin page (`MentorService.changeRole`) comes through the one role change too.
    @Test func demotedOnTheMentorPageThroughTheOneRoleChange() throws {
        try withTestNetwork { network in
            let store = network.store
            let world = try makeWorld(network)
            let mentors = Network(accounts: network.accounts).mentors
            let admin = try actor(store, world.admin)
            try mentors.changeRole(by: admin, handle: "helen", to: .member, reason: "stepped down")

            let active = try store.read {
                try $0.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL", world.mentor)
            }
            #expect(active == 0)
            #expect(try endings(store) == ["Role changed from mentor to member"])
            let roleChanges = {
                try store.read {
                    try $0.column(String.self, "SELECT reason FROM moderation_log WHERE action = 'change_role' AND target_id = ? ORDER BY id",
                                  world.mentor)
                }
            }
            #expect(try roleChanges() == ["mentor to member: stepped down"])
            #expect(Policy.decide(try actor(store, world.mentor), .read, .thread(world.privateThread)) == .notFound)

            // Made a mentor again: a profile, no mentorship back, one more log entry.
            try mentors.changeRole(by: admin, handle: "helen", to: .mentor, reason: "")
            #expect(try roleChanges() == ["mentor to member: stepped down", "member to mentor"])
            #expect(try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM mentor_profiles WHERE user_id = ?", world.mentor) } == 1)
            #expect(try endings(store).count == 1)
            #expect(Policy.decide(try actor(store, world.mentor), .read, .thread(world.privateThread)) == .notFound)

            // An admin's role is not changed here, and nothing is written.
            let other = try network.admin(handle: "admin_two")
            #expect(throws: MentorError.denied("An admin's role is changed on the admin pages")) {
                try mentors.changeRole(by: admin, handle: other.handle, to: .member, reason: "")
            }
            #expect(throws: MentorError.notFound) { try mentors.changeRole(by: admin, handle: "nobody", to: .member, reason: "") }
            #expect(try roleChanges().count == 2)
        }
    }

    @Test func demotedByCommandLineMentorLosesPrivateSpace() throws {
        try withTestNetwork { network in
            let store = network.store
            let world = try makeWorld(network)
            #expect(try Accounts(store: store).setRole(handle: "helen", .member))
            #expect(try endings(store) == ["Role changed from mentor to member"])
            let logged = try store.read {
                try $0.scalar(String.self, "SELECT reason FROM moderation_log WHERE action = 'change_role' AND target_id = ?", world.mentor)
            }
            #expect(logged == "mentor to member: with mutuals user role on the server")
            #expect(Policy.decide(try actor(store, world.mentor), .read, .thread(world.privateThread)) == .notFound)
            #expect(try Accounts(store: store).setRole(handle: "nobody", .member) == false)
        }
    }

    @Test func mentorBecomingAdminKeepsNoMentorships() throws {
        try withTestNetwork { network in
            let store = network.store
            let world = try makeWorld(network)
            #expect(try Accounts(store: store).setRole(handle: "helen", .admin))
            #expect(try endings(store).count == 1)
            // Admins read every space anyway; the mentorship itself has ended.
            #expect(try actor(store, world.mentor).mentoredOrganisations.isEmpty)
        }
    }
}
