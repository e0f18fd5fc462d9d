import Board
import Database
import Foundation
import Testing
import TestSupport

/// The rules behind issue 18's admin journeys: a declined organisation change gives back the one
/// the member had, admin notifications are done for every admin once the work is, the log names
/// topics and a rename's old title, and excerpts are plain text.
@Suite struct AdminJourneyRulesTests {
    func unread(_ network: TestNetwork, _ person: TestPerson) throws -> Int {
        try network.store.read { try Notifications.unreadCount($0, userID: person.id) }
    }

    func organisation(of person: TestPerson, _ network: TestNetwork) throws -> (id: Int64?, confirmed: Bool?) {
        (try network.scalar(Int64.self, "SELECT organisation_id FROM users WHERE id = ?", person.id),
         try network.scalar(Bool.self, "SELECT organisation_confirmed FROM users WHERE id = ?", person.id))
    }

    @Test func aDeclinedMoveLeavesTheMemberInTheOrganisationTheyHad() throws {
        try withTestNetwork { network in
            let home = try network.organisation("home-trust", name: "Home Trust")
            let wanted = try network.organisation("wanted-trust", name: "Wanted Trust")
            let admin = try network.admin()
            let adminActor = Actor(userID: admin.id, role: .admin)
            let member = try network.member(of: home)

            #expect(try network.accounts.updateProfile(by: Actor(userID: member.id, role: .member), displayName: "Helen Smith", bio: "", organisationSlug: wanted.slug).isEmpty)
            #expect(try organisation(of: member, network) == (wanted.id, false))
            let request = try network.store.read { try Moderation.membershipRequests($0) }
            #expect(request.map(\.previousOrganisationName) == ["Home Trust"])

            let answer = try Moderation.answerMembership(network.store, actor: adminActor, userID: member.id, organisationID: wanted.id,
                                                         confirm: false, now: network.clock.now)
            #expect(answer == .declined(requested: "Wanted Trust", kept: "Home Trust"))
            #expect(try organisation(of: member, network) == (home.id, true))
            let told = try network.store.read { try Notifications.list($0, userID: member.id) }
            #expect(told.first?.kind == .organisationDeclined)
            #expect(told.first?.organisationName == "Wanted Trust")
            #expect(told.first?.keptOrganisationName == "Home Trust")
            #expect(try network.scalar(String.self, "SELECT reason FROM moderation_log ORDER BY id DESC LIMIT 1")
                    == "Not confirmed as a member of Wanted Trust; remains a member of Home Trust")

            // A member who had none is left with none, and is told so.
            let newcomer = try network.unconfirmedMember(of: wanted)
            let none = try Moderation.answerMembership(network.store, actor: adminActor, userID: newcomer.id, organisationID: wanted.id,
                                                       confirm: false, now: network.clock.now)
            #expect(none == .declined(requested: "Wanted Trust", kept: nil))
            #expect(try organisation(of: newcomer, network).id == nil)
            #expect(try network.store.read { try Notifications.list($0, userID: newcomer.id) }.first?.keptOrganisationName == nil)
        }
    }

    @Test func goingBackToTheConfirmedOrganisationNeedsNoAdmin() throws {
        try withTestNetwork { network in
            let home = try network.organisation("home-trust", name: "Home Trust")
            let wanted = try network.organisation("wanted-trust", name: "Wanted Trust")
            let admin = try network.admin()
            let member = try network.member(of: home)
            _ = try network.accounts.updateProfile(by: Actor(userID: member.id, role: .member), displayName: "Member", bio: "", organisationSlug: wanted.slug)
            #expect(try unread(network, admin) == 1)
            _ = try network.accounts.updateProfile(by: Actor(userID: member.id, role: .member), displayName: "Member", bio: "", organisationSlug: home.slug)
            #expect(try organisation(of: member, network) == (home.id, true))
            #expect(try network.store.read { try Moderation.membershipRequests($0) }.isEmpty)
            // The withdrawn request no longer waits for the admins.
            #expect(try unread(network, admin) == 0)
        }
    }

    @Test func doneWorkIsDoneForEveryAdmin() throws {
        try withTestNetwork { network in
            let admin = try network.admin()
            let otherAdmin = try network.admin(handle: "second_admin")
            let adminActor = Actor(userID: admin.id, role: .admin)
            let author = try network.member()
            let thread = try network.thread(by: author)

            let now = network.clock.now
            // A held post: both admins hear; one approves; neither is left with it as new.
            let reply = try network.reply(to: thread, by: author)
            try network.store.write {
                try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", reply)
                try Notifications.recordPostHeld($0, postID: reply, authorID: author.id, now: now)
            }
            #expect(try unread(network, admin) == 1)
            #expect(try unread(network, otherAdmin) == 1)
            try Moderation.decide(network.store, actor: adminActor, postID: reply, .approve, now: network.clock.now)
            #expect(try unread(network, admin) == 0)
            #expect(try unread(network, otherAdmin) == 0)

            // A refused decision changes nothing, so the work still waits.
            let second = try network.reply(to: thread, by: author)
            try network.store.write {
                try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", second)
                try Notifications.recordPostHeld($0, postID: second, authorID: author.id, now: now)
            }
            #expect(throws: ModerationError.self) {
                try Moderation.decide(network.store, actor: adminActor, postID: second, .hide(reason: " "), now: network.clock.now)
            }
            #expect(try unread(network, otherAdmin) == 1)

            // A membership request answered by one admin is done for both.
            let pathfinder = try network.organisation()
            let asker = try network.member()
            _ = try network.accounts.updateProfile(by: Actor(userID: asker.id, role: .member), displayName: "Asker", bio: "", organisationSlug: pathfinder.slug)
            #expect(try unread(network, otherAdmin) == 2)
            try Moderation.answerMembership(network.store, actor: adminActor, userID: asker.id, organisationID: pathfinder.id,
                                            confirm: true, now: network.clock.now)
            #expect(try unread(network, otherAdmin) == 1)

            // A request for a mentor for a pathfinder's thread is done once a mentorship with it starts.
            let space = try network.thread(in: .organisation(pathfinder), by: asker, title: "Private question")
            try network.store.write {
                try Notifications.recordMentorWanted($0, threadID: space.id, askerID: asker.id, mentorID: nil, now: now)
            }
            #expect(try unread(network, otherAdmin) == 2)
            let mentor = try network.mentor()
            let mentorHandle = try #require(try network.scalar(String.self, "SELECT handle FROM users WHERE id = ?", mentor.id))
            try Mentors.startMentorship(network.store, by: adminActor, mentorHandle: mentorHandle, organisationSlug: pathfinder.slug,
                                        startedAt: network.clock.now, note: "", now: network.clock.now)
            #expect(try unread(network, otherAdmin) == 1)
        }
    }

    @Test func theLogNamesTopicsAndARenamesOldTitleOnlyToReaders() throws {
        try withTestNetwork { network in
            let admin = try network.admin()
            let adminActor = Actor(userID: admin.id, role: .admin)
            let pathfinder = try network.organisation()
            let author = try network.member(of: pathfinder)
            let housing = try network.topic("housing", name: "Housing and homes")
            _ = housing
            try network.topic("benefits", name: "Benefits", position: 2)
            let open = try network.thread(by: author, title: "Old public title")
            let closed = try network.thread(in: .organisation(pathfinder), by: author, title: "Old private title")

            try Moderation.retagThread(network.store, actor: adminActor, threadID: open.id, topicSlugs: ["housing", "benefits"], reason: "",
                                       now: network.clock.now)
            #expect(try network.scalar(String.self, "SELECT reason FROM moderation_log ORDER BY id DESC LIMIT 1")
                    == "Topics: Benefits, Housing and homes")

            for thread in [open, closed] {
                try Moderation.renameThread(network.store, actor: adminActor, threadID: thread.id, title: "A clearer title \(thread.id)",
                                            reason: "", now: network.clock.now)
            }
            let forVisitors = try network.store.read { try ModerationQueries.log($0, viewer: .visitor) }.filter { $0.action == .renameThread }
            #expect(forVisitors.compactMap(\.previousTitle) == ["Old public title"])
            #expect(forVisitors.compactMap(\.renamedTo) == ["A clearer title \(open.id)"])
            let forMembers = try network.store.read {
                try ModerationQueries.log($0, viewer: Actor(userID: author.id, role: .member, organisationID: pathfinder.id).viewer)
            }.filter { $0.action == .renameThread }
            #expect(Set(forMembers.compactMap(\.previousTitle)) == ["Old public title", "Old private title"])
        }
    }

    @Test func excerptsArePlainTextFromTheOneWalk() {
        let markdown = "**Bold** words and a [link](https://example.org)\nacross lines.\n\n> quoted\n\n- one\n- two"
        #expect(Markdown.plainText(markdown, layout: .prose) == "Bold words and a link across lines.\n\nquoted\n\n- one\n\n- two")
        #expect(MailExcerpt.text(fromMarkdown: markdown) == Markdown.plainExcerpt(markdown, limit: 600))
        #expect(Markdown.plainExcerpt(markdown, limit: 12) == "Bold words…")
        #expect(!Markdown.plainExcerpt(markdown, limit: 600).contains("**"))
    }
}
