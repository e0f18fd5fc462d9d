import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Board
@testable import Web

extension KeptFragments where Input == ThreadSummary, Output == CutMarkup {
    /// The line `listHTML` writes for `thread` (what a page gets), without its newline.
    func html(_ thread: ThreadSummary) -> String {
        guard case .cutMarkup(let pieces, let joint) = listHTML([thread]), pieces.count == 1, joint.isEmpty,
              pieces[0].cuts.isEmpty, pieces[0].bytes.last == UInt8(ascii: "\n") else { return "(not one line)" }
        return String(decoding: pieces[0].bytes.dropLast(), as: UTF8.self)
    }
}

/// `ThreadLines` keeps each thread-list line for the state of its thread it was rendered from:
/// an equal summary gets the kept line, a changed one a fresh render, and the line is always
/// what rendering the partial would write.
@Suite struct ThreadLinesTests {
    @Test func aLineIsKeptForAnEqualThreadAndRenderedAfreshWhenItChanges() throws {
        try withTestNetwork { network in
            let library = try TemplateLibrary(directory: repositoryRoot + "/Templates")
            let partial = try library.template("thread-list")
            let lines = ThreadLines(template: partial, limit: 2)
            func render(_ thread: ThreadSummary) -> String {
                String(decoding: partial.render(ThreadListItem(thread: thread)), as: UTF8.self)
            }
            func latest() throws -> [ThreadSummary] {
                try network.store.read { try PageQueries.homePage($0, viewer: .visitor) }.latest
            }
            let author = try network.member(handle: "asker")
            let replier = try network.member(handle: "replier")
            let topic = try network.topic()
            let first = try network.thread(by: author, title: "Pensions after the transfer", topics: [topic])
            _ = try network.thread(by: author, title: "Second question on bonds", topics: [topic])
            _ = try network.thread(by: author, title: "Third question on premises", topics: [topic])

            let before = try #require(try latest().first { $0.id == first.id })
            #expect(lines.html(before) == render(before))
            #expect(lines.html(before) == render(before))  // kept
            #expect(render(before).contains("0 replies"))

            // The reader with posts they have not seen gets the badge; the next reader does not.
            var unseen = before
            unseen.hasNewPosts = true
            #expect(lines.html(unseen).contains("New replies"))
            #expect(!lines.html(before).contains("New replies"))

            // A reply changes the thread's summary: its line is rendered again.
            _ = try network.reply(to: first, by: replier, body: "Our pension fund asked for a bond")
            let after = try #require(try latest().first { $0.id == first.id })
            #expect(after != before)
            #expect(lines.html(after) == render(after))
            #expect(lines.html(after).contains("1 reply"))

            // More threads than the limit: every line is still its own render.
            for thread in try latest() {
                #expect(lines.html(thread) == render(thread))
            }
        }
    }

