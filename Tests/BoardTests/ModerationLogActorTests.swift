import Foundation
import Testing
import TestSupport
@testable import Board

/// The public moderation log does not name who flagged a post: a post hidden by members' flags
/// is logged with the reporter whose flag crossed the threshold as its actor (the column must
/// name someone), and the page shows "Automatic (flags)" instead of them. Which entries those
/// are used to be read from the actor's role now (not an admin), so a role change rewrote the
/// log: a reporter made an admin was named as the one who hid the post, and an admin made a
/// member had their own hides shown as automatic.
@Suite struct ModerationLogActorTests {
    func entry(_ network: TestNetwork, post: Int64) throws -> LogEntry {
        try #require(try network.store.read { try ModerationQueries.log($0, viewer: .visitor) }
            .first { $0.action == .hidePost && $0.targetID == post })
    }

    @Test func anAutomaticHideStaysAutomaticWhenItsReporterBecomesAnAdmin() throws {
        try withTestNetwork { network in
            let admin = try network.admin(handle: "keeper")
            let author = try network.member(handle: "author")
            let reporters = [try network.member(handle: "first"), try network.member(handle: "second"), try network.member(handle: "third")]
            let thread = try network.thread(by: author)
            let reply = try network.reply(to: thread, by: author, body: "A reply the members flag")
            for reporter in reporters {
                let actor = try network.store.read { try Actor.load($0, account: #require(try Accounts.account($0, id: reporter.id))) }
                _ = try Moderation.flag(network.store, actor: actor, postID: reply, reason: .spam, note: "")
            }
            #expect(try entry(network, post: reply).automatic)
            let adminActor = try network.store.read { try Actor.load($0, account: #require(try Accounts.account($0, id: admin.id))) }
            try Moderation.changeRole(network.store, actor: adminActor, userID: reporters[2].id, to: .admin, reason: "")
            #expect(try entry(network, post: reply).automatic, "the reporter made an admin is not named")
        }
    }

    @Test func anAdminsHideIsTheirsAfterTheyAreMadeAMember() throws {
        try withTestNetwork { network in
            let admin = try network.admin(handle: "keeper")
            let other = try network.admin(handle: "other")
            let author = try network.member(handle: "author")
            let thread = try network.thread(by: author)
            let reply = try network.reply(to: thread, by: author, body: "A reply an admin hides")
            let actor = { (id: Int64) in try network.store.read { try Actor.load($0, account: #require(try Accounts.account($0, id: id))) } }
            try Moderation.decide(network.store, actor: try actor(admin.id), postID: reply, .hide(reason: "Names a colleague"))
            #expect(try entry(network, post: reply).automatic == false)
            try Moderation.changeRole(network.store, actor: try actor(other.id), userID: admin.id, to: .member, reason: "")
            let after = try entry(network, post: reply)
            #expect(after.automatic == false, "an admin made a member still hid it")
            #expect(after.actorHandle == "keeper")
        }
    }

    @Test func anAdminCannotGiveAHideTheAutomaticWording() throws {
        try withTestNetwork { network in
            let admin = try network.admin(handle: "keeper")
            let author = try network.member(handle: "author")
            let thread = try network.thread(by: author)
            let reply = try network.reply(to: thread, by: author)
            let actor = try network.store.read { try Actor.load($0, account: #require(try Accounts.account($0, id: admin.id))) }
            #expect(throws: ModerationError.self) {
                try Moderation.decide(network.store, actor: actor, postID: reply, .hide(reason: Moderation.automaticHideReason(flags: 3)))
            }
            #expect(try network.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", reply) == false)
        }
    }
}
