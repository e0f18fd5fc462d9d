import Database
import DemoContent
import Foundation
import Testing
@testable import Board

/// A fresh board file with a pathfinder, two topics, an asker and a thread, for the mentor
/// queries.
private struct MentorFixture {
    let store: Store
    let directory: String
    let pathfinder: Int64
    let topics: [Int64]
    let asker: Int64
    let thread: Int64
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-mentors-\(UUID().uuidString)").path
        store = try Storage.openStore(dataDirectory: directory)
        let now = self.now
        (pathfinder, topics, asker, thread) = try store.write { tx in
            let pathfinder = try tx.insertOrganisation(slug: "rank-pathfinder", name: "Rank Pathfinder", kind: "pathfinder",
                                                       description: "", website: nil, region: "", at: now)
            let topics = [try tx.insertTopic(slug: "rank-capital", name: "Rank capital", description: "", position: 900),
                          try tx.insertTopic(slug: "rank-governance", name: "Rank governance", description: "", position: 901),
                          try tx.insertTopic(slug: "rank-other", name: "Rank other", description: "", position: 902)]
            let asker = try tx.insertUser(handle: "asker", displayName: "Asker", email: "asker@example.org", passwordHash: "x",
                                          role: "member", organisationID: pathfinder, bio: "", at: now)
            let thread = try tx.insertThread(title: "How do we raise working capital?", authorID: asker, organisationID: nil,
                                             topicIDs: Array(topics.prefix(2)), body: "Question", at: now).thread
            return (pathfinder, topics, asker, thread)
        }
    }

    /// A mentor with expertise (indexes into `topics`), an availability, and optionally a
    /// mentorship of the pathfinder.
    @discardableResult
    func mentor(_ handle: String, expertise: [Int], supports: Bool = false, availability: String = "available") throws -> Int64 {
        let now = self.now
        let topics = self.topics
        let pathfinder = self.pathfinder
        return try store.write { tx in
            let id = try tx.insertUser(handle: handle, displayName: handle.capitalized, email: "\(handle)@example.org",
                                       passwordHash: "x", role: "mentor", organisationID: nil, bio: "", at: now)
            try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, ?, ?, ?)",
                       id, "Mentor \(handle)", availability, now)
            for index in expertise {
                try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", id, topics[index])
            }
            if supports {
                try tx.run("INSERT INTO mentorships(mentor_id, organisation_id, started_at) VALUES (?, ?, ?)", id, pathfinder, now)
            }
            return id
        }
    }

    /// Another thread linked to `mentor`, answered (accepted) or still open.
    func otherLinkedThread(_ mentor: Int64, answered: Bool, title: String) throws {
        let now = self.now
        let asker = self.asker
        try store.write { tx in
            let (thread, post) = try tx.insertThread(title: title, authorID: asker, organisationID: nil, topicIDs: [], body: "Q", at: now)
            if answered { try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", post, thread) }
            try tx.run("""
                INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                VALUES (?, ?, ?, 'linked', ?, ?)
                """, thread, mentor, asker, now, now)
        }
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct MentorQueriesTests {
    @Test func suggestionsAreRankedByTopicsPathfinderAndOpenLinks() throws {
        let fixture = try MentorFixture()
        defer { fixture.close() }
        try fixture.mentor("alder", expertise: [0, 1])                       // 2·3 = 6
        try fixture.mentor("birch", expertise: [0], supports: true)          // 3 + 4 = 7
        let cedar = try fixture.mentor("cedar", expertise: [0, 1], supports: true) // 6 + 4 − 2 = 8
        try fixture.otherLinkedThread(cedar, answered: false, title: "Cedar open thread one")
        try fixture.otherLinkedThread(cedar, answered: false, title: "Cedar open thread two")
        try fixture.otherLinkedThread(cedar, answered: true, title: "Cedar answered thread")
        try fixture.mentor("dogwood", expertise: [2])                        // 0
        try fixture.mentor("elm", expertise: [0, 1], supports: true, availability: "unavailable") // 10, but busy: last
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
        #expect(suggestions.map(\.handle) == ["cedar", "birch", "alder", "dogwood", "elm"])
        #expect(suggestions.map(\.score) == [8, 7, 6, 0, 10])
        let first = try #require(suggestions.first)
        #expect(first.matchingTopics == 2)
        #expect(first.supportsPathfinder)
        #expect(first.openLinks == 2)
    }

    @Test func answeredByMentorFlagsAndFiltersWithPrivacy() throws {
        let fixture = try MentorFixture()
        defer { fixture.close() }
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

    @Test func queueListsTopicsAndPathfinderThreadsOldestFirstAndMarksAnswers() throws {
        let fixture = try MentorFixture()
        defer { fixture.close() }
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
        #expect(queue.items.map(\.threadID) == [fixture.thread, later])
        #expect(queue.items.first?.inYourTopics == true)
        #expect(queue.linkedToYou.isEmpty)
        #expect(queue.items.allSatisfy { !$0.answeredByYou })

        let thread = fixture.thread
        try fixture.store.write { tx in
            try tx.run("""
                INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at) VALUES (?, ?, 2, 'A', '<p>A</p>', ?)
                """, thread, mentor, now)
        }
        let answered = try fixture.store.read { try MentorQueries.queue($0, mentorID: mentor, viewer: actor.viewer) }
        // Answered threads stay in the queue (from a supported pathfinder), marked.
        #expect(answered.items.first { $0.threadID == thread }?.answeredByYou == true)

        try Mentors.endMentorship(fixture.store, by: Actor(userID: asker, role: .admin), id: 1, now: now)
        let after = try fixture.store.read { try MentorQueries.queue($0, mentorID: mentor, viewer: actor.viewer) }
        // The private thread is gone at once; the public one has a reply now, so it is no longer
        // an unanswered question in the mentor's topics either.
        #expect(after.items.isEmpty)
    }
}
