import Foundation
import Testing
import TestSupport
@testable import Web

/// "Your data" has everything the person wrote or chose themselves (docs/visibility.md):
/// earlier versions of their posts, drafts, the mentor profile, follows, saved posts, the posts
/// they marked "This helped" and notification settings; only their own rows.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DataExportSectionsTests {
    @Test func theDownloadHasEachSectionWithOnlyThePersonsOwnRows() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let helenID = try #require(try world.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'helen_marsh'"))
            let samID = try #require(try world.scalar(Int64.self, "SELECT id FROM users WHERE handle = 'sam_okafor'"))
            let org = try #require(try world.scalar(Int64.self, """
                SELECT organisation_id FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL LIMIT 1
                """, helenID))
            let privateThread = try #require(try world.scalar(Int64.self, "SELECT id FROM threads WHERE organisation_id = ? LIMIT 1", org))
            let helen = try world.signedIn("helen_marsh")
            // An edited reply in a private thread of the organisation Helen mentors.
            try helen.get(try world.threadPath(privateThread))
            #expect(try helen.post("/t/\(privateThread)/reply", [("body", "My first careful words"), ("action", "post")]).status == 303)
            let postID = try #require(try world.scalar(Int64.self, "SELECT id FROM posts WHERE body_markdown = 'My first careful words'"))
            try helen.get("/p/\(postID)/edit")
            #expect(try helen.post("/p/\(postID)/edit", [("body", "My second careful words"), ("action", "save")]).status == 303)
            let publicThread = try world.publicThread()
            let topic = try #require(try world.scalar(Int64.self, "SELECT id FROM topics WHERE slug = 'capital-and-finance'"))
            let otherTopic = try #require(try world.scalar(Int64.self, "SELECT id FROM topics WHERE id <> ? LIMIT 1", topic))
            try world.store.write { tx in
                try tx.run("INSERT INTO drafts(user_id, thread_id, title, body_markdown, updated_at) VALUES (?, ?, '', 'Half a reply', 1)",
                           helenID, publicThread.id)
                try tx.run("INSERT INTO drafts(user_id, thread_id, title, body_markdown, updated_at) VALUES (?, ?, '', 'Sam private draft', 1)",
                           samID, publicThread.id)
                try tx.run("DELETE FROM subscriptions WHERE user_id = ?", helenID)
                try tx.run("INSERT INTO subscriptions(user_id, thread_id, muted, created_at) VALUES (?, ?, 1, 1)", helenID, publicThread.id)
                try tx.run("INSERT INTO subscriptions(user_id, topic_id, created_at) VALUES (?, ?, 1)", helenID, topic)
                try tx.run("INSERT INTO subscriptions(user_id, topic_id, created_at) VALUES (?, ?, 1)", samID, otherTopic)
                try tx.run("DELETE FROM bookmarks WHERE user_id IN (?, ?)", helenID, samID)
                try tx.run("INSERT INTO bookmarks(user_id, post_id, created_at) VALUES (?, ?, 1)", helenID, postID)
                try tx.run("INSERT INTO bookmarks(user_id, post_id, created_at) VALUES (?, ?, 1)",
                           samID, try tx.scalar(Int64.self, "SELECT min(id) FROM posts") ?? 1)
                // "This helped" on someone else's post (Sam's mark on another is his own).
                let samsPost = try tx.scalar(Int64.self, "SELECT min(id) FROM posts WHERE author_id = ?", samID) ?? 1
                try tx.run("DELETE FROM helpful_marks WHERE user_id IN (?, ?)", helenID, samID)
                try tx.run("INSERT INTO helpful_marks(post_id, user_id, created_at) VALUES (?, ?, 1)", samsPost, helenID)
                try tx.run("INSERT INTO helpful_marks(post_id, user_id, created_at) VALUES (?, ?, 1)", postID, samID)
                try tx.run("INSERT OR REPLACE INTO notification_settings(user_id, kind) VALUES (?, 'quote')", helenID)
                try tx.run("INSERT OR REPLACE INTO notification_settings(user_id, kind) VALUES (?, 'accepted')", samID)
                try tx.run("INSERT OR REPLACE INTO notification_mail_settings(user_id, kind, delivery) VALUES (?, 'reply', 'daily')", helenID)
                try tx.run("INSERT OR REPLACE INTO weekly_briefing_opt_outs(user_id, created_at) VALUES (?, 1)", helenID)
                // The mentorship ends: Helen can no longer read the private thread.
                try tx.run("UPDATE mentorships SET ended_at = started_at + 1 WHERE mentor_id = ?", helenID)
            }
            #expect(try helen.get(try world.threadPath(privateThread)).status == 404)

            let download = try helen.get("/account/data/download")
            #expect(download.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(download.text.utf8)) as? [String: Any])
            // Her own words, though she may no longer read the thread they are in.
            let revisions = try #require(json["postRevisions"] as? [[String: Any]])
            #expect(revisions.compactMap { $0["body"] as? String } == ["My first careful words"])
            #expect((revisions.first?["postID"] as? Int).map(Int64.init) == postID)
            let drafts = try #require(json["drafts"] as? [[String: Any]])
            #expect(drafts.compactMap { $0["body"] as? String } == ["Half a reply"])
            let mentor = try #require(json["mentorProfile"] as? [String: Any])
            #expect((mentor["headline"] as? String)?.isEmpty == false)
            #expect(mentor["bio"] is String)
            #expect(mentor["expertise"] is [String])
            let follows = try #require(json["follows"] as? [[String: Any]])
            #expect(follows.count == 2)
            #expect(follows.contains { ($0["threadID"] as? Int).map(Int64.init) == publicThread.id && $0["muted"] as? Bool == true })
            #expect(follows.contains { $0["topic"] as? String == "capital-and-finance" })
            let saved = try #require(json["savedPosts"] as? [[String: Any]])
            #expect(saved.compactMap { ($0["postID"] as? Int).map(Int64.init) } == [postID])
            let marks = try #require(json["helpfulMarks"] as? [[String: Any]])
            let samsPost = try #require(try world.scalar(Int64.self, "SELECT min(id) FROM posts WHERE author_id = ?", samID))
            #expect(marks.compactMap { ($0["postID"] as? Int).map(Int64.init) } == [samsPost])
            #expect(marks.first?["markedAt"] is String)
            let settings = try #require(json["notificationSettings"] as? [String: Any])
            #expect(settings["turnedOff"] as? [String] == ["quote"])
            #expect(settings["mail"] as? [String: String] == ["reply": "daily"])
            #expect(settings["weeklyBriefingOptedOut"] as? Bool == true)
            #expect(!download.text.contains("Sam private draft"))

            // Sam has no mentor profile: the section is empty, not another person's.
            let sam = try world.signedIn("sam_okafor")
            let samJSON = try #require(try JSONSerialization.jsonObject(with: Data(try sam.get("/account/data/download").text.utf8)) as? [String: Any])
            #expect(samJSON["mentorProfile"] == nil || samJSON["mentorProfile"] is NSNull)
            #expect((samJSON["postRevisions"] as? [Any])?.isEmpty == true)
            #expect((samJSON["drafts"] as? [[String: Any]])?.compactMap { $0["body"] as? String } == ["Sam private draft"])
        }
    }

    /// The page says what the file holds: each section of the download, in words.
    @Test func theYourDataPageNamesEverySectionOfTheDownload() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let words: [String: String] = [
                "profile": "your profile", "threads": "every thread and post you wrote", "posts": "every thread and post you wrote",
                "postRevisions": "earlier versions of the posts you edited", "drafts": "your drafts", "flags": "your flags",
                "savedPosts": "the posts you saved", "helpfulMarks": "marked “This helped”", "follows": "what you follow or muted",
                "notificationSettings": "your notification and mail settings", "mentorProfile": "your mentor profile",
                "sessions": "your sessions",
            ]
            let helen = try world.signedIn("helen_marsh")
            let page = try helen.get("/account/data")
            #expect(page.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(try helen.get("/account/data/download").text.utf8)) as? [String: Any])
            #expect(Set(json.keys) == Set(words.keys))
            for (section, phrase) in words {
                #expect(page.text.contains(phrase), "\(section): \(phrase)")
            }
        }
    }
}
