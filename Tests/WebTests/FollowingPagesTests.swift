import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 8: following, muting and bookmarks through the real server.
@Suite(.serialized, .timeLimit(.minutes(2))) struct FollowingPagesTests {
    @Test func followMuteBookmarkAndTheirPages() throws {
        try withTestNetwork(content: .demo) { site in
            let password = try #require(site.passwords["priya_nair"])
            let tender = try site.id(ofThread: "Tender asks%")
            let shares = try site.id(ofThread: "Staff shareholding%")
            let sharesPost = try #require(try site.store.read { try $0.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position = 2", shares) })
            let privatePost = try #require(try site.store.read { try $0.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ?", try site.privateThreadID) })

            try site.serve { server in
                let browser = server.browser()
                _ = try browser.get("/sign-in")
                #expect(try browser.post("/sign-in", [("identifier", "priya_nair"), ("password", password)]).status == 303)
                let before = try browser.get("/following")  // a page whose forms carry the signed-in CSRF token
                // With no topic followed, the page says how to follow one (it was a bare "none").
                #expect(before.text.contains("open it from <a href=\"/topics\">the topics</a> and choose “Follow this topic”"))

                let followed = try browser.post("/t/\(shares)/follow", [("action", "follow")])
                #expect(followed.status == 303)
                #expect(followed.header("location")?.hasPrefix("/t/\(shares)-") == true)
                #expect(try browser.post("/t/\(tender)/follow", [("action", "mute"), ("back", "//evil.example/")]).header("location")?.hasPrefix("/t/\(tender)-") == true)
                #expect(try browser.post("/topics/capital-and-finance/follow", [("action", "follow"), ("back", "/following")]).header("location")?.hasPrefix("/following?notice=topic-following.") == true)
                // A thread she cannot read does not exist for her.
                #expect(try browser.post("/t/\(site.privateThreadID)/follow", [("action", "follow")]).status == 404)
                #expect(try browser.post("/t/\(shares)/follow", [("action", "explode")]).status == 400)
                #expect(try browser.post("/t/\(shares)/follow", [("action", "follow")], csrf: "forged").status == 403)

                let following = try browser.get("/following")
                #expect(following.status == 200)
                #expect(following.text.contains("Staff shareholding: one share each"))
                #expect(following.text.contains("(muted)"))
                #expect(following.text.contains(">Capital and finance<") || following.text.contains("capital-and-finance"))

                #expect(try browser.post("/p/\(sharesPost)/bookmark", [("action", "save")]).status == 303)
                #expect(try browser.post("/p/\(privatePost)/bookmark", [("action", "save")]).status == 404)
                let saved = try browser.get("/saved")
                #expect(saved.text.contains("Staff shareholding: one share each"))
                #expect(saved.text.contains("#post-\(sharesPost)"))
                let removed = try browser.post("/p/\(sharesPost)/bookmark", [("action", "remove"), ("back", "/saved")])
                #expect(removed.header("location")?.hasPrefix("/saved?notice=saved-post-removed.") == true)
                let after = try browser.follow(removed)
                #expect(after.text.contains("You have not saved any posts yet."))
                #expect(after.text.contains("Post removed from your saved posts."))

                // Muted: a reply in the tender thread does not reach her; followed: shares does.
                let tom = Viewer(userID: try site.userID("tom_beckett"), organisationID: try site.organisationID("central-surrey-health"), isAdmin: false)
                try site.store.write { try $0.run("DELETE FROM notifications") }
                try Threads.reply(site.store, by: tom, threadID: tender, body: "Update: the bond was dropped.")
                try Threads.reply(site.store, by: tom, threadID: shares, body: "Another thought on shares.")
                let priyaID = try site.userID("priya_nair")
                let items = try site.store.read { try Notifications.list($0, userID: priyaID) }
                #expect(items.map(\.threadID) == [shares])
            }
            // Signed out: sent to sign in.
            try site.serve { server in
                let saved = try server.get("/saved")
                #expect(saved.status == 303)
            }
        }
    }
}
