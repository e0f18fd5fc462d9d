import Database
import DemoContent
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

@Suite(.serialized, .timeLimit(.minutes(3)))
struct PostingEndToEndTests {
    @Test func boardPagesShowWhoIsSignedIn() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            for path in ["/", "/briefing", "/topics/" + (try world.scalar(String.self, "SELECT slug FROM topics LIMIT 1") ?? ""),
                         try world.publicThread().path] {
                let page = try sam.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(page.text.contains("action=\"/sign-out\""), "\(path)")
                #expect(page.text.contains("Sam Okafor"), "\(path)")
                #expect(page.header("cache-control") == "no-store", "\(path)")
            }
        }
    }

    @Test func visitorSeesSignInToReplyAndIsRedirected() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let visitor = world.browser()
            let thread = try world.publicThread()
            let page = try visitor.get(thread.path)
            #expect(page.text.contains("Sign in to reply"))
            #expect(!page.text.contains("name=\"body\""))
            #expect(try visitor.get("/t/new").header("location")?.hasPrefix("/sign-in?next=%2Ft%2Fnew&notice=sign-in.") == true)
            // A reply sent signed out comes back on the sign-in page, its text kept to copy
            // (SignedOutWritingTests), and signing in leads back to the thread.
            let reply = try visitor.post("/t/\(thread.id)/reply", [("body", "Hello"), ("action", "post")])
            #expect(reply.status == 403)
            #expect(reply.text.contains("Hello</textarea>"))
            #expect(reply.text.contains("<form method=\"post\" action=\"/sign-in\""))
            #expect(reply.text.contains("name=\"next\" value=\"/t/\(thread.id)\""))
        }
    }

    @Test func memberStartsAThreadAndRepliesWithRedirectToAnchor() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let form = try sam.get("/t/new")
            #expect(form.status == 200)
            #expect(form.text.contains("name=\"topics\""))
            let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 ORDER BY position LIMIT 1"))
            let created = try sam.post("/t/new", [("title", "How did you set up your staff council?"), ("body", "We are *starting* one."),
                                                  ("topics", topic), ("space", "public"), ("action", "post")])
            #expect(created.status == 303)
            let location = try #require(created.header("location"))
            #expect(location.hasPrefix("/t/"))
            #expect(location.contains("#post-"))
            let page = try sam.get(String(location.prefix { $0 != "#" }))
            #expect(page.status == 200)
            #expect(page.text.contains("<em>starting</em>"))
            let threadID = try #require(try world.scalar(Int64.self, "SELECT id FROM threads WHERE title = ?", "How did you set up your staff council?"))
            let reply = try sam.post("/t/\(threadID)/reply", [("body", "An update: it **works**."), ("action", "post")])
            #expect(reply.status == 303)
            let postID = try #require(try world.scalar(Int64.self, "SELECT max(id) FROM posts WHERE thread_id = ?", threadID))
            #expect(reply.header("location")?.hasSuffix("#post-\(postID)") == true)
            let replyLocation = try #require(reply.header("location"))
            #expect(try sam.get(String(replyLocation.prefix { $0 != "#" })).text.contains("<strong>works</strong>"))
        }
    }

    @Test func errorsKeepTheTextAndDraftsComeBack() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            try sam.get("/t/new")
            let rejected = try sam.post("/t/new", [("title", "Short"), ("body", "Body text <kept>"), ("action", "post")])
            #expect(rejected.status == 422)
            #expect(rejected.text.contains("<title>Error: "))
            #expect(rejected.text.contains("There is a problem"))
            #expect(rejected.text.contains("Select at least one topic"))
            #expect(rejected.text.contains("value=\"Short\""))
            #expect(rejected.text.contains("Body text &lt;kept&gt;</textarea>"))
            // The draft comes back on a later visit.
            let again = try sam.get("/t/new")
            #expect(again.text.contains("Body text &lt;kept&gt;</textarea>"))
            #expect(again.text.contains("value=\"Short\""))

            let thread = try world.publicThread()
            try sam.get(thread.path)
            let empty = try sam.post("/t/\(thread.id)/reply", [("body", "   "), ("action", "post")])
            #expect(empty.status == 422)
            #expect(empty.text.contains("Enter your message"))
        }
    }

    /// A refused token shows the text again (nothing typed is lost) but writes nothing, not even
    /// a draft: a forged cross-site form must not overwrite the member's draft (issue 16, case 7).
    @Test func csrfRejectionShowsTheTextAgainAndSavesNothing() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let thread = try world.publicThread()
            try sam.get(thread.path)
            let rejected = try sam.post("/t/\(thread.id)/reply", [("body", "Typed before the token expired"), ("action", "post")], csrf: "wrong")
            #expect(rejected.status == 403)
            #expect(rejected.text.contains("Typed before the token expired</textarea>"))
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM posts WHERE body_markdown = ?", "Typed before the token expired") == 0)
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM drafts WHERE body_markdown = ?", "Typed before the token expired") == 0)
            #expect(!(try sam.get(thread.path).text.contains("Typed before the token expired</textarea>")))
        }
    }

    @Test func previewRendersAboveTheFormAndSavesADraft() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let thread = try world.publicThread()
            try sam.get(thread.path)
            let before = try world.scalar(Int.self, "SELECT count(*) FROM posts") ?? 0
            let preview = try sam.post("/t/\(thread.id)/reply", [("body", "A *preview* <script>x</script>"), ("action", "preview")])
            #expect(preview.status == 200)
            #expect(preview.text.contains("Preview of your reply"))
            #expect(preview.text.contains("<em>preview</em>"))
            #expect(!preview.text.contains("<script>x"))
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM posts") == before)
            #expect(try sam.get(thread.path).text.contains("A *preview* &lt;script&gt;x&lt;/script&gt;</textarea>"))
        }
    }

    @Test func quotePrefillsTheReplyWithAttribution() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let thread = try world.publicThread()
            let postID = try #require(try world.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position = 1", thread.id))
            let author = try #require(try world.scalar(String.self, "SELECT u.display_name FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = ?", postID))
            let page = try sam.get(thread.path + "?quote=\(postID)")
            #expect(page.text.contains("&gt; **\(author)** wrote:"))
            #expect(page.text.contains("name=\"replyTo\" value=\"\(postID)\""))
        }
    }

    @Test func suspendedMemberIsRefusedWithTheReason() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            try world.store.write { try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE handle = 'sam_okafor'",
                                               Date().addingTimeInterval(86_400), "Repeated off-topic posts") }
            let thread = try world.publicThread()
            let page = try sam.get(thread.path)
            #expect(page.text.contains("Repeated off-topic posts"))
            let refused = try sam.post("/t/\(thread.id)/reply", [("body", "Still here"), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("Repeated off-topic posts"))
            // What they typed is kept as their draft for when the suspension ends.
            #expect(try world.scalar(String.self, "SELECT body_markdown FROM drafts WHERE thread_id = ?", thread.id) == "Still here")
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM posts WHERE body_markdown = 'Still here'") == 0)
            #expect(try sam.get("/t/new").status == 403)
        }
    }

    @Test func lockedThreadRefusesRepliesExceptFromAdmins() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            try world.store.write { try $0.run("UPDATE threads SET locked = 1 WHERE id = ?", thread.id) }
            let sam = try world.signedIn("sam_okafor")
            let page = try sam.get(thread.path)
            #expect(page.text.contains("This thread is locked"))
            #expect(!page.text.contains("name=\"body\""))
            let refused = try sam.post("/t/\(thread.id)/reply", [("body", "Locked reply"), ("action", "post")])
            #expect(refused.status == 403)
            let admin = try world.signedIn("network_admin")
            try admin.get(thread.path)
            #expect(try admin.post("/t/\(thread.id)/reply", [("body", "Admin note on a locked thread"), ("action", "post")]).status == 303)
        }
    }

    @Test func privateSpacePostingForMembersMentorsAndAdminsOnly() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let orgID = try #require(try world.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = 'tri-borough-mutual'"))
            let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 LIMIT 1"))
            let mentored = try world.scalar(Int.self, """
                SELECT count(*) FROM mentorships m JOIN users u ON u.id = m.mentor_id
                WHERE u.handle = 'helen_marsh' AND m.organisation_id = ? AND m.ended_at IS NULL
                """, orgID) ?? 0
            #expect(mentored == 1)   // the demo links Helen to the tri-borough mutual
            for handle in ["sam_okafor", "network_admin", "helen_marsh"] {
                let browser = try world.signedIn(handle)
                let form = try browser.get("/t/new")
                #expect(form.text.contains("name=\"space\" type=\"radio\" value=\"\(orgID)\""), "\(handle)")
                let title = "Private question from \(handle)"
                let created = try browser.post("/t/new", [("title", title), ("body", "Just for us."), ("topics", topic),
                                                          ("space", String(orgID)), ("action", "post")])
                #expect(created.status == 303, "\(handle)")
                #expect(try world.scalar(Int64.self, "SELECT organisation_id FROM threads WHERE title = ?", title) == orgID)
            }
            // A member of another organisation can neither choose nor force the space.
            let other = world.browser()
            try other.get("/sign-in")
            let priyaPassword = try #require(world.passwords["priya_nair"])
            #expect(try other.post("/sign-in", [("identifier", "priya_nair"), ("password", priyaPassword)]).status == 303)
            let form = try other.get("/t/new")
            #expect(!form.text.contains("value=\"\(orgID)\""))
            let forced = try other.post("/t/new", [("title", "Sneaking into a space"), ("body", "Hello."), ("topics", topic),
                                                   ("space", String(orgID)), ("action", "post")])
            #expect(forced.status == 403)
            #expect(forced.text.contains("Hello.</textarea>"))
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM threads WHERE title = 'Sneaking into a space'") == 0)
            // Nor reply to a private thread: it does not exist for them.
            let privateID = try #require(try world.scalar(Int64.self, "SELECT id FROM threads WHERE organisation_id = ? LIMIT 1", orgID))
            #expect(try other.post("/t/\(privateID)/reply", [("body", "Hi"), ("action", "post")]).status == 404)
        }
    }

    /// Sam starts a thread and Helen replies; returns the thread id, its path, and the reply's id.
    func threadWithReply(_ world: TestSite, sam: BrowserClient, helen: BrowserClient) throws -> (Int64, String, Int64) {
        let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 LIMIT 1"))
        try sam.get("/t/new")
        let created = try sam.post("/t/new", [("title", "Who writes the business plan?"), ("body", "Asking for the board."),
                                              ("topics", topic), ("action", "post")])
        #expect(created.status == 303)
        let threadID = try #require(try world.scalar(Int64.self, "SELECT id FROM threads WHERE title = 'Who writes the business plan?'"))
        let path = String((created.header("location") ?? "").prefix { $0 != "#" })
        try helen.get(path)
        #expect(try helen.post("/t/\(threadID)/reply", [("body", "The shadow board, with help."), ("action", "post")]).status == 303)
        let replyID = try #require(try world.scalar(Int64.self, "SELECT max(id) FROM posts WHERE thread_id = ?", threadID))
        return (threadID, path, replyID)
    }

    @Test func editOwnPostKeepsRevisions() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let helen = try world.signedIn("helen_marsh")
            let (_, path, replyID) = try threadWithReply(world, sam: sam, helen: helen)
            // Only the author sees the link and may open the form.
            #expect(try helen.get(path).text.contains("href=\"/p/\(replyID)/edit\""))
            #expect(!(try sam.get(path).text.contains("href=\"/p/\(replyID)/edit\"")))
            #expect(try sam.get("/p/\(replyID)/edit").status == 403)
            #expect(try world.browser().get("/p/\(replyID)/edit").header("location")?.hasPrefix("/sign-in?next=%2Fp%2F\(replyID)%2Fedit&notice=sign-in.") == true)

            let form = try helen.get("/p/\(replyID)/edit")
            #expect(form.text.contains("The shadow board, with help.</textarea>"))
            // The edit form says what the field takes, as the new-thread and reply forms do.
            #expect(form.text.contains("<p class=\"hint\" id=\"body-hint\">You can use Markdown. Up to 50,000 characters.</p>"))
            #expect(form.text.contains("aria-describedby=\"body-hint\">The shadow board"))
            let empty = try helen.post("/p/\(replyID)/edit", [("body", ""), ("action", "save")])
            #expect(empty.status == 422)
            #expect(empty.text.contains("Enter your message"))
            #expect(empty.text.contains("aria-describedby=\"body-hint body-error\""))
            let preview = try helen.post("/p/\(replyID)/edit", [("body", "The *shadow* board."), ("action", "preview")])
            #expect(preview.text.contains("<em>shadow</em>"))
            let saved = try helen.post("/p/\(replyID)/edit", [("body", "The shadow board, with the mentor's help."), ("action", "save")])
            #expect(saved.status == 303)
            #expect(saved.header("location")?.hasSuffix("#post-\(replyID)") == true)
            let thread = try helen.get(path)
            #expect(thread.text.contains("with the mentor&#39;s help") || thread.text.contains("with the mentor’s help") || thread.text.contains("mentor's help"))
            #expect(thread.text.contains("href=\"/p/\(replyID)/revisions\""))
            let history = try helen.get("/p/\(replyID)/revisions")
            #expect(history.status == 200)
            #expect(history.text.contains("The shadow board, with help."))
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM post_revisions WHERE post_id = ?", replyID) == 1)
        }
    }

    @Test func deleteOwnPostLeavesAPlaceholder() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let helen = try world.signedIn("helen_marsh")
            let (_, path, replyID) = try threadWithReply(world, sam: sam, helen: helen)
            #expect(try sam.get("/p/\(replyID)/delete").status == 403)
            let confirm = try helen.get("/p/\(replyID)/delete")
            #expect(confirm.text.contains("Are you sure you want to delete your post?"))
            let csrfRejected = try helen.post("/p/\(replyID)/delete", [], csrf: "wrong")
            #expect(csrfRejected.status == 403)
            #expect(try world.scalar(Bool.self, "SELECT deleted_by_author FROM posts WHERE id = ?", replyID) == false)
            try helen.get("/p/\(replyID)/delete")
            let deleted = try helen.post("/p/\(replyID)/delete", [])
            #expect(deleted.status == 303)
            let page = try sam.get(path)
            #expect(page.text.contains("Deleted by its author."))
            #expect(!page.text.contains("The shadow board, with help."))
        }
    }

    @Test func threadAuthorOrAdminMarksAndChangesTheAnswer() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let helen = try world.signedIn("helen_marsh")
            let (threadID, path, replyID) = try threadWithReply(world, sam: sam, helen: helen)
            // Helen is not the thread's author: no button, and the service refuses.
            #expect(!(try helen.get(path).text.contains("Mark as the answer")))
            #expect(try helen.post("/t/\(threadID)/accept", [("post", String(replyID))]).status == 403)
            let page = try sam.get(path)
            #expect(page.text.contains("Mark as the answer"))
            let accepted = try sam.post("/t/\(threadID)/accept", [("post", String(replyID))])
            #expect(accepted.status == 303)
            #expect(accepted.header("location")?.hasSuffix("#post-\(replyID)") == true)
            #expect(try world.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", threadID) == replyID)
            #expect(try sam.get(path).text.contains("Go to the accepted answer"))
            // A second reply, and the admin changes the answer to it.
            try sam.get(path)
            #expect(try sam.post("/t/\(threadID)/reply", [("body", "Thanks, and a follow-up."), ("action", "post")]).status == 303)
            let secondID = try #require(try world.scalar(Int64.self, "SELECT max(id) FROM posts WHERE thread_id = ?", threadID))
            let admin = try world.signedIn("network_admin")
            try admin.get(path)
            #expect(try admin.post("/t/\(threadID)/accept", [("post", String(secondID))]).status == 303)
            #expect(try world.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", threadID) == secondID)
            // And the author clears it.
            try sam.get(path)
            #expect(try sam.post("/t/\(threadID)/accept", [("post", "")]).status == 303)
            #expect(try world.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", threadID) == nil)
        }
    }

    @Test func profilePageShowsPublicPostsOnly() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let visitor = world.browser()
            let page = try visitor.get("/u/helen_marsh")
            #expect(page.status == 200)
            #expect(page.text.contains("Helen Marsh"))
            #expect(page.text.contains("badge--mentor"))
            let sam = try visitor.get("/u/sam_okafor")
            #expect(sam.status == 200)
            #expect(!sam.text.contains(DemoSite.privateTitle))
            #expect(try visitor.get("/u/nobody_here").status == 404)
            // Author links on thread pages resolve.
            let thread = try world.publicThread()
            let handle = try #require(try world.scalar(String.self, "SELECT u.handle FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = ?", thread.id))
            #expect(try visitor.get(thread.path).text.contains("href=\"/u/\(handle)\""))
            #expect(try visitor.get("/u/\(handle)").status == 200)
        }
    }

    @Test func briefingAdminFormsAddEditAndRetire() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            #expect(try world.browser().get("/briefing/new").header("location")?.hasPrefix("/sign-in?next=%2Fbriefing%2Fnew&notice=sign-in.") == true)
            let sam = try world.signedIn("sam_okafor")
            let refused = try sam.get("/briefing/new")
            #expect(refused.status == 403)
            #expect(refused.text.contains("Only admins can do that"))
            #expect(try sam.post("/briefing/new", [("title", "Sneaky")]).status == 403)
            let mentor = try world.signedIn("helen_marsh")
            #expect(try mentor.get("/briefing/new").status == 403)

            let admin = try world.signedIn("network_admin")
            let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 LIMIT 1"))
            #expect(try admin.get("/briefing/new").status == 200)
            let bad = try admin.post("/briefing/new", [("title", "Spinning out: a guide"), ("url", "javascript:alert(1)"), ("source", "Cabinet Office"),
                                                     ("published", "2026-02-30"), ("summary", "What the guide says."), ("topics", topic)])
            #expect(bad.status == 422)
            #expect(bad.text.contains("Enter a web address starting with http:// or https://"))
            #expect(bad.text.contains("The published date must be a real date between 1990 and 2100"))
            #expect(bad.text.contains("value=\"Spinning out: a guide\""))
            let added = try admin.post("/briefing/new", [("title", "Spinning out: a guide"), ("url", "https://example.org/guide"),
                                                       ("source", "Cabinet Office"), ("published", "2026-02-14"),
                                                       ("summary", "What the guide says."), ("topics", topic)])
            #expect(added.status == 303)
            let id = try #require(try world.scalar(Int64.self, "SELECT id FROM briefing_items WHERE title = 'Spinning out: a guide'"))
            let briefing = try admin.get("/briefing")
            #expect(briefing.text.contains("Spinning out: a guide"))
            #expect(briefing.text.contains("href=\"/briefing/\(id)/edit\""))
            #expect(!(try sam.get("/briefing").text.contains("href=\"/briefing/\(id)/edit\"")))
            #expect(try sam.get("/briefing/\(id)/edit").status == 403)

            let edit = try admin.get("/briefing/\(id)/edit")
            #expect(edit.text.contains("value=\"https://example.org/guide\""))
            #expect(try admin.post("/briefing/\(id)/edit", [("title", "Spinning out: the guide"), ("url", "https://example.org/guide"),
                                                            ("source", "Cabinet Office"), ("published", "2026-02-14"),
                                                            ("summary", "What the guide says, revised."), ("topics", topic)]).status == 303)
            #expect(try world.scalar(String.self, "SELECT title FROM briefing_items WHERE id = ?", id) == "Spinning out: the guide")

            // A thread started from the item is about it.
            #expect(try sam.get("/t/new?briefing=\(id)").text.contains("About the briefing item <strong>Spinning out: the guide</strong>"))
            let thread = try sam.post("/t/new", [("title", "Has anyone used the guide?"), ("body", "Curious."), ("topics", topic),
                                                 ("briefing", String(id)), ("action", "post")])
            #expect(thread.status == 303)
            #expect(try world.scalar(Int64.self, "SELECT briefing_item_id FROM threads WHERE title = 'Has anyone used the guide?'") == id)

            try admin.get("/briefing/\(id)/edit")
            #expect(try admin.post("/briefing/\(id)/retire", [("retired", "1")]).status == 303)
            #expect(try world.scalar(Bool.self, "SELECT retired FROM briefing_items WHERE id = ?", id) == true)
        }
    }

    @Test func adminTurnsAnAnsweredThreadIntoABriefingNote() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let helen = try world.signedIn("helen_marsh")
            let (threadID, path, replyID) = try threadWithReply(world, sam: sam, helen: helen)
            let admin = try world.signedIn("network_admin")
            #expect(try admin.get("/t/\(threadID)/briefing-note").status == 403)
            try sam.get(path)
            #expect(try sam.post("/t/\(threadID)/accept", [("post", String(replyID))]).status == 303)
            #expect(try sam.get("/t/\(threadID)/briefing-note").status == 403)
            #expect(try admin.get(path).text.contains("href=\"/t/\(threadID)/briefing-note\""))
            let form = try admin.get("/t/\(threadID)/briefing-note")
            #expect(form.status == 200)
            #expect(form.text.contains("value=\"Who writes the business plan?\""))
            let empty = try admin.post("/t/\(threadID)/briefing-note", [("title", "Who writes the business plan?"), ("source", "Mutuals Network discussion"),
                                                                       ("published", "2026-03-01"), ("summary", ""), ("topics", "")])
            #expect(empty.status == 422)
            #expect(empty.text.contains("Enter a summary"))
            let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 LIMIT 1"))
            let made = try admin.post("/t/\(threadID)/briefing-note", [("title", "Who writes the business plan?"), ("source", "Mutuals Network discussion"),
                                                                      ("published", "2026-03-01"), ("summary", "The shadow board writes it, with a mentor."),
                                                                      ("topics", topic), ("url", "https://evil.example/")])
            #expect(made.status == 303)
            let url = try #require(try world.scalar(String.self, "SELECT url FROM briefing_items WHERE summary = 'The shadow board writes it, with a mentor.'"))
            #expect(url.hasPrefix("https://"))
            #expect(url.hasSuffix("/t/\(threadID)-who-writes-the-business-plan#post-\(replyID)"))
        }
    }

    @Test func bodiesUpToFiftyThousandCharactersAndNewThreadCSRFKeepsText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let thread = try world.publicThread()
            try sam.get(thread.path)
            let long = String(repeating: "a", count: 50_000)
            #expect(try sam.post("/t/\(thread.id)/reply", [("body", long), ("action", "post")]).status == 303)
            try sam.get(thread.path)
            let tooLong = try sam.post("/t/\(thread.id)/reply", [("body", long + "b"), ("action", "post")])
            #expect(tooLong.status == 422)
            #expect(tooLong.text.contains("Your message must be 50,000 characters or fewer"))

            try sam.get("/t/new")
            let forged = try sam.post("/t/new", [("title", "A title that is long enough"), ("body", "Kept through a forged token")], csrf: "forged")
            #expect(forged.status == 403)
            #expect(forged.text.contains("value=\"A title that is long enough\""))
            #expect(forged.text.contains("Kept through a forged token</textarea>"))
        }
    }
}
