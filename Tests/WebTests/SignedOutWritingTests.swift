import Board
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// A post sent after its session ended (signed out in another tab, expired, ended by a password
/// change) was answered with a redirect to sign in, and what was typed was gone. Now the sign-in
/// page comes back in place with the text to copy, and signing in leads back to the form.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SignedOutWritingTests {
    @Test func aReplySentAfterSigningOutComesBackToCopyAndSigningInLeadsBackToTheThread() throws {
        try withTestSite { site in
            let (thread, _, browser) = try site.answeredQuestion()
            try browser.get(thread.path)
            let other = site.browser()
            other.setCookie("__Host-session", browser.cookie("__Host-session"))
            try other.get("/")
            #expect(try other.post("/sign-out", []).status == 303)  // the same session, ended in another tab

            let typed = "Three months of payroll & a bond\n\n<in writing>"
            let refused = try browser.post("/t/\(thread.id)/reply", [("body", typed), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("You were signed out before your post was sent"))
            #expect(refused.text.contains("Three months of payroll &amp; a bond\n\n&lt;in writing&gt;</textarea>"))
            #expect(refused.text.contains("name=\"next\" value=\"/t/\(thread.id)\""))

            // A mistyped password keeps the text on the page.
            let mistyped = try browser.post("/sign-in", [("next", "/t/\(thread.id)"), ("kept", typed),
                                                         ("identifier", "asker"), ("password", "not the password")])
            #expect(mistyped.status == 422)
            #expect(mistyped.text.contains("Three months of payroll &amp; a bond\n\n&lt;in writing&gt;</textarea>"))
            let signedIn = try browser.post("/sign-in", [("next", "/t/\(thread.id)"), ("kept", typed),
                                                         ("identifier", "asker"), ("password", TestNetwork.password)])
            #expect(signedIn.status == 303)
            #expect(signedIn.header("location") == "/t/\(thread.id)")
        }
    }

    @Test func aNewThreadAndAnEditSentSignedOutKeepTheirText() throws {
        try withTestSite { site in
            let (_, answer, browser) = try site.answeredQuestion()
            let helper = try site.signedIn("helper", landingOn: "/p/\(answer)/edit")
            #expect(try browser.post("/sign-out", []).status == 303)
            #expect(try helper.post("/sign-out", []).status == 303)

            let thread = try browser.post("/t/new", [("title", "Pension deficit on transfer"), ("body", "The actuary says four million"),
                                                     ("topics", "capital-and-finance"), ("action", "post")])
            #expect(thread.status == 403)
            #expect(thread.text.contains("Pension deficit on transfer\n\nThe actuary says four million</textarea>"))
            #expect(thread.text.contains("name=\"next\" value=\"/t/new\""))

            let edit = try helper.post("/p/\(answer)/edit", [("body", "Three months of payroll, and a bond"), ("action", "save")])
            #expect(edit.status == 403)
            #expect(edit.text.contains("Three months of payroll, and a bond</textarea>"))
            #expect(edit.text.contains("name=\"next\" value=\"/p/\(answer)/edit\""))

            // The page the form was sent from (its Referer) is where signing in leads.
            let fromPage = try browser.post("/t/new", [("title", "Pension deficit"), ("body", "Four million"), ("action", "post")],
                                            headers: [("Referer", browser.origin + "/t/new?topic=capital-and-finance")])
            #expect(fromPage.text.contains("name=\"next\" value=\"/t/new?topic=capital-and-finance\""))

            // With nothing typed there is nothing to keep: the usual way to sign in.
            let empty = try browser.post("/t/new", [("title", ""), ("body", " "), ("action", "post")])
            #expect(empty.status == 303)
            #expect(empty.header("location")?.hasPrefix("/sign-in") == true)
        }
    }

    /// Every other form was answered with the redirect and lost its words: a flag's note, "About
    /// you", a thread's new title, a request for a mentor, a mentor's decline note (whose 403
    /// "The queue is for mentors" lost it too). Now each comes back to copy (`SignedOutForms`),
    /// said as a form ("nothing was saved"), not a post.
    @Test func everyOtherFormSentSignedOutKeepsItsWords() throws {
        try withTestSite { site in
            let (thread, answer, browser) = try site.answeredQuestion()
            let page = browser.origin + thread.path
            #expect(try browser.post("/sign-out", []).status == 303)

            let flag = try browser.post("/p/\(answer)/flag", [("reason", "other"), ("note", "Names a colleague & <their> role")],
                                        headers: [("Referer", page)])
            #expect(flag.status == 403)
            #expect(flag.text.contains("You were signed out before your form was sent, so nothing was saved."))
            #expect(flag.text.contains("Names a colleague &amp; &lt;their&gt; role</textarea>"))
            #expect(flag.text.contains("name=\"next\" value=\"\(thread.path)\""))
            #expect(!flag.text.contains(">other</textarea>"), "a choice is not words to keep")

            // A mistyped password keeps the text and the words about it.
            let mistyped = try browser.post("/sign-in", [("next", thread.path), ("kept", "Names a colleague"), ("keptForm", "1"),
                                                         ("identifier", "asker"), ("password", "not the password")])
            #expect(mistyped.status == 422)
            #expect(mistyped.text.contains("nothing was saved"))
            #expect(mistyped.text.contains("Names a colleague</textarea>"))

            let account = try browser.post("/account", [("displayName", "Asker"), ("bio", "Finance lead at a pathfinder")])
            #expect(account.status == 403)
            #expect(account.text.contains("Asker\n\nFinance lead at a pathfinder</textarea>"))

            let details = try browser.post("/t/\(thread.id)/details", [("title", "Working capital in the first year"),
                                                                      ("topics", "capital-and-finance")])
            #expect(details.status == 403)
            #expect(details.text.contains("Working capital in the first year</textarea>"))

            let decline = try browser.post("/mentor/queue/\(thread.id)/decline", [("note", "Not my area, sorry")])
            #expect(decline.status == 403)
            #expect(decline.text.contains("Not my area, sorry</textarea>"))

            // Nothing typed: the usual way to sign in.
            let follow = try browser.post("/t/\(thread.id)/follow", [])
            #expect(follow.status == 303)
            #expect(follow.header("location")?.hasPrefix("/sign-in") == true)
        }
    }

    /// With "require sign-in to read" on, the gate answered a signed-out POST before any handler,
    /// so even a reply was dropped for a redirect. The gate's answer now keeps the words too.
    @Test func aReplySentSignedOutKeepsItsTextWhenTheNetworkIsForMembersOnly() throws {
        try withTestSite { site in
            let (thread, _, browser) = try site.answeredQuestion()
            try site.admin()
            try Moderation.setSetting(site.store, actor: try site.actor("admin"), .requireSignInToRead, to: "1")
            #expect(try browser.post("/sign-out", []).status == 303)
            let reply = try browser.post("/t/\(thread.id)/reply", [("body", "Three months of payroll"), ("action", "post")],
                                         headers: [("Referer", browser.origin + thread.path)])
            #expect(reply.status == 403)
            #expect(reply.text.contains("You were signed out before your post was sent"))
            #expect(reply.text.contains("Three months of payroll</textarea>"))
            #expect(reply.text.contains("name=\"next\" value=\"\(thread.path)\""))
        }
    }
}
