import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// A post awaiting approval cannot be hidden (docs/visibility.md): hiding it used to take it out
/// of the queue, so its "hidden by a moderator" placeholder and its author's name became public
/// and its thread counted it. An admin approves or deletes it; once approved it may be hidden.
@Suite struct HeldPostHideTests {
    struct PostRow: RowDecodable, Equatable {
        let held: Bool, hidden: Bool, hiddenReason: String?
        init(row: Row) throws {
            held = try row["held_for_approval"]; hidden = try row["hidden"]; hiddenReason = try row["hidden_reason"]
        }
        init(held: Bool, hidden: Bool, hiddenReason: String?) {
            self.held = held; self.hidden = hidden; self.hiddenReason = hiddenReason
        }
    }

    func row(_ network: TestNetwork, _ postID: Int64) throws -> PostRow {
        try #require(try network.store.read {
            try $0.queryOne(PostRow.self, "SELECT held_for_approval, hidden, hidden_reason FROM posts WHERE id = ?", postID)
        })
    }

    func replyCount(_ network: TestNetwork, _ thread: TestThread) throws -> Int {
        try network.store.read { try $0.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", thread.id) } ?? -1
    }

    /// Hiding a held opening post turns its thread down: the state `Policy` reads says so
    /// (`Resource.ThreadState.turnedDown`), and the reply's write refuses its author by the same
    /// rule that takes the form off the page (`Policy.replyRefusal`); an admin may still answer.
    @Test func aTurnedDownThreadTakesNoReplyButAnAdmins() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let admin = try network.admin()
            let actor = Actor(userID: admin.id, role: .admin)
            let thread = try network.thread(by: asker, title: "Can we skip the tender?")
            try network.store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", thread.openingPostID) }
            let held = try #require(try network.store.read { try Resource.ThreadState.load($0, id: thread.id) })
            #expect(held.held && !held.turnedDown)
            try Threads.reply(network.store, by: asker.viewer, threadID: thread.id, body: "More detail while I wait")

            try Moderation.decide(network.store, actor: actor, postID: thread.openingPostID, .hide(reason: "Ask in the procurement thread"),
                                  now: network.clock.now)
            let turnedDown = try #require(try network.store.read { try Resource.ThreadState.load($0, id: thread.id) })
            #expect(turnedDown.held && turnedDown.turnedDown && !turnedDown.hidden)
            #expect(throws: PostingError.refused(Policy.turnedDownNoReplies)) {
                try Threads.reply(network.store, by: asker.viewer, threadID: thread.id, body: "But surely we can?")
            }
            try Threads.reply(network.store, by: admin.viewer, threadID: thread.id, body: "The procurement thread has your answer")
            // Restored, it is awaiting approval again and takes its author's replies.
            try Moderation.decide(network.store, actor: actor, postID: thread.openingPostID, .restore(reason: ""), now: network.clock.now)
            #expect(try network.store.read { try Resource.ThreadState.load($0, id: thread.id) }?.turnedDown == false)
        }
    }

    @Test func hidingAHeldPostIsRefusedAndChangesNothing() throws {
        try withTestNetwork { network in
            let asker = try network.member(handle: "asker")
            let reader = try network.member(handle: "reader")
            let newcomer = try network.member(handle: "newcomer")
            let admin = try network.admin()
            let actor = Actor(userID: admin.id, role: .admin)
            let thread = try network.thread(by: asker, title: "Working capital in year one")
            try network.reply(to: thread, by: reader, body: "Visible answer")
            let held = try network.heldReply(to: thread, by: newcomer, body: "Held reply")
            let logBefore = try network.logCount()
            #expect(try replyCount(network, thread) == 1)

            #expect(throws: ModerationError.invalid(field: "reason", message: Moderation.heldPostCannotBeHidden)) {
                try Moderation.decide(network.store, actor: actor, postID: held, .hide(reason: "Spam"), now: network.clock.now)
            }
            #expect(try row(network, held) == PostRow(held: true, hidden: false, hiddenReason: nil))
            #expect(try replyCount(network, thread) == 1, "not counted")
            #expect(try network.logCount() == logBefore, "nothing logged")
            let board = Network(accounts: network.accounts)
            let readersPage = try #require(try board.reading.thread(id: thread.id, page: 1, viewer: reader.viewer))
            #expect(!readersPage.posts.map(\.id).contains(held), "no placeholder, no author's name for others")

            // Approved, it is an ordinary post and may be hidden.
            try Moderation.decide(network.store, actor: actor, postID: held, .approve, now: network.clock.now)
            try Moderation.decide(network.store, actor: actor, postID: held, .hide(reason: "Names a colleague"), now: network.clock.now)
            #expect(try row(network, held) == PostRow(held: false, hidden: true, hiddenReason: "Names a colleague"))
            #expect(try replyCount(network, thread) == 2)
        }
    }

    /// The exception: a held thread is turned down by hiding its opening post (which cannot be
    /// deleted); the thread stays awaiting approval, so nobody else sees it.
    @Test func aHeldThreadsOpeningPostMayStillBeHiddenAndStaysUnseen() throws {
        try withTestNetwork { network in
            let newcomer = try network.member(handle: "newcomer")
            let reader = try network.member(handle: "reader")
            let admin = try network.admin()
            let thread = try network.thread(by: newcomer, title: "Quagga bargains for every mutual")
            try network.store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", thread.openingPostID) }
            try Moderation.decide(network.store, actor: Actor(userID: admin.id, role: .admin), postID: thread.openingPostID,
                                  .hide(reason: "Advertising"), now: network.clock.now)
            #expect(try network.scalar(Bool.self, "SELECT held FROM threads WHERE id = ?", thread.id) == true)
            let board = Network(accounts: network.accounts)
            #expect(try board.reading.thread(id: thread.id, page: 1, viewer: reader.viewer) == nil)
        }
    }

    /// Flags never hide a held post either: it is in the queue already, and no one else has seen it.
    @Test func flagsDoNotHideAHeldPost() throws {
        try withTestNetwork { network in
            try network.store.write {
                try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('flag_threshold', '1', 0) ON CONFLICT(key) DO UPDATE SET value = '1'")
            }
            let asker = try network.member(handle: "asker")
            let newcomer = try network.member(handle: "newcomer")
            let admin = try network.admin()
            let actor = Actor(userID: admin.id, role: .admin)
            let thread = try network.thread(by: asker, title: "Board composition")
            let held = try network.heldReply(to: thread, by: newcomer, body: "Held reply")
            let later = Fixtures.now + 30 * 86_400
            #expect(try Moderation.flag(network.store, actor: actor, postID: held, reason: .spam, note: "", now: later) == .flagged)
            #expect(try row(network, held) == PostRow(held: true, hidden: false, hiddenReason: nil))
            #expect(try replyCount(network, thread) == 0)
        }
    }
}
