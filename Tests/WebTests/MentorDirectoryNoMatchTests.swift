import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The mentor directory with no match says where this reader can get a mentor instead: a member
/// asks the admins from their thread's "Ask a mentor" page (a new member is told their first
/// thread is checked first), a visitor is sent to sign in, a suspended member is told why not,
/// and an admin is sent to the admin mentors page. Each is only what that reader may do.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MentorDirectoryNoMatchTests {
    static let nobody = "/mentors?availability=unavailable"

    func advice(_ page: String) -> String? {
        guard let start = page.range(of: "<p class=\"body\" id=\"find-a-mentor\">") else { return nil }
        return String(page[start.upperBound...].prefix { $0 != "\n" })
    }

    @Test func eachReaderIsToldWhereToGetAMentorInstead() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin()
            let established = try site.member(handle: "established", at: Fixtures.now.addingTimeInterval(-30 * 86_400))
            _ = try site.thread(by: established)
            _ = try site.suspended(handle: "suspended_one", reason: "abusive replies")

            let member = try #require(advice(try site.signedIn("established").get(Self.nobody).text))
            #expect(member.contains("You can ask the admins to find you a mentor. <a href=\"/t/new\">Start a thread</a>"))
            #expect(member.contains("choose “Ask a mentor” on it, then “Ask the admins”"))
            #expect(member.contains("you get a notification when a mentor is linked to your thread"))
            #expect(!member.contains("As you are new here"))

            // A new member's first thread waits for approval: they are told they ask once it is approved.
            try Moderation.setSetting(site.store, actor: try site.actor(admin.handle), .holdFirstPostsOfNewMembers, to: "1")
            _ = try site.member(handle: "newcomer", at: site.clock.now)
            let newcomer = try #require(advice(try site.signedIn("newcomer").get(Self.nobody).text))
            #expect(newcomer.contains("you can ask for a mentor once it is approved"))

            let visitor = try #require(advice(try site.browser().get(Self.nobody).text))
            #expect(visitor.contains("Members can ask the admins to find them a mentor: <a href=\"/sign-in?next=%2Ft%2Fnew\">sign in</a>"))

            // Suspended: not offered a thread they could not start, told why.
            let suspendedPage = try site.signedIn("suspended_one").get(Self.nobody).text
            let suspended = try #require(advice(suspendedPage))
            #expect(suspended.contains("suspended") && suspended.contains("abusive replies"))
            #expect(!suspendedPage.contains("Start a thread</a> with your question"))

            let adminPage = try site.signedIn(admin.handle).get(Self.nobody).text
            let forAdmin = try #require(advice(adminPage))
            #expect(forAdmin.contains("<a href=\"/admin/mentors\">the admin mentors page</a>"))
            #expect(!adminPage.contains("You can ask the admins"))

            // Only one piece of advice per reader.
            for page in [suspendedPage, adminPage] {
                #expect(page.components(separatedBy: "id=\"find-a-mentor\"").count == 2)
            }
        }
    }
}
