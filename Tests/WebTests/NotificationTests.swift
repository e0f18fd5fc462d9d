import Database
import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 8: every notification kind, who receives it, and who does not (the actor, people who
/// cannot read the thread, people who muted it or turned the kind off).
@Suite(.serialized, .timeLimit(.minutes(2))) struct NotificationTests {
    struct People {
        let sam, helen, admin, priya, tom: Viewer
    }

    func people(_ site: TestNetwork) throws -> People {
        func viewer(_ handle: String, _ organisation: String?, admin: Bool = false) throws -> Viewer {
            Viewer(userID: try site.userID(handle), organisationID: try organisation.map(site.organisationID), isAdmin: admin)
        }
        return try People(sam: viewer("sam_okafor", "tri-borough-mutual"), helen: viewer("helen_marsh", "john-lewis-partnership"),
                      admin: viewer("network_admin", nil, admin: true), priya: viewer("priya_nair", "anglian-community-enterprise"),
                      tom: viewer("tom_beckett", "central-surrey-health"))
    }

    func kinds(_ site: TestNetwork, _ viewer: Viewer) throws -> [NotificationKind] {
        guard let id = viewer.userID else { return [] }
        return try site.store.read { try Notifications.list($0, userID: id) }.map(\.kind)
    }

    func clear(_ site: TestNetwork) throws {
        try site.store.write { try $0.run("DELETE FROM notifications") }
    }

    @Test func repliesReachTheStarterAndFollowersButNotTheActorOrMuters() throws {
        try withTestNetwork(content: .demo) { site in
            let p = try people(site)
            try clear(site)
            let (thread, _) = try Threads.create(site.store, by: p.tom, NewThread(
                title: "Pension admission agreements", body: "Who has done one?", topicSlugs: ["capital-and-finance"]))
            try Threads.reply(site.store, by: p.priya, threadID: thread, body: "We have, happy to share.")
            #expect(try kinds(site, p.tom) == [.reply])
            #expect(try kinds(site, p.priya).isEmpty, "nobody hears about their own reply")
            // Priya now follows (she replied): Tom's answer reaches her.
            try Threads.reply(site.store, by: p.tom, threadID: thread, body: "Thank you!")
            #expect(try kinds(site, p.priya) == [.reply])
            #expect(try kinds(site, p.tom) == [.reply])
            // Tom mutes the thread: nothing more reaches him.
            let tomID = try #require(p.tom.userID)
            try site.store.write { try Subscriptions.setThread($0, userID: tomID, threadID: thread, muted: true, now: Date()) }
            try Threads.reply(site.store, by: p.priya, threadID: thread, body: "Sent it over.")
            #expect(try kinds(site, p.tom) == [.reply])
            // Turning the kind off works the same way.
            let priyaID = try #require(p.priya.userID)
            try site.store.write { try Notifications.setEnabledKinds($0, userID: priyaID, enabled: [.mention]) }
            try Threads.reply(site.store, by: p.sam, threadID: thread, body: "Following.")
            #expect(try kinds(site, p.priya) == [.reply])
            #expect(try site.store.read { try Notifications.disabledKinds($0, userID: priyaID) }.count == NotificationKind.allCases.count - 1)
        }
    }

    @Test func mentionsReachOnlyThoseWhoMayReadTheThread() throws {
        try withTestNetwork(content: .demo) { site in
            let p = try people(site)
            try clear(site)
            // The private thread: Sam (member) mentions Helen (linked mentor) and Priya (outsider).
            try Threads.reply(site.store, by: p.sam, threadID: try site.privateThreadID,
                              body: "@helen_marsh and @priya_nair, what do you think? (mail me: sam@example.org)")
            #expect(try kinds(site, p.helen) == [.mention], "a mention, not also a reply")
            #expect(try kinds(site, p.priya).isEmpty, "cannot read the private thread")
            #expect(Notifications.mentionedHandles(in: "hi @Tom_Beckett, @x, a@b.org @tom_beckett") == ["tom_beckett"])
        }
    }

    @Test func acceptedMentorLinkedModerationAndNewThreadInTopic() throws {
        try withTestNetwork(content: .demo) { site in
            let p = try people(site)
            let tom = try #require(p.tom.userID), priya = try #require(p.priya.userID)
            let helen = try #require(p.helen.userID), admin = try #require(p.admin.userID)
            let finance = try #require(try site.store.read { try $0.scalar(Int64.self, "SELECT id FROM topics WHERE slug = 'capital-and-finance'") })
            try site.store.write { tx in
                try Subscriptions.followTopic(tx, userID: priya, topicID: finance, now: Date())
                try Subscriptions.followTopic(tx, userID: tom, topicID: finance, now: Date())
            }
            try clear(site)
            let (thread, _) = try Threads.create(site.store, by: p.tom, NewThread(
                title: "Working capital in year one", body: "How much did you need?", topicSlugs: ["capital-and-finance"]))
            #expect(try kinds(site, p.priya) == [.newThreadInTopic])
            #expect(try kinds(site, p.tom).isEmpty)
            // A private thread in the same topic does not reach Priya, who cannot read it.
            try clear(site)
            _ = try Threads.create(site.store, by: p.sam, NewThread(
                title: "Our working capital plan", body: "Private draft.", topicSlugs: ["capital-and-finance"],
                space: .organisation(try site.organisationID("tri-borough-mutual"))))
            #expect(try kinds(site, p.priya).isEmpty)

            try clear(site)
            let reply = try Threads.reply(site.store, by: p.priya, threadID: thread, body: "About three months of costs.")
            try Threads.acceptAnswer(site.store, by: p.tom, threadID: thread, postID: reply)
            #expect(try kinds(site, p.priya) == [.accepted])

            try clear(site)
            try site.store.write { tx in
                // As `Mentors.link` does: the link, then its notifications (a mentor hears of a link while it stands).
                try tx.run("""
                    INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                    VALUES (?1, ?2, ?3, 'linked', ?4, ?4)
                    """, thread, helen, admin, Date())
                try Notifications.recordMentorLinked(tx, threadID: thread, mentorID: helen, actorID: admin, now: Date())
                try Notifications.recordModeration(tx, threadID: thread, postID: reply, actorID: admin, now: Date())
                // Someone acting on their own post hears nothing.
                try Notifications.recordModeration(tx, threadID: thread, postID: reply, actorID: priya, now: Date())
            }
            #expect(try kinds(site, p.tom) == [.mentorLinked])
            #expect(try kinds(site, p.helen) == [.mentorRequested])
            #expect(try kinds(site, p.priya) == [.moderation])

            // Unread count, mark one, mark all.
            try Threads.reply(site.store, by: p.priya, threadID: thread, body: "One more thing.")
            #expect(try site.store.read { try Notifications.unreadCount($0, userID: tom) } == 2)
            let first = try #require(try site.store.read { try Notifications.list($0, userID: tom) }.first)
            let marked = try site.store.write { try Notifications.markRead($0, userID: tom, id: first.id, now: Date()) }
            #expect(marked)
            #expect(try site.store.write { try Notifications.markRead($0, userID: priya, id: first.id, now: Date()) } == false)
            #expect(try site.store.read { try Notifications.unreadCount($0, userID: tom) } == 1)
            try site.store.write { try Notifications.markAllRead($0, userID: tom, now: Date()) }
            #expect(try site.store.read { try Notifications.unreadCount($0, userID: tom) } == 0)
        }
    }
}
