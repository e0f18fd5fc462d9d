import Foundation
import Testing
import TestSupport
@testable import Board

/// A thread page's posts are kept as stored for every reader (`StoredThreadPosts`,
/// `KeptThreadPosts`) and each reader's view is made from them by the one rule: the page a
/// reader gets through the kept posts is the page read afresh, for a visitor, the author of a
/// held reply, another member, a mentor and an admin, before and after each kind of write that
/// changes what a post shows.
@Suite struct KeptThreadPostsTests {
    /// What a reader is shown of a page, post by post.
    static func shown(_ page: ThreadPage?) -> [String] {
        guard let page else { return ["(not readable)"] }
        return page.posts.map { post in
            [String(post.id), String(post.position), post.authorName, post.authorOrganisation ?? "-", post.bodyHTML,
             post.editedAt.map { String($0.timeIntervalSince1970) } ?? "-", String(post.hidden), post.hiddenReason,
             String(post.deletedByAuthor), String(post.heldForApproval),
             post.helpful.map { "\($0.count) mine=\($0.mine)" } ?? "no marks"].joined(separator: "|")
        } + ["mentors: " + page.mentorNames.joined(separator: ","), "pages: \(page.page)/\(page.pageCount)"]
    }

    @Test func everyReaderGetsThePageReadAfreshFromTheKeptPosts() throws {
        try withTestNetwork { network in
            let organisation = try network.organisation()
            let author = try network.member(of: organisation, handle: "asker")
            let other = try network.member(handle: "reader")
            let mentor = try network.mentor(of: organisation, handle: "guide")
            let admin = try network.admin(handle: "keeper")
            let thread = try network.thread(by: author, title: "Pensions after the transfer")
            let replies = try (0..<4).map { index in
                try network.reply(to: thread, by: index % 2 == 0 ? mentor : other, body: "Reply \(index) about the pension fund")
            }
            let held = try network.heldReply(to: thread, by: other, body: "Held reply about the bond")
            let reading = Network(accounts: network.accounts).reading
            let viewers: [(String, Viewer)] = [
                ("visitor", .visitor),
                ("author", Viewer(userID: author.id, organisationID: try network.organisationID(organisation.slug), isAdmin: false)),
                ("held reply's author", Viewer(userID: other.id, organisationID: nil, isAdmin: false)),
                ("mentor", Viewer(userID: mentor.id, organisationID: nil, isAdmin: false)),
                ("admin", Viewer(userID: admin.id, organisationID: nil, isAdmin: true)),
            ]
            func compare(_ step: String) throws {
                for _ in 0..<2 {  // the second time from the kept posts
                    for (name, viewer) in viewers {
                        let kept = try reading.thread(id: thread.id, page: 1, viewer: viewer)
                        let fresh = try network.store.read { try PageQueries.thread($0, id: thread.id, page: 1, viewer: viewer) }
                        #expect(Self.shown(kept) == Self.shown(fresh), "\(name) after \(step)")
                    }
                }
            }
            func page(_ viewer: Viewer) throws -> ThreadPage { try #require(try reading.thread(id: thread.id, page: 1, viewer: viewer)) }

            try compare("the first read")
            // The held reply is its author's and the admins' alone.
            #expect(try page(viewers[0].1).posts.map(\.id) == [thread.openingPostID] + replies)
            #expect(try page(viewers[2].1).posts.last?.id == held)
            #expect(try page(viewers[4].1).posts.last?.bodyHTML.contains("Held reply") == true)

            try network.store.write { try $0.run("UPDATE posts SET body_html = '<p>Edited about the bond</p>', edited_at = ? WHERE id = ?", Date(timeIntervalSince1970: 1_900_000_000), replies[1]) }
            try compare("an edit")
            try network.store.write { try $0.run("UPDATE posts SET hidden = 1, hidden_by = ?, hidden_reason = 'Off topic' WHERE id = ?", admin.id, replies[2]) }
            try compare("hiding a reply")
            #expect(try page(viewers[0].1).posts.first { $0.id == replies[2] }?.bodyHTML == "")
            #expect(try page(viewers[3].1).posts.first { $0.id == replies[2] }?.bodyHTML.contains("Reply 2") == true)  // their own
            try network.store.write { try $0.run("INSERT INTO helpful_marks (post_id, user_id, created_at) VALUES (?, ?, 0)", replies[0], author.id) }
            try compare("a \"This helped\" mark")
            #expect(try page(viewers[1].1).posts.first { $0.id == replies[0] }?.helpful == HelpfulCount(count: 1, mine: true))
            #expect(try page(viewers[2].1).posts.first { $0.id == replies[0] }?.helpful == HelpfulCount(count: 1, mine: false))
            try network.store.write { try $0.run("UPDATE users SET display_name = 'Renamed Guide' WHERE id = ?", mentor.id) }
            try compare("renaming an author")
            try network.store.write { try $0.run("UPDATE posts SET held_for_approval = 0 WHERE id = ?", held) }
            try compare("approving the held reply")
            #expect(try page(viewers[0].1).posts.last?.id == held)
            try network.store.write { try $0.run("INSERT INTO thread_mentors (thread_id, mentor_id, status, created_at, updated_at) VALUES (?, ?, 'linked', 0, 0)", thread.id, mentor.id) }
            try compare("linking a mentor")
            #expect(try page(viewers[0].1).mentorNames == ["Renamed Guide"])
            try network.store.write { try $0.run("UPDATE posts SET deleted_by_author = 1 WHERE id = ?", replies[3]) }
            try compare("a reply deleted by its author")
        }
    }
}
