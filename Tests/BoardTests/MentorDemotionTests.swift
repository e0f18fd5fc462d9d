import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// A mentor made a member again (or an admin made a member) loses at once what the role gave
/// them: the threads they were linked to, the notifications and mail of the role's work, and
/// declining a thread with a note to its asker (review as a mentor and an admin).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct MentorDemotionTests {
    func actor(_ network: TestNetwork, _ id: Int64) throws -> Actor {
        let account = try #require(try network.accounts.account(id: id))
        return try network.store.read { try Actor.load($0, account: account) }
    }

    /// The asker's public thread with the mentor linked to it by the asker, and the admin.
    func linkedWorld(_ network: TestNetwork) throws -> (admin: TestPerson, mentor: TestPerson, asker: TestPerson, thread: TestThread) {
        let admin = try network.admin()
        let mentor = try network.mentor(handle: "helen")
        let asker = try network.member(handle: "sam")
        let thread = try network.thread(by: asker, title: "Has anyone applied to the programme?")
        try Mentors.link(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandles: [mentor.handle])
        return (admin, mentor, asker, thread)
    }

    @Test func aDemotedMentorIsTakenOffTheThreadsTheyWereLinkedTo() throws {
        try withTestNetwork { network in
            let world = try linkedWorld(network)
            let moderation = Network(accounts: network.accounts).moderation
            let admin = try actor(network, world.admin.id)
            // The page that asks the admin to confirm says so.
            #expect(try moderation.previewRoleChange(by: admin, userID: world.mentor.id, to: .member).endingThreadLinks == 1)
            #expect(try moderation.previewRoleChange(by: admin, userID: world.asker.id, to: .mentor).endingThreadLinks == 0)

            try Moderation.changeRole(network.store, actor: admin, userID: world.mentor.id, to: .member, reason: "stepped down")

            // No page names them as the thread's mentor, and the asker may ask someone else.
            #expect(try network.store.read { try MentorQueries.linkedMentors($0, threadID: world.thread.id) }.isEmpty)
            // Made a mentor again, they do not find the thread linked to them (as with their spaces).
            try Moderation.changeRole(network.store, actor: admin, userID: world.mentor.id, to: .mentor, reason: "")
            let queue = try network.store.read {
                try MentorQueries.queue($0, mentorID: world.mentor.id, viewer: try actor(network, world.mentor.id).viewer)
            }
            #expect(!queue.waiting.contains { $0.linkedToYou })
        }
    }

    @Test func aDemotedMentorNoLongerHearsOfThreadsTheyWereAskedTo() throws {
        try withTestNetwork { network in
            let world = try linkedWorld(network)
            try network.store.write { tx in try tx.run("UPDATE users SET email_confirmed_at = ?", Fixtures.now) }
            let mail = Network(accounts: network.accounts).mailDigest
            let notification = try #require(try network.scalar(Int64.self,
                "SELECT id FROM notifications WHERE user_id = ? AND kind = 'mentor_requested'", world.mentor.id))
            #expect(try network.store.read { try Notifications.unreadCount($0, userID: world.mentor.id) } == 1)
            #expect(try mail.notificationMail(notificationID: notification, userID: world.mentor.id) != nil)

            try Moderation.changeRole(network.store, actor: try actor(network, world.admin.id), userID: world.mentor.id,
                                      to: .member, reason: "")

            #expect(try network.store.read { try Notifications.list($0, userID: world.mentor.id) }.isEmpty)
            #expect(try network.store.read { try Notifications.unreadCount($0, userID: world.mentor.id) } == 0)
            // The mail queued at once with the link is not sent.
            #expect(try mail.notificationMail(notificationID: notification, userID: world.mentor.id) == nil)
        }
    }

    @Test func anAdminMadeAMemberNoLongerSeesTheAdminsWork() throws {
        try withTestNetwork { network in
            let admin = try network.admin()
            let second = try network.admin(handle: "second_admin")
            let asker = try network.member()
            let thread = try network.thread(by: asker)
            try Mentors.askAdminsForMentor(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandle: nil)
            #expect(try network.store.read { try Notifications.list($0, userID: second.id) }.map(\.kind) == [.mentorWanted])

            try Moderation.changeRole(network.store, actor: try actor(network, admin.id), userID: second.id, to: .member, reason: "")

            #expect(try network.store.read { try Notifications.list($0, userID: second.id) }.isEmpty)
            #expect(try network.store.read { try Notifications.unreadCount($0, userID: second.id) } == 0)
            // The request still waits for the admins who remain.
            #expect(try network.store.read { try Notifications.list($0, userID: admin.id) }.map(\.kind) == [.mentorWanted])
            #expect(try network.store.read { try MentorQueries.pendingAdminRequest($0, threadID: thread.id, askerID: asker.id) } != nil)
        }
    }

    @Test func onlyAMentorWhoMayWriteDeclinesAndTheAskerHearsNothingElse() throws {
        try withTestNetwork { network in
            let world = try linkedWorld(network)
            // Suspended: the note is words to another member, so it is refused.
            try network.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'abuse' WHERE id = ?",
                           Date().addingTimeInterval(86_400), world.mentor.id)
            }
            #expect(throws: MentorError.self) {
                try Mentors.decline(network.store, by: try actor(network, world.mentor.id), threadID: world.thread.id, note: "Rude words")
            }
            try network.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = NULL, suspension_reason = NULL WHERE id = ?", world.mentor.id)
            }
            // A member (never a mentor, or one made a member since) has nothing to decline.
            try network.store.write { tx in try tx.run("UPDATE users SET role = 'member' WHERE id = ?", world.mentor.id) }
            #expect(throws: MentorError.self) {
                try Mentors.decline(network.store, by: try actor(network, world.mentor.id), threadID: world.thread.id, note: "Rude words")
            }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM notifications WHERE kind = 'mentor_declined'") == 0)
            #expect(try network.scalar(String.self, "SELECT status FROM thread_mentors WHERE mentor_id = ?", world.mentor.id) == "linked")
        }
    }

    @Test func aMentorWhoseMentorshipEndedCannotDeclineThePrivateThread() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let admin = try network.admin()
            let mentor = try network.mentor(of: pathfinder, handle: "helen")
            let asker = try network.member(of: pathfinder, handle: "sam")
            let thread = try network.thread(in: .organisation(pathfinder), by: asker, title: "Our confidential budget")
            try Mentors.link(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandles: [mentor.handle])
            let mentorship = try #require(try network.scalar(Int64.self, "SELECT id FROM mentorships WHERE mentor_id = ?", mentor.id))
            try Mentors.endMentorship(network.store, by: try actor(network, admin.id), id: mentorship)

            #expect(throws: MentorError.notFound) {
                try Mentors.decline(network.store, by: try actor(network, mentor.id), threadID: thread.id, note: "Still here")
            }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM notifications WHERE kind = 'mentor_declined'") == 0)
        }
    }

    /// Ending a mentorship takes the mentor off that pathfinder's private threads (they can no
    /// longer read them, and the thread page named them as its mentor); public links stay.
    @Test func anEndedMentorshipTakesTheMentorOffItsPrivateThreads() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let admin = try network.admin()
            let mentor = try network.mentor(of: pathfinder, handle: "helen")
            let asker = try network.member(of: pathfinder, handle: "sam")
            let privateThread = try network.thread(in: .organisation(pathfinder), by: asker, title: "Our confidential budget")
            let publicThread = try network.thread(by: asker, title: "Has anyone applied to the programme?")
            for thread in [privateThread, publicThread] {
                try Mentors.link(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandles: [mentor.handle])
            }
            let mentorship = try #require(try network.scalar(Int64.self, "SELECT id FROM mentorships WHERE mentor_id = ?", mentor.id))
            let moderation = Network(accounts: network.accounts).moderation
            #expect(try moderation.activeMentorship(by: try actor(network, admin.id), id: mentorship)?.privateThreadLinks == 1)

            try Mentors.endMentorship(network.store, by: try actor(network, admin.id), id: mentorship)

            #expect(try network.store.read { try MentorQueries.linkedMentors($0, threadID: privateThread.id) }.isEmpty)
            #expect(try network.store.read { try MentorQueries.linkedMentors($0, threadID: publicThread.id) }.map(\.handle) == ["helen"])
        }
    }

    /// A thread moved into a private space keeps only the mentors who can read it there.
    @Test func aThreadMovedIntoAPrivateSpaceKeepsOnlyThatSpacesMentors() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let admin = try network.admin()
            let outsider = try network.mentor(handle: "helen")
            let own = try network.mentor(of: pathfinder, handle: "priya")
            let asker = try network.member(of: pathfinder, handle: "sam")
            let thread = try network.thread(by: asker, title: "Has anyone applied to the programme?")
            try Mentors.link(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandles: [outsider.handle, own.handle])

            try Moderation.moveThread(network.store, actor: try actor(network, admin.id), threadID: thread.id,
                                      organisationSlug: pathfinder.slug, reason: "Names the team")

            #expect(try network.store.read { try MentorQueries.linkedMentors($0, threadID: thread.id) }.map(\.handle) == ["priya"])
        }
    }

    /// A suspended mentor, who could not answer, is neither suggested nor linked, nor offered to
    /// the admins (the page does not say why); once the suspension ends they are again.
    @Test func aSuspendedMentorIsNeitherSuggestedNorLinked() throws {
        try withTestNetwork { network in
            let mentor = try network.mentor(handle: "helen")
            let asker = try network.member(handle: "sam")
            let thread = try network.thread(by: asker, title: "Has anyone applied to the programme?")
            let now = Date()
            try network.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'abuse' WHERE id = ?",
                           now.addingTimeInterval(86_400), mentor.id)
            }
            #expect(try network.store.read { try MentorQueries.suggestions($0, threadID: thread.id, now: now) }.isEmpty)
            #expect(throws: MentorError.self) {
                try Mentors.link(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandles: [mentor.handle], now: now)
            }
            #expect(throws: MentorError.self) {
                try Mentors.askAdminsForMentor(network.store, by: try actor(network, asker.id), threadID: thread.id,
                                               mentorHandle: mentor.handle, now: now)
            }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM thread_mentors") == 0)

            let later = now.addingTimeInterval(2 * 86_400)
            #expect(try network.store.read { try MentorQueries.suggestions($0, threadID: thread.id, now: later) }.map(\.handle) == ["helen"])
            try Mentors.link(network.store, by: try actor(network, asker.id), threadID: thread.id, mentorHandles: [mentor.handle], now: later)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM thread_mentors") == 1)
        }
    }
}
