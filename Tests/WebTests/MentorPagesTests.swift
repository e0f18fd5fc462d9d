import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// The organisation page's "Mentors" section (its linked mentors), without the thread lists.
func mentorsSection(_ html: String) -> Substring {
    guard let start = html.range(of: "id=\"mentors-heading\"") else { return "" }
    let rest = html[start.upperBound...]
    return rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)]
}

@Suite(.serialized, .timeLimit(.minutes(3)))
struct MentorPagesTests {
    @Test func directoryFiltersAndProfileShowTheMentor() throws {
        try withTestSite(content: .demo) { world in
            let visitor = world.browser()
            let directory = try visitor.get("/mentors")
            #expect(directory.status == 200)
            #expect(directory.text.contains("Helen Marsh"))
            #expect(directory.text.contains("href=\"/mentors/helen_marsh\""))

            #expect(try visitor.get("/mentors?topic=staff-ownership-and-shareholding").text.contains("Helen Marsh"))
            #expect(!(try visitor.get("/mentors?topic=capital-and-finance").text.contains("Helen Marsh")))
            #expect(try visitor.get("/mentors?organisation=tri-borough-mutual").text.contains("Helen Marsh"))
            #expect(try visitor.get("/mentors?organisation=john-lewis-partnership").text.contains("Helen Marsh"))
            #expect(!(try visitor.get("/mentors?organisation=central-surrey-health").text.contains("Helen Marsh")))
            #expect(!(try visitor.get("/mentors?availability=unavailable").text.contains("Helen Marsh")))

            let profile = try visitor.get("/mentors/helen_marsh")
            #expect(profile.status == 200)
            #expect(profile.text.contains("Mentor · John Lewis Partnership"))
            #expect(profile.text.contains("Ownership and governance adviser"))
            #expect(profile.text.contains("Staff ownership and shareholding"))
            #expect(profile.text.contains("href=\"/o/tri-borough-mutual\""))
            #expect(profile.text.contains("Accepted answers"))
            // A visitor never sees answers in a private space listed on a profile.
            #expect(!profile.text.contains(DemoSite.privateTitle))

            #expect(try visitor.get("/mentors/sam_okafor").status == 404)
            #expect(try visitor.get("/mentors/nobody_at_all").status == 404)
        }
    }

    /// A mentor's profile was a dead end for someone who wanted to ask them: it never said how
    /// (mentors are asked to a thread, from its "Ask a mentor" page). Now it says, to each reader.
    @Test func aMentorsProfileSaysHowToAskThem() throws {
        try withTestSite { site in
            let mentor = try site.mentor(handle: "helen")
            let busy = try site.mentor(handle: "busy_mentor")
            try site.store.write { tx in
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Finance', 'available', ?)",
                           mentor.id, Fixtures.now)
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Finance', 'unavailable', ?)",
                           busy.id, Fixtures.now)
            }
            try site.member(handle: "asker")
            try site.suspended(handle: "benched")

            let member = try site.signedIn("asker")
            let page = try member.get("/mentors/helen").text
            #expect(page.contains("<h2 class=\"heading-m\" id=\"ask\">Ask Helen</h2>"))
            #expect(page.contains("<a href=\"/t/new\">Start a thread</a> with your question, then choose “Ask a mentor” on it and select Helen"))

            let visitor = try site.browser().get("/mentors/helen").text
            #expect(visitor.contains("<a href=\"/sign-in?next=%2Ft%2Fnew\">sign in</a>, start a thread"))

            let suspended = try site.signedIn("benched").get("/mentors/helen").text
            #expect(suspended.contains("id=\"ask\""))
            #expect(!suspended.contains("<a href=\"/t/new\">Start a thread</a>"))

            let busyPage = try member.get("/mentors/busy_mentor").text
            #expect(busyPage.contains("is busy and not taking new threads at the moment"))
            #expect(!busyPage.contains("<a href=\"/t/new\">Start a thread</a>"))

