import Board
import Foundation
import Testing
import TestSupport

/// Issue 18: a page never offers an action that then answers 403. For each kind of viewer and
/// each action, what the thread (or home) page offers is exactly what the POST allows, and both
/// are the expected answer of the table below. One fresh site per viewer, so actions do not
/// interfere across viewers; within a viewer they run in an order where none undoes another.
@Suite(.timeLimit(.minutes(3)))
struct CapabilityTableTests {
    enum Viewer: String, CaseIterable, Sendable {
        case visitor, member, suspendedMember, asker, otherMember, mentor, admin
    }

    enum Act: String, CaseIterable, Sendable {
        case follow, save, markHelpful, flag, accept, askMentor, reply, editThread, editPost, deletePost, startThread
        /// Last: it hides the target.
        case hide
    }

    /// What each viewer may do. The target of post actions is the other member's reply; edit
    /// and delete act on the viewer's own post when they have one (the asker's opening post,
    /// the other member's reply, the suspended member's reply), else on that reply.
    static let allowed: [Viewer: Set<Act>] = [
        .visitor: [],
        .member: [.follow, .save, .markHelpful, .flag, .reply, .startThread],
        // Following and saving are reading aids: a suspension leaves them (docs/visibility.md).
        .suspendedMember: [.follow, .save],
        .asker: [.follow, .save, .markHelpful, .flag, .accept, .askMentor, .reply, .editThread, .editPost, .deletePost, .startThread],
        .otherMember: [.follow, .save, .reply, .editPost, .deletePost, .startThread],
        .mentor: [.follow, .save, .markHelpful, .flag, .reply, .startThread],
        .admin: [.follow, .save, .markHelpful, .flag, .accept, .askMentor, .reply, .editThread, .startThread, .hide],
    ]

    struct World {
        let threadID: Int64
        let openingPostID: Int64
        let target: Int64
        let suspendedReply: Int64
        let handles: [Viewer: String]
    }

    static func seed(_ site: TestSite) throws -> World {
        let topic = try site.topic("capital-and-finance")
        let asker = try site.member(handle: "asker")
        let other = try site.member(handle: "other_member")
        let suspended = try site.suspended(handle: "suspended_member", reason: "Repeated personal remarks")
        try site.member(handle: "plain_member")
        try site.mentor(handle: "some_mentor")
        try site.admin(handle: "the_admin")
        let thread = try site.thread(by: asker, title: "How did you handle the pension bond?", topics: [topic])
        let target = try site.reply(to: thread, by: other, body: "We asked the council early.")
        let suspendedReply = try site.reply(to: thread, by: suspended, body: "We never did.")
        return World(threadID: thread.id, openingPostID: thread.openingPostID, target: target, suspendedReply: suspendedReply,
                     handles: [.member: "plain_member", .suspendedMember: "suspended_member", .asker: "asker",
                               .otherMember: "other_member", .mentor: "some_mentor", .admin: "the_admin"])
    }

    /// The post `viewer` would edit or delete: their own when they have one.
    static func ownOrTarget(_ viewer: Viewer, _ world: World) -> Int64 {
        switch viewer {
        case .asker: world.openingPostID
        case .suspendedMember: world.suspendedReply
        default: world.target
        }
    }

    /// Whether the page offers `act` to the viewer.
    static func offered(_ act: Act, thread page: String, home: String, viewer: Viewer, world: World) -> Bool {
        let id = world.threadID, target = world.target, own = ownOrTarget(viewer, world)
        return switch act {
        case .follow: page.contains("action=\"/t/\(id)/follow\"")
        case .save: page.contains("action=\"/p/\(target)/bookmark\"")
        case .markHelpful: page.contains("action=\"/p/\(target)/helped\"")
        case .flag: page.contains("href=\"/p/\(target)/flag\"")
        case .accept: page.contains("action=\"/t/\(id)/accept\"") && page.contains("name=\"post\" value=\"\(target)\"")
        case .askMentor: page.contains("href=\"/t/\(id)/mentors\"")
        case .reply: page.contains("action=\"/t/\(id)/reply\"")
        case .editThread: page.contains("href=\"/t/\(id)/details\"")
        case .editPost: page.contains("href=\"/p/\(own)/edit\"")
        case .deletePost: page.contains("href=\"/p/\(own)/delete\"")
        case .startThread: home.contains("href=\"/t/new\">Start a thread")
        case .hide: page.contains("action=\"/p/\(target)/hide\"")
        }
    }

    /// Does `act`, as the handler the page's control leads to; true when it was done.
    static func perform(_ act: Act, _ browser: BrowserClient, viewer: Viewer, world: World) throws -> Bool {
        let id = world.threadID, target = world.target, own = ownOrTarget(viewer, world)
        let response: ClientResponse = switch act {
        case .follow: try browser.post("/t/\(id)/follow", [("action", "follow")])
        case .save: try browser.post("/p/\(target)/bookmark", [("action", "save")])
        case .markHelpful: try browser.post("/p/\(target)/helped", [("action", "mark")])
        case .flag: try browser.post("/p/\(target)/flag", [("reason", "off_topic"), ("note", "")])
        case .accept: try browser.post("/t/\(id)/accept", [("post", String(target))])
        case .askMentor: try browser.get("/t/\(id)/mentors")
        case .reply: try browser.post("/t/\(id)/reply", [("body", "A reply from the table test."), ("replyTo", ""), ("action", "post")])
        case .editThread: try browser.post("/t/\(id)/details", [("title", "How did you handle the pension bond, then?"),
                                                                ("topics", "capital-and-finance")])
        case .editPost: try browser.post("/p/\(own)/edit", [("body", "Changed by the table test."), ("action", "post")])
        case .deletePost: try browser.post("/p/\(own)/delete", [])
        case .startThread: try browser.post("/t/new", [("title", "A new question from the table test"), ("body", "What worked?"),
                                                        ("topics", "capital-and-finance"), ("space", "public"), ("action", "post")])
        case .hide: try browser.post("/p/\(target)/hide", [("reason", "Hidden by the table test")])
        }
        let location = response.header("location") ?? ""
        return act == .askMentor ? response.status == 200 : response.status == 303 && !location.contains("/sign-in")
    }

