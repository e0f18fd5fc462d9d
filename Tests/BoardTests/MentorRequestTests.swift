import Foundation
import Testing
@testable import Board
import TestSupport

/// Issue 18: when the admins act on a request for a mentor, the asker hears of it.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct MentorRequestTests {
    @Test func aNewMentorshipAnswersWaitingRequestsOfThatPathfinderOnly() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let other = try network.organisation("other-pathfinder")
            let asker = try network.member(of: pathfinder)
            let admin = try network.admin()
            let free = try network.mentor(handle: "free_mentor")
            let busy = try network.mentor(handle: "busy_mentor")
            let adminActor = Actor(userID: admin.id, role: .admin)
            let actor = Actor(userID: asker.id, role: .member, organisationID: pathfinder.id)
            try network.store.write { tx in
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Busy', 'unavailable', ?)",
                           busy.id, Fixtures.now)
            }
            let asked = try network.thread(in: .organisation(pathfinder), by: asker, title: "Our private budget question")
            let notAsked = try network.thread(in: .organisation(pathfinder), by: asker, title: "Another private question")
            try Mentors.askAdminsForMentor(network.store, by: actor, threadID: asked.id, mentorHandle: nil)
            #expect(try network.store.read { try MentorQueries.pendingAdminRequest($0, threadID: asked.id, askerID: asker.id) } != nil)

            // A busy mentor, or a mentorship of another pathfinder, answers nothing.
            try Mentors.startMentorship(network.store, by: adminActor, mentorHandle: busy.handle, organisationSlug: pathfinder.slug,
                                        startedAt: Fixtures.now, note: "")
            try Mentors.startMentorship(network.store, by: adminActor, mentorHandle: free.handle, organisationSlug: other.slug,
                                        startedAt: Fixtures.now, note: "")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM thread_mentors") == 0)

            try Mentors.startMentorship(network.store, by: adminActor, mentorHandle: free.handle, organisationSlug: pathfinder.slug,
                                        startedAt: Fixtures.now, note: "")
            let linked = try network.store.read { try MentorQueries.linkedMentors($0, threadID: asked.id) }
            #expect(linked.map(\.handle) == [free.handle])
            #expect(try network.store.read { try MentorQueries.linkedMentors($0, threadID: notAsked.id) }.isEmpty)
            let heard = try network.store.read { try Notifications.list($0, userID: asker.id) }
            #expect(heard.map(\.kind) == [.mentorLinked])
            #expect(heard.first?.threadID == asked.id)
            #expect(try network.store.read { try Notifications.list($0, userID: free.id) }.map(\.kind) == [.mentorRequested])
            #expect(try network.store.read { try MentorQueries.pendingAdminRequest($0, threadID: asked.id, askerID: asker.id) } == nil)
            #expect(try network.logCount("link_mentor") == 1)
        }
    }

    @Test func busyMentorsAreNeitherSuggestedNorLinked() throws {
        try withTestNetwork { network in
            let asker = try network.member()
            let busy = try network.mentor(handle: "busy_mentor")
            try network.store.write { tx in
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Busy', 'unavailable', ?)",
                           busy.id, Fixtures.now)
            }
            let thread = try network.thread(by: asker)
            #expect(try network.store.read { try MentorQueries.suggestions($0, threadID: thread.id) }.isEmpty)
            #expect(try network.store.read { try MentorQueries.busyCandidates($0, threadID: thread.id) } == 1)
            #expect(throws: MentorError.self) {
                try Mentors.link(network.store, by: Actor(userID: asker.id, role: .member), threadID: thread.id, mentorHandles: [busy.handle])
            }
        }
    }
}
