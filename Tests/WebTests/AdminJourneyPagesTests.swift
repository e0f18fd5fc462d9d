import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// Issue 18's admin journeys through the real server: ending a mentorship asks first, the queue
/// and saved posts show plain text, and a declined move keeps the member's organisation.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AdminJourneyPagesTests {
    @Test func endingAMentorshipAsksFirstAndOnlyTheConfirmationEndsIt() throws {
        try withTestSite(content: .demo) { world in
            let id = try #require(try world.store.read { conn in
                try conn.scalar(Int64.self, """
                    SELECT m.id FROM mentorships m JOIN organisations o ON o.id = m.organisation_id
                    WHERE o.slug = 'tri-borough-mutual' AND m.ended_at IS NULL
                    """)
            })
            let active = { try world.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE id = ? AND ended_at IS NULL", id) } }
            let sam = try world.signedIn("sam_okafor", landingOn: "/mentors")
            #expect(try sam.get("/admin/mentorships/\(id)/end").status == 403)

            let admin = try world.signedIn("network_admin", landingOn: "/mentors")
            let page = try admin.get("/admin/mentors")
            #expect(page.text.contains("href=\"/admin/mentorships/\(id)/end\""))
            let ask = try admin.get("/admin/mentorships/\(id)/end")
            #expect(ask.status == 200)
            #expect(ask.text.contains("End the mentorship of Helen Marsh with Tri-borough Mutual"))
            #expect(ask.text.contains("will not be able to read Tri-borough Mutual (working title 3BM)’s private space"))
            #expect(ask.text.contains("action=\"/admin/mentorships/\(id)/end\""))
            #expect(ask.text.contains("<a href=\"/admin/mentors\">Cancel</a>"))
            #expect(try active() == 1)

            let ended = try admin.post("/admin/mentorships/\(id)/end", [])
            #expect(ended.header("location")?.hasPrefix("/admin/mentors?notice=mentorship-ended.") == true)
            #expect(try active() == 0)
            // Asked again (a stale page): nothing to end, back to the list.
            #expect(try admin.get("/admin/mentorships/\(id)/end").header("location")?.hasPrefix("/admin/mentors?notice=mentorship-ended.") == true)
        }
    }

    @Test func theQueueShowsAPostAsPlainText() throws {
        try withTestSite(clock: TestClock(), content: .establishedDemo) { world in
            let threadID = try world.publicThread().id
            let post = try world.network.reply(to: threadID, by: try world.userID("helen_marsh"),
                                               body: "**Bold claim** with [a link](https://example.org)\n\n> a quote\n\nSecond paragraph")
            let priya = try world.signedIn("priya_nair")
            try priya.get("/p/\(post)/flag")
            #expect(try priya.post("/p/\(post)/flag", [("reason", "spam"), ("note", "")]).status == 303)

            let admin = try world.signedIn("network_admin")
            let queue = try admin.get("/admin/queue").text
            #expect(queue.contains("<p class=\"body\">Bold claim with a link</p><p class=\"body\">a quote</p><p class=\"body\">Second paragraph</p>"))
            #expect(!queue.contains("**Bold claim**"))
        }
    }

    @Test(arguments: [
        ("**Bold** and [a link](https://example.org)", "Bold and a link"),
        ("> quoted\n\nmine", "mine"),
        (String(repeating: "word ", count: 40), String(repeating: "word ", count: 32).trimmingCharacters(in: .whitespaces) + "…"),
    ])
    func savedPostsShowPlainText(markdown: String, shown: String) {
        #expect(SavedView.excerpt(markdown) == shown)
    }

    @Test func aDeclinedMoveSaysTheMemberKeepsTheirOrganisation() throws {
        try withTestSite(content: .establishedDemo) { world in
            let sam = try world.signedIn("sam_okafor")
            let account = try sam.get("/account")
            #expect(account.status == 200)
            #expect(try sam.post("/account", [("displayName", "Sam Okafor"), ("bio", ""), ("organisation", "john-lewis-partnership")]).status < 400)
            let samID = try world.userID("sam_okafor")
            let waiting = try #require(try world.store.read { try $0.scalar(Int64.self, "SELECT organisation_id FROM users WHERE id = ?", samID) })

            let admin = try world.signedIn("network_admin")
            let page = try admin.get("/admin/organisations/members")
            #expect(page.text.contains("If you do not confirm, they stay a member of Tri-borough Mutual (working title 3BM)."))
            let declined = try admin.post("/admin/organisations/members/\(samID)", [("organisation", String(waiting)), ("decision", "decline")])
            #expect(declined.header("location")?.hasPrefix("/admin/organisations/members?notice=organisation-declined-kept.") == true)
            #expect(try admin.follow(declined).text.contains("remains a member of the organisation they had before"))

            let told = try sam.get("/notifications").text
            #expect(told.contains("Your request to move to John Lewis Partnership was declined; you remain a member of Tri-borough Mutual (working title 3BM)"))
        }
    }
}
