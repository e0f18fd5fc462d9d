import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Migration 7's counters agree with counting the threads directly, for every kind of reader,
/// after each change that moves a thread in or out of a topic's count.
@Suite(.serialized) struct TopicCountTests {
    /// The counts as the old query computed them: every listed thread (not hidden, not held for
    /// approval: migration 8) the viewer may read.
    func bruteForce(_ conn: Connection, _ viewer: Viewer) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        try conn.forEach("""
            SELECT tp.slug, (SELECT count(*) FROM thread_topics tt JOIN threads t ON t.id = tt.thread_id
                             WHERE tt.topic_id = tp.id AND t.hidden = 0 AND t.held = 0 AND \(PageQueries.visible))
            FROM topics tp WHERE tp.retired = 0
            """, arguments: PageQueries.viewerArguments(viewer)) { row in
            counts[try row[0]] = try row[1]
        }
        return counts
    }

    func check(_ store: Store, _ viewers: [Viewer], _ step: String) throws {
        try store.read { conn in
            for viewer in viewers {
                let counted = Dictionary(uniqueKeysWithValues: try PageQueries.topicCounts(conn, viewer: viewer).map { ($0.slug, $0.threadCount) })
                #expect(counted == (try bruteForce(conn, viewer)), "\(step), viewer \(viewer)")
            }
        }
    }

    /// The sorted search the counts use for a reader's spaces agrees with a set's answer.
    @Test func sortedSpacesAreSearchedExactly() {
        #expect(!StoredTopicCounts.contains([], 0))
        for count in 0...9 {
            let ids = (0..<count).map { Int64($0 * 3 + 1) }
            let set = Set(ids)
            for probe in Int64(-1)...Int64(count * 3 + 2) {
                #expect(StoredTopicCounts.contains(ids, probe) == set.contains(probe), "\(probe) in \(ids)")
            }
        }
    }

    @Test func countersFollowEveryChange() throws {
        try withTestNetwork { network in try exercise(network) }
    }

    func exercise(_ network: TestNetwork) throws {
        let store = network.store
        do {
            let pathfinder = try network.organisation()
            let org = pathfinder.id
            let other = try network.organisation("other-pathfinder")
            let member = try network.member(of: pathfinder, handle: "member").id
            let mentor = try network.mentor(handle: "mentor").id
            let outsider = try network.member(of: other, handle: "outsider").id
            try store.write { tx in
                try tx.run("INSERT INTO mentorships(mentor_id, organisation_id, started_at, note) VALUES (?, ?, ?, '')",
                           mentor, org, Fixtures.now)
            }
            let first = try network.topic()
            let second = try network.topic("governance-and-legal-form", position: 2)
            let topics = [first, second]
            let viewers = [
                Viewer.visitor,
                Viewer(userID: member, organisationID: org, isAdmin: false),
                Viewer(userID: mentor, organisationID: nil, isAdmin: false),
                Viewer(userID: outsider, organisationID: nil, isAdmin: false),
                Viewer(userID: nil, organisationID: nil, isAdmin: true),
            ]
            let publicThread = try network.thread(in: nil, by: member, topics: topics).id
            let privateThread = try network.thread(in: org, by: member, topics: [first]).id
            try check(store, viewers, "created")
            try store.write { try $0.run("UPDATE threads SET hidden = 1, hidden_reason = 'x', hidden_by = ? WHERE id = ?", member, publicThread) }
            try check(store, viewers, "hidden")
            try store.write { try $0.run("UPDATE threads SET hidden = 0, hidden_reason = NULL, hidden_by = NULL WHERE id = ?", publicThread) }
            try check(store, viewers, "restored")
            let opening = try #require(try store.read { try $0.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position = 1", publicThread) })
            try store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", opening) }
            try check(store, viewers, "opening post held")
            try store.write { try $0.run("UPDATE posts SET held_for_approval = 0 WHERE id = ?", opening) }
            try check(store, viewers, "opening post approved")
            try store.write { try $0.run("UPDATE threads SET organisation_id = NULL WHERE id = ?", privateThread) }
            try check(store, viewers, "moved to public")
            try store.write { try $0.run("UPDATE threads SET organisation_id = ? WHERE id = ?", org, publicThread) }
            try check(store, viewers, "moved to private")
            try store.write { tx in
                try tx.run("DELETE FROM thread_topics WHERE thread_id = ? AND topic_id = ?", publicThread, topics[1])
            }
            try check(store, viewers, "untagged")
            try store.write { try $0.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", privateThread, topics[1]) }
            try check(store, viewers, "retagged")
            try store.write { try $0.run("DELETE FROM threads WHERE id = ?", privateThread) }
            try check(store, viewers, "deleted")
            try store.write { try $0.run("UPDATE mentorships SET ended_at = ? WHERE mentor_id = ?", Fixtures.now, mentor) }
            try check(store, viewers, "mentorship ended")
        }
    }
}
