import Board
import Foundation
import HTTPServer
import Testing
import TestSupport

/// Issue 18's journeys through the real server: each ends with a word to the person and lands
/// them where they were, and nobody is left at a dead end.
@Suite(.serialized) struct JourneyPagesTests {
    /// A new member's first post: the form warns, the admins hear of it (with a count in the
    /// header), and the author is told plainly that it was approved.
    @Test func heldFirstPostWarnsTellsTheAdminsAndTellsTheAuthorItWasApproved() throws {
        try withTestSite(registration: .open, content: .demo) { world in
            try world.store.write {
                try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('hold_first_posts_of_new_members', '1', 0) ON CONFLICT(key) DO UPDATE SET value = '1'")
            }
            let newcomer = world.browser()
            try world.register(newcomer, handle: "new_pathfinder")
            let form = try newcomer.get("/t/new")
            #expect(form.text.contains("an admin checks your first post before others can see it"))

            let admin = try world.signedIn("network_admin")
            #expect(!(try admin.get("/").text.contains("id=\"moderation-count\"")))

            try newcomer.get("/t/new")
            let posted = try newcomer.post("/t/new", [("title", "How do we value the pension deficit?"),
                                                      ("body", "Our actuary and the council disagree."), ("space", "public"),
                                                      ("topics", "capital-and-finance")])
            #expect(posted.status == 303)
            #expect(posted.header("location")?.contains("notice=post-waits.") == true)
            let thread = try newcomer.follow(posted)
            #expect(thread.text.contains("an admin checks it before others can see it; the admins have been told"))

            let home = try admin.get("/")
            #expect(home.text.contains("id=\"moderation-count\">1<"))
            let heard = try admin.get("/notifications")
            #expect(heard.text.contains("New_Pathfinder’s post in “How do we value the pension deficit?” is waiting for approval"))

            let postID = try world.id("SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id WHERE u.handle = 'new_pathfinder'")
            try admin.get("/admin/queue")
            let approved = try admin.post("/admin/posts/\(postID)/decide", [("decision", "approve"), ("reason", "")])
            #expect(approved.header("location")?.hasPrefix("/admin/queue?notice=post-approved.") == true)
            let queue = try admin.follow(approved)
            #expect(queue.text.contains("Post approved. Everyone who can read the thread sees it now, and its author has been told."))
            #expect(!queue.text.contains("id=\"moderation-count\""))

            let told = try newcomer.get("/notifications")
            #expect(told.text.contains("Your post in “How do we value the pension deficit?” was approved"))
            #expect(!(try newcomer.get("/t/new").text.contains("an admin checks your first post")))
        }
    }

