import Board
import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// A thread whose opening post is held for approval is out of every list, feed, count, search
/// and notification until an admin approves it; its author and the admins still reach it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HeldThreadListingTests {
    struct Place {
        let topic: String
        let organisation: String
    }

    func place(_ world: TestSite) throws -> Place {
        try world.store.read { conn in
            Place(topic: try #require(try conn.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 ORDER BY position LIMIT 1")),
                  organisation: try #require(try conn.scalar(String.self, "SELECT slug FROM organisations WHERE kind = 'pathfinder' ORDER BY id LIMIT 1")))
        }
    }

    /// Registers a new member of `organisation` and starts a public thread in `topic` through the
    /// pages; with the instance's default settings its opening post is held.
    func startHeldThread(_ world: TestSite, handle: String, title: String, body: String, place: Place) throws
        -> (browser: BrowserClient, threadID: Int64, postID: Int64, path: String) {
        let browser = world.browser()
        try browser.get("/register")
        let registered = try browser.post("/register", [("invite", ""), ("handle", handle), ("displayName", handle.capitalized),
                                                        ("email", "\(handle)@example.org"), ("password", "correct horse battery"),
                                                        ("organisation", place.organisation)])
        #expect(registered.status == 303)
        try browser.get("/sign-in")
        #expect(try browser.post("/sign-in", [("identifier", handle), ("password", "correct horse battery")]).status == 303)
        // New by the wall clock too, which the posting service reads.
        try world.store.write { try $0.run("UPDATE users SET created_at = ? WHERE handle = ?", Date(), handle) }
        try browser.get("/t/new")
        let posted = try browser.post("/t/new", [("title", title), ("body", body), ("topics", place.topic), ("space", "public"),
                                                 ("briefing", ""), ("action", "post")])
        #expect(posted.status == 303)
        let location = try #require(posted.header("location"))
        let threadID = try #require(try world.store.read { try $0.scalar(Int64.self, "SELECT id FROM threads WHERE title = ?", title) })
        let postID = try #require(try world.store.read { try $0.scalar(Int64.self, "SELECT id FROM posts WHERE thread_id = ? AND position = 1", threadID) })
        #expect(try world.store.read { try $0.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", postID) } == true)
        return (browser, threadID, postID, String(location.prefix { $0 != "#" }))
    }

    func topicCount(_ world: TestSite, _ slug: String) throws -> Int {
        try world.store.read { conn in try PageQueries.topicCounts(conn, viewer: .visitor).first { $0.slug == slug }?.threadCount ?? -1 }
    }

    func topicNotifications(_ world: TestSite, _ handle: String, threadID: Int64) throws -> Int {
        try world.store.read {
            try $0.scalar(Int.self, """
                SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
                WHERE u.handle = ? AND n.thread_id = ? AND n.kind = 'new_thread_in_topic'
                """, handle, threadID) ?? -1
        }
    }

    /// priya_nair, signed in and following the place's topic.
    func topicFollower(_ world: TestSite, _ place: Place) throws -> BrowserClient {
        let follower = try world.signedIn("priya_nair")
        try follower.get("/topics/\(place.topic)")
        #expect(try follower.post("/topics/\(place.topic)/follow", [("action", "follow")]).status == 303)
        return follower
    }

    /// Every list, feed and search a reader could find the thread through.
    func listings(_ place: Place, handle: String) -> [String] {
        ["/", "/topics/\(place.topic)", "/topics/\(place.topic).atom", "/o/\(place.organisation)", "/u/\(handle)",
         "/search?q=quagga", "/briefing"]
    }

    @Test func aHeldThreadIsListedOnlyOnceApproved() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let follower = try topicFollower(world, place)
            let countBefore = try topicCount(world, place.topic)

            let title = "Quagga cooperative asks about staff shares"
            let body = "Our quagga cooperative wants to know how staff shares work. @priya_nair have you seen this?"
            let held = try startHeldThread(world, handle: "quagga_member", title: title, body: body, place: place)

            // Its author reads it, marked as awaiting approval.
            let own = try held.browser.get(held.path)
            #expect(own.status == 200)
            #expect(own.text.contains("Awaiting approval"))
            #expect(own.text.contains("Our quagga cooperative wants to know"))

            // A visitor and another member find it nowhere.
            let visitor = world.browser()
            for reader in [visitor, follower] {
                #expect(try reader.get(held.path).status == 404)
                #expect(try reader.get("/t/\(held.threadID)/feed.atom").status == 404)
                for path in listings(place, handle: "quagga_member") {
                    let page = try reader.get(path)
                    #expect(page.status == 200, "\(path)")
                    #expect(!page.text.contains("/t/\(held.threadID)-"), "\(path)")
                    #expect(!page.text.contains("cooperative asks"), "\(path)")
                    #expect(!page.text.contains("cooperative wants"), "\(path)")
                }
            }
            #expect(try reader(world, "priya_nair", replyingTo: held.threadID) == 404)
            #expect(try topicCount(world, place.topic) == countBefore)
            #expect(try topicNotifications(world, "priya_nair", threadID: held.threadID) == 0)
            #expect(try world.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM notifications WHERE thread_id = ? AND kind = 'mention'", held.threadID) } == 0)
            #expect(!(try follower.get("/notifications").text.contains(title)))

            // The admins see it in the queue and on its page.
            let admin = try world.signedIn("network_admin")
            #expect(try admin.get("/admin/queue").text.contains("Our quagga cooperative wants to know"))
            #expect(try admin.get(held.path).status == 200)

            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "approve"), ("reason", "")]).status == 303)

            for reader in [visitor, follower] {
                let page = try reader.get(held.path)
                #expect(page.status == 200)
                #expect(!page.text.contains("Awaiting approval"))
                #expect(try reader.get("/t/\(held.threadID)/feed.atom").text.contains("quagga cooperative wants"))
                for path in listings(place, handle: "quagga_member") where path != "/briefing" && path != "/o/\(place.organisation)" {
                    // Search marks the words found, so look for the link rather than the title.
                    #expect(try reader.get(path).text.contains("/t/\(held.threadID)-"), "\(path)")
                }
                // The organisation's page lists its members' threads: the author chose it when
                // registering, so it waits for an admin to confirm them (Visibility.confirmedOrganisation).
                #expect(!(try reader.get("/o/\(place.organisation)").text.contains("/t/\(held.threadID)-")))
            }
            try admin.get("/admin/organisations/members")
            let member = try world.userID("quagga_member")
            #expect(try admin.post("/admin/organisations/members/\(member)",
                                   [("decision", "confirm"), ("organisation", String(try world.organisationID(place.organisation)))]).status == 303)
            for reader in [visitor, follower] {
                #expect(try reader.get("/o/\(place.organisation)").text.contains("/t/\(held.threadID)-"))
            }
            #expect(try topicCount(world, place.topic) == countBefore + 1)
            // Those who would have heard when it was started hear now, once: Priya is mentioned,
            // so she hears of it as a mention rather than also as a new thread in her topic.
            #expect(try topicNotifications(world, "priya_nair", threadID: held.threadID) == 0)
            #expect(try world.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM notifications WHERE thread_id = ? AND kind = 'mention'", held.threadID) } == 1)
            #expect(try follower.get("/notifications").text.contains(title))
        }
    }

    @Test func topicFollowersHearOfAThreadWhenItIsApproved() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let follower = try topicFollower(world, place)
            let held = try startHeldThread(world, handle: "fresh_asker", title: "A fresh question about asset locks",
                                           body: "How does an asset lock work for a new mutual?", place: place)
            #expect(try topicNotifications(world, "priya_nair", threadID: held.threadID) == 0)
            let admin = try world.signedIn("network_admin")
            try admin.get("/admin/queue")
            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "approve"), ("reason", "")]).status == 303)
            #expect(try topicNotifications(world, "priya_nair", threadID: held.threadID) == 1)
            #expect(try follower.get("/notifications").text.contains("A fresh question about asset locks"))
        }
    }

    @Test func aHeldThreadHiddenByAnAdminStaysOut() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let place = try place(world)
            let follower = try topicFollower(world, place)
            let countBefore = try topicCount(world, place.topic)
            let held = try startHeldThread(world, handle: "quagga_spammer", title: "Quagga bargains for every mutual",
                                           body: "Buy quagga bargains at our shop", place: place)
            let admin = try world.signedIn("network_admin")
            try admin.get("/admin/queue")
            #expect(try admin.post("/admin/posts/\(held.postID)/decide", [("decision", "hide"), ("reason", "Advertising")]).status == 303)

            let visitor = world.browser()
            for reader in [visitor, follower] {
                #expect(try reader.get(held.path).status == 404)
                for path in listings(place, handle: "quagga_spammer") {
                    let page = try reader.get(path)
                    #expect(!page.text.contains("/t/\(held.threadID)-"), "\(path)")
                    #expect(!page.text.contains("bargains"), "\(path)")
                }
            }
            #expect(try topicCount(world, place.topic) == countBefore)
            #expect(try topicNotifications(world, "priya_nair", threadID: held.threadID) == 0)
            // Its author still reaches it, with the moderator's reason.
            let own = try held.browser.get(held.path)
            #expect(own.status == 200)
            #expect(own.text.contains("This post was hidden by a moderator: Advertising"))
            #expect(try admin.get(held.path).status == 200)
        }
    }

    /// The status a reply to `threadID` by `handle` gets (through the page's form).
    func reader(_ world: TestSite, _ handle: String, replyingTo threadID: Int64) throws -> Int {
        let browser = try world.signedIn(handle)
        try browser.get("/")
        return try browser.post("/t/\(threadID)/reply", [("body", "Replying to a thread I cannot see"), ("action", "post")]).status
    }
}
