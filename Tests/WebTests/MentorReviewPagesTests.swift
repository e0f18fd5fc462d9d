import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The mentor's pages as a mentor and an admin use them (review): a suspended mentor's queue
/// offers no Decline and says why; a mentor made a member is taken off their threads, and the
/// page that asks the admin to confirm says so.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MentorReviewPagesTests {
    @Test func aSuspendedMentorsQueueOffersNoDeclineAndSaysWhy() throws {
        try withTestSite(clock: TestClock()) { site in
            let mentor = try site.mentor(handle: "helen")
            let asker = try site.member(handle: "sam")
            let thread = try site.thread(by: asker, title: "Has anyone applied to the programme?")
            try Mentors.link(site.store, by: Actor(userID: asker.id, role: .member), threadID: thread.id, mentorHandles: [mentor.handle])
            let browser = try site.signedIn(mentor.handle)
            #expect(try browser.get("/mentor/queue").text.contains("/mentor/queue/\(thread.id)/decline"))

            let until = site.clock.now.addingTimeInterval(86_400)
            try site.store.write { tx in
                try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = 'Rude notes' WHERE id = ?", until, mentor.id)
            }
            let queue = try browser.get("/mentor/queue")
            #expect(queue.status == 200)
            #expect(!queue.text.contains("/mentor/queue/\(thread.id)/decline"))
            #expect(queue.text.contains("id=\"suspension-notice\""))
            #expect(queue.text.contains("you cannot decline threads either"))
            let form = try browser.get("/mentor/queue/\(thread.id)/decline")
            #expect(form.status == 403)
            #expect(form.text.contains("Your account is suspended until"))
        }
    }

    @Test func makingAMentorAMemberTakesThemOffTheirThreadsAndTheConfirmPageSaysSo() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let mentor = try site.mentor(handle: "helen")
            let asker = try site.member(handle: "sam")
            let thread = try site.thread(by: asker, title: "Has anyone applied to the programme?")
            try Mentors.link(site.store, by: Actor(userID: asker.id, role: .member), threadID: thread.id, mentorHandles: [mentor.handle])
            let path = try site.threadPath(thread.id)
            #expect(try site.signedIn(asker.handle).get(path).text.contains("Linked to this thread"))

            let browser = try site.signedIn(admin.handle, landingOn: "/admin/mentors")
            let confirm = try browser.post("/admin/mentors/role", [("handle", mentor.handle), ("role", "member"), ("reason", "Stepped down")])
            #expect(confirm.status == 200)
            #expect(confirm.text.contains("They will be taken off the thread they were linked to as a mentor."))
            let done = try browser.post("/admin/mentors/role/confirm", [("handle", mentor.handle), ("role", "member"), ("reason", "Stepped down")])
            #expect(done.status == 303)

            let page = try site.signedIn(asker.handle).get(path)
            #expect(!page.text.contains("Linked to this thread"))
            let ask = try site.signedIn(asker.handle).get("/t/\(thread.id)/mentors")
            #expect(ask.status == 200)
            #expect(!ask.text.contains("/mentors/\(mentor.handle)\""))
        }
    }

    /// Ending a mentorship asks why (for the log), keeps the reason on a refused form, and a
    /// second Confirm (another admin, or twice) is back on the list with its word, not "Page not found".
    @Test func endingAMentorshipAsksWhyKeepsItAndEndsOnce() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let pathfinder = try site.organisation()
            let mentor = try site.mentor(of: pathfinder, handle: "helen")
            let id = try #require(try site.scalar(Int64.self, "SELECT id FROM mentorships WHERE mentor_id = ?", mentor.id))
            let browser = try site.signedIn(admin.handle)
            let ask = try browser.get("/admin/mentorships/\(id)/end")
            #expect(ask.text.contains("<label class=\"label\" for=\"reason\">Reason (optional)</label>"))

            let forged = try browser.post("/admin/mentorships/\(id)/end", [("reason", "The programme finished")], csrf: "forged")
            #expect(forged.status == 403)
            #expect(forged.text.contains("value=\"The programme finished\""))
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE id = ? AND ended_at IS NULL", id) == 1)

            try browser.get("/admin/mentorships/\(id)/end")
            let ended = try browser.post("/admin/mentorships/\(id)/end", [("reason", "The programme finished")])
            #expect(ended.status == 303)
            #expect(try site.scalar(String.self, "SELECT reason FROM moderation_log WHERE action = 'end_mentorship'") == "The programme finished")
            let again = try browser.post("/admin/mentorships/\(id)/end", [("reason", "Twice")])
            #expect(again.status == 303)
            #expect(again.header("location")?.hasPrefix("/admin/mentors?notice=mentorship-ended.") == true)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM moderation_log WHERE action = 'end_mentorship'") == 1)
        }
    }

    /// The mentors page is an admin page like the others: the admin pages' links are on it, and
    /// every admin page links to it.
    @Test func theMentorsPageIsAmongTheAdminPages() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let browser = try site.signedIn(admin.handle)
            let mentors = try browser.get("/admin/mentors")
            #expect(mentors.text.contains("aria-label=\"Administration\""))
            #expect(mentors.text.contains("<a href=\"/admin/queue\">Queue</a>"))
            for page in ["/admin/queue", "/admin/users", "/admin/settings"] {
                #expect(try browser.get(page).text.contains("<li><a href=\"/admin/mentors\">Mentors</a></li>"), "\(page)")
            }
        }
    }

    /// An admin who has not turned on the two-factor sign-in the network requires acts as a
    /// member; the admin pages (the mentors page too) say what to do, not "Only admins can do that".
    @Test func anAdminWithoutRequiredTwoFactorIsToldWhatToDo() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let member = try site.member(handle: "sam")
            let browser = try site.signedIn(admin.handle)
            try site.accounts.setAdminsRequireTwoFactor(true)
            for page in ["/admin/queue", "/admin/mentors", "/admin/users"] {
                let refused = try browser.get(page)
                #expect(refused.status == 403, "\(page)")
                #expect(refused.text.contains("This network requires admins to use two-factor sign-in. Turn it on"), "\(page)")
            }
            let started = try browser.post("/admin/mentorships", [("mentor", ""), ("organisation", ""), ("started", "2026-01-05")])
            #expect(started.status == 403)
            #expect(started.text.contains("requires admins to use two-factor sign-in"))
            // A member is told what they always were.
            let plain = try site.signedIn(member.handle).get("/admin/queue")
            #expect(plain.status == 403)
            #expect(plain.text.contains("Only admins can do that"))
        }
    }

    /// A users-page form refused for its token comes back with what was typed on that user's
    /// row (the days, the reason, the role chosen), as a refused field already did.
    @Test func aRefusedUsersFormKeepsWhatWasTyped() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let sam = try site.member(handle: "sam")
            let other = try site.member(handle: "tom")
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/users")
            let suspend = try browser.post("/admin/users/\(sam.id)/suspend", [("days", "12"), ("reason", "Posted a colleague's address")],
                                           csrf: "forged")
            #expect(suspend.status == 403)
            #expect(suspend.text.contains("id=\"reason-\(sam.id)\" name=\"reason\" type=\"text\" maxlength=\"500\" value=\"Posted a colleague&#39;s address\"")
                    || suspend.text.contains("value=\"Posted a colleague&#x27;s address\""))
            #expect(suspend.text.contains("id=\"days-\(sam.id)\" name=\"days\" type=\"text\" inputmode=\"numeric\" value=\"12\""))
            // Only on that user's row: another keeps the defaults.
            #expect(suspend.text.contains("id=\"days-\(other.id)\" name=\"days\" type=\"text\" inputmode=\"numeric\" value=\"7\""))

            let role = try browser.post("/admin/users/\(sam.id)/role", [("role", "mentor")], csrf: "forged")
            #expect(role.status == 403)
            #expect(role.text.contains("<option value=\"mentor\" selected>Mentor</option>"))
            #expect(try site.scalar(String.self, "SELECT role FROM users WHERE id = ?", sam.id) == "member")
        }
    }

    /// The queue's decision and the invite form, refused for their token (or, for the invite, a
    /// field), come back with what was typed: the invite form always showed its defaults.
    @Test func aRefusedQueueOrInviteFormKeepsWhatWasTyped() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let pathfinder = try site.organisation()
            let author = try site.member(handle: "tom")
            let flagger = try site.member(handle: "sam")
            let thread = try site.thread(by: author)
            let reply = try site.reply(to: thread, by: author, body: "Call Jo on her mobile")
            _ = try Moderation.flag(site.store, actor: Actor(userID: flagger.id, role: .member), postID: reply, reason: .confidential, note: "")
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/queue")
            let decide = try browser.post("/admin/posts/\(reply)/decide", [("decision", "hide"), ("reason", "Names a colleague's phone")],
                                          csrf: "forged")
            #expect(decide.status == 403)
            #expect(decide.text.contains("Names a colleague"))
            #expect(try site.scalar(Bool.self, "SELECT hidden FROM posts WHERE id = ?", reply) == false)

            try browser.get("/admin/invites")
            let fields = [("role", "mentor"), ("organisation", pathfinder.slug), ("days", "30"), ("uses", "5")]
            for (response, status) in [(try browser.post("/admin/invites", fields, csrf: "forged"), 403),
                                       (try browser.post("/admin/invites", fields.dropLast() + [("uses", "none")]), 422)] {
                #expect(response.status == status)
                #expect(response.text.contains("<option value=\"mentor\" selected>Mentor</option>"))
                #expect(response.text.contains("<option value=\"\(pathfinder.slug)\" selected>"))
                #expect(response.text.contains("id=\"days\" name=\"days\" type=\"text\" inputmode=\"numeric\" value=\"30\""))
            }
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM invites") == 0)
        }
    }

    /// A suspended member cannot be made an admin (admins cannot be suspended, so the suspension
    /// could then be neither lifted nor served): the users page says to lift it first, at their row.
    @Test func aSuspendedMemberIsNotMadeAnAdmin() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let sam = try site.suspended(handle: "sam")
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/users")
            for path in ["/admin/users/\(sam.id)/role", "/admin/users/\(sam.id)/role/confirm"] {
                try browser.get("/admin/users")
                let refused = try browser.post(path, [("role", "admin")])
                #expect(refused.status == 422, "\(path)")
                #expect(refused.text.contains("lift the suspension before making them an admin"), "\(path)")
                #expect(refused.text.contains("href=\"#role-\(sam.id)\""), "\(path)")
            }
            #expect(try site.scalar(String.self, "SELECT role FROM users WHERE id = ?", sam.id) == "member")
            // A mentor they may still become.
            try browser.get("/admin/users")
            #expect(try browser.post("/admin/users/\(sam.id)/role/confirm", [("role", "mentor")]).status == 303)
        }
    }

    /// A mentor asked to a thread is told who asked and where the thread waits (it said only
    /// "You were linked to … as a mentor").
    @Test func aMentorIsToldWhoAskedThem() throws {
        try withTestSite(clock: TestClock()) { site in
            let mentor = try site.mentor(handle: "helen")
            let asker = try site.member(handle: "sam")
            let thread = try site.thread(by: asker, title: "Has anyone applied to the programme?")
            try Mentors.link(site.store, by: Actor(userID: asker.id, role: .member), threadID: thread.id, mentorHandles: [mentor.handle])
            let page = try site.signedIn(mentor.handle).get("/notifications")
            #expect(page.text.contains("Sam asked you to help with “Has anyone applied to the programme?” as a mentor: it is in your mentor queue"))
        }
    }

    /// A retired topic has no page: a mentor's profile and the directory no longer list it as
    /// their expertise (they linked to "Page not found"), and saving the profile, whose form
    /// offers only topics in use, keeps it for when an admin brings the topic back.
    @Test func aRetiredTopicLeavesMentorsExpertiseUntilItComesBack() throws {
        try withTestSite(clock: TestClock()) { site in
            let mentor = try site.mentor(handle: "helen")
            let topics = ["capital-and-finance", "governance-and-legal-form"]
            try site.topic(topics[0], name: "Capital and finance", position: 1)
            try site.topic(topics[1], name: "Governance and legal form", position: 2)
            let browser = try site.signedIn(mentor.handle, landingOn: "/mentor/profile")
            let saved = try browser.post("/mentor/profile", [("headline", "Governance adviser"), ("bio", ""), ("availability", "available"),
                                                             ("topics", topics[0]), ("topics", topics[1])])
            #expect(saved.status == 303)
            try site.store.write { tx in try tx.run("UPDATE topics SET retired = 1 WHERE slug = ?", topics[0]) }

            for page in ["/mentors/helen", "/mentors"] {
                let text = try site.browser().get(page).text
                #expect(!text.contains("href=\"/topics/\(topics[0])\""), "\(page)")
                #expect(text.contains("href=\"/topics/\(topics[1])\""), "\(page)")
            }
            try browser.get("/mentor/profile")
            #expect(try browser.post("/mentor/profile", [("headline", "Governance adviser"), ("bio", ""), ("availability", "available"),
                                                         ("topics", topics[1])]).status == 303)
            try site.store.write { tx in try tx.run("UPDATE topics SET retired = 0 WHERE slug = ?", topics[0]) }
            #expect(try site.browser().get("/mentors/helen").text.contains("href=\"/topics/\(topics[0])\""))
        }
    }

    /// The mentor's own pages lead to each other: the profile edit page has a way back, and the
    /// profile links to the queue.
    @Test func aMentorsOwnPagesLeadToEachOther() throws {
        try withTestSite(clock: TestClock()) { site in
            let mentor = try site.mentor(handle: "helen")
            let browser = try site.signedIn(mentor.handle)
            let edit = try browser.get("/mentor/profile")
            #expect(edit.text.contains("<a href=\"/mentors/helen\">Cancel: back to your profile</a>"))
            #expect(edit.text.contains("<a href=\"/mentor/queue\">Your mentor queue</a>"))
            #expect(try browser.get("/mentors/helen").text.contains("<a href=\"/mentor/queue\">Your mentor queue</a>"))
            #expect(!(try site.browser().get("/mentors/helen").text.contains("/mentor/queue")))
        }
    }

    /// A role change from the users page asks for a reason for the log on the page that asks
    /// first (the row has no reason field, so every such change was logged without one).
    @Test func aRoleChangeFromTheUsersPageCanSayWhy() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let sam = try site.member(handle: "sam")
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/users")
            let ask = try browser.post("/admin/users/\(sam.id)/role", [("role", "mentor")])
            #expect(ask.status == 200)
            #expect(ask.text.contains("<label class=\"label\" for=\"reason\">Reason (optional)</label>"))
            #expect(try browser.post("/admin/users/\(sam.id)/role/confirm", [("role", "mentor"), ("reason", "Leads the bids team")]).status == 303)
            #expect(try site.scalar(String.self, "SELECT reason FROM moderation_log WHERE action = 'change_role'") == "member to mentor: Leads the bids team")
        }
    }
}