    /// `YYYY-MM-DD` in UTC, as the mentorship form takes it.
    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    /// A private thread of a pathfinder no mentor supports: the ask page says why nobody can be
    /// asked, and asking the admins reaches them, naming the mentor suggested.
    @Test func askingAMentorWithNobodyToAskExplainsAndAsksTheAdmins() throws {
        try withTestSite(content: .establishedDemo) { world in
            let priya = try world.signedIn("priya_nair", landingOn: "/t/new")
            let space = try world.organisationID("anglian-community-enterprise")
            let made = try priya.post("/t/new", [("title", "Who signs off our shadow board budget?"), ("body", "Nobody seems to know."),
                                                 ("space", String(space)), ("topics", "governance-and-legal-form")])
            #expect(made.status == 303)
            let threadID = try world.id(ofThread: "Who signs off our shadow board budget?")
            let ask = try priya.get("/t/\(threadID)/mentors")
            #expect(ask.text.contains("this thread is private to Anglian Community Enterprise, and no mentor supports Anglian Community Enterprise yet"))
            #expect(!ask.text.contains("Ask these mentors"))
            #expect(!ask.text.contains("There are no more mentors to ask"))
            #expect(ask.text.contains("<option value=\"helen_marsh\">Helen Marsh"))

            let asked = try priya.post("/t/\(threadID)/mentors/admins", [("mentor", "helen_marsh")])
            #expect(asked.status == 303)
            let back = try priya.follow(asked)
            #expect(back.text.contains("The admins have been asked to link a mentor to your pathfinder"))
            #expect(back.text.contains("Who signs off our shadow board budget?"))

            let admin = try world.signedIn("network_admin")
            let heard = try admin.get("/notifications")
            #expect(heard.text.contains("Priya Nair asked for a mentor for Anglian Community Enterprise (they suggest Helen Marsh)"))
            #expect(heard.text.contains("/admin/mentors?organisation=anglian-community-enterprise&amp;mentor=helen_marsh#start-mentorship"))
            let prefilled = try admin.get("/admin/mentors?organisation=anglian-community-enterprise&mentor=helen_marsh")
            #expect(prefilled.text.contains("<option value=\"anglian-community-enterprise\" selected>"))
            #expect(prefilled.text.contains("<option value=\"helen_marsh\" selected>"))

            // The admins act: a mentorship of Helen with the pathfinder links her to the thread that
            // asked, and Priya hears of it (in-app, and by mail as she chose the default).
            let mailBefore = try world.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE user_id = ?", try world.userID("priya_nair")) ?? 0
            let started = try admin.post("/admin/mentorships", [("mentor", "helen_marsh"), ("organisation", "anglian-community-enterprise"),
                                                                 ("started", Self.day(world.clock.now)), ("note", "")])
            #expect(started.status == 303)
            let told = try priya.get("/notifications")
            #expect(told.text.contains("A mentor was linked to your thread “Who signs off our shadow board budget?”"))
            #expect(told.text.contains("/t/\(threadID)-"))
            let mailAfter = try world.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE user_id = ?", try world.userID("priya_nair")) ?? 0
            #expect(mailAfter == mailBefore + 1)
            #expect(try priya.get(try world.threadPath(threadID)).text.contains("Linked to this thread: Helen Marsh"))

            // A public thread can be sent to the admins too: they are asked to find a mentor for it,
            // and their notification opens the thread's ask page.
            let publicThread = try world.publicThread()
            let author = try world.scalar(String.self, "SELECT u.handle FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = ?", publicThread.id) ?? ""
            let starter = try world.signedIn(author, landingOn: "/t/\(publicThread.id)/mentors")
            let publicAsk = try starter.post("/t/\(publicThread.id)/mentors/admins", [("mentor", "")])
            #expect(publicAsk.status == 303)
            #expect(try starter.follow(publicAsk).text.contains("The admins have been asked to find a mentor for this thread"))
            #expect(try starter.get("/t/\(publicThread.id)/mentors").text.contains("id=\"admins-asked\""))
            let adminHeard = try admin.get("/notifications")
            #expect(adminHeard.text.contains("asked the admins to find a mentor for"))
            #expect(adminHeard.text.contains("href=\"/t/\(publicThread.id)/mentors\""))
        }
    }

    /// A member changes organisation: they are told it is pending, the admins hear of it, and an
    /// admin confirms it on its own page, which the log records and the member hears.
    @Test func organisationChangeIsPendingUntilAnAdminConfirmsIt() throws {
        try withTestSite(content: .establishedDemo) { world in
            let tom = try world.signedIn("tom_beckett", landingOn: "/account")
            let saved = try tom.post("/account", [("displayName", "Tom Beckett"), ("bio", ""), ("organisation", "anglian-community-enterprise")])
            let account = try tom.follow(saved)
            #expect(account.text.contains("Your membership of <strong>Anglian Community Enterprise</strong> is waiting for an admin to confirm it"))

            let admin = try world.signedIn("network_admin")
            let heard = try admin.get("/notifications")
            #expect(heard.text.contains("Tom Beckett asked to be confirmed as a member of Anglian Community Enterprise"))
            #expect(heard.text.contains("href=\"/admin/organisations/members\""))
            let page = try admin.get("/admin/organisations/members")
            #expect(page.text.contains("asks to join <a href=\"/o/anglian-community-enterprise\">Anglian Community Enterprise</a>"))
            let tomID = try world.userID("tom_beckett")
            let space = try world.organisationID("anglian-community-enterprise")
            let confirmed = try admin.post("/admin/organisations/members/\(tomID)", [("organisation", String(space)), ("decision", "confirm")])
            #expect(confirmed.header("location")?.hasPrefix("/admin/organisations/members?notice=organisation-confirmed.") == true)
            let after = try admin.follow(confirmed)
            #expect(after.text.contains("Membership confirmed."))
            #expect(after.text.contains("No memberships are waiting for confirmation."))
            // Answered once: a second answer changes nothing and says who answered, on the list.
            let again = try admin.post("/admin/organisations/members/\(tomID)", [("organisation", String(space)), ("decision", "confirm")])
            #expect(again.status == 409)
            #expect(again.text.contains("This request was already answered by"))
            #expect(again.text.contains("Memberships to confirm"))

            // The answer is logged for admins; the public log does not name the member.
            let log = try admin.get("/moderation")
            #expect(log.text.contains("answered the membership request of @tom_beckett"))
            #expect(log.text.contains("Confirmed as a member of Anglian Community Enterprise"))
            #expect(!(try world.browser().get("/moderation").text.contains("membership request of @tom_beckett")))
            let told = try tom.get("/notifications")
            #expect(told.text.contains("An admin confirmed you as a member of Anglian Community Enterprise"))
            #expect(!(try tom.get("/account").text.contains("waiting for an admin to confirm it")))
        }
    }