    @Test(arguments: Viewer.allCases)
    func whatThePageOffersIsWhatThePostAllows(_ viewer: Viewer) throws {
        try withTestSite { site in
            let world = try Self.seed(site)
            let browser = try world.handles[viewer].map { try site.signedIn($0) } ?? site.browser()
            let threadPath = try site.threadPath(world.threadID)
            let home = try browser.get("/").text
            let page = try browser.get(threadPath).text
            let expected = Self.allowed[viewer] ?? []
            // Where the actions would be, a suspended member is told why, once, with the reason.
            #expect(page.contains("id=\"suspension-notice\"") == (viewer == .suspendedMember))
            #expect(home.contains("so you cannot post, reply, flag or mark posts. Reason: Repeated personal remarks.") == (viewer == .suspendedMember))
            for act in Act.allCases {
                let offers = Self.offered(act, thread: page, home: home, viewer: viewer, world: world)
                #expect(offers == expected.contains(act), "\(viewer) is \(offers ? "" : "not ")offered \(act)")
            }
            for act in Act.allCases {
                // Reading the thread again keeps the CSRF token of a page this viewer could see.
                try browser.get(try site.threadPath(world.threadID))
                let done = try Self.perform(act, browser, viewer: viewer, world: world)
                #expect(done == expected.contains(act), "\(viewer) \(done ? "could" : "could not") \(act)")
            }
        }
    }
}

/// The other pages that offer starting a thread, and asking a mentor when mentors are busy.
@Suite(.timeLimit(.minutes(2)))
struct OfferedActionsPagesTests {
    @Test func suspendedMemberIsToldInsteadOfOfferedAskingOnTopicAndWelcomePages() throws {
        try withTestSite { site in
            try site.topic("capital-and-finance")
            try site.suspended(handle: "paused_member", reason: "Off-topic posts")
            try site.member(handle: "active_member")
            let paused = try site.signedIn("paused_member")
            let active = try site.signedIn("active_member")
            for path in ["/topics/capital-and-finance", "/welcome"] {
                let refused = try paused.get(path).text
                #expect(!refused.contains("href=\"/t/new"), "\(path)")
                #expect(refused.contains("id=\"start-thread-refusal\""), "\(path)")
                #expect(refused.contains("Reason: Off-topic posts."), "\(path)")
                let offered = try active.get(path).text
                #expect(offered.contains("href=\"/t/new"), "\(path)")
                #expect(!offered.contains("id=\"start-thread-refusal\""), "\(path)")
            }
        }
    }

    @Test func busyMentorsAreNotOfferedAndTheAdminsCanBeAskedInstead() throws {
        try withTestSite { site in
            let topic = try site.topic("capital-and-finance")
            let asker = try site.member(handle: "asker")
            let busy = try site.mentor(handle: "busy_mentor")
            try site.store.write { tx in
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Finance', 'unavailable', ?)",
                           busy.id, Fixtures.now)
                try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", busy.id, topic)
            }
            try site.admin(handle: "the_admin")
            let thread = try site.thread(by: asker, title: "Who lends to a new mutual?", topics: [topic])
            let browser = try site.signedIn("asker")
            let page = try browser.get("/t/\(thread.id)/mentors")
            #expect(page.status == 200)
            #expect(!page.text.contains("value=\"busy_mentor\""))
            #expect(!page.text.contains("Ask these mentors"))
            #expect(page.text.contains("No mentor can take this thread now. The only mentor who could be asked is busy and not taking new threads."))
            #expect(page.text.contains("Ask the admins to find a mentor"))
            // The POST refuses what the page does not offer, and keeps the choice.
            let refused = try browser.post("/t/\(thread.id)/mentors", [("mentors", "busy_mentor")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("is busy and not taking new threads: choose another mentor"))

            let asked = try browser.post("/t/\(thread.id)/mentors/admins", [("mentor", "")])
            #expect(asked.status == 303)
            #expect(asked.header("location")?.contains("notice=admins-asked-to-find-mentor") == true)
            let again = try browser.get("/t/\(thread.id)/mentors").text
            #expect(again.contains("id=\"admins-asked\""))
            // While the request waits (a week), it is not offered again (MentorAskAdminsTests).
            #expect(!again.contains("Ask the admins again"))

            // An admin asks an available mentor to the thread: the request is answered and the asker hears.
            let helper = try site.mentor(handle: "free_mentor")
            _ = helper
            let admin = try site.signedIn("the_admin", landingOn: "/t/\(thread.id)/mentors")
            #expect(try admin.post("/t/\(thread.id)/mentors", [("mentors", "free_mentor")]).status == 303)
            #expect(try browser.get("/notifications").text.contains("A mentor was linked to your thread “Who lends to a new mutual?”"))
            #expect(!(try browser.get("/t/\(thread.id)/mentors").text.contains("id=\"admins-asked\"")))
        }
    }
}
