import Board
import Foundation
import Mail
import Testing
import TestSupport
@testable import Web

/// Mail follow-ups of issue 15: the plain-text part wrapped at 72 columns without breaking a
/// link, and a reset link replaced by a newer one saying so.
@Suite(.serialized, .timeLimit(.minutes(2))) struct PolishMailTests {
    static let longURL = "https://mutuals.example.org/reset-password/" + String(repeating: "Ab3_", count: 12)

    @Test func wrapsLongLinesAtSpacesAndNeverBreaksALink() {
        let paragraph = "Someone asked to reset the password of your Mutuals Network account (a_rather_long_handle). "
            + "To choose a new password, open this link: " + Self.longURL + " and then sign in again."
        let wrapped = PlainTextWrapping.wrapped(paragraph)
        let lines = wrapped.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count > 1)
        for line in lines { #expect(line.count <= 72 || !line.contains(" "), "\(line)") }
        #expect(lines.contains { $0 == Self.longURL })
        // Nothing lost or added but line breaks.
        #expect(wrapped.replacingOccurrences(of: "\n", with: " ") == paragraph)
    }

    @Test(arguments: [71, 72, 73]) func aLineOfTheWidthIsKept(length: Int) {
        let line = String(repeating: "word ", count: 20).prefix(length - 1) + "x"
        let wrapped = PlainTextWrapping.wrapped(String(line))
        #expect((wrapped == line) == (length <= 72))
        #expect(wrapped.split(separator: "\n").allSatisfy { $0.count <= 72 })
    }

    @Test func aListItemContinuesUnderItsTextAndTheSignatureStays() throws {
        let item = "* " + String(repeating: "Tender asks for a performance bond ", count: 4) + Self.longURL
        let text = "Hello,\n\n" + item + "\n  " + String(repeating: "an indented summary line ", count: 5) + "\n\n-- \nFooter"
        let lines = PlainTextWrapping.wrapped(text).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("* Tender") })
        #expect(lines[start + 1].hasPrefix("  ") && !lines[start + 1].hasPrefix("   "))
        #expect(lines.contains("  " + Self.longURL))
        #expect(lines.contains("-- "))
        for line in lines { #expect(line.count <= 72 || line.trimmingCharacters(in: .whitespaces).split(separator: " ").count == 1) }
    }

    @Test func sentMailHasNoLineOverTheWidthButItsLinks() throws {
        try withTestSite { site in
            let ann = try site.network.member(handle: "ann")
            try site.network.store.write {
                try $0.run("UPDATE users SET display_name = ? WHERE id = ?", "Annabel Featherstonehaugh-Cholmondeley of the Tri-borough Mutual", ann.id)
            }
            #expect(try site.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1") == .accepted)
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            let text = try #require(kept.last(to: "ann@example.org")?.text)
            for line in text.split(separator: "\n") {
                #expect(line.count <= 72 || line.split(separator: " ").last?.hasPrefix("https://") == true, "\(line)")
            }
            #expect(text.contains("\n-- \n") || !text.contains("\n--"))
            #expect(text.replacingOccurrences(of: "\n", with: " ").contains("Setting a new password signs your account out everywhere."))
        }
    }

    @Test func anOlderResetLinkSaysItWasReplaced() throws {
        let clock = TestClock()
        try withTestSite(clock: clock) { site in
            _ = try site.network.member(handle: "ann")
            func latestToken() throws -> String {
                try #require(try site.network.store.read {
                    try $0.scalar(String.self, """
                        SELECT json_extract(payload, '$.token') FROM mail_outbox WHERE kind = 'password_reset' ORDER BY id DESC LIMIT 1
                        """)
                })
            }
            #expect(try site.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1") == .accepted)
            let first = try latestToken()
            clock.advance(120)
            #expect(try site.accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1") == .accepted)
            let second = try latestToken()
            #expect(first != second)
            // Only the newest link works.
            #expect(try site.accounts.resetLinkProblem(token: first) == .replaced)
            #expect(try site.accounts.resetLinkProblem(token: second) == nil)

            let old = try site.get("/reset-password/" + first)
            #expect(old.status == 410)
            #expect(old.text.contains("This link was replaced by a newer one"))
            #expect(old.text.contains("Use the link in the latest email, or ask for a new link below."))
            #expect(!old.text.contains("already been used"))
            // The first message, still queued, is dropped: only the live link is mailed.
            let kept = KeptMail()
            try site.sendQueuedMail(into: kept)
            #expect(kept.messages.withLock { $0.count } == 1)
            #expect(kept.last(to: "ann@example.org")?.text.contains(second) == true)
            let browser = site.browser()
            _ = try browser.get("/reset-password/" + second)
            #expect(try browser.post("/reset-password/" + second, [("newPassword", "a brand new passphrase")]).status == 303)
            // The newest link itself was used, and says so.
            #expect(try site.get("/reset-password/" + second).text.contains("This link has already been used"))
        }
    }
}
