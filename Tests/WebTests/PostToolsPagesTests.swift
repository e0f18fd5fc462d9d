import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// Issue 18, items 3 and 7, through the real server: saving a post from the thread page,
/// the account page's reading links, restoring a hidden post, the Thread tools link and the
/// locked-thread notice.
@Suite(.serialized, .timeLimit(.minutes(2))) struct PostToolsPagesTests {
    /// The page a redirect lands on (the `#post-N` fragment stays in the browser).
    static func landing(_ browser: BrowserClient, _ response: ClientResponse) throws -> ClientResponse {
        let location = try #require(response.header("location"))
        return try browser.get(String(location.split(separator: "#", maxSplits: 1)[0]))
    }

    /// The attributes of the button whose `formaction` is `formaction`.
    static func button(in page: String, formaction: String) -> (form: String, name: String, value: String)? {
        guard let at = page.range(of: "formaction=\"\(formaction)\""),
              let start = page[..<at.lowerBound].range(of: "<button", options: .backwards),
              let end = page[at.upperBound...].range(of: ">") else { return nil }
        let tag = String(page[start.lowerBound..<end.upperBound])
        func attribute(_ name: String) -> String? {
            guard let found = tag.range(of: " \(name)=\"") else { return nil }
            return String(tag[found.upperBound...].prefix { $0 != "\"" })
        }
        guard let form = attribute("form"), let name = attribute("name"), let value = attribute("value") else { return nil }
        return (form, name, value)
    }

    /// The hidden fields of the form with id `id`, in order.
    static func hiddenFields(ofForm id: String, in page: String) -> [(String, String)] {
        guard let start = page.range(of: "<form id=\"\(id)\""), let end = page[start.upperBound...].range(of: "</form>") else { return [] }
        return page[start.upperBound..<end.lowerBound].components(separatedBy: "<input type=\"hidden\" name=\"").dropFirst().compactMap { input in
            let name = input.prefix { $0 != "\"" }
            guard let value = input.range(of: "value=\"") else { return nil }
            return (String(name), String(input[value.upperBound...].prefix { $0 != "\"" }))
        }
    }

    @Test func memberSavesAPostFromTheThreadPageFindsItOnSavedAndRemovesIt() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let threadID = try world.id("SELECT thread_id FROM posts WHERE id = ? AND ?1 = ?1", String(postID))
            let title = try #require(try world.store.read { try $0.scalar(String.self, "SELECT title FROM threads WHERE id = ?", threadID) })
            let member = try world.signedIn("priya_nair")
            let page = try member.follow(try member.get("/t/\(threadID)")).text
            #expect(page.contains(">Save<span class=\"visually-hidden\"> this post</span></button>"))

            // Save submits the page's one form of post actions to the post's address, as a browser
            // sends a button with `form` and `formaction`: that form's fields (this response's
            // token, from=thread) and the button's name and value.
            let save = try #require(Self.button(in: page, formaction: "/p/\(postID)/bookmark"))
            #expect(save.form == "post-actions" && save.name == "action" && save.value == "save")
            let fields = Self.hiddenFields(ofForm: "post-actions", in: page)
            #expect(fields.map(\.0) == ["csrf", "from"] && fields.last?.1 == "thread")
            #expect(page.components(separatedBy: "id=\"post-actions\"").count == 2, "one form of post actions a page")
            let saved = try member.post("/p/\(postID)/bookmark", [(save.name, save.value)] + fields.filter { $0.0 != "csrf" },
                                        csrf: try #require(fields.first?.1))
            #expect(saved.status == 303)
            let location = try #require(saved.header("location"))
            #expect(location.hasPrefix("/t/\(threadID)-"))
            #expect(location.contains("notice=post-saved.") && location.hasSuffix("#post-\(postID)"))
            let back = try Self.landing(member, saved).text
            #expect(back.contains("Post saved. You will find it under Saved posts on your account page."))
            #expect(back.contains("Saved (remove)"))

            let savedPage = try member.get("/saved").text
            #expect(savedPage.contains(title))
            #expect(savedPage.contains("#post-\(postID)"))

            let removed = try member.post("/p/\(postID)/bookmark", [("action", "remove"), ("from", "thread")])
            #expect(removed.header("location")?.contains("notice=saved-post-removed.") == true)
            let afterRemoval = try Self.landing(member, removed).text
            #expect(afterRemoval.contains("Post removed from your saved posts."))
            #expect(!afterRemoval.contains("Saved (remove)"))
            #expect(try member.get("/saved").text.contains("You have not saved any posts yet."))

            // Visitors get no Save control; a forged save is refused.
            let visitor = world.browser()
            #expect(!(try visitor.follow(try visitor.get("/t/\(threadID)")).text.contains("/p/\(postID)/bookmark")))
            #expect(try member.post("/p/\(postID)/bookmark", [("action", "save"), ("from", "thread")], csrf: "forged").status == 403)
        }
    }

    @Test func accountPageLinksToSavedPostsAndFollowing() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let member = try world.signedIn("priya_nair")
            let account = try member.get("/account").text
            #expect(account.contains("<a href=\"/saved\">Saved posts</a>"))
            #expect(account.contains("<a href=\"/following\">Following</a>"))
            #expect(try member.get("/following").status == 200)
        }
    }

    @Test func adminRestoresAHiddenPostFromTheThreadPage() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let threadID = try world.id("SELECT thread_id FROM posts WHERE id = ? AND ?1 = ?1", String(postID))
            let text = try #require(try world.store.read { try $0.scalar(String.self, "SELECT body_html FROM posts WHERE id = ?", postID) })
            let admin = try world.signedIn("network_admin")
            _ = try admin.get("/admin/queue")
            #expect(try admin.post("/admin/posts/\(postID)/decide", [("decision", "hide"), ("reason", "Names a colleague")]).status == 303)

            let member = try world.signedIn("priya_nair")
            let hiddenForMember = try member.follow(try member.get("/t/\(threadID)")).text
            #expect(!hiddenForMember.contains(text))
            #expect(!hiddenForMember.contains("/p/\(postID)/restore"))
            // A member cannot restore it by posting the form anyway: the hidden post does not exist for them.
            #expect(try member.post("/p/\(postID)/restore", []).status == 404)

            let adminPage = try admin.follow(try admin.get("/t/\(threadID)")).text
            #expect(adminPage.contains("This post was hidden by a moderator: Names a colleague"))
            #expect(adminPage.contains("action=\"/p/\(postID)/restore\""))
            #expect(adminPage.contains(">Restore<span class=\"visually-hidden\"> this post</span></button>"))
            #expect(try admin.post("/p/\(postID)/restore", [], csrf: "forged").status == 403)

            let restored = try admin.post("/p/\(postID)/restore", [])
            #expect(restored.status == 303)
            #expect(restored.header("location")?.contains("notice=restored.") == true)
            #expect(restored.header("location")?.hasSuffix("#post-\(postID)") == true)
            let landed = try Self.landing(admin, restored).text
            #expect(landed.contains("Post restored. Everyone who can read this thread can read it again."))
            #expect(!landed.contains("/p/\(postID)/restore"))
            // Restoring again says why not.
            #expect(try admin.post("/p/\(postID)/restore", []).status == 409)

            let visibleAgain = try member.follow(try member.get("/t/\(threadID)")).text
            #expect(visibleAgain.contains(text))
            #expect(!visibleAgain.contains("This post was hidden by a moderator"))
            let logged = try world.store.read {
                try $0.scalar(Int.self, "SELECT count(*) FROM moderation_log WHERE action = 'restore_post' AND target_id = ?", postID)
            }
            #expect(logged == 1)
            #expect(try member.get("/moderation").text.contains("restored a post in"))
        }
    }

    /// An admin hides a post from the thread page, with a reason, through the queue's decision:
    /// back at the post with the word; a member neither sees the control nor may post it; an
    /// empty reason comes back on its own page, and a forged form keeps what was typed.
    @Test func adminHidesAPostFromTheThreadPage() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let threadID = try world.id("SELECT thread_id FROM posts WHERE id = ? AND ?1 = ?1", String(postID))
            let admin = try world.signedIn("network_admin")
            let member = try world.signedIn("priya_nair")

            let adminPage = try admin.follow(try admin.get("/t/\(threadID)")).text
            #expect(adminPage.contains("action=\"/p/\(postID)/hide\""))
            #expect(adminPage.contains("<label class=\"label\" for=\"hide-reason-\(postID)\">Reason"))
            let memberPage = try member.follow(try member.get("/t/\(threadID)")).text
            #expect(!memberPage.contains("/hide\""))
            #expect(!(try world.browser().follow(try world.browser().get("/t/\(threadID)")).text.contains("/hide\"")))

            // Not an admin: refused, and nothing changes. A forged form: refused, what was typed kept.
            #expect(try member.post("/p/\(postID)/hide", [("reason", "Spam")]).status == 403)
            let forged = try admin.post("/p/\(postID)/hide", [("reason", "Names a colleague")], csrf: "forged")
            #expect(forged.status == 403 && forged.text.contains("Names a colleague"))
            // No reason: the Hide page, saying why.
            let empty = try admin.post("/p/\(postID)/hide", [("reason", "")])
            #expect(empty.status == 422)
            #expect(empty.text.contains("There is a problem") && empty.text.contains("action=\"/p/\(postID)/hide\""))
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", postID) } == false)

            let hidden = try admin.post("/p/\(postID)/hide", [("reason", "Names a colleague")])
            #expect(hidden.status == 303)
            #expect(hidden.header("location")?.contains("notice=post-hidden.") == true)
            #expect(hidden.header("location")?.hasSuffix("#post-\(postID)") == true)
            let landed = try Self.landing(admin, hidden).text
            #expect(landed.contains("Post hidden. Readers see the reason in its place, and its author has been told."))
            #expect(landed.contains("This post was hidden by a moderator: Names a colleague"))
            #expect(!landed.contains("action=\"/p/\(postID)/hide\"") && landed.contains("action=\"/p/\(postID)/restore\""))
            #expect(try member.follow(try member.get("/t/\(threadID)")).text.contains("This post was hidden by a moderator: Names a colleague"))
            let logged = try world.store.read {
                try $0.scalar(Int.self, "SELECT count(*) FROM moderation_log WHERE action = 'hide_post' AND target_id = ?", postID)
            }
            #expect(logged == 1)
        }
    }

    @Test func threadToolsLinkForAdminsOnlyAndLockedThreadsSaySo() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let threadID = try world.id("SELECT thread_id FROM posts WHERE id = ? AND ?1 = ?1", String(postID))
            let admin = try world.signedIn("network_admin")
            let adminPage = try admin.follow(try admin.get("/t/\(threadID)")).text
            #expect(adminPage.contains("<a href=\"/admin/threads/\(threadID)\">Thread tools"))
            #expect(try admin.get("/admin/threads/\(threadID)").status == 200)
            let member = try world.signedIn("priya_nair")
            let memberPage = try member.follow(try member.get("/t/\(threadID)")).text
            #expect(!memberPage.contains("/admin/threads/\(threadID)"))
            #expect(!memberPage.contains("This thread is locked"))

            #expect(try admin.post("/admin/threads/\(threadID)", [("change", "lock"), ("reason", "")]).status == 303)
            #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT locked FROM threads WHERE id = ?", threadID) } == true)
            for reader in [member, world.browser()] {
                let page = try reader.follow(try reader.get("/t/\(threadID)")).text
                let notice = try #require(page.range(of: "This thread is locked: no one can reply."))
                let firstPost = try #require(page.range(of: "class=\"posts\""))
                #expect(notice.lowerBound < firstPost.lowerBound)
            }
        }
    }
}
