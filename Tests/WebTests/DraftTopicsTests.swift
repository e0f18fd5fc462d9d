import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// A new thread's draft keeps the topics chosen for it, whether kept as the member types
/// (`POST /drafts`) or by a preview: back on "Start a thread", they are ticked again ("Ask in
/// this topic" still ticks its own). A reply's draft has none.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DraftTopicsTests {
    func checked(_ html: String) -> [String] {
        html.components(separatedBy: "<input").dropFirst().compactMap { tag -> String? in
            let input = tag.prefix { $0 != ">" }
            guard input.contains("name=\"topics\""), input.contains(" checked"),
                  let start = input.range(of: "value=\"") else { return nil }
            return String(input[start.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test func aNewThreadsDraftKeepsItsTopics() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", position: 1)
            _ = try site.topic("governance-and-legal-form", position: 2)
            _ = try site.topic("management-capacity", position: 3)
            let writer = try site.member(handle: "writer")
            let browser = try site.signedIn("writer", landingOn: "/t/new")
            #expect(checked(try browser.get("/t/new").text).isEmpty)

            let saved = try browser.post("/drafts", [("thread", ""), ("title", "Pensions after the spin-out"), ("body", "Who kept the LGPS?"),
                                                     ("topics", "capital-and-finance"), ("topics", "management-capacity")])
            #expect(saved.status == 204)
            let form = try browser.get("/t/new").text
            #expect(form.contains("value=\"Pensions after the spin-out\""))
            #expect(checked(form) == ["capital-and-finance", "management-capacity"])
            // "Ask in this topic" ticks its own topic, not the draft's.
            #expect(checked(try browser.get("/t/new?topic=governance-and-legal-form").text) == ["governance-and-legal-form"])

            // A preview keeps them too.
            #expect(try browser.post("/t/new", [("title", "Pensions after the spin-out"), ("body", "Who kept the LGPS?"),
                                                ("topics", "governance-and-legal-form"), ("space", "public"), ("briefing", ""),
                                                ("action", "preview")]).status == 200)
            #expect(checked(try browser.get("/t/new").text) == ["governance-and-legal-form"])
            let draft = try Network(accounts: site.accounts).drafts.draft(userID: writer.id, threadID: nil)
            #expect(draft?.topics == ["governance-and-legal-form"])
        }
    }
}
