import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The test network builder makes what its factories say, so suites can rely on it.
@Suite(.timeLimit(.minutes(1))) struct TestNetworkTests {
    @Test func accountsByRoleAreWhatThePolicySees() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let pathfinder = try network.organisation()
            let member = try network.member(of: pathfinder)
            #expect(member.viewer == Viewer(userID: member.id, organisationID: pathfinder.id, isAdmin: false))
            #expect(try network.actor(member.handle).role == .member)

            let claimer = try network.unconfirmedMember(of: pathfinder)
            #expect(claimer.viewer.organisationID == nil)
            let claimerAccount = try #require(try network.accounts.account(id: claimer.id))
            #expect(claimerAccount.organisationID == pathfinder.id)
            #expect(claimerAccount.memberOrganisationID == nil)

            let mentor = try network.mentor(of: pathfinder)
            #expect(try network.actor(mentor.handle).mentoredOrganisations == [pathfinder.id])
            try network.endMentorships(of: mentor)
            #expect(try network.actor(mentor.handle).mentoredOrganisations.isEmpty)
            let former = try network.mentor(handle: "former")
            try network.mentorship(former, of: pathfinder, endedAt: Fixtures.now + 60)
            #expect(try network.actor("former").mentoredOrganisations.isEmpty)

            let admin = try network.admin()
            #expect(admin.viewer.isAdmin)
            #expect(try network.actor(admin.handle).isAdmin)

            let suspended = try network.suspended(of: pathfinder)
            let account = try #require(try network.accounts.account(id: suspended.id))
            #expect(account.isSuspended(at: network.clock.now))
            network.clock.advance(86_401)
            #expect(!account.isSuspended(at: network.clock.now))
        }
    }

    @Test func factoryAccountsSignInWithTheKnownPassword() throws {
        try withTestNetwork { network in
            let member = try network.member()
            #expect(network.passwords[member.handle] == TestNetwork.password)
            guard case .signedIn(_, let account) = try network.accounts.signIn(
                identifier: member.handle, password: TestNetwork.password, address: "127.0.0.1", userAgent: "test") else {
                Issue.record("a factory-made member could not sign in")
                return
            }
            #expect(account.id == member.id)
        }
    }

    @Test func threadsRepliesAndModeratedPosts() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let author = try network.member(of: pathfinder, handle: "author")
            let outsider = try network.member(of: try network.organisation("other-pathfinder"))
            let admin = try network.admin()
            let topic = try network.topic()

            let open = try network.thread(by: author, title: "Who asked for a bond?", topics: [topic])
            #expect(open.path == "/t/\(open.id)-who-asked-for-a-bond")
            let reply = try network.reply(to: open, by: outsider)
            let held = try network.heldReply(to: open, by: outsider)
            let hidden = try network.hiddenReply(to: open, by: outsider, hiddenBy: admin, reason: "Off topic")
            // The held reply is not counted until it leaves the queue (migration 21).
            #expect(try network.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", open.id) == 2)
            #expect(try network.scalar(Int.self, "SELECT held_for_approval FROM posts WHERE id = ?", held) == 1)
            #expect(try network.scalar(Int.self, "SELECT held_for_approval + hidden FROM posts WHERE id = ?", reply) == 0)
            #expect(try network.scalar(String.self, "SELECT hidden_reason FROM posts WHERE id = ? AND hidden = 1", hidden) == "Off topic")

            let inside = try network.thread(in: .organisation(pathfinder), by: author, title: "Our shadow board", topics: [topic])
            try network.store.read { (conn: Connection) throws -> Void in
                #expect(try PageQueries.thread(conn, id: inside.id, page: 1, viewer: author.viewer) != nil)
                #expect(try PageQueries.thread(conn, id: inside.id, page: 1, viewer: outsider.viewer) == nil)
                #expect(try PageQueries.thread(conn, id: inside.id, page: 1, viewer: .visitor) == nil)
                #expect(try PageQueries.thread(conn, id: open.id, page: 1, viewer: .visitor) != nil)
            }
            try network.hide(open, by: admin)
            try network.store.read { (conn: Connection) throws -> Void in
                #expect(try PageQueries.thread(conn, id: open.id, page: 1, viewer: .visitor) == nil)
            }
        }
    }

    @Test func aMissingNameFailsInsteadOfFallingBack() throws {
        try withTestNetwork { network in
            #expect(throws: TestNetworkError.self) { try network.id(ofThread: "No such thread%") }
            #expect(throws: TestNetworkError.self) { try network.userID("nobody_here") }
            #expect(throws: TestNetworkError.self) { try network.organisationID("nowhere") }
        }
    }

    @Test func eachNetworkIsFreshAndRemovedAfterwards() throws {
        let first = try withTestNetwork { network in
            try network.member(handle: "only_here")
            return network.directory
        }
        #expect(!FileManager.default.fileExists(atPath: first))
        try withTestNetwork { network in
            let users = try network.scalar(Int.self, "SELECT count(*) FROM users")
            #expect(network.directory != first)
            #expect(users == 0)
        }
    }

    @Test func olderSchemaVersionsForMigrationTests() throws {
        try withTestNetwork(migratedTo: 3) { network in
            #expect(try network.store.read { try $0.scalar(Int.self, "PRAGMA user_version") } == 3)
            let member = try network.member(of: try network.organisation())
            try network.thread(by: member, topics: [try network.topic()])
        }
    }
}
