import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The people and places of the posting flows: a pathfinder with a member and a colleague, an
/// outsider from another pathfinder, an admin, four topics.
struct PostingCast {
    let store: Store
    let pathfinder: TestOrganisation
    let member: Viewer
    let colleague: Viewer
    let outsider: Viewer
    let admin: Viewer

    var organisation: Int64 { pathfinder.id }

    init(_ network: TestNetwork) throws {
        store = network.store
        pathfinder = try network.organisation()
        let other = try network.organisation("other-pathfinder")
        member = try network.member(of: pathfinder, handle: "member").viewer
        colleague = try network.member(of: pathfinder, handle: "colleague").viewer
        outsider = try network.member(of: other, handle: "outsider").viewer
        admin = try network.admin().viewer
        for (index, slug) in ["capital-and-finance", "governance-and-legal-form", "contracts-and-procurement", "support-programmes"].enumerated() {
            try network.topic(slug, position: index + 1)
        }
    }

    /// One value from the store (read outside the test's expectations, so they stay simple).
    func scalar<T: ColumnValue>(_ type: T.Type, _ sql: String, _ id: Int64) throws -> T? {
        try store.read { try $0.scalar(T.self, sql, id) }
    }

    /// A thread started through the posting service. (The same title and words started again
    /// at once are the same thread, `Threads.sameThreadSent`: a second thread needs a new title.)
    func thread(_ space: ThreadSpace = .network, by actor: Viewer? = nil,
                title: String = "How did you handle the bond?") throws -> (thread: Int64, post: Int64) {
        try Threads.create(store, by: actor ?? member, NewThread(title: title, body: "Opening *question*",
                                                                  topicSlugs: ["capital-and-finance"], space: space))
    }
}

func problems(_ body: () throws -> Void) -> [FieldProblem] {
    do {
        try body()
        return []
    } catch let error as PostValidationError {
        return error.problems
    } catch {
        return [FieldProblem(field: "unexpected", message: "\(error)")]
    }
}

