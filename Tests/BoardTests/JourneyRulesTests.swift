import Board
import Database
import Foundation
import Testing
import TestSupport

/// The rules behind issue 18's journeys: who hears of a held post and of a decision, declining
/// with a note, confirming memberships, and the setting words of the log.
@Suite struct JourneyRulesTests {
    func kinds(_ network: TestNetwork, _ person: TestPerson) throws -> [NotificationKind] {
        try network.store.read { try Notifications.list($0, userID: person.id) }.map(\.kind)
    }

    func holdFirstPosts(_ network: TestNetwork) throws {
        try network.store.write {
            try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('hold_first_posts_of_new_members', '1', 0) ON CONFLICT(key) DO UPDATE SET value = '1'")
        }
    }

    @Test func aHeldPostReachesEveryAdminAndNobodyElse() throws {
        try withTestNetwork { network in
            try holdFirstPosts(network)
            let admin = try network.admin()
            let otherAdmin = try network.admin(handle: "second_admin")
            let mentor = try network.mentor()
            let old = try network.member(at: network.clock.now.addingTimeInterval(-30 * 86_400))
            let thread = try network.thread(by: old)
            let newcomer = try network.member(at: network.clock.now)
            let start = network.clock.now
            #expect(try network.store.read { try Moderation.nextPostWaits($0, authorID: newcomer.id, now: start) })
            #expect(try !network.store.read { try Moderation.nextPostWaits($0, authorID: old.id, now: start) })
            let reply = try network.reply(to: thread, by: newcomer)
            let now = network.clock.now
            let held = try network.store.write { try Moderation.holdIfNewAuthor($0, postID: reply, authorID: newcomer.id, now: now) }
            #expect(held)
            #expect(try kinds(network, admin) == [.postHeld])
            #expect(try kinds(network, otherAdmin) == [.postHeld])
            #expect(try kinds(network, mentor).isEmpty)
            #expect(try kinds(network, old).isEmpty)
            #expect(try network.store.read { try ModerationQueries.waitingCount($0) } == 1)

            // Approved: the author is told so, plainly; the queue is empty.
            try Moderation.decide(network.store, actor: Actor(userID: admin.id, role: .admin), postID: reply, .approve, now: network.clock.now)
            #expect(try kinds(network, newcomer) == [.postApproved])
            #expect(try network.store.read { try ModerationQueries.waitingCount($0) } == 0)
            #expect(try !network.store.read { try Moderation.nextPostWaits($0, authorID: newcomer.id, now: now) })

            // Hidden: told that too.
            try Moderation.decide(network.store, actor: Actor(userID: admin.id, role: .admin), postID: reply,
                                  .hide(reason: "Off-topic"), now: network.clock.now)
            #expect(try kinds(network, newcomer).first == .postHidden)
        }
    }

    @Test func aMentorDeclinesOnlyWhatWaitsAndTheAskerHearsTheNote() throws {
        try withTestNetwork { network in
            let asker = try network.member()
            let mentor = try network.mentor()
            let thread = try network.thread(by: asker)
            let actor = Actor(userID: mentor.id, role: .mentor)
            try Mentors.link(network.store, by: Actor(userID: asker.id, role: .member), threadID: thread.id, mentorHandles: [mentor.handle])
            let tooLong = String(repeating: "x", count: Mentors.declineNoteLimit + 1)
            #expect(throws: MentorError.self) { try Mentors.decline(network.store, by: actor, threadID: thread.id, note: tooLong) }
            try Mentors.decline(network.store, by: actor, threadID: thread.id, note: "  Ask Helen: she ran a bid like this.  ")
            let items = try network.store.read { try Notifications.list($0, userID: asker.id) }
            #expect(items.first?.kind == .mentorDeclined)
            #expect(items.first?.note == "Ask Helen: she ran a bid like this.")
            // Declined once; there is nothing more to decline.
            #expect(throws: MentorError.notFound) { try Mentors.decline(network.store, by: actor, threadID: thread.id) }

            // A thread the mentor has answered cannot be declined.
            let answered = try network.thread(by: asker, title: "Who audits a mutual?")
            try Mentors.link(network.store, by: Actor(userID: asker.id, role: .member), threadID: answered.id, mentorHandles: [mentor.handle])
            _ = try network.reply(to: answered, by: mentor)
            #expect(throws: MentorError.self) { try Mentors.decline(network.store, by: actor, threadID: answered.id) }
            let queue = try network.store.read { try MentorQueries.queue($0, mentorID: mentor.id, viewer: actor.viewer) }
            #expect(queue.waiting.isEmpty)
            #expect(queue.done.map(\.threadID) == [answered.id])
        }
    }

