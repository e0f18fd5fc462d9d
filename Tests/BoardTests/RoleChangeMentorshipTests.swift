import Database
import Foundation
import Testing
@testable import Board

/// Issue 16, item 3: a mentor demoted from the admin page or with `mutuals user role` kept
/// their active mentorships, and so kept reading the private spaces they had mentored.
@Suite struct RoleChangeMentorshipTests {
    struct World {
        let admin: Int64
        let mentor: Int64
        let pathfinder: Int64
        let privateThread: Resource.ThreadState
    }

    func makeWorld(_ store: Store) throws -> World {
        try store.write { tx in
            let pathfinder = try Fixtures.organisation(tx)
            let admin = try Fixtures.user(tx, handle: "admin_one", role: "admin")
            let mentor = try Fixtures.user(tx, handle: "helen", role: "mentor")
            let member = try Fixtures.user(tx, handle: "sam", organisation: pathfinder)
            try tx.run("UPDATE users SET organisation_confirmed = 1 WHERE id = ?", member)
            let topic = try Fixtures.topic(tx)
            _ = try Fixtures.thread(tx, author: member, in: pathfinder, topics: [topic], title: "CONFIDENTIAL redundancy plan")
            try tx.run("INSERT INTO mentorships(mentor_id, organisation_id, started_at) VALUES (?, ?, ?)", mentor, pathfinder, Fixtures.now)
            return World(admin: admin, mentor: mentor, pathfinder: pathfinder,
                         privateThread: Resource.ThreadState(authorID: member, organisationID: pathfinder))
        }
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
        try withBoardStore { store, _ in
            let world = try makeWorld(store)
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

    @Test func demotedByCommandLineMentorLosesPrivateSpace() throws {
        try withBoardStore { store, _ in
            let world = try makeWorld(store)
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
        try withBoardStore { store, _ in
            let world = try makeWorld(store)
            #expect(try Accounts(store: store).setRole(handle: "helen", .admin))
            #expect(try endings(store).count == 1)
            // Admins read every space anyway; the mentorship itself has ended.
            #expect(try actor(store, world.mentor).mentoredOrganisations.isEmpty)
        }
    }
}
