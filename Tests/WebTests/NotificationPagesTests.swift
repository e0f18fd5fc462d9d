import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 8: the notification pages through the real server with a cookie-keeping browser.
@Suite(.serialized, .timeLimit(.minutes(2))) struct NotificationPagesTests {
    @Test func unreadCountListMarkReadAndSettings() throws {
        try withTestNetwork(content: .demo) { site in
            let password = try #require(site.passwords["tom_beckett"])
            let tom = Viewer(userID: try site.userID("tom_beckett"), organisationID: try site.organisationID("central-surrey-health"), isAdmin: false)
            let priya = Viewer(userID: try site.userID("priya_nair"), organisationID: try site.organisationID("anglian-community-enterprise"), isAdmin: false)
            try site.store.write { try $0.run("DELETE FROM notifications") }
            let (thread, _) = try Threads.create(site.store, by: tom, NewThread(
                title: "Pension admission <agreements>", body: "Who has done one?", topicSlugs: ["capital-and-finance"]))
            try Threads.reply(site.store, by: priya, threadID: thread, body: "We have.")
            try Threads.reply(site.store, by: priya, threadID: thread, body: "@tom_beckett see above.")

            try site.serve { server in
                let browser = server.browser()
                _ = try browser.get("/sign-in")
                let signedIn = try browser.post("/sign-in", [("identifier", "tom_beckett"), ("password", password)])
                #expect(signedIn.status == 303)

                let list = try browser.get("/notifications")
                #expect(list.status == 200)
                #expect(list.text.contains("id=\"unread-count\">2<"))
                #expect(list.text.contains("Priya Nair replied in “Pension admission &lt;agreements&gt;”"))
                #expect(list.text.contains("Priya Nair mentioned you in"))
                #expect(!list.text.contains("<agreements>"))

                let first = try #require(try site.store.read { try Notifications.list($0, userID: tom.userID ?? 0) }.first)
                let marked = try browser.post("/notifications/read", [("id", String(first.id))])
                #expect(marked.status == 303)
                #expect(try browser.get("/notifications").text.contains("id=\"unread-count\">1<"))
                // Someone else's notification, or a malformed id, is not found.
                #expect(try browser.post("/notifications/read", [("id", "999999")]).status == 404)
                #expect(try browser.post("/notifications/read", [("id", "x'1")]).status == 404)
                // Without the CSRF token nothing changes.
                #expect(try browser.post("/notifications/read", [], csrf: "wrong").status == 403)
                #expect(try browser.post("/notifications/read", []).status == 303)
                #expect(!(try browser.get("/notifications").text.contains("id=\"unread-count\"")))

                let settings = try browser.get("/account/notifications")
                #expect(settings.status == 200)
                #expect(settings.text.contains("value=\"reply\" checked"))
                let saved = try browser.post("/account/notifications", [("kind", "mention"), ("kind", "bogus")])
                #expect(saved.status == 303)
                let after = try browser.get("/account/notifications?saved=1")
                #expect(after.text.contains("value=\"mention\" checked"))
                #expect(!after.text.contains("value=\"reply\" checked"))
                try Threads.reply(site.store, by: priya, threadID: thread, body: "One more.")
                #expect(!(try browser.get("/notifications").text.contains("id=\"unread-count\"")))
            }
            // Signed out: sent to sign in.
            try site.serve { server in
                let response = try server.get("/notifications")
                #expect(response.status == 303)
            }
        }
    }
}
