import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// An admin who follows a member's request to the admins to "Ask a mentor" is one of the admins:
/// the page shows them where to find a mentor (the mentors page), not a form asking the admins.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MentorAskAsAdminTests {
    @Test func anAdminIsShownWhereToFindAMentorNotAskedToAskTheAdmins() throws {
        try withTestSite { site in
            let topic = try site.topic("capital-and-finance")
            let asker = try site.member(handle: "asker")
            try site.admin(handle: "the_admin")
            let thread = try site.thread(by: asker, title: "Who lends to a new mutual?", topics: [topic])
            let member = try site.signedIn("asker", landingOn: "/t/\(thread.id)/mentors")
            #expect(try member.post("/t/\(thread.id)/mentors/admins", [("mentor", "")]).status == 303)

            let admin = try site.signedIn("the_admin")
            let notifications = try admin.get("/notifications").text
            #expect(notifications.contains("href=\"/t/\(thread.id)/mentors\""))
            let page = try admin.get("/t/\(thread.id)/mentors")
            #expect(page.status == 200)
            #expect(page.text.contains("Find a mentor as an admin"))
            #expect(page.text.contains("href=\"/admin/mentors\""))
            #expect(!page.text.contains("action=\"/t/\(thread.id)/mentors/admins\""))
            #expect(!page.text.contains("Ask the admins"))

            // The member still asks the admins from the same page.
            let own = try member.get("/t/\(thread.id)/mentors").text
            #expect(own.contains("id=\"admins-asked\""))
            #expect(!own.contains("Find a mentor as an admin"))
        }
    }
}