    /// Kept post blocks are byte for byte the blocks rendered afresh, for each kind of reader,
    /// before and after the things a post shows change (an edit, the accepted answer, the
    /// author's name, a moderator hiding it, a "This helped" mark); each response's own CSRF
    /// token is in every form, and one reader's markup never reaches another.
    @Test func keptPostBlocksAreTheBlocksRenderedAfreshForEveryReader() throws {
        try withTestNetwork { network in
            let library = try TemplateLibrary(directory: repositoryRoot + "/Templates")
            let blocks = PostBlocks(template: try library.template("thread-post"), limit: 3)
            let author = try network.member(handle: "asker")
            let mentor = try network.mentor(handle: "guide")
            let admin = try network.admin(handle: "keeper")
            let thread = try network.thread(by: author, title: "Pensions after the transfer")
            let replies = try (0..<5).map { index in
                try network.reply(to: thread, by: index % 2 == 0 ? mentor : author, body: "Reply \(index) about the pension fund")
            }
            let reading = Network(accounts: network.accounts).reading
            let readers: [(viewer: Viewer, actor: Actor)] = [
                (.visitor, .visitor),
                (Viewer(userID: author.id, organisationID: nil, isAdmin: false), Actor(userID: author.id, role: .member)),
                (Viewer(userID: mentor.id, organisationID: nil, isAdmin: false), Actor(userID: mentor.id, role: .mentor)),
                (Viewer(userID: admin.id, organisationID: nil, isAdmin: true), Actor(userID: admin.id, role: .admin)),
            ]
            func pageBlocks(for reader: (viewer: Viewer, actor: Actor), noticeAt: Int64? = nil) throws -> [PostBlock] {
                let page = try #require(try reading.thread(id: thread.id, page: 1, viewer: reader.viewer))
                let capabilities = ThreadCapabilities(reader.actor, thread: page.state)
                return page.posts.map { post in
                    PostBlock(post, accepted: post.id == page.acceptedPostID, viewer: reader.viewer,
                              may: capabilities.post(authorID: post.authorID, hidden: post.hidden, held: post.heldForApproval,
                                                     removed: post.deletedByAuthor, opening: post.position == 1),
                              threadID: thread.id, replyPagePath: "/t/\(thread.id)", saved: reader.viewer.userID == nil ? nil : false,
                              notice: post.id == noticeAt ? "Your post was saved." : nil)
                }
            }
            var tokens = 0
            func everyReaderBothWays(_ only: ArraySlice<(viewer: Viewer, actor: Actor)>? = nil) throws {
                for reader in only ?? readers[...] {
                    tokens += 1
                    let token = "token-\(tokens)"
                    let page = try pageBlocks(for: reader)
                    let kept = blocks.html(page, csrfToken: token)
                    let fresh = page.map { blocks.render($0, csrfToken: token) }.joined()
                    #expect(kept == fresh)
                    #expect(kept.components(separatedBy: "<article").count - 1 == 6)
                    // Every form carries this response's token, and no other.
                    let forms = kept.components(separatedBy: "<form").count - 1
                    #expect(kept.components(separatedBy: "name=\"csrf\" value=\"\(token)\"").count - 1 == forms)
                    #expect(kept.components(separatedBy: "name=\"csrf\" value=").count - 1 == forms)
                    // A signed-in reader has controls: forms, or buttons that submit the page's one
                    // form of post actions (thread.mustache), which carries the token instead.
                    let buttons = kept.components(separatedBy: "form=\"post-actions\" formaction=").count - 1
                    #expect(reader.viewer.userID == nil ? forms + buttons == 0 : buttons > 0)
                }
            }
            try everyReaderBothWays()
            try everyReaderBothWays()  // blocks kept now, and pages put together from them
            try everyReaderBothWays()  // pages kept: each reader's replaces the one before
            let (edited, accepted, hidden) = (replies[1], replies[0], replies[2])
            try network.store.write { try $0.run("UPDATE posts SET edited_at = ? WHERE id = ?", Date(timeIntervalSince1970: 1_900_000_000), edited) }
            try network.store.write { try $0.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", accepted, thread.id) }
            try network.store.write { try $0.run("UPDATE users SET display_name = 'Renamed Guide' WHERE id = ?", mentor.id) }
            try network.store.write { try $0.run("UPDATE posts SET hidden = 1, hidden_by = ?, hidden_reason = 'Off topic' WHERE id = ?", admin.id, hidden) }
            try network.store.write { try $0.run("INSERT INTO helpful_marks (post_id, user_id, created_at) VALUES (?, ?, 0)", accepted, author.id) }
            try everyReaderBothWays()
            try everyReaderBothWays()
            try everyReaderBothWays()
            // One reader again and again: their page is kept, and stays their page.
            for _ in 0..<3 { try everyReaderBothWays(readers.suffix(1)) }
            // Kept whole: the same markup for the next response, with no token of any in it.
            let again = try pageBlocks(for: readers[3])
            let keptPage = try #require(blocks.markup(again, csrfToken: "one").pieces.first)
            let next = blocks.markup(try pageBlocks(for: readers[3]), csrfToken: "two").pieces
            #expect(next.count == 1 && next[0] === keptPage)
            #expect(!String(decoding: keptPage.bytes, as: UTF8.self).contains("token-") && !keptPage.cuts.isEmpty)
            // Another reader's page is not that page.
            #expect(!blocks.markup(try pageBlocks(for: readers[1]), csrfToken: "three").pieces.contains { $0 === keptPage })

            // The admin's blocks are kept first; the visitor's are their own all the same.
            let adminPage = blocks.html(try pageBlocks(for: readers[3]), csrfToken: "admin-token")
            #expect(adminPage.contains("Reply 2 about the pension fund"))
            // Only the admin may hide, every post but the hidden one (which they may restore).
            #expect(adminPage.components(separatedBy: "/hide\" novalidate>").count - 1 == 5)
            #expect(!adminPage.contains("action=\"/p/\(hidden)/hide\"") && adminPage.contains("action=\"/p/\(hidden)/restore\""))
            for reader in readers.prefix(3) {
                #expect(!blocks.html(try pageBlocks(for: reader), csrfToken: "t").contains("/hide\""))
            }
            let visitorPage = blocks.html(try pageBlocks(for: readers[0]), csrfToken: "visitor-token")
            #expect(!visitorPage.contains("Reply 2 about the pension fund") && visitorPage.contains("Off topic"))
            #expect(!visitorPage.contains("admin-token") && !visitorPage.contains("<form"))
            #expect(visitorPage.contains("Renamed Guide") && visitorPage.contains("Accepted answer") && visitorPage.contains("/revisions"))
            #expect(visitorPage.contains("1 member found this helpful"))

            // A block with a notice (after the reader's own action on it) is rendered for that
            // response alone, with its token; the next response has the kept block again.
            let noticed = try pageBlocks(for: readers[1], noticeAt: replies[3])
            let once = blocks.html(noticed, csrfToken: "notice-token")
            #expect(once == noticed.map { blocks.render($0, csrfToken: "notice-token") }.joined())
            #expect(once.components(separatedBy: "Your post was saved.").count == 2 && once.contains("value=\"notice-token\""))
            let after = blocks.html(try pageBlocks(for: readers[1]), csrfToken: "next-token")
            #expect(!after.contains("Your post was saved.") && !after.contains("notice-token"))
        }
    }

    /// Kept blocks are cut at each placeholder by a byte scan.
    @Test func blocksAreCutAtEachHole() {
        let hole = Array("abcd".utf8)
        // The parts between the cuts, as text.
        func cut(_ text: String) -> [String] {
            let markup = CutMarkup(Array(text.utf8), cutAt: hole)
            return zip([0] + markup.cuts, markup.cuts + [markup.bytes.count]).map {
                String(decoding: markup.bytes[$0 ..< $1], as: UTF8.self)
            }
        }
        #expect(cut("") == [""])
        #expect(cut("x") == ["x"])
        #expect(cut("abcd") == ["", ""])
        #expect(cut("1abcd2abcdabcd3") == ["1", "2", "", "3"])
        #expect(cut("abcabcd") == ["abc", ""])
        #expect(cut("xabc") == ["xabc"])
        #expect(cut("é abcd ü") == ["é ", " ü"])
        let markup = CutMarkup(Array("1abcd2abcdabcd3".utf8), cutAt: hole)
        #expect(markup.bytes == Array("123".utf8) && markup.cuts == [1, 2, 2])
        #expect(markup.joined(with: "<t>") == "1<t>2<t><t>3")
        // Put together: each piece's cuts move with it.
        var builder = CutMarkup.Builder(capacity: 0)
        builder.append(markup)
        builder.append(CutMarkup(bytes: Array("-plain-".utf8), cuts: []))
        builder.append(CutMarkup(Array("abcdx".utf8), cutAt: hole))
        #expect(builder.build().joined(with: "T") == "1T2TT3-plain-Tx")
    }

    /// An id is kept from its second render on, at once when an older state of it is kept, and
    /// the kept output is given back only for an equal input.
    @Test func fragmentsAreKeptFromTheirSecondRender() {
        let renders = Mutex(0)
        let fragments = KeptFragments<String, String>(limit: 2) { input in
            renders.withLock { $0 += 1 }
            return "<" + input + ">"
        }
        #expect(fragments.output(id: 1, for: "a") == "<a>")  // rendered once, not kept
        #expect(fragments.output(id: 1, for: "a") == "<a>")  // rendered again, kept
        #expect(renders.withLock { $0 } == 2)
        #expect(fragments.output(id: 1, for: "a") == "<a>")  // kept
        #expect(renders.withLock { $0 } == 2)
        #expect(fragments.output(id: 1, for: "b") == "<b>")  // changed: rendered and kept at once
        #expect(fragments.output(id: 1, for: "b") == "<b>")
        #expect(renders.withLock { $0 } == 3)
        guard case .renderOnce = fragments.lookup(id: 2, for: "c") else {
            Issue.record("a new id is rendered once")
            return
        }
        guard case .renderAndKeep = fragments.lookup(id: 2, for: "c") else {
            Issue.record("an id rendered before is kept")
            return
        }
    }

    /// Kept markup stays within its byte limit: an entry heavier than the limit is rendered each
    /// time, and entries that would pass it drop the others.
    @Test func fragmentsStayWithinTheirByteLimit() {
        let renders = Mutex(0)
        let fragments = KeptFragments<String, String>(limit: 8, byteLimit: 100, bytes: { _, output in output.utf8.count }) { input in
            renders.withLock { $0 += 1 }
            return input
        }
        let heavy = String(repeating: "x", count: 101)
        for _ in 0..<4 { #expect(fragments.output(id: 1, for: heavy) == heavy) }
        #expect(renders.withLock { $0 } == 4)  // never kept
        let light = String(repeating: "a", count: 40)
        for _ in 0..<3 { #expect(fragments.output(id: 2, for: light) == light) }
        #expect(renders.withLock { $0 } == 6)  // kept from the second render on
        for _ in 0..<3 { #expect(fragments.output(id: 3, for: light) == light) }
        #expect(renders.withLock { $0 } == 8)  // 80 bytes kept: both are
        for _ in 0..<3 { #expect(fragments.output(id: 4, for: light) == light) }
        #expect(renders.withLock { $0 } == 10)  // 120 would pass the limit: the others were dropped
        #expect(fragments.output(id: 4, for: light) == light)
        #expect(renders.withLock { $0 } == 10)
        #expect(fragments.output(id: 2, for: light) == light)
        #expect(renders.withLock { $0 } == 11)
    }
}
