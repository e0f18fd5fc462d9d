import Foundation
import Testing
import TestSupport
@testable import Board

/// Issue 16's attacks, replayed over TLS against the real server as the review did them: the
/// cases whose fix is the one visibility rule (1, 3, 8, 11b). The stream, rate-limit, sign-in,
/// CSRF and file cases have their own suites.
@Suite(.serialized, .timeLimit(.minutes(2))) struct PrivacyEndToEndTests {
    /// A pathfinder with a confirmed member, a mentor linked to it and an admin; new accounts'
    /// first posts are not held (these tests are about reading).
    func withPathfinder(_ body: (TestSite, TestOrganisation, TestPerson, TestPerson) throws -> Void) throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            let pathfinder = try site.organisation("tri-borough-mutual")
            _ = try site.topic()
            let member = try site.member(of: pathfinder, handle: "real_member")
            let mentor = try site.mentor(of: pathfinder, handle: "linked_mentor")
            _ = try site.admin()
            try site.network.store.write { try $0.run("UPDATE settings SET value = '0' WHERE key = ?", Setting.holdFirstPostsOfNewMembers.rawValue) }
            try body(site, pathfinder, member, mentor)
        }
    }

    /// Starts a private thread through the real form; returns its path.
    func startPrivateThread(_ site: TestSite, as handle: String, pathfinder: TestOrganisation,
                            title: String = "CONFIDENTIAL redundancy plan", body: String = "Numbers inside") throws -> String {
        let browser = try site.signedIn(handle, landingOn: "/t/new")
        let response = try browser.post("/t/new", [("title", title), ("body", body), ("topics", "capital-and-finance"),
                                                   ("space", String(pathfinder.id)), ("action", "post")])
        #expect(response.status == 303, "\(response.text.prefix(3000))")
        let location = try #require(response.header("location"))
        return String(location.prefix { $0 != "#" })
    }

    /// Case 1: an outsider who *claims* the organisation on their account page and follows the
    /// topic sees nothing of a private thread in their notifications, nor through a mention.
    @Test func selfDeclaredMemberSeesNoPrivateTitleInNotifications() throws {
        try withPathfinder { site, pathfinder, _, _ in
            let outsider = try site.member(handle: "outsider")
            let browser = try site.signedIn("outsider", landingOn: "/account")
            // Claim the organisation (unconfirmed) and follow the topic, as the review did.
            try site.network.store.write { tx in
                try tx.run("UPDATE users SET organisation_id = ?, organisation_confirmed = 0 WHERE id = ?", pathfinder.id, outsider.id)
            }
            _ = try browser.get("/topics/capital-and-finance")
            let topicID = try site.id("SELECT id FROM topics WHERE slug = 'capital-and-finance'")
            try site.network.store.write { tx in
                try tx.run("INSERT INTO subscriptions(user_id, topic_id, created_at) VALUES (?, ?, ?)", outsider.id, topicID, Date())
            }
            let path = try startPrivateThread(site, as: "real_member", pathfinder: pathfinder, body: "Numbers for @outsider and @linked_mentor")
            #expect(try browser.get(path).status == 404)
            let notifications = try browser.get("/notifications")
            #expect(notifications.status == 200)
            #expect(!notifications.text.contains("CONFIDENTIAL"))
            // The linked mentor, mentioned in the same post, hears of it: they may read it.
            let mentor = try site.signedIn("linked_mentor")
            #expect(try mentor.get("/notifications").text.contains("CONFIDENTIAL redundancy plan"))
        }
    }

    /// Case 3: after a demotion the former mentor can neither open, find nor reply to the
    /// private thread, even with a session and form from before.
    @Test func demotedMentorCannotReadOrReplyToThePrivateSpace() throws {
        try withPathfinder { site, pathfinder, _, mentor in
            let path = try startPrivateThread(site, as: "real_member", pathfinder: pathfinder, body: "Our zebracorn plan")
            let former = try site.signedIn("linked_mentor", landingOn: path)
            #expect(try former.get(path).status == 200)
            try site.network.store.write { try $0.run("UPDATE users SET role = 'member' WHERE id = ?", mentor.id) }
            #expect(try former.get(path).status == 404)
            #expect(!(try former.get("/o/tri-borough-mutual").text.contains("CONFIDENTIAL")))
            #expect(!(try former.get("/search?q=zebracorn").text.contains("CONFIDENTIAL")))
            let threadID = try site.id("SELECT id FROM threads WHERE title LIKE 'CONFIDENTIAL%'")
            let reply = try former.post("/t/\(threadID)/reply", [("body", "Still reading this"), ("action", "post")])
            #expect(reply.status == 404)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", threadID) == 1)
        }
    }

    /// Case 8: a post awaiting approval is not copied into the reply box by `?quote=`, and the
    /// flag page of a held thread is 404 to someone who gets 404 for the thread.
    @Test func postsAwaitingApprovalDoNotLeakThroughQuoteOrFlag() throws {
        try withPathfinder { site, _, member, _ in
            let reader = try site.member(handle: "reader")
            let open = try site.thread(by: member, title: "An open question about bonds")
            let held = try site.heldReply(to: open, by: member, body: "Held words nobody may see")
            let heldThread = try site.thread(by: member, title: "A held opening question", body: "Held opening")
            try site.network.store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", heldThread.openingPostID) }
            let browser = try site.signedIn(reader.handle)
            let quoted = try browser.get(open.path + "?quote=\(held)")
            #expect(quoted.status == 200)
            #expect(!quoted.text.contains("Held words"))
            #expect(try browser.get(heldThread.path).status == 404)
            let flag = try browser.get("/p/\(heldThread.openingPostID)/flag")
            #expect(flag.status == 404)
            #expect(!flag.text.contains("A held opening question"))
        }
    }

    /// Case 11b: the organisation page does not list people who only named it themselves.
    @Test func organisationPageListsConfirmedMembersOnly() throws {
        try withPathfinder { site, pathfinder, _, _ in
            _ = try site.unconfirmedMember(of: pathfinder, handle: "claimant")
            let page = try site.get("/o/tri-borough-mutual")
            #expect(page.status == 200)
            #expect(page.text.contains("Real_Member") || page.text.contains("real_member"))
            #expect(!page.text.lowercased().contains("claimant"))
        }
    }

    /// Case 7: a POST the CSRF check refuses writes nothing. A cross-origin form with no token,
    /// carrying the member's cookie, gets 403 and leaves their saved drafts as they were.
    @Test func aRefusedPostLeavesTheDraftAlone() throws {
        try withPathfinder { site, _, member, _ in
            let thread = try site.thread(by: member, title: "A question about bonds")
            let browser = try site.signedIn(member.handle, landingOn: thread.path)
            // The member's own drafts, saved through preview.
            #expect(try browser.post("/t/\(thread.id)/reply", [("body", "My careful answer"), ("action", "preview")]).status == 200)
            _ = try browser.get("/t/new")
            #expect(try browser.post("/t/new", [("title", "My own title"), ("body", "My own words"), ("action", "preview")]).status == 200)
            func drafts() throws -> [String] {
                try site.network.store.read { try $0.column(String.self, "SELECT title || body_markdown FROM drafts WHERE user_id = ? ORDER BY thread_id", member.id) }
            }
            let before = try drafts()
            #expect(before.count == 2)
            for (path, fields) in [("/t/\(thread.id)/reply", [("body", "Attacker text [link](https://evil.example)"), ("action", "post")]),
                                   ("/t/new", [("title", "Attacker title"), ("body", "Attacker text"), ("action", "post")])] {
                let forged = try browser.post(path, fields, csrf: "", origin: "https://evil.example")
                #expect(forged.status == 403, "\(path)")
                #expect(forged.text.contains("Attacker text"), "the refused form comes back with what was sent")
            }
            #expect(try drafts() == before)
        }
    }
}
