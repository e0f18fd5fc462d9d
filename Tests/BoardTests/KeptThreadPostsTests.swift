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
    /// The five kinds of reader the kept pages are compared for: a visitor, a member of the
    /// private space (`member`: name, person, their organisation's id), a member outside it
    /// (`other`), a mentor of the space and an admin.
    static func readers(member: (String, TestPerson, Int64), other: (String, TestPerson), mentor: TestPerson,
                        admin: TestPerson) -> [(String, Viewer)] {
        [("visitor", .visitor),
         (member.0, Viewer(userID: member.1.id, organisationID: member.2, isAdmin: false)),
         (other.0, Viewer(userID: other.1.id, organisationID: nil, isAdmin: false)),
         ("mentor", Viewer(userID: mentor.id, organisationID: nil, isAdmin: false)),
         ("admin", Viewer(userID: admin.id, organisationID: nil, isAdmin: true))]
    }

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

    /// A pathfinder with its member (the thread's author) and mentor, another member, an admin,
    /// and the author's public thread.
    static func cast(_ network: TestNetwork) throws
        -> (TestOrganisation, author: TestPerson, other: TestPerson, mentor: TestPerson, admin: TestPerson, thread: TestThread) {
        let organisation = try network.organisation()
        let author = try network.member(of: organisation, handle: "asker")
        return (organisation, author, try network.member(handle: "reader"), try network.mentor(of: organisation, handle: "guide"),
                try network.admin(handle: "keeper"), try network.thread(by: author, title: "Pensions after the transfer"))
    }

    @Test func everyReaderGetsThePageReadAfreshFromTheKeptPosts() throws {
        try withTestNetwork { network in
            let (organisation, author, other, mentor, admin, thread) = try Self.cast(network)
            let replies = try (0..<4).map { index in
                try network.reply(to: thread, by: index % 2 == 0 ? mentor : other, body: "Reply \(index) about the pension fund")
            }
            let held = try network.heldReply(to: thread, by: other, body: "Held reply about the bond")
            let reading = Network(accounts: network.accounts).reading
            let viewers = Self.readers(member: ("author", author, try network.organisationID(organisation.slug)), other: ("held reply's author", other),
                                       mentor: mentor, admin: admin)
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

    /// What a reader is shown of a thread page beside its posts (`ThreadHeader`).
    static func header(_ page: ThreadPage?) -> String {
        guard let page else { return "(not readable)" }
        let thread = page.thread
        var fields = [String(thread.id), thread.title, thread.slug, thread.authorName, String(thread.replyCount)]
        fields += [thread.lastPosterName ?? "-", String(thread.pinned), String(thread.locked), String(thread.hasAcceptedAnswer)]
        fields += [String(thread.answeredByMentor), thread.topics.map(\.slug).joined(separator: ",")]
        fields += [page.acceptedPostID.map(String.init) ?? "-", page.acceptedPostPage.map(String.init) ?? "-"]
        fields += ["\(page.state)", page.space?.slug ?? "-", page.briefingItem?.title ?? "-"]
        fields += ["page \(page.page)/\(page.pageCount)", page.posts.map { String($0.id) }.joined(separator: ",")]
        return fields.joined(separator: "|")
    }

    /// A public thread's header is kept as stored for every reader (`StoredThreadHeader`) and
    /// each reader's view made from it by the one rule: who may open a held or hidden thread, and
    /// where the pages end when the last posts await approval (their author and admins see one
    /// more page). Through the kept header every reader gets the page read afresh, before and
    /// after each kind of write that changes it; a private thread's is read per reader.
    @Test func everyReaderGetsTheHeaderReadAfreshFromTheKeptOne() throws {
        try withTestNetwork { network in
            let (organisation, author, other, mentor, admin, thread) = try Self.cast(network)
            let secret = try network.thread(in: .organisation(organisation), by: author, title: "Our staff council")
            // 19 replies: the 20 posts fill page 1; replies held for approval start page 2.
            for index in 0..<19 { try network.reply(to: thread, by: index % 2 == 0 ? mentor : author, body: "Reply \(index)") }
            try network.reply(to: secret, by: mentor, body: "Inside the space")
            let reading = Network(accounts: network.accounts).reading
            let viewers = Self.readers(member: ("author", author, organisation.id), other: ("other member", other),
                                       mentor: mentor, admin: admin)
            func compare(_ step: String) throws {
                for _ in 0..<2 {  // the second time from the kept header
                    for (name, viewer) in viewers {
                        for (id, page) in [(thread.id, 1), (thread.id, 2), (secret.id, 1), (-1, 1)] {
                            let kept = try reading.thread(id: id, page: page, viewer: viewer)
                            let fresh = try network.store.read { try PageQueries.thread($0, id: id, page: page, viewer: viewer) }
                            #expect(Self.header(kept) == Self.header(fresh), "\(name), thread \(id) page \(page), after \(step)")
                        }
                    }
                }
            }
            func pageCount(_ viewer: Int) throws -> Int? { try reading.thread(id: thread.id, page: 1, viewer: viewers[viewer].1)?.pageCount }

            try compare("the first read")
            #expect(try pageCount(0) == 1)
            #expect(try reading.thread(id: secret.id, page: 1, viewer: viewers[3].1) != nil)  // the space's mentor
            #expect(try reading.thread(id: secret.id, page: 1, viewer: viewers[2].1) == nil)
            let held = try network.heldReply(to: thread, by: other, body: "Held reply about the bond")
            try compare("a reply held for approval")
            #expect(try pageCount(0) == 1)
            #expect(try pageCount(2) == 2)  // its author
            #expect(try pageCount(4) == 2)  // an admin
            #expect(try pageCount(1) == 1)
            try network.store.write { try $0.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", held - 1, thread.id) }
            try compare("an accepted answer")
            try network.store.write { try $0.run("UPDATE posts SET held_for_approval = 0 WHERE id = ?", held) }
            try network.store.write { try $0.run("UPDATE threads SET reply_count = reply_count + 1 WHERE id = ?", thread.id) }
            try compare("approving the held reply")
            #expect(try pageCount(0) == 2)
            try network.store.write { try $0.run("UPDATE threads SET held = 1 WHERE id = ?", thread.id) }
            try compare("holding the thread")
            #expect(try pageCount(0) == nil)
            #expect(try pageCount(1) == 2)  // its author
            try network.store.write { try $0.run("UPDATE threads SET held = 0, locked = 1, title = 'Pensions, settled', slug = 'pensions-settled' WHERE id = ?", thread.id) }
            try compare("locking and renaming it")
            try network.hide(thread, by: admin)
            try compare("hiding it")
            #expect(try pageCount(0) == nil)
            #expect(try pageCount(3) == nil)
            #expect(try pageCount(4) == 2)
            try network.store.write { try $0.run("UPDATE threads SET hidden = 0, organisation_id = ? WHERE id = ?", organisation.id, thread.id) }
            try compare("moving it into the private space")
            #expect(try pageCount(0) == nil)
            #expect(try pageCount(3) == 2)  // the space's mentor
            try network.endMentorships(of: mentor)
            try compare("the mentorship ending")
            #expect(try pageCount(3) == nil)
        }
    }

    /// What a reader is shown of a list.
    static func lines(_ threads: [ThreadSummary]) -> [String] {
        threads.map { thread in
            [String(thread.id), thread.title, thread.authorName, String(thread.replyCount), thread.lastPosterName ?? "-",
             String(thread.hasNewPosts), String(thread.pinned), String(thread.hasAcceptedAnswer),
             thread.topics.map(\.slug).joined(separator: ",")].joined(separator: "|")
        }
    }

    /// The home and topic lists read through the kept summaries and topic counts are the lists
    /// read afresh, for every kind of reader, before and after each kind of write that changes
    /// what a line shows or which lines a reader may see.
    @Test func homeAndTopicListsFromKeptSummariesAreTheListsReadAfresh() throws {
        try withTestNetwork { network in
            let organisation = try network.organisation()
            let topic = try network.topic("capital-and-finance")
            let other = try network.topic("people-and-culture", position: 2)
            let insider = try network.member(of: organisation, handle: "insider")
            let outsider = try network.member(handle: "outsider")
            let mentor = try network.mentor(of: organisation, handle: "guide")
            let admin = try network.admin(handle: "keeper")
            let open = try network.thread(by: outsider, title: "Pensions after the transfer", topics: [topic])
            let secret = try network.thread(in: .organisation(organisation), by: insider, title: "Our staff council", topics: [topic])
            _ = try network.thread(by: insider, title: "Bonds and banks", topics: [other])
            let reading = Network(accounts: network.accounts).reading
            let viewers = Self.readers(member: ("insider", insider, organisation.id), other: ("outsider", outsider),
                                       mentor: mentor, admin: admin)
            func compare(_ step: String) throws {
                for _ in 0..<2 {  // the second time from what was kept
                    for (name, viewer) in viewers {
                        let home = try reading.home(viewer: viewer)
                        let fresh = try network.store.read { try PageQueries.homePage($0, viewer: viewer) }
                        #expect(Self.lines(home.latest) == Self.lines(fresh.latest), "\(name) home after \(step)")
                        #expect(Self.lines(home.unanswered) == Self.lines(fresh.unanswered), "\(name) unanswered after \(step)")
                        #expect(home.topics.map { "\($0.slug)=\($0.threadCount)" } == fresh.topics.map { "\($0.slug)=\($0.threadCount)" },
                                "\(name) topic counts after \(step)")
                        let topicPage = try reading.topic(slug: "capital-and-finance", viewer: viewer, filter: .all)
                        let freshTopic = try network.store.read { try PageQueries.topic($0, slug: "capital-and-finance", viewer: viewer) }
                        #expect(Self.lines(topicPage?.threads ?? []) == Self.lines(freshTopic?.threads ?? []), "\(name) topic after \(step)")
                    }
                }
            }
            try compare("the first read")
            #expect(try reading.home(viewer: viewers[0].1).latest.map(\.id).contains(secret.id) == false)
            #expect(try reading.home(viewer: viewers[1].1).latest.map(\.id).contains(secret.id))
            #expect(try reading.home(viewer: viewers[3].1).topics.first { $0.slug == "capital-and-finance" }?.threadCount == 2)
            #expect(try reading.home(viewer: viewers[2].1).topics.first { $0.slug == "capital-and-finance" }?.threadCount == 1)

            try network.store.write { try $0.run("UPDATE threads SET reply_count = 1, last_poster_id = ?, last_activity_at = last_activity_at + 60 WHERE id = ?", mentor.id, open.id) }
            try compare("a reply")
            try network.store.write { try $0.run("UPDATE users SET display_name = 'Renamed Asker' WHERE id = ?", outsider.id) }
            try compare("renaming an author")
            try network.store.write { try $0.run("INSERT INTO thread_visits (user_id, thread_id, last_seen_post_id) VALUES (?, ?, 0)", outsider.id, open.id) }
            try compare("a visit")
            try network.store.write { try $0.run("UPDATE threads SET hidden = 1, hidden_by = ? WHERE id = ?", admin.id, open.id) }
            try compare("hiding a thread")
            try network.store.write { try $0.run("UPDATE users SET organisation_confirmed = 0 WHERE id = ?", insider.id) }
            try compare("an unconfirmed membership")
            try network.endMentorships(of: mentor)
            try compare("a mentorship ended")
            #expect(try reading.home(viewer: viewers[3].1).topics.first { $0.slug == "capital-and-finance" }?.threadCount == 0)
            try network.store.write { try $0.run("UPDATE threads SET pinned = 1 WHERE id = ?", secret.id) }
            try compare("pinning")
            try network.store.write { try $0.run("DELETE FROM thread_topics WHERE thread_id = ?", secret.id) }
            try compare("a topic taken off")
        }
    }

    /// A page of long posts is read each time rather than kept, so the kept pages stay bounded
    /// whatever members post; a page of ordinary posts is kept.
    @Test func aPageOfLongPostsIsNotKept() throws {
        try withTestNetwork { network in
            let author = try network.member(handle: "asker")
            let short = try network.thread(by: author, title: "A short question")
            let long = try network.thread(by: author, title: "A long answer")
            let reply = try network.reply(to: long, by: author, body: "Long")
            try network.store.write {
                try $0.run("UPDATE posts SET body_html = '<p>' || hex(zeroblob(?)) || '</p>' WHERE id = ?",
                           StoredThreadPosts.largestKept / 2 + 1, reply)
            }
            let reading = Network(accounts: network.accounts).reading
            for thread in [short, long] {
                let viewer = Viewer(userID: author.id, organisationID: nil, isAdmin: false)
                let kept = try reading.thread(id: thread.id, page: 1, viewer: viewer)
                let fresh = try network.store.read { try PageQueries.thread($0, id: thread.id, page: 1, viewer: viewer) }
                #expect(Self.shown(kept) == Self.shown(fresh))
            }
            let version = network.store.changeCount
            #expect(reading.threadPosts.kept(for: .init(threadID: short.id, first: 1), version: version) != nil)
            #expect(reading.threadPosts.kept(for: .init(threadID: long.id, first: 1), version: version) == nil)
        }
    }
}
