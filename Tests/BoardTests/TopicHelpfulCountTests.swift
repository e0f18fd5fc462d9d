import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Migration 18: each topic's helpful marks per post, kept by triggers, always equal to counting
/// the marks (what the topic page's query used to do) through marks, retags and deletions.
@Suite struct TopicHelpfulCountTests {
    struct Kept: RowDecodable, Equatable, CustomStringConvertible {
        let topicID: Int64, postID: Int64, marks: Int
        init(row: Row) throws { topicID = try row["topic_id"]; postID = try row["post_id"]; marks = try row["marks"] }
        var description: String { "\(topicID)/\(postID):\(marks)" }
    }

    func kept(_ network: TestNetwork) throws -> [Kept] {
        try network.store.read { try $0.query(Kept.self, "SELECT topic_id, post_id, marks FROM topic_helpful ORDER BY topic_id, post_id") }
    }

    func counted(_ network: TestNetwork) throws -> [Kept] {
        try network.store.read {
            try $0.query(Kept.self, """
                SELECT tt.topic_id, h.post_id, count(*) AS marks
                FROM helpful_marks h JOIN posts p ON p.id = h.post_id JOIN thread_topics tt ON tt.thread_id = p.thread_id
                GROUP BY tt.topic_id, h.post_id ORDER BY tt.topic_id, h.post_id
                """)
        }
    }

    /// Migration 23: each post's own count (`posts.helpful_count`), as `[post id: marks]`, kept
    /// and counted.
    func postCounts(_ network: TestNetwork) throws -> (kept: [Int64: Int], counted: [Int64: Int]) {
        try network.store.read { conn in
            var kept: [Int64: Int] = [:], counted: [Int64: Int] = [:]
            try conn.forEach("SELECT id, helpful_count FROM posts WHERE helpful_count != 0") { kept[try $0["id"]] = try $0["helpful_count"] }
            try conn.forEach("SELECT post_id, count(*) AS n FROM helpful_marks GROUP BY post_id") { counted[try $0["post_id"]] = try $0["n"] }
            return (kept, counted)
        }
    }

    @Test func keptCountsFollowEveryChange() throws {
        try withTestNetwork { network in
            let capital = try network.topic("capital-and-finance")
            let people = try network.topic("people-and-culture", position: 2)
            let asker = try network.member(handle: "asker")
            let helpers = try (0..<3).map { try network.member(handle: "helper\($0)") }
            let reader = try network.member(handle: "reader")
            let thread = try network.thread(by: asker, title: "Working capital in year one", topics: [capital, people])
            let other = try network.thread(by: asker, title: "Another question here", topics: [people])
            let answers = try helpers.map { try network.reply(to: thread, by: $0, body: "An answer") }
            let elsewhere = try network.reply(to: other, by: helpers[0], body: "Elsewhere")
            let service = Network(accounts: network.accounts).helpful
            func mark(_ handle: String, _ post: Int64, _ helped: Bool = true) throws {
                #expect(try service.mark(by: try network.actor(handle), postID: post, helped: helped))
            }
            try mark("asker", answers[0])
            try mark("helper1", answers[0])
            try mark("helper2", answers[0])
            try mark("asker", answers[1])
            try mark("reader", elsewhere)
            #expect(try kept(network) == counted(network))
            #expect(try postCounts(network).kept == postCounts(network).counted)
            #expect(try kept(network).count == 5)  // two topics × two posts, and the other thread's post
            // Ranked by the kept counts, most first.
            #expect(try service.topAnswers(topicSlug: "people-and-culture", viewer: .visitor).map(\.postID) == [answers[0], elsewhere, answers[1]])
            #expect(try service.topAnswers(topicSlug: "people-and-culture", viewer: .visitor).map(\.count) == [3, 1, 1])

            try mark("helper2", answers[0], false)  // unmarked
            try mark("asker", answers[1], false)     // its last mark
            #expect(try kept(network) == counted(network))
            #expect(try postCounts(network).kept == postCounts(network).counted)
            // Retagged: out of one topic, into another, as the edit form does it.
            try network.store.write { tx in
                try tx.run("DELETE FROM thread_topics WHERE thread_id = ?", thread.id)
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", thread.id, capital)
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", other.id, capital)
            }
            #expect(try kept(network) == counted(network))
            #expect(try postCounts(network).kept == postCounts(network).counted)
            #expect(try service.topAnswers(topicSlug: "capital-and-finance", viewer: .visitor).map(\.postID) == [answers[0], elsewhere])
            // A post removed for good, an account deleted with its marks.
            try mark("asker", answers[2])
            try network.store.write { tx in try tx.run("DELETE FROM posts WHERE id = ?", answers[2]) }
            #expect(try kept(network) == counted(network))
            #expect(try postCounts(network).kept == postCounts(network).counted)
            try network.store.write { tx in try tx.run("DELETE FROM users WHERE id = ?", reader.id) }
            #expect(try kept(network) == counted(network))
            #expect(try postCounts(network).kept == postCounts(network).counted)
            #expect(try service.topAnswers(topicSlug: "capital-and-finance", viewer: .visitor).map(\.count) == [2])

            // The thread page reads each post's count from its row, and the reader's own mark.
            let page = try #require(try network.store.read { conn in
                try PageQueries.thread(conn, id: thread.id, page: 1, viewer: Viewer(userID: helpers[1].id, organisationID: nil, isAdmin: false))
            })
            let first = try #require(page.posts.first { $0.id == answers[0] })
            #expect(first.helpful == HelpfulCount(count: 2, mine: true))
            #expect(page.posts.first { $0.id == answers[1] }?.helpful == nil)
            let byVisitor = try #require(try network.store.read { try PageQueries.thread($0, id: thread.id, page: 1, viewer: .visitor) })
            #expect(byVisitor.posts.first { $0.id == answers[0] }?.helpful == HelpfulCount(count: 2, mine: false))
        }
    }
}