    /// Members may not answer membership requests.
    @Test func onlyAdminsAnswerMembershipRequests() throws {
        try withTestSite(content: .establishedDemo) { world in
            let sam = try world.signedIn("sam_okafor", landingOn: "/account")
            #expect(try sam.get("/admin/organisations/members").status == 403)
            let tomID = try world.userID("tom_beckett")
            #expect(try sam.post("/admin/organisations/members/\(tomID)", [("organisation", "1"), ("decision", "confirm")]).status == 403)
        }
    }

    /// After an action, a word and the page the person came from.
    @Test func actionsEndWithAWordWhereThePersonWas() throws {
        try withTestSite(content: .establishedDemo) { world in
            let sam = try world.signedIn("sam_okafor", landingOn: "/")
            let out = try sam.post("/sign-out", [])
            #expect(out.header("location")?.hasPrefix("/?notice=signed-out.") == true)
            let home = try sam.follow(out)
            #expect(home.text.contains("You have signed out."))
            #expect(home.text.contains("Sign in"))

            let helen = try world.signedIn("helen_marsh", landingOn: "/mentor/profile")
            let profile = try helen.post("/mentor/profile", [("headline", "Ownership adviser"), ("bio", ""), ("availability", "available"),
                                                             ("topics", "governance-and-legal-form")])
            #expect(profile.header("location")?.hasPrefix("/mentors/helen_marsh?notice=profile-saved.") == true)
            #expect(try helen.follow(profile).text.contains("Your mentor profile has been saved."))

            let admin = try world.signedIn("network_admin")
            let mentorsPage = try admin.get("/admin/mentors")
            #expect(mentorsPage.text.contains("Today is filled in"))
            let today = String(ISO8601DateFormatter().string(from: world.clock.now).prefix(10))
            #expect(mentorsPage.text.contains("name=\"started\" type=\"date\" value=\"\(today)\""))
            let started = try admin.post("/admin/mentorships", [("mentor", "helen_marsh"), ("organisation", "central-surrey-health"),
                                                                ("started", today), ("note", "")])
            #expect(started.header("location")?.hasPrefix("/admin/mentors?notice=mentorship-started.") == true)
            #expect(try admin.follow(started).text.contains("Mentorship started."))

            try admin.get("/briefing/new")
            let added = try admin.post("/briefing/new", [("title", "Spinning out: a checklist"), ("url", "https://example.org/checklist"),
                                                       ("source", "Cabinet Office"), ("published", "2012-01-05"),
                                                       ("summary", "What to settle first."), ("topics", "capital-and-finance")])
            #expect(added.header("location")?.hasPrefix("/briefing?notice=briefing-added.") == true)
            let briefing = try admin.follow(added)
            #expect(briefing.text.contains("Briefing item added."))
            #expect(briefing.text.contains("Spinning out: a checklist"))

            // Deleting your own post: back at its place in the thread, told what remains.
            let priya = try world.signedIn("priya_nair")
            let thread = try world.publicThread()
            try priya.get(thread.path)
            let replied = try priya.post("/t/\(thread.id)/reply", [("body", "A reply I will take back."), ("action", "post")])
            #expect(replied.status == 303)
            let postID = try world.id("SELECT max(p.id) FROM posts p JOIN users u ON u.id = p.author_id WHERE u.handle = 'priya_nair'")
            try priya.get("/p/\(postID)/delete")
            let deleted = try priya.post("/p/\(postID)/delete", [])
            #expect(deleted.header("location")?.contains("notice=own-post-deleted.") == true)
            #expect(deleted.header("location")?.hasSuffix("#post-\(postID)") == true)
            #expect(try priya.follow(deleted).text.contains("Your post has been deleted."))

            // An unknown notice key shows nothing at all.
            #expect(!(try admin.get("/?notice=%3Cscript%3E").text.contains("id=\"site-notice\"")))
        }
    }

