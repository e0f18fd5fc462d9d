import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// A new thread's draft: "Discard draft" is a plain button of the form (no JavaScript needed).
@Suite(.serialized, .timeLimit(.minutes(2))) struct NewThreadDraftTests {
    @Test func discardDraftIsAPlainButtonThatEmptiesTheFormAndSaysSo() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", position: 1)
            let writer = try site.member(handle: "writer")
            let browser = try site.signedIn("writer", landingOn: "/t/new")
            let drafts = Network(accounts: site.accounts).drafts
            // No draft: nothing to discard.
            #expect(!(try browser.get("/t/new").text.contains("value=\"discard\"")))

            let typed: [(String, String)] = [("title", "Pensions after the spin-out"), ("body", "Who kept the LGPS?"),
                                             ("topics", "capital-and-finance"), ("space", "public"), ("briefing", "")]
            #expect(try browser.post("/t/new", typed + [("action", "preview")]).status == 200)
            let form = try browser.get("/t/new").text
            #expect(form.contains("<button class=\"button button--warning\" type=\"submit\" name=\"action\" value=\"discard\">Discard draft</button>"))

            // A forged form discards nothing, and comes back with what was typed.
            let forged = try browser.post("/t/new", typed + [("action", "discard")], csrf: "forged")
            #expect(forged.status == 403 && forged.text.contains("Who kept the LGPS?"))
            #expect(try drafts.draft(userID: writer.id, threadID: nil) != nil)

            let discarded = try browser.post("/t/new", typed + [("action", "discard")])
            #expect(discarded.status == 303)
            let location = try #require(discarded.header("location"))
            #expect(location.hasPrefix("/t/new?notice=draft-discarded."))
            #expect(try drafts.draft(userID: writer.id, threadID: nil) == nil)
            let landed = try browser.get(location).text
            #expect(landed.contains("notification-banner--success") && landed.contains("Your draft has been discarded."))
            #expect(!landed.contains("Pensions after the spin-out") && !landed.contains("Who kept the LGPS?"))
            #expect(!landed.contains("value=\"discard\"") && !landed.contains("id=\"draft-label\""))
            #expect(try site.store.read { try $0.scalar(Int.self, "SELECT count(*) FROM threads") } == 0)
        }
    }
}
