import Board
import Foundation
import Mail
import Synchronization
import Testing
import TestSupport
import Web

/// Keeps what the sender hands it. (The SMTP client has its own tests against a real server.)
final class KeptMail: MailTransport {
    let messages = Mutex<[MailMessage]>([])

    func deliver(_ message: MailMessage) throws(MailDeliveryError) {
        messages.withLock { $0.append(message) }
    }

    /// The last message to `address`.
    func last(to address: String) -> MailMessage? {
        messages.withLock { $0.last { $0.to.address == address } }
    }

    /// The site path of the first link in the text part of the last message to `address` that starts with `prefix`.
    func link(to address: String, startingWith prefix: String) -> String? {
        guard let text = last(to: address)?.text, let start = text.range(of: "https://127.0.0.1:") else { return nil }
        let url = text[start.lowerBound...].prefix { !$0.isWhitespace }
        guard let path = url.firstIndex(of: "/").flatMap({ url[url.index($0, offsetBy: 2)...].firstIndex(of: "/") }) else { return nil }
        let found = String(url[path...])
        return found.hasPrefix(prefix) ? found : nil
    }
}

extension TestSite {
    /// Runs the real sender over this site's store once, into `kept`, with links to this site.
    @discardableResult
    func sendQueuedMail(into kept: KeptMail) throws -> [OutboxSender.Outcome] {
        let network = Network(accounts: self.network.accounts)
        let site = MailSite(baseURL: "https://127.0.0.1:\(port)", from: MailAddress("network@example.org", displayName: "Mutuals Network"))
        let composers = try MailComposition.composers(templatesDirectory: TestNetwork.siteFiles.templatesDirectory, network: network, site: site)
        return try network.outboxSender(composers: composers, transport: kept).deliverDue()
    }
}

@Suite("Mailed links: confirmation, password reset", .serialized, .timeLimit(.minutes(2)))
struct AccountMailPagesTests {
    @Test func registeringMailsALinkThatConfirmsTheAddress() throws {
        try withTestSite(registration: .open) { site in
            let browser = site.browser()
            try site.register(browser, handle: "newcomer")
            #expect(try browser.get("/account").text.contains("not confirmed yet"))
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            let message = try #require(kept.last(to: "newcomer@example.org"))
            #expect(message.subject == "Confirm your email address for Mutuals Network")
            #expect(message.unsubscribeURL == nil)
            #expect(message.html.contains("Confirm your email address"))
            let link = try #require(kept.link(to: "newcomer@example.org", startingWith: "/confirm-email/"))
            // Opening the link changes nothing (mail scanners open every link): it shows the
            // address and a button, which works without signing in.
            let follower = site.browser()
            let opened = try follower.get(link)
            #expect(opened.status == 200)
            #expect(opened.text.contains("<button class=\"button\" type=\"submit\">Confirm newcomer@example.org</button>"))
            #expect(try site.browser().get(link).status == 200, "opened twice, still unused")
            #expect(try browser.get("/account").text.contains("not confirmed yet"))
            #expect(try follower.post(link, [], csrf: "").status == 403, "the button carries the form's token")
            let confirmed = try follower.post(link, [])
            #expect(confirmed.status == 200)
            #expect(confirmed.text.contains("newcomer@example.org is confirmed"))
            #expect(try browser.get("/account").text.contains("<strong>confirmed</strong>"))
            let again = try site.browser().get(link)
            #expect(again.status == 410)
            #expect(again.text.contains("This link has already been used"))
        }
    }

