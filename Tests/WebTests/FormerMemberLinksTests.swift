import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A deleted account's name stayed a link on every post, thread and mentor list it appeared in,
/// to `/u/former_ID` or `/mentors/former_ID`, which answered "Page not found". The name is now
/// plain text there, and the old profile address says what happened (410); a deleted mentor's
/// mentorships end and their thread links go, as when a mentor is made a member.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FormerMemberLinksTests {
    @Test func aDeletedAccountsNameIsNoLongerALinkToNothing() throws {
        try withTestSite { site in
            let capital = try site.topic("capital-and-finance", name: "Capital and finance", position: 1)
            let pathfinder = try site.organisation("tri-borough-mutual", name: "Tri-borough Mutual")
            let leaver = try site.mentor(of: pathfinder, handle: "leaver")
            let asker = try site.member(handle: "asker")
            let started = try site.thread(by: leaver, title: "Who audits a new mutual?", topics: [capital])
            let asked = try site.thread(by: asker, title: "Working capital in year one", topics: [capital])
            let reply = try site.reply(to: asked, by: leaver, body: "Three months of payroll")
            try site.store.write { tx in
                try tx.run("INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at) VALUES (?, ?, ?, 'linked', ?, ?)",
                           asked.id, leaver.id, asker.id, Fixtures.now, Fixtures.now)
            }

            let browser = try site.signedIn("leaver", landingOn: "/account/data")
            let deleted = try browser.post("/account/delete", [("password", TestNetwork.password), ("confirm", "yes")])
            #expect(deleted.status == 303)
            let former = "former_\(leaver.id)"

            let reader = try site.signedIn("asker")
            let thread = try reader.get(asked.path).text
            #expect(thread.contains("<span class=\"post__author\" id=\"post-\(reply)-author\">former member</span>"))
            #expect(!thread.contains("/u/\(former)"))
            let home = try reader.get("/").text
            #expect(home.contains("Started by former member"))
            #expect(!home.contains("/u/\(former)"))
            #expect(!(try reader.get(started.path).text.contains("/u/\(former)")))
            // Search results name them without a link too.
            let results = try reader.get("/search?q=auditsx+OR+payroll+OR+audits").text
            #expect(results.contains("Three months of payroll") || results.contains("<mark>payroll</mark>"), "\(results)")
            #expect(results.contains("by former member"))
            #expect(!results.contains("/u/\(former)"))
            // A deleted mentor mentors nobody: taken off the thread, their mentorship ended.
            #expect(!thread.contains("Mentors: former member"))
            let ask = try reader.get("/t/\(asked.id)/mentors").text
            #expect(ask.contains("Already linked: nobody yet"))
            #expect(!ask.contains("/mentors/\(former)"))
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL", leaver.id) == 0)
            try site.admin(handle: "chief")
            #expect(!(try site.signedIn("chief").get("/admin/mentors").text.contains("/mentors/\(former)")))

            let gone = try reader.get("/u/\(former)")
            #expect(gone.status == 410)
            #expect(gone.text.contains("This member deleted their account."))
            // A member's own name still links to their profile.
            #expect(thread.contains("href=\"/u/asker\">Asker</a>"))
        }
    }
}