@Suite struct BoardPostingTests {
    @Test func createStoresRenderedBodyTopicsAndSlug() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (threadID, postID) = try Threads.create(world.store, by: world.member, NewThread(
                title: "  Bonds: who asked for one?  ", body: "\n**Bold** and @colleague\n",
                topicSlugs: ["capital-and-finance", "support-programmes", "capital-and-finance"]))
            #expect(try world.scalar(String.self, "SELECT title FROM threads WHERE id = ?", threadID) == "Bonds: who asked for one?")
            #expect(try world.scalar(String.self, "SELECT slug FROM threads WHERE id = ?", threadID) == "bonds-who-asked-for-one")
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM thread_topics WHERE thread_id = ?", threadID) == 2)
            #expect(try world.scalar(String.self, "SELECT body_markdown FROM posts WHERE id = ?", postID) == "**Bold** and @colleague")
            #expect(try world.scalar(String.self, "SELECT body_html FROM posts WHERE id = ?", postID) ==
                    "<p><strong>Bold</strong> and <a class=\"mention\" href=\"/u/colleague\">@colleague</a></p>\n")
            #expect(try world.scalar(Int.self, "SELECT renderer_version FROM posts WHERE id = ?", postID) == Markdown.version)
        }
    }

    @Test(arguments: [(7, false), (8, true), (150, true), (151, false)])
    func titleLengthLimits(length: Int, accepted: Bool) throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let title = "  " + String(repeating: "t", count: length) + " \n"
            let found = problems {
                try Threads.create(world.store, by: world.member, NewThread(title: title, body: "Body", topicSlugs: ["capital-and-finance"]))
            }
            #expect(found.isEmpty == accepted)
            if !accepted { #expect(found.first?.field == "title") }
        }
    }

    @Test(arguments: [(0, false), (1, true), (PostLimits.bodyLength.upperBound, true), (PostLimits.bodyLength.upperBound + 1, false)])
    func bodyLengthLimits(length: Int, accepted: Bool) throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let body = " \n" + String(repeating: "b", count: length) + "\n\n "
            let (threadID, _) = try world.thread()
            let found = problems { try Threads.reply(world.store, by: world.member, threadID: threadID, body: body) }
            #expect(found.isEmpty == accepted)
            if !accepted { #expect(found.first?.field == "body") }
        }
    }

    @Test func emptyFormReportsEveryProblem() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let found = problems { try Threads.create(world.store, by: world.member, NewThread(title: " ", body: "  \n ", topicSlugs: [])) }
            #expect(found == [FieldProblem(field: "title", message: "Enter a title"),
                              FieldProblem(field: "body", message: "Enter your message"),
                              FieldProblem(field: "topics", message: "Select at least one topic")])
            let tooMany = problems {
                try Threads.create(world.store, by: world.member, NewThread(title: "Four topics at once", body: "x",
                    topicSlugs: ["capital-and-finance", "governance-and-legal-form", "contracts-and-procurement", "support-programmes"]))
            }
            #expect(tooMany == [FieldProblem(field: "topics", message: "Select no more than 3 topics")])
            let unknown = problems {
                try Threads.create(world.store, by: world.member, NewThread(title: "An unknown topic", body: "x", topicSlugs: ["nope"]))
            }
            #expect(unknown.map(\.field) == ["topics"])
            let threads = try world.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM threads") }
            #expect(threads == 0)
        }
    }

    @Test func textIsNormalisedToNFC() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (threadID, postID) = try Threads.create(world.store, by: world.member, NewThread(
                title: "Cafe\u{301} meeting notes", body: "Re\u{301}sume\u{301}", topicSlugs: ["capital-and-finance"]))
            #expect(try world.scalar(String.self, "SELECT title FROM threads WHERE id = ?", threadID)?.unicodeScalars.count == "Café meeting notes".unicodeScalars.count)
            #expect(try world.scalar(String.self, "SELECT body_markdown FROM posts WHERE id = ?", postID) == "R\u{E9}sum\u{E9}")
        }
    }

    @Test func privateSpaceRules() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            #expect(throws: PostingError.signInRequired) { try world.thread(by: .visitor) }
            #expect(throws: PostingError.spaceNotAllowed) { try world.thread(.organisation(world.organisation), by: world.outsider) }
            let (threadID, _) = try world.thread(.organisation(world.organisation))
            #expect(throws: PostingError.threadNotFound) {
                try Threads.reply(world.store, by: world.outsider, threadID: threadID, body: "Let me in")
            }
            _ = try Threads.reply(world.store, by: world.colleague, threadID: threadID, body: "Inside the space")
            _ = try Threads.reply(world.store, by: world.admin, threadID: threadID, body: "Admin here")
            // A mentor linked to the organisation may start a thread in its space; an unlinked one may not.
            let mentorID = try network.mentor(handle: "mentor").id
            try world.store.write { tx in
                try tx.run("INSERT INTO mentorships(mentor_id, organisation_id, started_at) VALUES (?, ?, ?)", mentorID, world.organisation, Date())
            }
            let mentor = Viewer(userID: mentorID, organisationID: nil, isAdmin: false)
            _ = try world.thread(.organisation(world.organisation), by: mentor)
            _ = try world.thread(.organisation(world.organisation), by: world.admin)
            try world.store.write { try $0.run("UPDATE mentorships SET ended_at = ? WHERE mentor_id = ?", Date(), mentorID) }
            #expect(throws: PostingError.spaceNotAllowed) { try world.thread(.organisation(world.organisation), by: mentor) }
            #expect(try world.store.read { try $0.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ?", threadID) } == 2)
        }
    }

    @Test func lockedThreadsAndSuspendedAccounts() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (threadID, postID) = try world.thread()
            try world.store.write { try $0.run("UPDATE threads SET locked = 1 WHERE id = ?", threadID) }
            #expect(throws: PostingError.refused("This thread is locked, so no one can reply")) { try Threads.reply(world.store, by: world.colleague, threadID: threadID, body: "Late") }
            #expect(throws: PostingError.threadLocked) { try Threads.edit(world.store, by: world.member, postID: postID, body: "Changed") }
            _ = try Threads.reply(world.store, by: world.admin, threadID: threadID, body: "Locking this, see the briefing.")
            try world.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'spam' WHERE id = ?",
                           Date().addingTimeInterval(3600), world.outsider.userID)
            }
            #expect(throws: PostingError.suspended) { try world.thread(by: world.outsider) }
        }
    }

    @Test func editKeepsRevisions() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (_, postID) = try world.thread()
            #expect(throws: PostingError.notPermitted) { try Threads.edit(world.store, by: world.colleague, postID: postID, body: "Mine now") }
            #expect(throws: PostingError.postNotFound) { try Threads.edit(world.store, by: world.member, postID: 999, body: "x") }
            try Threads.edit(world.store, by: world.member, postID: postID, body: "Opening *question*")  // unchanged: no revision
            try Threads.edit(world.store, by: world.member, postID: postID, body: "Second **draft**")
            try Threads.edit(world.store, by: world.member, postID: postID, body: "Third draft")
            let revisions = try world.store.read { try Threads.revisions($0, postID: postID, viewer: .visitor) }
            #expect(revisions.map(\.bodyMarkdown) == ["Opening *question*", "Second **draft**"])
            #expect(try world.scalar(String.self, "SELECT body_html FROM posts WHERE id = ?", postID) == "<p>Third draft</p>\n")
            #expect(try world.scalar(Int.self, "SELECT edited_at IS NOT NULL FROM posts WHERE id = ?", postID) == 1)
        }
    }

    /// Board asks Policy itself before an author deletes their post: not while suspended, not
    /// in a locked thread (the web page asked; a direct caller did not).
    @Test func deleteOwnAsksPolicy() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (threadID, _) = try world.thread()
            let reply = try Threads.reply(world.store, by: world.colleague, threadID: threadID, body: "Try a guarantee")
            let colleagueID = try #require(world.colleague.userID)
            try network.store.write { try $0.run("UPDATE threads SET locked = 1 WHERE id = ?", threadID) }
            #expect(throws: PostingError.self) { try Threads.deleteOwn(world.store, by: world.colleague, postID: reply) }
            try network.store.write { try $0.run("UPDATE threads SET locked = 0 WHERE id = ?", threadID) }
            try network.store.write {
                try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = 'cooling off' WHERE id = ?", Date().addingTimeInterval(86_400), colleagueID)
            }
            #expect(throws: PostingError.self) { try Threads.deleteOwn(world.store, by: world.colleague, postID: reply) }
            #expect(try world.scalar(Int.self, "SELECT deleted_by_author FROM posts WHERE id = ?", reply) == 0)
            try network.store.write { try $0.run("UPDATE users SET suspended_until = NULL, suspension_reason = NULL WHERE id = ?", colleagueID) }
            try Threads.deleteOwn(world.store, by: world.colleague, postID: reply)
            #expect(try world.scalar(Int.self, "SELECT deleted_by_author FROM posts WHERE id = ?", reply) == 1)
        }
    }

    @Test func deleteOwnPostLeavesAPlaceholderAndClearsTheAnswer() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (threadID, _) = try world.thread()
            let reply = try Threads.reply(world.store, by: world.colleague, threadID: threadID, body: "Try a guarantee")
            try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: reply)
            #expect(throws: PostingError.notPermitted) { try Threads.deleteOwn(world.store, by: world.member, postID: reply) }
            try Threads.deleteOwn(world.store, by: world.colleague, postID: reply)
            #expect(try world.scalar(Int.self, "SELECT deleted_by_author FROM posts WHERE id = ?", reply) == 1)
            #expect(try world.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", threadID) == nil)
            let page = try world.store.read { try PageQueries.thread($0, id: threadID, page: 1, viewer: .visitor) }
            #expect(page?.posts.last?.deletedByAuthor == true)
            #expect(throws: PostingError.postRemoved) { try Threads.edit(world.store, by: world.colleague, postID: reply, body: "Back") }
            #expect(throws: PostingError.postRemoved) { try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: reply) }
        }
    }

    @Test func acceptAnswerRules() throws {
        try withTestNetwork { network in
            let world = try PostingCast(network)
            let (threadID, openingID) = try world.thread()
            let first = try Threads.reply(world.store, by: world.colleague, threadID: threadID, body: "One idea")
            let second = try Threads.reply(world.store, by: world.outsider, threadID: threadID, body: "Another idea")
            let (otherThread, _) = try world.thread(title: "Who else was asked for a bond?")
            let elsewhere = try Threads.reply(world.store, by: world.colleague, threadID: otherThread, body: "Elsewhere")
            func accepted() throws -> Int64? {
                try world.store.read { try $0.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", threadID) }
            }
            #expect(throws: PostingError.notPermitted) { try Threads.acceptAnswer(world.store, by: world.colleague, threadID: threadID, postID: first) }
            #expect(throws: PostingError.cannotAcceptOpeningPost) { try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: openingID) }
            #expect(throws: PostingError.postNotFound) { try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: elsewhere) }
            try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: first)
            #expect(try accepted() == first)
            try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: second)
            #expect(try accepted() == second)
            try Threads.acceptAnswer(world.store, by: world.admin, threadID: threadID, postID: first)
            #expect(try accepted() == first)
            try Threads.acceptAnswer(world.store, by: world.member, threadID: threadID, postID: nil)
            #expect(try accepted() == nil)
        }
    }
}
