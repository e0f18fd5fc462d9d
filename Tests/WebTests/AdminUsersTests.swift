import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The admin users page (issue 18 item 8): each role control shows the current role, suspending
/// and changing a role ask first on a page that says what will happen, the admin lands back on
/// their search with a notice, and every error-summary link lands on its field.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AdminUsersTests {
    /// The section of the users page about `handle`.
    func section(_ html: String, _ handle: String) -> Substring {
        guard let start = html.range(of: "@\(handle) (") else { return "" }
        let rest = html[start.lowerBound...]
        return rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)]
    }

    @Test func everyRoleControlShowsTheCurrentRole() throws {
        try withTestSite(clock: TestClock(), content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let page = try admin.get("/admin/users")
            #expect(page.status == 200)
            for (handle, role) in [("helen_marsh", "mentor"), ("sam_okafor", "member")] {
                let html = section(page.text, handle)
                #expect(html.contains("<option value=\"\(role)\" selected>"), "\(handle): \(html)")
                #expect(html.components(separatedBy: " selected>").count == 2, "\(handle) has one selected role")
            }
            // The admin's own row offers no role control (Policy refuses it): it says the role.
            let own = section(page.text, "network_admin")
            #expect(own.contains("(Network Admin) – admin</h2>"))
            #expect(!own.contains("<select"))
        }
    }

    @Test func aRoleChangeAsksFirstAndOnlyTheConfirmationActs() throws {
        try withTestSite(clock: TestClock(), content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let helen = try world.userID("helen_marsh")
            let activeMentorships = {
                try world.store.read {
                    try $0.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL", helen) ?? 0
                }
            }
            let before = try world.logCount()
            #expect(try activeMentorships() == 1)

            try admin.get("/admin/users?q=helen")
            let ask = try admin.post("/admin/users/\(helen)/role?q=helen", [("role", "member")])
            #expect(ask.status == 200)
            #expect(ask.text.contains("Change Helen Marsh from mentor to member?"))
            #expect(ask.text.contains("will end: they will lose access to its private space."))
            #expect(ask.text.contains("action=\"/admin/users/\(helen)/role/confirm?q=helen\""))
            #expect(ask.text.contains("<input type=\"hidden\" name=\"role\" value=\"member\">"))
            #expect(ask.text.contains("<a href=\"/admin/users?q=helen\">Cancel</a>"))
            #expect(try world.accounts.account(handle: "helen_marsh")?.role == .mentor)
            #expect(try activeMentorships() == 1)
            #expect(try world.logCount() == before)

            let done = try admin.post("/admin/users/\(helen)/role/confirm?q=helen", [("role", "member")])
            #expect(done.status == 303)
            #expect(done.header("location")?.hasPrefix("/admin/users?q=helen&notice=role.\(helen).") == true)
            #expect(try world.accounts.account(handle: "helen_marsh")?.role == .member)
            #expect(try activeMentorships() == 0)
            let page = try admin.follow(done)
            #expect(page.text.contains("notification-banner--success"))
            #expect(page.text.contains("Helen Marsh (@helen_marsh) is now a member."))
            #expect(page.text.contains("value=\"helen\""))
            #expect(section(page.text, "helen_marsh").contains("<option value=\"member\" selected>"))

            // Choosing the role they already have is an error on the role field, not a page to confirm.
            let same = try admin.post("/admin/users/\(helen)/role?q=helen", [("role", "member")])
            #expect(same.status == 422)
            #expect(same.text.contains("<a href=\"#role-\(helen)\">@helen_marsh is already a member: choose another role</a>"))
            #expect(same.text.contains("id=\"role-\(helen)\""))
        }
    }

    @Test func aSuspensionAsksFirstThenLandsBackOnTheSearchWithANotice() throws {
        try withTestSite(clock: TestClock(), content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let sam = try world.userID("sam_okafor")
            let before = try world.logCount()
            try admin.get("/admin/users?q=sam")
            let ask = try admin.post("/admin/users/\(sam)/suspend?q=sam", [("days", "7"), ("reason", "  Repeated personal remarks ")])
            #expect(ask.status == 200)
            let end = world.clock.now.addingTimeInterval(7 * 86_400)
            let until = DateText.humanWithTime(end)
            #expect(ask.text.contains("Suspend Sam Okafor until \(DateText.human(end))?"))
            #expect(ask.text.contains("will be able to read but not post"))
            #expect(ask.text.contains("They will see the reason: “Repeated personal remarks”."))
            #expect(ask.text.contains("<a href=\"/admin/users?q=sam\">Cancel</a>"))
            #expect(try world.logCount() == before)
            #expect(try world.accounts.account(handle: "sam_okafor")?.suspendedUntil == nil)

            let done = try admin.post("/admin/users/\(sam)/suspend/confirm?q=sam", [("days", "7"), ("reason", "Repeated personal remarks")])
            #expect(done.status == 303)
            #expect(done.header("location")?.hasPrefix("/admin/users?q=sam&notice=suspended.\(sam).") == true)
            #expect(try world.logCount() == before + 1)
            let page = try admin.follow(done)
            #expect(page.text.contains("Sam Okafor (@sam_okafor) is suspended until \(until)."))
            #expect(page.text.contains("Suspended until \(until): Repeated personal remarks"))

            let lifted = try admin.follow(try admin.post("/admin/users/\(sam)/lift?q=sam", [("reason", "")]))
            #expect(lifted.text.contains("Sam Okafor (@sam_okafor) is no longer suspended."))
            #expect(lifted.text.contains("value=\"sam\""))
        }
    }

    @Test func aSuspensionWithoutAReasonKeepsTheSearchAndLinksToTheField() throws {
        try withTestSite(clock: TestClock(), content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let sam = try world.userID("sam_okafor")
            try admin.get("/admin/users?q=sam")
            let refused = try admin.post("/admin/users/\(sam)/suspend?q=sam", [("days", "3"), ("reason", " ")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("<a href=\"#reason-\(sam)\">Enter a reason</a>"))
            #expect(refused.text.contains("id=\"reason-\(sam)\""))
            #expect(refused.text.contains("<input class=\"input\" id=\"q\" name=\"q\" type=\"text\" value=\"sam\">"))
            #expect(refused.text.contains("action=\"/admin/users/\(sam)/suspend?q=sam\""))
            #expect(section(refused.text, "sam_okafor").contains("value=\"3\""))
            #expect(!refused.text.contains("Suspend Sam Okafor until"))

            let badDays = try admin.post("/admin/users/\(sam)/suspend?q=sam", [("days", "0"), ("reason", "Spam")])
            #expect(badDays.status == 422)
            #expect(badDays.text.contains("<a href=\"#days-\(sam)\">Enter a number of days from 1 to 3650</a>"))
            #expect(try world.accounts.account(handle: "sam_okafor")?.suspendedUntil == nil)
        }
    }

    @Test func theQueueErrorLinksLandOnThePostsReasonField() throws {
        try withTestSite(clock: TestClock(), content: .establishedDemo) { world in
            let admin = try world.signedIn("network_admin")
            let postID = try world.replyID(by: "sam_okafor")
            // In the queue by a flag (a post awaiting approval is not hidden at all: HeldPostPagesTests).
            try world.store.write {
                try $0.run("""
                    INSERT INTO flags(post_id, reporter_id, reason, note, created_at)
                    VALUES (?, (SELECT id FROM users WHERE handle = 'priya_nair'), 'spam', '', 0)
                    """, postID)
            }
            try admin.get("/admin/queue")
            let refused = try admin.post("/admin/posts/\(postID)/decide", [("decision", "hide"), ("reason", " ")])
            #expect(refused.text.contains("<p class=\"error-message\" id=\"reason-\(postID)-error\">"))
            #expect(refused.status == 422)
            #expect(refused.text.contains("<a href=\"#reason-\(postID)\">Enter a reason</a>"))
            #expect(refused.text.contains("id=\"reason-\(postID)\""))
        }
    }
}