    @Test func aTamperedLinkGetsAClearPage() throws {
        try withTestSite { site in
            let confirm = try site.get("/confirm-email/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            #expect(confirm.status == 404)
            #expect(confirm.text.contains("This link is not valid"))
            let reset = try site.get("/reset-password/not-a-token")
            #expect(reset.status == 404)
            #expect(reset.text.contains("Ask for a new reset link"))
        }
    }

    @Test func forgottenPasswordThroughTheMailedLink() throws {
        try withTestSite { site in
            let ann = try site.network.member(handle: "ann")
            let signedIn = try site.signedIn("ann", landingOn: "/account")
            let visitor = site.browser()
            #expect(try visitor.get("/sign-in").text.contains("href=\"/forgot-password\""))
            try visitor.get("/forgot-password")
            let unknown = try visitor.post("/forgot-password", [("email", "nobody@example.org")])
            try visitor.get("/forgot-password")
            let known = try visitor.post("/forgot-password", [("email", "ann@example.org")])
            // One answer whether or not the address has an account.
            #expect(unknown.status == 303 && known.status == 303)
            #expect(unknown.header("location") == known.header("location"))
            #expect(try visitor.follow(known).text.contains("Check your email"))

            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            #expect(kept.messages.withLock { $0.count } == 1)
            let link = try #require(kept.link(to: "ann@example.org", startingWith: "/reset-password/"))
            #expect(kept.last(to: "ann@example.org")?.subject == "Reset your Mutuals Network password")

            let form = try visitor.get(link)
            #expect(form.status == 200)
            let weak = try visitor.post(link, [("newPassword", "short")])
            #expect(weak.status == 422)
            #expect(weak.text.contains("Password must be 10 characters or more"))
            let done = try visitor.post(link, [("newPassword", "a brand new passphrase")])
            #expect(done.status == 303)
            #expect(done.header("location") == "/sign-in?reset=1")
            #expect(try visitor.follow(done).text.contains("Your password has been changed"))
            // Every session ended: the browser that was signed in is not any more.
            #expect(try signedIn.get("/account").status == 303)
            #expect(try site.signIn(visitor, "ann", "a brand new passphrase").status == 303)
            #expect(try site.network.accounts.emailStatus(userID: ann.id)?.confirmed == true)
            let reused = try site.browser().get(link)
            #expect(reused.status == 410)
            #expect(reused.text.contains("This link has already been used"))
        }
    }

    @Test func aNameIsPlainInTheTextPartEscapedInTheHTMLAndNeverBreaksAHeader() throws {
        try withTestSite { site in
            let ann = try site.network.member(handle: "ann")
            try site.store.write { try $0.run("UPDATE users SET display_name = ? WHERE id = ?", "Ann O'Brien & Co\r\nBcc: x@evil.example", ann.id) }
            #expect(try site.network.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1") == .accepted)
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            let message = try #require(kept.last(to: "ann@example.org"))
            #expect(message.text.contains("Hello Ann O'Brien & Co"))
            #expect(message.html.contains("Hello Ann O&#39;Brien &amp; Co"))
            #expect(message.to.displayName == "Ann O'Brien & Co  Bcc: x@evil.example")
        }
    }

    @Test func changingTheAddressWaitsForTheNewOnesLink() throws {
        try withTestSite { site in
            _ = try site.network.member(handle: "ann")
            let browser = try site.signedIn("ann", landingOn: "/account/email")
            let wrong = try browser.post("/account/email", [("email", "ann@new.example"), ("password", "not my password")])
            #expect(wrong.status == 422)
            #expect(wrong.text.contains("value=\"ann@new.example\""))
            try browser.get("/account/email")
            let sent = try browser.post("/account/email", [("email", "ann@new.example"), ("password", TestNetwork.password)])
            #expect(sent.status == 303)
            let account = try browser.follow(sent).text
            #expect(account.contains("We have sent a confirmation link to ann@new.example"))
            #expect(account.contains("You asked to change it to ann@new.example"))
            // The same address asked again at once: a rate limit, said as one (429, it was 422), the address kept.
            try browser.get("/account/email")
            let again = try browser.post("/account/email", [("email", "ann@new.example"), ("password", TestNetwork.password)])
            #expect(again.status == 429)
            #expect(again.header("retry-after") == "60")
            #expect(again.text.contains("A confirmation link went to that address less than a minute ago"))
            #expect(again.text.contains("value=\"ann@new.example\""))
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            let link = try #require(kept.link(to: "ann@new.example", startingWith: "/confirm-email/"))
            #expect(try browser.get(link).text.contains("Confirm ann@new.example"))
            #expect(try site.accounts.account(handle: "ann")?.email == "ann@example.org", "opening changed nothing")
            try browser.get(link)
            #expect(try browser.post(link, []).text.contains("Your email address is now ann@new.example"))
            #expect(try browser.get("/account").text.contains("ann@new.example: <strong>confirmed</strong>"))
        }
    }

    /// A mistyped new address put right at once: the link to the wrong one says it was replaced.
    @Test func aMistypedNewAddressIsPutRightAtOnce() throws {
        try withTestSite { site in
            _ = try site.network.member(handle: "ann")
            let browser = try site.signedIn("ann", landingOn: "/account/email")
            #expect(try browser.post("/account/email", [("email", "ann@nwe.example"), ("password", TestNetwork.password)]).status == 303)
            try browser.get("/account/email")
            let corrected = try browser.post("/account/email", [("email", "ann@new.example"), ("password", TestNetwork.password)])
            #expect(corrected.status == 303)
            #expect(try browser.follow(corrected).text.contains("You asked to change it to ann@new.example"))
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            #expect(kept.link(to: "ann@nwe.example", startingWith: "/confirm-email/") == nil, "the replaced link's message is dropped unsent")
            let link = try #require(kept.link(to: "ann@new.example", startingWith: "/confirm-email/"))
            try browser.get(link)
            #expect(try browser.post(link, []).text.contains("Your email address is now ann@new.example"))
        }
    }

    /// Asking for another account's address is answered as asking for a free one, and the
    /// other person is sent nothing: it used to mail them a confirmation link.
    @Test func anotherAccountsAddressIsAnsweredAlikeAndItsOwnerMailedNothing() throws {
        try withTestSite(clock: TestClock()) { site in
            _ = try site.network.member(handle: "ann")
            _ = try site.network.member(handle: "bob")
            _ = try site.network.member(handle: "cat")
            func ask(_ handle: String, for address: String) throws -> (ClientResponse, String) {
                let browser = try site.signedIn(handle, landingOn: "/account/email")
                let sent = try browser.post("/account/email", [("email", address), ("password", TestNetwork.password)])
                return (sent, try browser.follow(sent).text)
            }
            let (taken, takenPage) = try ask("ann", for: "bob@example.org")
            let (free, freePage) = try ask("cat", for: "cat@new.example")
            #expect(taken.status == 303 && free.status == 303)
            #expect(taken.header("location")?.hasPrefix("/account?notice=email-link-sent.") == true)
            #expect(free.header("location")?.hasPrefix("/account?notice=email-link-sent.") == true)
            #expect(takenPage.contains("We have sent a confirmation link to bob@example.org"))
            #expect(freePage.contains("We have sent a confirmation link to cat@new.example"))
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            #expect(kept.last(to: "cat@new.example") != nil)
            #expect(kept.last(to: "bob@example.org") == nil, "bob is sent no link to move his address to ann's account")
            #expect(try site.accounts.account(handle: "bob")?.email == "bob@example.org")
        }
    }
}

@Suite("/admin/outbox", .serialized, .timeLimit(.minutes(2)))
struct OutboxPageTests {
    @Test func adminsSeeFailuresAndRetryThem() throws {
        try withTestSite { site in
            _ = try site.network.admin()
            _ = try site.network.member(handle: "ann")
            #expect(try site.network.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.9") == .accepted)
            try site.store.write { try $0.run("UPDATE mail_outbox SET state = 'failed', last_error = '550 mailbox unavailable', attempts = 1") }
            let member = try site.signedIn("ann", landingOn: "/")
            #expect(try member.get("/admin/outbox").status == 403)
            let admin = try site.signedIn("admin", landingOn: "/admin/outbox")
            let page = try admin.get("/admin/outbox")
            #expect(page.status == 200)
            #expect(page.text.contains("550 mailbox unavailable"))
            #expect(page.text.contains("href=\"/admin/outbox\""))
            let id = try #require(try site.store.read { try $0.scalar(Int64.self, "SELECT id FROM mail_outbox") })
            #expect(try admin.post("/admin/outbox/\(id)/retry", [], csrf: "").status == 403)
            let retried = try admin.post("/admin/outbox/\(id)/retry", [])
            #expect(retried.status == 303)
            #expect(try admin.follow(retried).text.contains("Message \(id) is queued again"))
            let kept = KeptMail()
            #expect(try site.sendQueuedMail(into: kept) == [.sent(id)])
        }
    }
}