            // The mentor's own profile does not tell them how to ask themselves.
            #expect(!(try site.signedIn("helen").get("/mentors/helen").text.contains("id=\"ask\"")))
        }
    }

    @Test func mentorEditsTheirProfileWithErrorsKeptAndThenSaved() throws {
        try withTestSite(content: .demo) { world in
            let helen = try world.signedIn("helen_marsh", landingOn: "/mentors")
            let form = try helen.get("/mentor/profile")
            #expect(form.status == 200)
            #expect(form.text.contains("value=\"Ownership and governance adviser, John Lewis Partnership\""))

            let rejected = try helen.post("/mentor/profile", [("headline", ""), ("bio", "Kept text"),
                                                             ("topics", "capital-and-finance"), ("availability", "limited")])
            #expect(rejected.status == 422)
            #expect(rejected.text.contains("<title>Error: "))
            #expect(rejected.text.contains("Enter a headline"))
            #expect(rejected.text.contains("Kept text"))
            #expect(rejected.text.contains("id=\"topic-capital-and-finance\" name=\"topics\" value=\"capital-and-finance\" checked"))

            let saved = try helen.post("/mentor/profile", [("headline", "Shareholding models for new mutuals"), ("bio", "Partner for twenty years."),
                                                          ("topics", "capital-and-finance"), ("topics", "staff-ownership-and-shareholding"),
                                                          ("availability", "unavailable")])
            #expect(saved.status == 303)
            let profile = try helen.follow(saved)
            #expect(profile.text.contains("Shareholding models for new mutuals"))
            #expect(profile.text.contains("Capital and finance"))
            #expect(!profile.text.contains("Leadership and culture"))
            #expect(profile.text.contains("Busy: not taking new pathfinders"))
            #expect(try helen.get("/mentors?availability=unavailable").text.contains("Helen Marsh"))

            // A member has no mentor profile to edit; a forged form is refused.
            let sam = try world.signedIn("sam_okafor", landingOn: "/mentors")
            #expect(try sam.get("/mentor/profile").status == 403)
            #expect(try helen.post("/mentor/profile", [("headline", "Forged")], csrf: "wrong").status == 403)
        }
    }

    @Test func adminMakesAMemberAMentorAndBackAndItIsLogged() throws {
        try withTestSite(content: .demo) { world in
            let sam = try world.signedIn("sam_okafor", landingOn: "/mentors")
            #expect(try sam.get("/admin/mentors").status == 403)
            let refused = try sam.post("/admin/mentors/role", [("handle", "priya_nair"), ("role", "mentor")])
            #expect(refused.status == 403)
            #expect(try world.store.read { try $0.scalar(String.self, "SELECT role FROM users WHERE handle = 'priya_nair'") } == "member")

            let admin = try world.signedIn("network_admin", landingOn: "/mentors")
            #expect(try admin.get("/admin/mentors").status == 200)
            let before = try world.logCount("change_role")
            // The form asks first, saying who changes from what to what; nothing changes yet.
            let ask = try admin.post("/admin/mentors/role", [("handle", "priya_nair"), ("role", "mentor"), ("reason", "Bids adviser")])
            #expect(ask.status == 200)
            #expect(ask.text.contains("Change Priya Nair from member to mentor?"))
            #expect(ask.text.contains("action=\"/admin/mentors/role/confirm\""))
            #expect(try world.logCount("change_role") == before)
            let made = try admin.post("/admin/mentors/role/confirm", [("handle", "priya_nair"), ("role", "mentor"), ("reason", "Bids adviser")])
            #expect(made.status == 303)
            #expect(made.header("location")?.hasPrefix("/admin/mentors?notice=role.") == true)
            #expect(try admin.follow(made).text.contains("Priya Nair is now a mentor."))
            // The same link opened by anyone else says nothing.
            #expect(!(try world.browser().get(try #require(made.header("location"))).text.contains("is now a mentor")))
            #expect(try world.logCount("change_role") == before + 1)
            #expect(try admin.get("/mentors").text.contains("Priya Nair"))
            #expect(try admin.get("/mentors/priya_nair").status == 200)

            let unknown = try admin.post("/admin/mentors/role", [("handle", "no_such_person"), ("role", "mentor")])
            #expect(unknown.status == 422)
            #expect(unknown.text.contains("There is no member with that handle"))
            #expect(unknown.text.contains("value=\"no_such_person\""))
            let empty = try admin.post("/admin/mentors/role", [("handle", ""), ("role", "mentor"), ("reason", "Kept")])
            #expect(empty.status == 422)
            #expect(empty.text.contains("<a href=\"#handle\">Enter the handle of the person whose role you are changing</a>"))
            #expect(empty.text.contains("value=\"Kept\""))

            #expect(try admin.post("/admin/mentors/role/confirm", [("handle", "priya_nair"), ("role", "member")]).status == 303)
            #expect(try world.logCount("change_role") == before + 2)
            #expect(!(try admin.get("/mentors").text.contains("Priya Nair")))
            #expect(try admin.get("/mentors/priya_nair").status == 404)
        }
    }

    /// The mentor page's role change is the one role change (`Moderation.applyRoleChange`):
    /// a mentor made a member loses every mentorship at once, each ending logged.
    @Test func mentorMadeAMemberOnTheMentorPageLosesEveryMentorship() throws {
        try withTestSite(content: .demo) { world in
            let privatePath = try world.threadPath(try world.privateThreadID)
            let helen = try world.signedIn("helen_marsh", landingOn: "/mentors")
            #expect(try helen.get(privatePath).status == 200)
            let helenID = try world.actor("helen_marsh").userID
            let active = {
                try world.store.read {
                    try $0.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL", helenID) ?? 0
                }
            }
            let mentorships = try active()
            #expect(mentorships > 0)

            let admin = try world.signedIn("network_admin", landingOn: "/mentors")
            #expect(try admin.get("/admin/mentors").status == 200)
            let before = try world.logCount("end_mentorship")
            #expect(try admin.post("/admin/mentors/role/confirm", [("handle", "helen_marsh"), ("role", "member"), ("reason", "Stepped down")]).status == 303)
            #expect(try active() == 0)
            #expect(try world.logCount("end_mentorship") == before + mentorships)
            let logged = try world.store.read {
                try $0.scalar(String.self, "SELECT reason FROM moderation_log WHERE action = 'change_role' ORDER BY id DESC LIMIT 1")
            }
            #expect(logged == "mentor to member: Stepped down")
            #expect(try helen.get(privatePath).status == 404)
        }
    }

    @Test func endedMentorshipRemovesPrivateSpaceAccessAtOnce() throws {
        try withTestSite(content: .demo) { world in
            let privatePath = try world.threadPath(try world.privateThreadID)
            let helen = try world.signedIn("helen_marsh", landingOn: "/mentors")
            #expect(try helen.get(privatePath).status == 200)
            #expect(try helen.get("/mentor/queue").text.contains(DemoSite.privateTitle))
            #expect(mentorsSection(try helen.get("/o/tri-borough-mutual").text).contains("Helen Marsh"))

            let admin = try world.signedIn("network_admin", landingOn: "/mentors")
            let page = try admin.get("/admin/mentors")
            let mentorshipID = try #require(try world.store.read { conn in
                try conn.scalar(Int64.self, """
                    SELECT m.id FROM mentorships m JOIN organisations o ON o.id = m.organisation_id
                    WHERE o.slug = 'tri-borough-mutual' AND m.ended_at IS NULL
                    """)
            })
            #expect(page.text.contains("/admin/mentorships/\(mentorshipID)/end"))
            // A member cannot end it.
            let sam = try world.signedIn("sam_okafor", landingOn: "/mentors")
            #expect(try sam.post("/admin/mentorships/\(mentorshipID)/end", []).status == 403)
            #expect(try helen.get(privatePath).status == 200)

            let ended = try admin.post("/admin/mentorships/\(mentorshipID)/end", [("reason", "Programme finished")])
            #expect(ended.status == 303)
            #expect(try world.logCount("end_mentorship") == 1)
            #expect(try helen.get(privatePath).status == 404)
            #expect(!(try helen.get("/mentor/queue").text.contains(DemoSite.privateTitle)))
            #expect(!mentorsSection(try admin.get("/o/tri-borough-mutual").text).contains("Helen Marsh"))
            #expect(!(try admin.get("/mentors/helen_marsh").text.contains("href=\"/o/tri-borough-mutual\"")))
            let actor = try world.actor("helen_marsh")
            let tri = try world.organisationID("tri-borough-mutual")
            #expect(!Policy.belongsToSpace(actor, tri))

            // And linked again through the form: access is back, and logged.
            #expect(try admin.get("/admin/mentors").status == 200)
            let started = try admin.post("/admin/mentorships", [("mentor", "helen_marsh"), ("organisation", "tri-borough-mutual"),
                                                                ("started", "2026-03-01"), ("note", "Second phase")])
            #expect(started.status == 303)
            #expect(try world.logCount("start_mentorship") == 1)
            #expect(try helen.get(privatePath).status == 200)
            let duplicate = try admin.post("/admin/mentorships", [("mentor", "helen_marsh"), ("organisation", "tri-borough-mutual"),
                                                                  ("started", "2026-03-02"), ("note", "")])
            #expect(duplicate.status == 422)
            #expect(duplicate.text.contains("already supports"))
            let badDate = try admin.post("/admin/mentorships", [("mentor", "helen_marsh"), ("organisation", "central-surrey-health"),
                                                                ("started", "1 March"), ("note", "Kept note")])
            #expect(badDate.status == 422)
            #expect(badDate.text.contains("Kept note"))
        }
    }

    @Test func authorAsksAMentorWhoSeesItInTheQueueAndMayDecline() throws {
        try withTestSite(content: .demo) { world in
            let id = try #require(try world.store.read { try $0.scalar(Int64.self, """
                SELECT t.id FROM threads t JOIN users u ON u.id = t.author_id
                WHERE u.handle = 'sam_okafor' AND t.organisation_id IS NULL ORDER BY t.id DESC LIMIT 1
                """) })
            let admin = try world.signedIn("network_admin", landingOn: "/mentors")
            #expect(try admin.post("/admin/mentors/role/confirm", [("handle", "tom_beckett"), ("role", "mentor")]).status == 303)

            // Someone who did not ask cannot link mentors to the thread.
            let priya = try world.signedIn("priya_nair", landingOn: "/mentors")
            #expect(try priya.get("/t/\(id)/mentors").status == 403)
            #expect(try priya.post("/t/\(id)/mentors", [("mentors", "tom_beckett")]).status == 403)

            let sam = try world.signedIn("sam_okafor", landingOn: "/mentors")
            let ask = try sam.get("/t/\(id)/mentors")
            #expect(ask.status == 200)
            #expect(ask.text.contains("value=\"tom_beckett\""))
            let empty = try sam.post("/t/\(id)/mentors", [])
            #expect(empty.status == 422)
            #expect(empty.text.contains("Select at least one mentor"))
            let linked = try sam.post("/t/\(id)/mentors", [("mentors", "tom_beckett")])
            #expect(linked.status == 303)
            let thread = try sam.follow(linked)
            #expect(thread.text.contains("Tom Beckett"))
            #expect(!(try sam.get("/t/\(id)/mentors").text.contains("value=\"tom_beckett\"")))

            let tom = try world.signedIn("tom_beckett", landingOn: "/mentors")
            let queue = try tom.get("/mentor/queue")
            #expect(queue.status == 200)
            #expect(queue.text.contains("Linked to you"))
            #expect(queue.text.contains("href=\"/mentor/queue/\(id)/decline\""))
            let declinePage = try tom.get("/mentor/queue/\(id)/decline")
            #expect(declinePage.text.contains("Note to Sam Okafor (optional)"))
            let declined = try tom.post("/mentor/queue/\(id)/decline", [("note", "Helen knows contracts better than I do")])
            #expect(declined.status == 303)
            #expect(declined.header("location")?.hasPrefix("/mentor/queue?notice=declined.") == true)
            let after = try tom.follow(declined)
            #expect(after.text.contains("Declined. The asker has been told."))
            #expect(!after.text.contains("href=\"/mentor/queue/\(id)/decline\""))
            #expect(try tom.get("/mentor/queue/\(id)/decline").status == 404)
            // The asker hears, with the note.
            let heard = try sam.get("/notifications")
            #expect(heard.text.contains("Tom Beckett declined to mentor"))
            #expect(heard.text.contains("Helen knows contracts better than I do"))
            let status = try world.store.read {
                try $0.scalar(String.self, "SELECT status FROM thread_mentors WHERE thread_id = ? AND mentor_id = ?", id, try world.userID("tom_beckett"))
            }
            #expect(status == "declined")
            #expect(!(try sam.get(try world.threadPath(id)).text.contains("Tom Beckett")))
        }
    }

    @Test func adminLinkIsLoggedAndMembersCannotLinkToOthersThreads() throws {
        try withTestSite(content: .demo) { world in
            let id = try world.privateThreadID
            let admin = try world.signedIn("network_admin", landingOn: "/mentors")
            #expect(try admin.post("/admin/mentors/role/confirm", [("handle", "tom_beckett"), ("role", "mentor")]).status == 303)
            // Tom supports no pathfinder, so he is neither offered for nor linked to the private thread.
            #expect(!(try admin.get("/t/\(id)/mentors").text.contains("value=\"tom_beckett\"")))
            let outsider = try admin.post("/t/\(id)/mentors", [("mentors", "tom_beckett")])
            #expect(outsider.status == 422)
            #expect(outsider.text.contains("Only mentors who support this pathfinder"))
            let publicID = try #require(try world.store.read { try $0.scalar(Int64.self, """
                SELECT t.id FROM threads t JOIN users u ON u.id = t.author_id
                WHERE u.handle = 'sam_okafor' AND t.organisation_id IS NULL ORDER BY t.id LIMIT 1
                """) })
            let before = try world.logCount("link_mentor")
            #expect(try admin.post("/t/\(publicID)/mentors", [("mentors", "tom_beckett")]).status == 303)
            #expect(try world.logCount("link_mentor") == before + 1)
            // An outsider cannot even learn the private thread exists.
            let priya = try world.signedIn("priya_nair", landingOn: "/mentors")
            #expect(try priya.post("/t/\(id)/mentors", [("mentors", "helen_marsh")]).status == 404)
            #expect(throws: MentorError.notFound) {
                try Mentors.link(world.store, by: try world.actor("priya_nair"), threadID: id, mentorHandles: ["helen_marsh"])
            }
        }
    }
}