    /// A suspended member is not offered "Start a thread"; the home page says why.
    @Test func suspendedMemberIsToldInsteadOfOfferedStartAThread() throws {
        try withTestSite(content: .establishedDemo) { world in
            let until = world.clock.now.addingTimeInterval(86_400)
            try world.store.write { try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = 'Repeated personal remarks' WHERE handle = 'sam_okafor'", until) }
            let sam = try world.signedIn("sam_okafor")
            let home = try sam.get("/")
            #expect(!home.text.contains("href=\"/t/new\">Start a thread"))
            #expect(home.text.contains("Your account is suspended until") && home.text.contains("so you cannot post"))
            #expect(!(try sam.get("/briefing").text.contains("Start a thread about this")))
        }
    }

    /// Admins alone are offered the kinds only admins receive; a member who saves keeps them on.
    @Test func notificationSettingsOfferAdminKindsToAdminsOnly() throws {
        try withTestSite(content: .establishedDemo) { world in
            let sam = try world.signedIn("sam_okafor")
            let page = try sam.get("/account/notifications")
            #expect(page.text.contains("A mentor you asked declines"))
            #expect(!page.text.contains("A post waits for approval (admins)"))
            #expect(try sam.post("/account/notifications", [("kind", "reply")]).status == 303)
            let samID = try world.userID("sam_okafor")
            let off = try world.store.read { try Notifications.disabledKinds($0, userID: samID) }
            #expect(!off.contains(.postHeld) && off.contains(.mention))
            let admin = try world.signedIn("network_admin")
            #expect(try admin.get("/account/notifications").text.contains("A post waits for approval (admins)"))
        }
    }

    /// The public log shows a setting's words, not its key.
    @Test func moderationLogShowsSettingsInWords() throws {
        try withTestSite(content: .establishedDemo) { world in
            let admin = Actor(userID: try world.userID("network_admin"), role: .admin)
            try Moderation.setSetting(world.store, actor: admin, .holdFirstPostsOfNewMembers, to: "1")
            let log = try world.browser().get("/moderation")
            #expect(log.text.contains("Hold the first posts of new accounts for approval: Yes"))
            #expect(!log.text.contains("hold_first_posts_of_new_members"))
        }
    }

    /// Error pages keep the signed-in header (a missing page, a forbidden one, one answered by the router).
    @Test func errorPagesShowTheSignedInHeader() throws {
        try withTestSite(content: .establishedDemo) { world in
            let sam = try world.signedIn("sam_okafor", landingOn: "/")
            let missing = try sam.get("/no-such-page")
            #expect(missing.status == 404)
            #expect(missing.text.contains("Page not found"))
            #expect(missing.text.contains(">Sam Okafor</a>"))
            #expect(missing.text.contains("Sign out"))
            #expect(!missing.text.contains("href=\"/register\""))
            let forbidden = try sam.get("/admin/queue")
            #expect(forbidden.status == 403)
            #expect(forbidden.text.contains(">Sam Okafor</a>"))
            let thread = try sam.get("/t/999999-nothing")
            #expect(thread.status == 404)
            #expect(thread.text.contains("Sign out"))
            // A visitor still sees the visitor's header.
            #expect(try world.browser().get("/no-such-page").text.contains("class=\"site-nav__link\" href=\"/sign-in"))
        }
    }
}
