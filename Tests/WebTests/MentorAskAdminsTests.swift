import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Asking the admins for a mentor (issue 18 review): only mentors the admins could still bring
/// are offered, a busy one is refused, a waiting request is not sent twice, the admins' work is
/// done for all of them once a mentor is linked, and the page's words fit every count.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct MentorAskAdminsTests {
    static func withExpertise(_ site: TestSite, _ mentor: TestPerson, topic: Int64, busy: Bool = false) throws {
        try site.store.write { tx in
            try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Finance', ?, ?)",
                       mentor.id, busy ? "unavailable" : "available", Fixtures.now)
            try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", mentor.id, topic)
        }
    }

    func wanted(_ site: TestSite, thread: Int64, unreadOnly: Bool = false) throws -> Int {
        try site.scalar(Int.self, """
            SELECT count(*) FROM notifications WHERE kind = 'mentor_wanted' AND thread_id = ? AND (? = 0 OR read_at IS NULL)
            """, thread, unreadOnly) ?? -1
    }

    @Test func aPrivateThreadNeverSuggestsAMentorWhoAlreadySupportsItsPathfinder() throws {
        try withTestSite { site in
            let topic = try site.topic("capital-and-finance")
            let pathfinder = try site.organisation("tri-borough", name: "Tri-borough")
            let author = try site.member(of: pathfinder, handle: "author")
            let helen = try site.mentor(of: pathfinder, handle: "helen")
            let outsider = try site.mentor(handle: "outsider")
            try Self.withExpertise(site, helen, topic: topic)
            try Self.withExpertise(site, outsider, topic: topic)
            try site.admin(handle: "the_admin")
            let thread = try site.thread(in: .organisation(pathfinder), by: author, title: "Bond terms", topics: [topic])
            let browser = try site.signedIn("author", landingOn: "/t/\(thread.id)/mentors")
            #expect(try browser.post("/t/\(thread.id)/mentors", [("mentors", "helen")]).status == 303)

            let page = try browser.get("/t/\(thread.id)/mentors").text
            #expect(page.contains("Every mentor who supports Tri-borough and is taking new threads has already been asked"))
            #expect(!page.contains("<option value=\"helen\">"))
            #expect(page.contains("<option value=\"outsider\">"))
            // A raw POST naming her is refused, the form kept; nothing reaches the admins.
            let refused = try browser.post("/t/\(thread.id)/mentors/admins", [("mentor", "helen")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("Choose a mentor from the list"))
            #expect(refused.text.contains("action=\"/t/\(thread.id)/mentors/admins\""))
            #expect(try wanted(site, thread: thread.id) == 0)

            // Once the outsider supports the pathfinder too, nobody is left to suggest: the page
            // says so and offers no list, but the admins can still be asked to choose.
            _ = try site.mentorship(outsider, of: pathfinder)
            let none = try browser.get("/t/\(thread.id)/mentors").text
            #expect(none.contains("id=\"no-matching-mentors\""))
            #expect(!none.contains("<select class=\"input\" id=\"mentor\""))
            #expect(none.contains("Ask the admins"))
        }
    }

    @Test func busyMentorIsRefusedAndAWaitingRequestIsNotSentTwice() throws {
        try withTestSite { site in
            let topic = try site.topic("capital-and-finance")
            let asker = try site.member(handle: "asker")
            try Self.withExpertise(site, try site.mentor(handle: "busy_mentor"), topic: topic, busy: true)
            try Self.withExpertise(site, try site.mentor(handle: "free_mentor"), topic: topic)
            try site.admin(handle: "first_admin")
            try site.admin(handle: "second_admin")
            let thread = try site.thread(by: asker, title: "Who lends to a new mutual?", topics: [topic])
            let browser = try site.signedIn("asker", landingOn: "/t/\(thread.id)/mentors")

            let busy = try browser.post("/t/\(thread.id)/mentors/admins", [("mentor", "busy_mentor")])
            #expect(busy.status == 422)
            #expect(busy.text.contains("is busy and not taking new threads: choose another mentor"))
            #expect(busy.text.contains("action=\"/t/\(thread.id)/mentors/admins\""))
            #expect(try wanted(site, thread: thread.id) == 0)

            let asked = try browser.post("/t/\(thread.id)/mentors/admins", [("mentor", "free_mentor")])
            #expect(asked.status == 303)
            #expect(asked.header("location")?.contains("notice=admins-asked-to-find-mentor.") == true)
            #expect(try wanted(site, thread: thread.id) == 2)

            // Again while it waits: nobody is told, and the word says so.
            let again = try browser.post("/t/\(thread.id)/mentors/admins", [("mentor", "")])
            #expect(again.status == 303)
            #expect(again.header("location")?.contains("notice=admins-already-asked.") == true)
            #expect(try browser.follow(again).text.contains("You have already asked the admins about this thread"))
            #expect(try wanted(site, thread: thread.id) == 2)
            let waiting = try browser.get("/t/\(thread.id)/mentors").text
            #expect(waiting.contains("id=\"admins-asked\""))
            #expect(waiting.contains("You can ask them again from"))
            #expect(!waiting.contains("Ask the admins again"))

            // A week on with no mentor linked, it may be sent again.
            site.clock.advance(Mentors.adminRequestRepeatAfter + 60)
            let weekOn = try site.signedIn("asker", landingOn: "/t/\(thread.id)/mentors")  // a new session a week on
            #expect(try weekOn.get("/t/\(thread.id)/mentors").text.contains("Ask the admins again"))
            let later = try weekOn.post("/t/\(thread.id)/mentors/admins", [("mentor", "")])
            #expect(later.header("location")?.contains("notice=admins-asked-to-find-mentor.") == true)
            #expect(try wanted(site, thread: thread.id) == 4)
            #expect(try wanted(site, thread: thread.id, unreadOnly: true) == 4)

            // One admin links a mentor: the request is done for every admin.
            let admin = try site.signedIn("first_admin", landingOn: "/t/\(thread.id)/mentors")
            #expect(try admin.post("/t/\(thread.id)/mentors", [("mentors", "free_mentor")]).status == 303)
            #expect(try wanted(site, thread: thread.id, unreadOnly: true) == 0)
            let after = try weekOn.get("/t/\(thread.id)/mentors").text
            #expect(!after.contains("id=\"admins-asked\""))
            #expect(!after.contains("<option value=\"free_mentor\">"))
        }
    }

    @Test func busyWordsFitEveryCountAndOpenThreadsAreOneNumber() throws {
        try withTestSite { site in
            let topic = try site.topic("capital-and-finance")
            let asker = try site.member(handle: "asker")
            try site.admin(handle: "the_admin")
            let thread = try site.thread(by: asker, title: "Who lends to a new mutual?", topics: [topic])
            let browser = try site.signedIn("asker")
            let nobody = try browser.get("/t/\(thread.id)/mentors").text
            #expect(nobody.contains("There is no mentor on the network who could be asked to this thread yet."))
            #expect(!nobody.contains("already been asked"))
            try Self.withExpertise(site, try site.mentor(handle: "busy_one"), topic: topic, busy: true)
            let one = try browser.get("/t/\(thread.id)/mentors").text
            #expect(one.contains("No mentor can take this thread now. The only mentor who could be asked is busy and not taking new threads."))
            try Self.withExpertise(site, try site.mentor(handle: "busy_two"), topic: topic, busy: true)
            let two = try browser.get("/t/\(thread.id)/mentors").text
            #expect(two.contains("No mentor can take this thread now. All 2 mentors who could be asked are busy and not taking new threads."))

            // A mentor with one open linked thread says "1 open thread" everywhere: in the list to
            // ask directly and in the list to suggest to the admins, public thread or private.
            let free = try site.mentor(handle: "free_mentor")
            try Self.withExpertise(site, free, topic: topic)
            #expect(try browser.post("/t/\(thread.id)/mentors", [("mentors", "free_mentor")]).status == 303)
            let pathfinder = try site.organisation("tri-borough", name: "Tri-borough")
            let member = try site.member(of: pathfinder, handle: "member")
            let privateThread = try site.thread(in: .organisation(pathfinder), by: member, title: "Private bond terms", topics: [topic])
            let publicThread = try site.thread(by: member, title: "Public bond terms", topics: [topic])
            let memberBrowser = try site.signedIn("member")
            let privatePage = try memberBrowser.get("/t/\(privateThread.id)/mentors").text
            #expect(privatePage.contains("<option value=\"free_mentor\">"))
            #expect(privatePage.contains("1 open thread"))
            #expect(!privatePage.contains("0 open threads"))
            let publicPage = try memberBrowser.get("/t/\(publicThread.id)/mentors").text
            #expect(publicPage.contains("value=\"free_mentor\""))
            #expect(publicPage.contains("1 open thread"))
            #expect(!publicPage.contains("0 open threads"))
        }
    }
}
