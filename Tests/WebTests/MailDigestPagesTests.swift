import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 15 through the real server: the email choices on the notification settings page,
/// unsubscribing from a mail's link (page, button, RFC 8058 one-click, tampered links) and the
/// weekly briefing page.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MailDigestPagesTests {
    func mailDigest(_ site: TestSite) -> MailDigestService { Network(accounts: site.accounts).mailDigest }

    @Test func thePreferencesFormKeepsEveryChoiceAndConfirms() throws {
        try withTestSite { site in
            let member = try site.member(handle: "helen")
            let browser = try site.signedIn("helen", landingOn: "/account/notifications")
            let page = try #require(browser.lastResponse)
            #expect(page.status == 200)
            // Each box is followed by its own label, in one row (issue 18, item 15).
            #expect(page.text.contains(#"<div class="checkboxes__item"><input class="checkboxes__input" id="kind-reply" name="kind" type="checkbox" value="reply" checked><label class="label checkboxes__label" for="kind-reply">"#))
            #expect(page.text.contains(#"id="email-reply-immediately" name="email-reply" type="radio" value="immediately" aria-describedby="email-reply-hint" checked>"#))
            #expect(page.text.contains(#"id="email-accepted-never" name="email-accepted" type="radio" value="never" aria-describedby="email-accepted-hint" checked>"#))
            #expect(page.text.contains(#"id="weekly-briefing" name="weekly-briefing" type="checkbox" value="on" checked>"#))

            var fields: [(String, String)] = [("email-settings", "1"), ("kind", "reply"), ("kind", "mention")]
            fields += [("email-reply", "daily"), ("email-mention", "never"), ("email-accepted", "immediately"), ("email-moderation", "bogus")]
            let saved = try browser.post("/account/notifications", fields)
            #expect(saved.status == 303 && saved.header("location")?.hasPrefix("/account/notifications?notice=notification-settings-saved.") == true)
            let after = try browser.follow(saved)
            #expect(after.text.contains("Settings saved"))
            #expect(after.text.contains(#"value="daily" aria-describedby="email-reply-hint" checked>"#))
            #expect(after.text.contains(#"value="never" aria-describedby="email-mention-hint" checked>"#))
            #expect(after.text.contains(#"value="immediately" aria-describedby="email-accepted-hint" checked>"#))
            #expect(after.text.contains(#"value="never" aria-describedby="email-moderation-hint" checked>"#))
            #expect(after.text.contains(#"id="weekly-briefing" name="weekly-briefing" type="checkbox" value="on">"#))
            #expect(!after.text.contains(#"value="accepted" checked"#))
            let stored = try mailDigest(site).preferences(userID: member.id)
            #expect(stored.delivery(.reply) == .daily && stored.delivery(.mention) == .never && stored.delivery(.accepted) == .immediately)
            #expect(!stored.weeklyBriefing)

            // Without the CSRF token nothing changes, and the page says why.
            let refused = try browser.post("/account/notifications", [("email-settings", "1"), ("weekly-briefing", "on")], csrf: "wrong")
            #expect(refused.status == 403)
            #expect(try mailDigest(site).preferences(userID: member.id).weeklyBriefing == false)
        }
    }

    @Test func unsubscribingWorksWithoutSigningIn() throws {
        try withTestSite { site in
            let member = try site.member(handle: "helen")
            let token = try mailDigest(site).unsubscribeToken(userID: member.id, scope: .notification(.mention))
            let browser = site.browser()
            let page = try browser.get("/unsubscribe/\(token)")
            #expect(page.status == 200)
            #expect(page.text.contains("Stop getting emails when: someone mentions you"))
            #expect(page.text.contains(#"<button class="button" type="submit">Unsubscribe</button>"#))
            let done = try browser.post("/unsubscribe/\(token)", [])
            #expect(done.status == 200)
            #expect(done.text.contains("You are unsubscribed. You will no longer get emails when: someone mentions you"))
            let after = try mailDigest(site).preferences(userID: member.id)
            #expect(after.delivery(.mention) == .never && after.delivery(.reply) == .immediately)

            // The button's form is checked like any other: without its token, nothing happens.
            let weekly = try mailDigest(site).unsubscribeToken(userID: member.id, scope: .weeklyBriefing)
            #expect(try site.browser().post("/unsubscribe/\(weekly)", [("confirm", "yes")], csrf: "").status == 403)
            #expect(try mailDigest(site).preferences(userID: member.id).weeklyBriefing)
        }
    }

    func rawPost(_ site: TestSite, _ path: String, contentType: String, body: String) throws -> ClientResponse {
        let client = try site.client()
        defer { client.close() }
        try client.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        return try client.readResponse()
    }

    @Test func oneClickUnsubscribeNeedsNoCookieNorToken() throws {
        try withTestSite { site in
            let member = try site.member(handle: "helen")
            // Even where reading requires signing in, the link works.
            let admin = try site.admin()
            try Moderation.setSetting(site.store, actor: try site.actor(admin.handle), .requireSignInToRead, to: "1")
            let weekly = try mailDigest(site).unsubscribeToken(userID: member.id, scope: .weeklyBriefing)
            let response = try rawPost(site, "/unsubscribe/\(weekly)", contentType: "application/x-www-form-urlencoded",
                                       body: "List-Unsubscribe=One-Click")
            #expect(response.status == 200)
            #expect(try mailDigest(site).preferences(userID: member.id).weeklyBriefing == false)

            // RFC 8058 §8.1's example sends it as multipart/form-data.
            let reply = try mailDigest(site).unsubscribeToken(userID: member.id, scope: .notification(.reply))
            let boundary = "---FormBoundaryjWmhtjORrn"
            let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--\(boundary)--\r\n"
            let second = try rawPost(site, "/unsubscribe/\(reply)", contentType: "multipart/form-data; boundary=\(boundary)", body: multipart)
            #expect(second.status == 200)
            #expect(try mailDigest(site).preferences(userID: member.id).delivery(.reply) == .never)

            // The exemption is that body on that route only: anything more is a form and needs its token.
            let mention = try mailDigest(site).unsubscribeToken(userID: member.id, scope: .notification(.mention))
            let extra = try rawPost(site, "/unsubscribe/\(mention)", contentType: "application/x-www-form-urlencoded",
                                    body: "List-Unsubscribe=One-Click&also=1")
            #expect(extra.status == 403)
            #expect(try mailDigest(site).preferences(userID: member.id).delivery(.mention) == .immediately)
            let elsewhere = try rawPost(site, "/account/notifications", contentType: "application/x-www-form-urlencoded",
                                        body: "List-Unsubscribe=One-Click")
            #expect(elsewhere.status != 200)
        }
    }

    @Test func aTamperedLinkGetsAClearErrorAndChangesNothing() throws {
        try withTestSite { site in
            let member = try site.member(handle: "helen")
            let token = try mailDigest(site).unsubscribeToken(userID: member.id, scope: .notification(.mention))
            let tampered = token.replacingOccurrences(of: "\(member.id).", with: "\(member.id + 1).")
            let page = try site.browser().get("/unsubscribe/\(tampered)")
            #expect(page.status == 400)
            #expect(page.text.contains("This unsubscribe link is not valid"))
            let oneClick = try rawPost(site, "/unsubscribe/\(String(token.dropLast()))", contentType: "application/x-www-form-urlencoded",
                                       body: "List-Unsubscribe=One-Click")
            #expect(oneClick.status == 400)
            #expect(try site.browser().get("/unsubscribe/nonsense").status == 400)
            #expect(try mailDigest(site).preferences(userID: member.id).delivery(.mention) == .immediately)
        }
    }

    @Test func theWeeklyBriefingPageShowsEachReaderTheirOwnDigest() throws {
        try withTestSite { site in
            let week = try #require(ISOWeek("2026-W49"))
            let during = week.start.addingTimeInterval(86_400)
            let capital = try site.topic()
            let pathfinder = try site.organisation("river-care")
            let member = try site.member(of: pathfinder, handle: "insider")
            let mentor = try site.mentor(of: pathfinder, handle: "guide")
            let open = try site.thread(by: member, title: "Open bond <question>", topics: [capital], at: during)
            try site.reply(to: open, by: mentor, at: during)
            let secret = try site.thread(in: .organisation(pathfinder), by: member, title: "Private pension question", topics: [capital], at: during)
            try site.reply(to: secret, by: mentor, at: during)

            let visitor = try site.browser().get("/briefing/weekly/2026-W49")
            #expect(visitor.status == 200)
            #expect(visitor.text.contains("Open bond &lt;question&gt;"))
            #expect(!visitor.text.contains("Private pension question"))
            #expect(visitor.text.contains("This is the public weekly briefing"))
            #expect(visitor.text.contains(#"href="/briefing/weekly/2026-W48""#))
            let insider = try site.signedIn("insider").get("/briefing/weekly/2026-W49")
            #expect(insider.text.contains("Private pension question"))
            for malformed in ["2026-W54", "2026-49", "W49", "2026-W49x"] {
                #expect(try site.browser().get("/briefing/weekly/\(malformed)").status == 404)
            }
            let current = try site.browser().get("/briefing/weekly")
            #expect(current.status == 303)
            #expect(current.header("location") == "/briefing/weekly/\(ISOWeek(containing: Date()))")
            #expect(try site.browser().get("/briefing").text.contains(#"href="/briefing/weekly""#))
        }
    }

    @Test func notificationMailIsThreadedLinksToThePostAndIsDroppedAfterAccessEnds() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("river-care")
            let member = try site.member(of: pathfinder, handle: "insider")
            let mentor = try site.mentor(of: pathfinder, handle: "guide")
            try site.store.write { try $0.run("UPDATE users SET email_confirmed_at = created_at") }
            let thread = try site.thread(in: .organisation(pathfinder), by: member, title: "Our pension <question>")
            try Threads.reply(site.store, by: member.viewer, threadID: thread.id, body: "**Please** see [this](https://example.org), @guide")
            let notification = try #require(try site.scalar(Int64.self, "SELECT notification_id FROM mail_outbox WHERE user_id = ?", mentor.id))
            let mail = DigestMail(mailDigest: mailDigest(site), baseURL: "https://mutuals.example.org/")
            guard case .draft(let draft) = try mail.notification(notificationID: notification, userID: mentor.id) else {
                Issue.record("the mail was dropped")
                return
            }
            #expect(draft.subject == "Re: Our pension <question>")
            #expect(draft.inReplyTo == "thread-\(thread.id)@mutuals.example.org" && draft.references == [draft.inReplyTo ?? ""])
            #expect(draft.unsubscribeURL.hasPrefix("https://mutuals.example.org/unsubscribe/\(mentor.id).mention."))
            guard case .object(let context)? = draft.model["notification"] else { Issue.record("no notification in the model"); return }
            guard case .text(let excerpt)? = context.model.templateValue(for: "excerpt"),
                  case .text(let link)? = context.model.templateValue(for: "link") else { Issue.record("no excerpt or link"); return }
            #expect(excerpt == "Please see this, @guide")
            #expect(link.hasPrefix("https://mutuals.example.org/t/\(thread.id)-") && link.contains("#post-"))
            // The link in the mail opens its page.
            let path = String(draft.unsubscribeURL.dropFirst("https://mutuals.example.org".count))
            #expect(try site.browser().get(path).status == 200)

            // The mentorship ends before the sender gets to it: the message is dropped.
            try site.endMentorships(of: mentor)
            guard case .drop = try mail.notification(notificationID: notification, userID: mentor.id) else {
                Issue.record("a mail about a thread the mentor can no longer read was composed")
                return
            }
        }
    }
}
