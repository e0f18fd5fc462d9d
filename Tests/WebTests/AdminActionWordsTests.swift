import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The admin pages offer only what their handlers allow, and every admin action ends with a
/// word on the page it came from (review of the admin pages): the users page's controls follow
/// Policy, a refused form comes back on the users page saying why, topics, organisations and
/// invites say what was done, a new invite's link is shown once after a redirect (never in a
/// URL), the queue offers "Suspend" only for authors who can be suspended, and the redirect to a
/// thread's right address keeps the quote asked for.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AdminActionWordsTests {
    /// The section of the users page about `handle`.
    func section(_ html: String, _ handle: String) -> Substring {
        guard let start = html.range(of: "@\(handle) (") else { return "" }
        let rest = html[start.lowerBound...]
        return rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)]
    }

    @Test func theUsersPageOffersOnlyWhatPolicyAllows() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let other = try site.admin(handle: "other_admin")
            let sam = try site.member(handle: "sam")
            let page = try site.signedIn(admin.handle).get("/admin/users")
            #expect(page.status == 200)

            let own = section(page.text, admin.handle)
            #expect(!own.contains("/admin/users/\(admin.id)/suspend"))
            #expect(!own.contains("/admin/users/\(admin.id)/role"))
            #expect(own.contains("You cannot do that to your own account."))

            let otherAdmin = section(page.text, other.handle)
            #expect(!otherAdmin.contains("/admin/users/\(other.id)/suspend"))
            #expect(otherAdmin.contains("action=\"/admin/users/\(other.id)/role\""))
            #expect(otherAdmin.contains("An admin cannot be suspended; change their role first."))

            let member = section(page.text, sam.handle)
            #expect(member.contains("action=\"/admin/users/\(sam.id)/suspend\""))
            #expect(member.contains("action=\"/admin/users/\(sam.id)/role\""))
            #expect(!member.contains("cannot"))
        }
    }

    @Test func aRefusedUserFormComesBackOnTheUsersPageSayingWhy() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let other = try site.admin(handle: "other_admin")
            let browser = try site.signedIn(admin.handle)
            let before = try site.logCount()
            let cases: [(path: String, fields: [(String, String)], message: String)] = [
                ("/admin/users/\(admin.id)/suspend?q=lead", [("days", "1"), ("reason", "Test")], "You cannot do that to your own account."),
                ("/admin/users/\(admin.id)/role/confirm?q=lead", [("role", "member")], "You cannot do that to your own account."),
                ("/admin/users/\(other.id)/suspend?q=lead", [("days", "1"), ("reason", "Test")],
                 "An admin cannot be suspended; change their role first."),
                ("/admin/users/\(other.id)/suspend/confirm?q=lead", [("days", "1"), ("reason", "Test")],
                 "An admin cannot be suspended; change their role first."),
            ]
            for refusal in cases {
                try browser.get("/admin/users?q=lead")
                let answer = try browser.post(refusal.path, refusal.fields)
                #expect(answer.status == 403, "\(refusal.path)")
                #expect(answer.text.contains("<title>Error: Users"), "\(refusal.path)")
                #expect(answer.text.contains("There is a problem"), "\(refusal.path)")
                #expect(answer.text.contains("<li>\(refusal.message)</li>"), "\(refusal.path): \(answer.text.prefix(2000))")
                #expect(!answer.text.contains("You do not have permission to see this page"), "\(refusal.path)")
                // The admin's search is kept.
                #expect(answer.text.contains("<input class=\"input\" id=\"q\" name=\"q\" type=\"text\" value=\"lead\">"), "\(refusal.path)")
            }
            #expect(try site.logCount() == before)
        }
    }

    @Test func topicAndOrganisationChangesSayWhatWasDone() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin()
            let browser = try site.signedIn(admin.handle)
            func act(_ page: String, _ path: String, _ fields: [(String, String)], says text: String) throws {
                try browser.get(page)
                let done = try browser.post(path, fields)
                #expect(done.status == 303, "\(path): \(done.text.prefix(400))")
                #expect(done.header("location")?.hasPrefix(page + "?notice=") == true, "\(path): \(done.header("location") ?? "")")
                let landed = try browser.follow(done)
                #expect(landed.text.contains("notification-banner--success"), "\(path)")
                #expect(landed.text.contains(text), "\(path): \(text)")
            }
            try act("/admin/topics", "/admin/topics", [("name", "Contracts"), ("slug", "contracts"), ("description", "Tenders")],
                    says: "Topic created. Members can choose it for their threads.")
            let topic = try site.id("SELECT id FROM topics WHERE slug = ?", "contracts")
            try act("/admin/topics", "/admin/topics/\(topic)", [("action", "save"), ("name", "Contracts and tenders"), ("description", "")],
                    says: "Topic saved.")
            try act("/admin/topics", "/admin/topics/\(topic)", [("action", "retire")], says: "Topic retired.")
            try act("/admin/topics", "/admin/topics/\(topic)", [("action", "restore")], says: "Topic brought back.")
            try act("/admin/organisations", "/admin/organisations",
                    [("name", "Riverside Care"), ("slug", "riverside-care"), ("kind", "pathfinder"), ("region", ""), ("description", "")],
                    says: "Organisation created.")
            let organisation = try site.organisationID("riverside-care")
            try act("/admin/organisations", "/admin/organisations/\(organisation)",
                    [("name", "Riverside Care CIC"), ("kind", "pathfinder"), ("region", ""), ("description", "")],
                    says: "Organisation saved.")
        }
    }

    @Test func aNewInviteIsMadeOnceAndItsLinkShownOnceOutsideTheURL() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin()
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/invites")
            let made = try browser.post("/admin/invites", [("role", "member"), ("organisation", ""), ("days", "14"), ("uses", "1")])
            #expect(made.status == 303)
            let location = try #require(made.header("location"))
            let invite = try site.id("SELECT max(id) FROM invites WHERE ?1 = ?1", "")
            #expect(location.hasPrefix("/admin/invites?notice=invite-made.\(invite)."))
            #expect(!location.contains("invite="), "the code never goes in a URL: \(location)")
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM invites") == 1)

            let page = try browser.get(location)
            #expect(page.text.contains("Invite made."))
            let marker = "/register?invite="
            let start = try #require(page.text.range(of: marker))
            let code = String(page.text[start.upperBound...].prefix { $0 != "<" })
            #expect(try site.accounts.invite(code: code)?.id == invite)
            // The cookie that carried it is cleared by that page: a reload says the invite was
            // made, but shows its link no more, and makes nothing.
            #expect(browser.cookie("__Host-new-invite") == nil)
            let reload = try browser.get(location)
            #expect(reload.text.contains("Invite made."))
            #expect(reload.text.contains("Its link was shown once."))
            #expect(!reload.text.contains(marker))
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM invites") == 1)

            // Revoking says so too.
            try browser.get("/admin/invites")
            let revoked = try browser.follow(try browser.post("/admin/invites/\(invite)/revoke", []))
            #expect(revoked.text.contains("Invite revoked. Its link no longer works."))
            #expect(try site.accounts.invite(code: code) == nil)
        }
    }

    @Test func theQueueOffersSuspendOnlyForAuthorsWhoCanBeSuspended() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin(handle: "lead_admin")
            let other = try site.admin(handle: "other_admin")
            let stays = try site.member(handle: "stays")
            let leaver = try site.member(handle: "leaver")
            let thread = try site.thread(by: stays)
            try site.heldReply(to: thread, by: stays, body: "Held from a member who stays")
            try site.heldReply(to: thread, by: leaver, body: "Held from a member who leaves")
            try site.heldReply(to: thread, by: other, body: "Held from an admin")
            try site.heldReply(to: thread, by: admin, body: "Held from the admin looking")
            #expect(try site.accounts.deleteAccount(userID: leaver.id, password: TestNetwork.password, address: "192.0.2.1"))

            let queue = try site.signedIn(admin.handle).get("/admin/queue")
            #expect(queue.status == 200)
            #expect(queue.text.contains("Post by @former_\(leaver.id)"))
            #expect(queue.text.contains("<a href=\"/admin/users?q=stays\">Suspend @stays</a>"))
            #expect(!queue.text.contains("Suspend @former_"))
            #expect(!queue.text.contains("Suspend @other_admin"))
            #expect(!queue.text.contains("Suspend @lead_admin"))
        }
    }

    @Test func theRedirectToAThreadsAddressKeepsTheQuote() throws {
        try withTestSite(clock: TestClock()) { site in
            let author = try site.member(handle: "asker")
            let thread = try site.thread(by: author)
            let reply = try site.reply(to: thread, by: try site.member(handle: "answerer"), body: "Ask the bank for a bond")
            let reader = try site.signedIn(author.handle)

            let bare = try reader.get("/t/\(thread.id)?quote=\(reply)")
            #expect(bare.status == 301)
            #expect(bare.header("location") == "\(thread.path)?quote=\(reply)#reply-heading")
            let wrongSlug = try reader.get("/t/\(thread.id)-old-title?page=1&quote=\(reply)")
            #expect(wrongSlug.header("location") == "\(thread.path)?quote=\(reply)#reply-heading")
            // Only a post id is kept.
            #expect(try reader.get("/t/\(thread.id)?quote=1%22x").header("location") == thread.path)

            let landed = try reader.get("\(thread.path)?quote=\(reply)")
            #expect(landed.status == 200)
            #expect(landed.text.contains("&gt; Ask the bank for a bond"))
        }
    }
}