    @Test func askingTheAdminsForAMentorNamesAMentorOrNone() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let asker = try network.member(of: pathfinder)
            let admin = try network.admin()
            let mentor = try network.mentor()
            let actor = Actor(userID: asker.id, role: .member, organisationID: pathfinder.id)
            // A public thread may ask too (issue 18): the admins find a mentor for it.
            let open = try network.thread(by: asker)
            try Mentors.askAdminsForMentor(network.store, by: actor, threadID: open.id, mentorHandle: nil)
            let asked = try network.store.read { try Notifications.list($0, userID: admin.id) }
            #expect(asked.map(\.kind) == [.mentorWanted])
            #expect(asked.first?.organisationSlug == nil && asked.first?.mentorHandle == nil)
            try network.store.write { try $0.run("DELETE FROM notifications") }
            let privateThread = try network.thread(in: .organisation(pathfinder), by: asker, title: "Our private budget question")
            #expect(throws: MentorError.self) {
                try Mentors.askAdminsForMentor(network.store, by: actor, threadID: privateThread.id, mentorHandle: asker.handle)
            }
            try Mentors.askAdminsForMentor(network.store, by: actor, threadID: privateThread.id, mentorHandle: mentor.handle)
            let items = try network.store.read { try Notifications.list($0, userID: admin.id) }
            #expect(items.map(\.kind) == [.mentorWanted])
            #expect(items.first?.mentorHandle == mentor.handle)
            #expect(items.first?.organisationSlug == pathfinder.slug)
            #expect(try kinds(network, mentor).isEmpty)
        }
    }

    @Test func membershipsAreAnsweredByAdminsOnceAndLogged() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let admin = try network.admin()
            let member = try network.member()
            let adminActor = Actor(userID: admin.id, role: .admin)

            // Choosing an organisation asks the admins; saving again without a change does not.
            for _ in 0..<2 {
                #expect(try network.accounts.updateProfile(by: Actor(userID: member.id, role: .member), displayName: "Member", bio: "", organisationSlug: pathfinder.slug).isEmpty)
            }
            let asked = try network.store.read { try Notifications.list($0, userID: admin.id) }
            #expect(asked.map(\.kind) == [.organisationRequested])
            #expect(asked.first?.organisationSlug == pathfinder.slug)
            #expect(try network.store.read { try Moderation.membershipRequests($0) }.map(\.userID) == [member.id])

            let memberActor = Actor(userID: member.id, role: .member)
            #expect(throws: ModerationError.self) {
                try Moderation.answerMembership(network.store, actor: memberActor, userID: member.id, organisationID: pathfinder.id, confirm: true)
            }
            try Moderation.answerMembership(network.store, actor: adminActor, userID: member.id, organisationID: pathfinder.id, confirm: true)
            #expect(try network.scalar(Bool.self, "SELECT organisation_confirmed FROM users WHERE id = ?", member.id) == true)
            #expect(try kinds(network, member) == [.organisationConfirmed])
            #expect(try network.lastLogAction() == "edit_organisation")
            // The answer is in the log for admins, not on the public page.
            let publicLog = try network.store.read { try ModerationQueries.log($0, viewer: .visitor) }
            #expect(!publicLog.contains { $0.action == .editOrganisation && $0.targetType == "user" })
            let adminLog = try network.store.read { try ModerationQueries.log($0, viewer: adminActor.viewer) }
            #expect(adminLog.contains { $0.action == .editOrganisation && $0.targetType == "user" })
            // A second answer (another admin, or the button twice) changes nothing and says who answered.
            let again = try Moderation.answerMembership(network.store, actor: adminActor, userID: member.id, organisationID: pathfinder.id,
                                                        confirm: false)
            guard case .alreadyAnswered = again else { Issue.record("answered twice: \(again)"); return }
            #expect(try network.scalar(Bool.self, "SELECT organisation_confirmed FROM users WHERE id = ?", member.id) == true)
            // Nobody asked: not found.
            let stranger = try network.member()
            #expect(throws: ModerationError.notFound) {
                try Moderation.answerMembership(network.store, actor: adminActor, userID: stranger.id, organisationID: pathfinder.id, confirm: true)
            }

            // Declined: the organisation is cleared, and the member is told.
            let other = try network.unconfirmedMember(of: pathfinder)
            try Moderation.answerMembership(network.store, actor: adminActor, userID: other.id, organisationID: pathfinder.id, confirm: false)
            #expect(try network.scalar(Int64.self, "SELECT organisation_id FROM users WHERE id = ?", other.id) == nil)
            #expect(try kinds(network, other) == [.organisationDeclined])
        }
    }

    @Test(arguments: [
        ("hold_first_posts_of_new_members = 1", "Hold the first posts of new accounts for approval: Yes"),
        ("registration = invite_only", "Who can register: Only people with an invite"),
        ("flag_threshold = 4", "Members whose flags hide a post until an admin decides: 4"),
    ])
    func settingChangesReadAsWords(stored: String, words: String) {
        #expect(Setting.describeChange(stored) == words)
    }

    @Test func aReasonNotInKeyValueFormIsLeftAlone() {
        #expect(Setting.describeChange("not a setting = 1") == nil)
        #expect(Setting.describeChange("no equals sign") == nil)
    }

    /// Migration 11 rebuilds `notifications` with foreign keys off: rows keep their ids, and
    /// queued mail still points at its notification.
    @Test func migration11KeepsNotificationsAndTheOutboxLinks() throws {
        try withTestNetwork(migratedTo: 10) { network in
            let member = try network.member()
            let thread = try network.thread(by: member)
            try network.store.write { tx in
                try tx.run("INSERT INTO notifications(id, user_id, kind, thread_id, created_at) VALUES (7, ?, 'reply', ?, 0)", member.id, thread.id)
                try tx.run("""
                    INSERT INTO mail_outbox(kind, user_id, to_address, notification_id, created_at, next_attempt_at)
                    VALUES ('notification', ?, 'member@example.org', 7, 0, 0)
                    """, member.id)
            }
            try network.store.writeWithoutTransaction { try Schema.migrator.migrate($0) }
            #expect(try network.scalar(Int64.self, "SELECT notification_id FROM mail_outbox") == 7)
            #expect(try network.scalar(String.self, "SELECT kind FROM notifications WHERE id = 7") == "reply")
            #expect(try network.scalar(Int64.self, "SELECT count(*) FROM pragma_index_list('notifications')") == 2)
            try network.store.write { tx in
                try tx.run("INSERT INTO notifications(user_id, kind, created_at) VALUES (?, 'organisation_confirmed', 0)", member.id)
            }
        }
    }
}
