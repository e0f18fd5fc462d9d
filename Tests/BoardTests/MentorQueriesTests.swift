import Database
import DemoContent
import Foundation
import Testing
import TestSupport
@testable import Board

/// A pathfinder, three topics, an asker and a thread, for the mentor queries.
private struct MentorFixture {
    let network: TestNetwork
    let organisation: TestOrganisation
    let topics: [Int64]
    let asker: Int64
    let thread: Int64
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    var store: Store { network.store }
    var pathfinder: Int64 { organisation.id }

    init(_ network: TestNetwork) throws {
        self.network = network
        organisation = try network.organisation("rank-pathfinder", name: "Rank Pathfinder", region: "", at: now)
        topics = [try network.topic("rank-capital", name: "Rank capital", position: 900),
                  try network.topic("rank-governance", name: "Rank governance", position: 901),
                  try network.topic("rank-other", name: "Rank other", position: 902)]
        asker = try network.member(of: organisation, handle: "asker", at: now).id
        thread = try network.thread(in: nil, by: asker, title: "How do we raise working capital?", body: "Question",
                                    topics: Array(topics.prefix(2)), at: now).id
    }

    /// A mentor with expertise (indexes into `topics`), an availability, and optionally a
    /// mentorship of the pathfinder.
    @discardableResult
    func mentor(_ handle: String, expertise: [Int], supports: Bool = false, availability: String = "available") throws -> Int64 {
        let now = self.now
        let topics = self.topics
        let mentor = try network.mentor(handle: handle, at: now)
        try store.write { tx in
            try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, ?, ?, ?)",
                       mentor.id, "Mentor \(handle)", availability, now)
            for index in expertise {
                try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", mentor.id, topics[index])
            }
        }
        if supports { try network.mentorship(mentor, of: organisation, at: now) }
        return mentor.id
    }

    /// Another thread linked to `mentor`, answered (accepted) or still open.
    func otherLinkedThread(_ mentor: Int64, answered: Bool, title: String) throws {
        let now = self.now
        let asker = self.asker
        let other = try network.thread(in: nil, by: asker, title: title, body: "Q", at: now)
        try store.write { tx in
            if answered { try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", other.openingPostID, other.id) }
            try tx.run("""
                INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                VALUES (?, ?, ?, 'linked', ?, ?)
                """, other.id, mentor, asker, now, now)
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct MentorQueriesTests {
    @Test func suggestionsAreRankedByTopicsPathfinderAndOpenLinks() throws {
        try withTestNetwork { network in
            let fixture = try MentorFixture(network)
            try fixture.mentor("alder", expertise: [0, 1])                       // 2·3 = 6
            try fixture.mentor("birch", expertise: [0], supports: true)          // 3 + 4 = 7
            let cedar = try fixture.mentor("cedar", expertise: [0, 1], supports: true) // 6 + 4 − 2 = 8
            try fixture.otherLinkedThread(cedar, answered: false, title: "Cedar open thread one")
            try fixture.otherLinkedThread(cedar, answered: false, title: "Cedar open thread two")
            try fixture.otherLinkedThread(cedar, answered: true, title: "Cedar answered thread")
            try fixture.mentor("dogwood", expertise: [2])                        // 0
            try fixture.mentor("elm", expertise: [0, 1], supports: true, availability: "unavailable") // 10, but busy: left out
            let fir = try fixture.mentor("fir", expertise: [0, 1], supports: true)
            let thread = fixture.thread
            let asker = fixture.asker
            let now = fixture.now
            try fixture.store.write { tx in
                try tx.run("""
                    INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                    VALUES (?, ?, ?, 'declined', ?, ?)
                    """, thread, fir, asker, now, now)
            }

            let suggestions = try fixture.store.read { try MentorQueries.suggestions($0, threadID: thread) }
            #expect(suggestions.map(\.handle) == ["cedar", "birch", "alder", "dogwood"])
            #expect(suggestions.map(\.score) == [8, 7, 6, 0])
            #expect(try fixture.store.read { try MentorQueries.busyCandidates($0, threadID: thread) } == 1)
            let first = try #require(suggestions.first)
            #expect(first.matchingTopics == 2)
            #expect(first.supportsPathfinder)
            #expect(first.openLinks == 2)
        }
    }

    @Test func answeredByMentorFlagsAndFiltersWithPrivacy() throws {
        try withTestNetwork { network in
            let fixture = try MentorFixture(network)
            let mentor = try fixture.mentor("alder", expertise: [0])
            let thread = fixture.thread
            let asker = fixture.asker
            let pathfinder = fixture.pathfinder
            let topics = fixture.topics
            let now = fixture.now
            let privateThread = try fixture.store.write { tx in
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at) VALUES (?, ?, 2, 'A', '<p>A</p>', ?)
                    """, thread, mentor, now)
                let privateThread = try tx.insertThread(title: "Private capital question", authorID: asker, organisationID: pathfinder,
                                                        topicIDs: [topics[0]], body: "Q", at: now).thread
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at) VALUES (?, ?, 2, 'B', '<p>B</p>', ?)
                    """, privateThread, mentor, now)
                return privateThread
            }
            let flagged = try fixture.store.read { try MentorQueries.answeredByMentor($0, threadIDs: [thread, privateThread, 999_999]) }
            #expect(flagged == [thread, privateThread])
            let visitorList = try fixture.store.read {
                try MentorQueries.topicThreadsAnsweredByMentor($0, slug: "rank-capital", viewer: .visitor)
            }
            #expect(visitorList.map(\.id) == [thread])
            let memberList = try fixture.store.read {
                try MentorQueries.topicThreadsAnsweredByMentor($0, slug: "rank-capital",
                                                               viewer: Viewer(userID: asker, organisationID: pathfinder, isAdmin: false))
            }
            #expect(Set(memberList.map(\.id)) == [thread, privateThread])
        }
    }

    /// Migration 16's kept count equals the walk over posts it replaced, after every kind of
    /// change: a reply, hiding and restoring it, its author deleting it, a held reply approved,
    /// the author's role taken away and given back, and the reply removed for good.
    @Test func keptMentorAnswersFollowEveryChange() throws {
        try withTestNetwork { network in
            let fixture = try MentorFixture(network)
            let mentor = try fixture.mentor("alder", expertise: [0])
            let thread = fixture.thread
            let now = fixture.now
            func kept() throws -> Int {
                try fixture.store.read { try #require(try $0.scalar(Int.self, "SELECT mentor_answers FROM threads WHERE id = ?", thread)) }
            }
            func walked() throws -> Int {
                try fixture.store.read {
                    try #require(try $0.scalar(Int.self, """
                        SELECT count(*) FROM posts mp JOIN users mu ON mu.id = mp.author_id
                        WHERE mp.thread_id = ? AND mp.position > 1 AND mp.hidden = 0 AND mp.deleted_by_author = 0
                          AND mp.held_for_approval = 0 AND mu.role = 'mentor'
                        """, thread))
                }
            }
            func change(_ sql: String, _ arguments: Int64...) throws {
                try fixture.store.write { tx in try tx.run(sql, arguments: arguments.map { $0 }) }
                #expect(try kept() == walked(), "\(sql)")
            }
            #expect(try kept() == 0)
            let reply = try fixture.store.write { tx in
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at) VALUES (?, ?, 2, 'A', '<p>A</p>', ?)
                    """, thread, mentor, now)
                return tx.lastInsertedRowID
            }
            #expect(try kept() == 1)
            try change("INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at, held_for_approval) VALUES (?, ?, 3, 'B', '<p>B</p>', ?, 1)",
                       thread, mentor, Int64(now.timeIntervalSince1970 * 1000))
            #expect(try kept() == 1)
            try change("UPDATE posts SET held_for_approval = 0 WHERE thread_id = ? AND position = 3", thread)
            #expect(try kept() == 2)
            try change("UPDATE posts SET hidden = 1, hidden_by = ? WHERE id = ?", mentor, reply)
            #expect(try kept() == 1)
            try change("UPDATE posts SET hidden = 0, hidden_by = NULL WHERE id = ?", reply)
            #expect(try kept() == 2)
            try change("UPDATE posts SET deleted_by_author = 1 WHERE id = ?", reply)
            #expect(try kept() == 1)
            try change("UPDATE users SET role = 'member' WHERE id = ?", mentor)
            #expect(try kept() == 0)
            #expect(try fixture.store.read { try MentorQueries.answeredByMentor($0, threadIDs: [thread]) }.isEmpty)
            try change("UPDATE users SET role = 'mentor' WHERE id = ?", mentor)
            #expect(try kept() == 1)
            try change("DELETE FROM posts WHERE thread_id = ? AND position = 3", thread)
            #expect(try kept() == 0)
        }
    }

    @Test func queueWaitsOldestFirstAndMovesAnsweredThreadsToDone() throws {
        try withTestNetwork { network in
            let fixture = try MentorFixture(network)
            let mentor = try fixture.mentor("alder", expertise: [1], supports: true)
            let asker = fixture.asker
            let pathfinder = fixture.pathfinder
            let now = fixture.now
            let later = try fixture.store.write { tx in
                try tx.insertThread(title: "A later private thread", authorID: asker, organisationID: pathfinder,
                                    topicIDs: [], body: "Q", at: now.addingTimeInterval(60)).thread
            }
            let actor = Actor(userID: mentor, role: .mentor, mentoredOrganisations: [pathfinder])
            let queue = try fixture.store.read { try MentorQueries.queue($0, mentorID: mentor, viewer: actor.viewer) }
            // Its visible-threads rule sees the mentorship through the SQL, as PageQueries does.
            #expect(queue.waiting.map(\.threadID) == [fixture.thread, later])
            #expect(queue.waiting.first?.inYourTopics == true)
            #expect(queue.waiting.allSatisfy { !$0.linkedToYou && !$0.answeredByYou })
            #expect(queue.done.isEmpty)

            let thread = fixture.thread
            try fixture.store.write { tx in
                try tx.run("""
                    INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at) VALUES (?, ?, 2, 'A', '<p>A</p>', ?)
                    """, thread, mentor, now)
            }
            let answered = try fixture.store.read { try MentorQueries.queue($0, mentorID: mentor, viewer: actor.viewer) }
            // An answered thread leaves what waits and is listed once, under done work, marked.
            #expect(answered.waiting.map(\.threadID) == [later])
            #expect(answered.done.map(\.threadID) == [thread])
            #expect(answered.done.first?.answeredByYou == true)

            try Mentors.endMentorship(fixture.store, by: Actor(userID: asker, role: .admin), id: 1, now: now)
            let after = try fixture.store.read { try MentorQueries.queue($0, mentorID: mentor, viewer: actor.viewer) }
            // The private thread is gone at once; the public one has a reply now, so it is no longer
            // an unanswered question in the mentor's topics either.
            #expect(after.waiting.isEmpty)
        }
    }
}
