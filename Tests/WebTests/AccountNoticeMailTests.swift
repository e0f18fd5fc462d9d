import Board
import Foundation
import Testing
import TestSupport
import Web

/// A change of address or password is told to the account's address (the old one, for a new
/// address), so a change made by someone else with a session and the password is seen.
@Suite("Account change notices through a real SMTP relay", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: LoopbackRelay.isAvailable, "python3 with aiosmtpd is not installed (pip install aiosmtpd)"))
struct AccountNoticeMailTests {
    /// A confirmed change is told to the old address. An old address never confirmed may be a
    /// stranger's (a mistyped registration): it is told of the change, but not the new address.
    @Test(arguments: [true, false])
    func aConfirmedChangeOfAddressIsToldToTheOldAddress(oldAddressConfirmed: Bool) throws {
        try withTestSite { site in
            let member = try site.network.member(handle: "ann")
            if oldAddressConfirmed {
                try site.network.store.write { try $0.run("UPDATE users SET email_confirmed_at = 1 WHERE id = ?", member.id) }
            }
            let ann = try site.signedIn("ann", landingOn: "/account/email")
            let relay = try LoopbackRelay()
            let sender = try site.relaySender(try relay.transport)
            #expect(try ann.post("/account/email", [("email", "ann.new@example.org"), ("password", TestNetwork.password)]).status == 303)
            try sender.deliverDue()
            #expect(try relay.received().map(\.to) == ["ann.new@example.org"])   // nothing to the old address yet
            let link = try #require(try relay.link(to: "ann.new@example.org", "/confirm-email/"))
            #expect(try ann.get(link).status == 200)
            #expect(try ann.post(link, []).status == 200)
            try sender.deliverDue()
            let notice = try #require(try relay.received().last)
            #expect(notice.to == "ann@example.org")
            #expect(notice.subject == "The email address of your Mutuals Network account was changed")
            let text = notice.text.replacingOccurrences(of: "\n", with: " ")
            if oldAddressConfirmed {
                #expect(text.contains("was changed to ann.new@example.org"))
            } else {
                #expect(text.contains("was changed on"))
                #expect(!text.contains("ann.new@example.org"))
            }
            #expect(text.contains("If you did not, someone else may be using your account"))
        }
    }

    @Test func aPasswordChangedOnTheAccountPageIsTold() throws {
        try withTestSite { site in
            _ = try site.network.member(handle: "ann")
            let ann = try site.signedIn("ann", landingOn: "/account/password")
            let relay = try LoopbackRelay()
            let changed = try ann.post("/account/password", [("currentPassword", TestNetwork.password),
                                                             ("newPassword", "a brand new passphrase")])
            #expect(changed.status == 303)
            try site.relaySender(try relay.transport).deliverDue()
            let received = try relay.received()
            #expect(received.map(\.to) == ["ann@example.org"])
            #expect(received.map(\.subject) == ["The password of your Mutuals Network account was changed"])
            let text = try #require(received.first).text.replacingOccurrences(of: "\n", with: " ")
            #expect(text.contains("/forgot-password"))
        }
    }

    @Test func aPasswordSetThroughAResetLinkIsTold() throws {
        try withTestSite { site in
            _ = try site.network.member(handle: "ann")
            let relay = try LoopbackRelay()
            let sender = try site.relaySender(try relay.transport)
            let visitor = site.browser()
            try visitor.get("/forgot-password")
            #expect(try visitor.post("/forgot-password", [("email", "ann@example.org")]).status == 303)
            try sender.deliverDue()
            let link = try #require(try relay.link(to: "ann@example.org", "/reset-password/"))
            try visitor.get(link)
            #expect(try visitor.post(link, [("newPassword", "a brand new passphrase")]).status == 303)
            try sender.deliverDue()
            #expect(try relay.received().map(\.subject) == ["Reset your Mutuals Network password",
                                                            "The password of your Mutuals Network account was changed"])
            #expect(try relay.received().last?.to == "ann@example.org")
        }
    }
}
