import Foundation
import Testing
import TestSupport
@testable import Board

/// An organisation a person chose themselves waits for an admin to confirm it, and until then
/// nobody else is shown it or matches anything on it (`Visibility.confirmedOrganisation`): not
/// only the private space (issue 16) but every page that names or groups people by their
/// organisation. Several read `users.organisation_id` as it stood, so a pending request showed
/// on a mentor's card and profile, became a new mentor's headline, put the person's public
/// threads on the organisation's page and their threads in its mentors' queues as "from your
/// pathfinder", and named the organisation beside a mentor linked to a thread or space.
@Suite struct UnconfirmedOrganisationTests {
    @Test func aPendingOrganisationIsNeitherShownNorMatched() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation("river-care", name: "River Care")
            let admin = try network.admin(handle: "keeper")
            let claimant = try network.unconfirmedMember(of: pathfinder, handle: "claimant")
            let insider = try network.member(of: pathfinder, handle: "insider")
            let supporter = try network.mentor(of: pathfinder, handle: "supporter")
            let hopeful = try network.person("hopeful", role: .mentor, organisation: pathfinder, confirmed: false)
            try network.mentorship(hopeful, of: try network.organisation("elsewhere", name: "Elsewhere"))
            let claimed = try network.thread(by: claimant, title: "A claimant's public question")
            let confirmed = try network.thread(by: insider, title: "An insider's public question")
            try network.store.write { tx in
                try tx.run("INSERT INTO thread_mentors(thread_id, mentor_id, status, created_at, updated_at) VALUES (?, ?, 'linked', 0, 0)",
                           confirmed.id, hopeful.id)
            }

            try network.store.read { conn in
                // The mentor directory and profile: no organisation for a pending choice, and the
                // directory's organisation filter does not find them by it.
                let cards = try MentorDirectory.mentors(conn)
                #expect(cards.first { $0.handle == "hopeful" }?.organisationName == nil)
                #expect(try MentorDirectory.mentors(conn, filter: MentorFilter(organisationSlug: "river-care")).map(\.handle) == ["supporter"])
                #expect(try MentorDirectory.mentor(conn, handle: "hopeful")?.organisationName == nil)
                // The organisation's page: its confirmed members' public threads only.
                let page = try #require(try PageQueries.organisation(conn, slug: "river-care", viewer: .visitor))
                #expect(page.publicThreads.map(\.id) == [confirmed.id])
                // Mentors linked to a thread, and linked to another space, are not named with it.
                #expect(try MentorQueries.linkedMentors(conn, threadID: confirmed.id).first?.organisationName == nil)
                let elsewhere = try #require(try PageQueries.organisation(conn, slug: "elsewhere", viewer: .visitor))
                #expect(elsewhere.linkedMentors.first?.organisationName == nil)
                // The space's mentor hears of its confirmed members' threads, not the claimant's.
                let queue = try MentorQueries.queue(conn, mentorID: supporter.id, viewer: supporter.viewer)
                #expect(queue.waiting.map(\.threadID) == [confirmed.id])
                #expect(!queue.waiting.contains { $0.threadID == claimed.id })
            }

            // A member made a mentor gets a headline from a confirmed organisation only.
            let actor = try network.store.read { try Actor.load($0, account: #require(try Accounts.account($0, id: admin.id))) }
            try Mentors.changeRole(network.store, by: actor, handle: "claimant", to: .mentor)
            #expect(try network.scalar(String.self, "SELECT headline FROM mentor_profiles WHERE user_id = ?", claimant.id) == "Mentor")
            try Mentors.changeRole(network.store, by: actor, handle: "insider", to: .mentor)
            #expect(try network.scalar(String.self, "SELECT headline FROM mentor_profiles WHERE user_id = ?", insider.id) == "Mentor, River Care")
        }
    }

    /// Search's organisation filter finds a person's posts by their organisation only once an
    /// admin has confirmed it (a pending request matched before, for anyone searching).
    @Test func searchByOrganisationMatchesConfirmedMembersOnly() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation("river-care", name: "River Care")
            let claimant = try network.unconfirmedMember(of: pathfinder, handle: "claimant")
            let insider = try network.member(of: pathfinder, handle: "insider")
            let claimed = try network.thread(by: claimant, title: "Claimed question", body: "Our fidelity bond renewal")
            let confirmed = try network.thread(by: insider, title: "Insider question", body: "The fidelity bond we chose")
            func found(_ viewer: Viewer) throws -> [Int64] {
                let request = SearchRequest(query: try SearchQuery(parsing: "fidelity"), organisationSlug: "river-care")
                return try network.store.read { try SearchQueries.search($0, request, viewer: viewer) }.hits.map(\.threadID)
            }
            #expect(try found(.visitor) == [confirmed.id])
            #expect(try found(insider.viewer) == [confirmed.id])
            try network.store.write { try $0.run("UPDATE users SET organisation_confirmed = 1 WHERE id = ?", claimant.id) }
            #expect(Set(try found(.visitor)) == [confirmed.id, claimed.id])
        }
    }
}
