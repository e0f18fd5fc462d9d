import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// What the review of the merged journeys found (issue 18): the word after an action on a post
/// said where the browser lands, form addresses that answer a GET, forms that outlive their
/// session, and strict `action` values.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct JourneyEndsTests {
    @Test func theWordAfterAnActionOnAPostIsSaidAtThatPost() throws {
        try withTestSite { site in
            let (thread, answer, browser) = try site.answeredQuestion()

            let marked = try browser.post("/p/\(answer)/helped", [("action", "mark")])
            let location = try #require(marked.header("location"))
            #expect(location.hasSuffix("#post-\(answer)"))
            let page = try browser.get(String(location.prefix { $0 != "#" })).text
            // One banner, inside the post the browser scrolls to, not at the top of the page.
            #expect(page.components(separatedBy: "id=\"site-notice\"").count == 2)
            let post = try #require(page.range(of: "id=\"post-\(answer)\""))
            let banner = try #require(page.range(of: "Marked as helpful."))
            #expect(banner.lowerBound > post.lowerBound)
            // Opened by anyone else, the same address says nothing.
            #expect(!(try site.browser().get(String(location.prefix { $0 != "#" })).text.contains("Marked as helpful.")))

            // An action the form never sends is refused, not taken as "mark".
            #expect(try browser.post("/p/\(answer)/helped", [("action", "explode")]).status == 400)

            // The reader's own new reply is not "new since your last visit" to them.
            let replied = try browser.post("/t/\(thread.id)/reply", [("body", "Thank you, that settles it"), ("action", "post")])
            let replyLocation = try #require(replied.header("location"))
            let replyID = try #require(replyLocation.split(separator: "#").last.map { String($0.dropFirst("post-".count)) })
            let after = try browser.get(String(replyLocation.prefix { $0 != "#" })).text
            let own = try #require(after.range(of: "id=\"post-\(replyID)\""))
            #expect(after[own.lowerBound...].contains("Your reply has been posted") || after[own.lowerBound...].contains("Reply posted"))
            #expect(!after[own.lowerBound...].contains("New since your last visit"))
        }
    }

    /// "Mark as the answer" with a post that is not a number was taken as "Unmark": the accepted
    /// answer was cleared. Only an empty value unmarks; a garbled one is refused.
    @Test func aGarbledAnswerIsRefusedNotTakenAsUnmarking() throws {
        try withTestSite { site in
            let (thread, answer, browser) = try site.answeredQuestion()
            #expect(try browser.post("/t/\(thread.id)/accept", [("post", String(answer))]).status == 303)
            try browser.get(thread.path)
            let garbled = try browser.post("/t/\(thread.id)/accept", [("post", "\(answer)x")])
            #expect(garbled.status == 400)
            #expect(try site.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", thread.id) == answer)
            try browser.get(thread.path)
            #expect(try browser.post("/t/\(thread.id)/accept", [("post", "")]).status == 303)
            #expect(try site.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", thread.id) == nil)
        }
    }

    @Test func aFormsAddressOpenedWithGETLeadsToItsPage() throws {
        try withTestSite { site in
            let capital = try site.topic("capital-and-finance", name: "Capital and finance", position: 1)
            let asker = try site.member(handle: "asker")
            let thread = try site.thread(by: asker, title: "Working capital in year one", topics: [capital])
            let browser = try site.signedIn("asker", landingOn: thread.path)
            let reply = try browser.get("/t/\(thread.id)/reply")
            #expect(reply.status == 303)
            #expect(reply.header("location") == "/t/\(thread.id)#reply-heading")
            #expect(try browser.get("/t/\(thread.id)/mentors/admins").header("location") == "/t/\(thread.id)/mentors")
            _ = try site.admin(handle: "chief")
            let admin = try site.signedIn("chief", landingOn: "/admin")
            #expect(try admin.get("/admin").header("location") == "/admin/queue")
            #expect(try admin.get("/admin/threads/\(thread.id)/rename").header("location") == "/admin/threads/\(thread.id)")
            #expect(try admin.get("/admin/users/\(asker.id)/suspend").header("location") == "/admin/users")
        }
    }

    @Test func formsThatOutliveTheirSessionLeadToSignInNotToAResend() throws {
        try withTestSite { site in
            let (thread, answer, browser) = try site.answeredQuestion()
            #expect(try browser.post("/t/\(thread.id)/follow", [("action", "mute")]).status == 303)
            let unmuted = try browser.post("/t/\(thread.id)/follow", [("action", "unmute")])
            #expect(try browser.follow(unmuted).text.contains("Thread unmuted."))

            #expect(try browser.post("/sign-out", []).status == 303)
            let flag = try browser.post("/p/\(answer)/flag", [("reason", "spam")])
            #expect(flag.status == 303)
            #expect(flag.header("location")?.hasPrefix("/sign-in") == true)
            let ask = try browser.post("/t/\(thread.id)/mentors/admins", [])
            #expect(ask.header("location")?.hasPrefix("/sign-in") == true)
            // Signing out again (a second tab) lands on the home page, not on "send it again".
            let again = try browser.post("/sign-out", [])
            #expect(again.status == 303)
            #expect(again.header("location") == "/")
        }
    }

    @Test func aDateFilterFarTooLongToBeADateIsSaidNotDropped() throws {
        try withTestSite { site in
            let digits = String(repeating: "7", count: 500)
            let page = try site.get("/search?q=capital&from=\(digits)")
            #expect(page.status == 422)
            #expect(page.text.contains("must be a real date"))
        }
    }
}

extension TestSite {
    /// The journeys' usual start: "asker"'s thread in Capital and finance, answered by "helper",
    /// with the asker signed in on it.
    func answeredQuestion() throws -> (thread: TestThread, answer: Int64, browser: BrowserClient) {
        let capital = try topic("capital-and-finance", name: "Capital and finance", position: 1)
        let asker = try member(handle: "asker")
        let helper = try member(handle: "helper")
        let thread = try thread(by: asker, title: "Working capital in year one", topics: [capital])
        let answer = try reply(to: thread, by: helper, body: "Three months of payroll")
        return (thread, answer, try signedIn("asker", landingOn: thread.path))
    }
}
