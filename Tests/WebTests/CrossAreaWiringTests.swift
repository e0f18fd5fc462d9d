import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The places where one area's action reaches another's page: moderation and mentor links
/// notify people, mentors' answers show in thread lists and filter topics, and the thread page
/// carries the follow buttons and the live-update script for signed-in readers.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CrossAreaWiringTests {
    @Test func hidingAPostNotifiesItsAuthor() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let postID = try world.replyID(by: "tom_beckett")
            let tomID = try world.userID("tom_beckett")
            let before = try world.store.read { try Notifications.unreadCount($0, userID: tomID) }
            let admin = try world.signedIn("network_admin")
            _ = try admin.get("/admin/queue")
            let hidden = try admin.post("/admin/posts/\(postID)/decide", [("decision", "hide"), ("reason", "Names a colleague")])
            #expect(hidden.status == 303)
            #expect(try world.store.read { try Notifications.unreadCount($0, userID: tomID) } == before + 1)
        }
    }

    @Test func linkingAMentorNotifiesTheMentor() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let helenID = try world.userID("helen_marsh")
            let threadID = try world.id("""
                SELECT t.id FROM threads t JOIN users u ON u.id = t.author_id
                WHERE t.organisation_id IS NULL AND u.handle = ?1 AND NOT EXISTS (
                    SELECT 1 FROM thread_mentors tm JOIN users m ON m.id = tm.mentor_id
                    WHERE tm.thread_id = t.id AND m.handle = 'helen_marsh')
                ORDER BY t.id LIMIT 1
                """, "sam_okafor")
            let before = try world.store.read { try Notifications.unreadCount($0, userID: helenID) }
            let account = try #require(try world.accounts.account(handle: "network_admin"))
            let admin = try world.store.read { try Actor.load($0, account: account) }
            let linked = try Mentors.link(world.store, by: admin, threadID: threadID, mentorHandles: ["helen_marsh"])
            #expect(linked == 1)
            #expect(try world.store.read { try Notifications.unreadCount($0, userID: helenID) } == before + 1)
        }
    }

    @Test func mentorAnswersShowInListsAndFilterTopics() throws {
        try withTestNetwork(content: .demo) { site in
            let answered = try #require(try site.store.read { conn in
                try conn.scalar(String.self, """
                    SELECT tp.slug FROM topics tp JOIN thread_topics tt ON tt.topic_id = tp.id JOIN threads t ON t.id = tt.thread_id
                    WHERE t.organisation_id IS NULL AND \(MentorQueries.answeredByMentorCondition) LIMIT 1
                    """)
            })
            try site.serve { server in
                let filtered = try server.get("/topics/\(answered)?filter=mentor")
                #expect(filtered.status == 200)
                #expect(filtered.text.contains("Answered by a mentor"))
                #expect(filtered.text.contains("thread-list__item"))
            }
        }
    }

    @Test func threadPageOffersFollowingAndLiveUpdatesToSignedInReaders() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let threadID = try world.id("SELECT id FROM threads WHERE organisation_id IS NULL AND ?1 = ?1 ORDER BY id LIMIT 1", "")
            let member = try world.signedIn("priya_nair")
            let page = try member.follow(try member.get("/t/\(threadID)")).text
            #expect(page.contains("action=\"/t/\(threadID)/follow\""))
            #expect(page.contains("data-live-stream=\"/t/\(threadID)/live\""))
            #expect(page.contains("<script src=\"/static/live.js\" defer></script>"))
            let visitor = world.browser()
            let visitorPage = try visitor.follow(try visitor.get("/t/\(threadID)")).text
            #expect(!visitorPage.contains("<script"))
        }
    }

    @Test func followingATopicFromItsPage() throws {
        try withTestSite(clock: TestClock(), registration: .open, content: .establishedDemo) { world in
            let slug = try world.id("SELECT id FROM topics WHERE retired = 0 AND ?1 = ?1 ORDER BY position LIMIT 1", "")
            let topic = try #require(try world.store.read { try $0.scalar(String.self, "SELECT slug FROM topics WHERE id = ?", slug) })
            let member = try world.signedIn("priya_nair")
            let page = try member.get("/topics/\(topic)")
            #expect(page.text.contains("Follow this topic"))
            let followed = try member.post("/topics/\(topic)/follow", [("action", "follow")])
            #expect(followed.status == 303)
            #expect(try member.follow(followed).text.contains("You follow this topic"))
            let visitor = world.browser()
            #expect(!(try visitor.get("/topics/\(topic)").text.contains("Follow this topic")))
        }
    }
}
