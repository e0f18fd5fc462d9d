import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// A new thread's draft: "Discard draft" is a plain button of the form (no JavaScript needed);
/// the draft keeps its private space and briefing item (migration 25), restored on "Start a
/// thread" only where the member may still post.
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

    /// A reply's draft could not be got rid of without JavaScript: emptying the box and
    /// previewing kept the old one, which came back on every visit. Its form now has the same
    /// "Discard draft" button.
    @Test func aReplysDraftHasADiscardButtonToo() throws {
        try withTestSite { site in
            let (thread, _, browser) = try site.answeredQuestion()
            let asker = try site.userID("asker")
            let drafts = Network(accounts: site.accounts).drafts
            #expect(!(try browser.get(thread.path).text.contains("value=\"discard\"")))

            let previewed = try browser.post("/t/\(thread.id)/reply", [("body", "Half a thought on payroll"), ("action", "preview")])
            #expect(previewed.text.contains("name=\"action\" value=\"discard\">Discard draft</button>"))
            // Emptied and previewed, the old draft stays: that is why the button is needed.
            #expect(try browser.post("/t/\(thread.id)/reply", [("body", ""), ("action", "preview")]).status == 200)
            let page = try browser.get(thread.path).text
            #expect(page.contains("Half a thought on payroll</textarea>"))
            #expect(page.contains("name=\"action\" value=\"discard\">Discard draft</button>"))

            let forged = try browser.post("/t/\(thread.id)/reply", [("body", "Half a thought on payroll"), ("action", "discard")], csrf: "forged")
            #expect(forged.status == 403)
            #expect(try drafts.draft(userID: asker, threadID: thread.id) != nil)

            let discarded = try browser.post("/t/\(thread.id)/reply", [("body", "Half a thought on payroll"), ("action", "discard")])
            #expect(discarded.status == 303)
            let location = try #require(discarded.header("location"))
            #expect(location.hasPrefix(thread.path + "?notice=reply-draft-discarded."))
            #expect(try drafts.draft(userID: asker, threadID: thread.id) == nil)
            let landed = try browser.get(location).text
            #expect(landed.contains("Your draft reply has been discarded."))
            #expect(!landed.contains("Half a thought on payroll") && !landed.contains("value=\"discard\""))
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM posts WHERE thread_id = ?", thread.id) == 2)
        }
    }

    /// "Start a thread about this item", and the item is retired while the member writes: the
    /// form was refused with "Select a briefing item from the list" (a list it does not have,
    /// its summary linking to no field), and again on every resend. Now it comes back without
    /// the item, saying so, and the next send posts the thread.
    @Test func aBriefingItemRetiredWhileWritingDoesNotBlockTheThread() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", position: 1)
            let writer = try site.member(handle: "writer")
            let item = try site.store.write { tx -> Int64 in
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                    VALUES ('Social investment for spin-outs', 'https://example.org/item', 'Example', ?, 'A summary', ?)
                    """, Fixtures.now, Fixtures.now)
                return tx.lastInsertedRowID
            }
            let browser = try site.signedIn("writer", landingOn: "/t/new?briefing=\(item)")
            #expect(browser.lastResponse?.text.contains("About the briefing item <strong>Social investment for spin-outs</strong>") == true)
            try site.store.write { tx in try tx.run("UPDATE briefing_items SET retired = 1 WHERE id = ?", item) }

            let typed: [(String, String)] = [("title", "Who lends to a new mutual?"), ("body", "Social investors, banks?"),
                                             ("topics", "capital-and-finance"), ("space", "public"), ("briefing", String(item)),
                                             ("action", "post")]
            let refused = try browser.post("/t/new", typed)
            #expect(refused.status == 422)
            #expect(refused.text.contains("The briefing item this thread was about is no longer in the briefing."))
            #expect(!refused.text.contains("href=\"#briefing\""))
            #expect(refused.text.contains("<input type=\"hidden\" name=\"briefing\" value=\"\">"))
            #expect(refused.text.contains("Social investors, banks?</textarea>"))
            #expect(try Network(accounts: site.accounts).drafts.draft(userID: writer.id, threadID: nil)?.briefingItemID == nil)

            let again = try browser.post("/t/new", typed.map { $0.0 == "briefing" ? ("briefing", "") : $0 })
            #expect(again.status == 303)
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM threads WHERE briefing_item_id IS NULL") == 1)
        }
    }

    @Test func aDraftKeepsItsSpaceAndBriefingItemWhileTheMemberMayStillPostThere() throws {
        try withTestSite { site in
            _ = try site.topic("capital-and-finance", position: 1)
            let pathfinder = try site.organisation("kingsmead-care", name: "Kingsmead Care")
            let writer = try site.member(of: pathfinder, handle: "writer")
            let item = try site.store.write { tx in
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                    VALUES ('Social investment for spin-outs', 'https://example.org/item', 'Example', ?, 'A summary', ?)
                    """, Fixtures.now, Fixtures.now)
                return tx.lastInsertedRowID
            }
            let browser = try site.signedIn("writer", landingOn: "/t/new")
            let drafts = Network(accounts: site.accounts).drafts
            let spaceRadio = "id=\"space-\(pathfinder.id)\" name=\"space\" type=\"radio\" value=\"\(pathfinder.id)\""
            let typed: [(String, String)] = [("title", "Pensions after the spin-out"), ("body", "Who kept the LGPS?"),
                                             ("topics", "capital-and-finance"), ("space", String(pathfinder.id)), ("briefing", String(item))]

            // Kept by a preview (no JavaScript), and restored.
            #expect(try browser.post("/t/new", typed + [("action", "preview")]).status == 200)
            let kept = try #require(try drafts.draft(userID: writer.id, threadID: nil))
            #expect(kept.organisationID == pathfinder.id && kept.briefingItemID == item)
            var form = try browser.get("/t/new").text
            #expect(form.contains(spaceRadio + " checked>"))
            #expect(!form.contains("id=\"space-public\" name=\"space\" type=\"radio\" value=\"public\" checked"))
            #expect(form.contains("<input type=\"hidden\" name=\"briefing\" value=\"\(item)\">"))
            #expect(form.contains("About the briefing item <strong>Social investment for spin-outs</strong>"))

            // Kept as the member types (`POST /drafts`, what drafts.js sends) too; an id naming
            // nothing is kept as none, not refused.
            #expect(try browser.post("/drafts", [("thread", ""), ("title", "Pensions"), ("body", "Who kept it?"),
                                                 ("space", "public"), ("briefing", "")]).status == 204)
            #expect(try drafts.draft(userID: writer.id, threadID: nil).map { [$0.organisationID, $0.briefingItemID] } == [nil, nil])
            #expect(try browser.post("/drafts", [("thread", ""), ("title", "Pensions"), ("body", "Who kept it?"),
                                                 ("space", "999999"), ("briefing", "999999")]).status == 204)
            #expect(try drafts.draft(userID: writer.id, threadID: nil).map { [$0.organisationID, $0.briefingItemID] } == [nil, nil])
            #expect(try browser.post("/drafts", [("thread", ""), ("title", "Pensions"), ("body", "Who kept it?"),
                                                 ("space", String(pathfinder.id)), ("briefing", String(item))]).status == 204)
            #expect(try browser.get("/t/new").text.contains(spaceRadio + " checked>"))

            // "Start a thread about this item" names its own item.
            let other = try site.store.write { tx in
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                    VALUES ('Pension bonds explained', 'https://example.org/bonds', 'Example', ?, 'A summary', ?)
                    """, Fixtures.now, Fixtures.now)
                return tx.lastInsertedRowID
            }
            #expect(try browser.get("/t/new?briefing=\(other)").text.contains("About the briefing item <strong>Pension bonds explained</strong>"))

            // No longer a member of the organisation, and the item retired: neither comes back,
            // the text does, and the thread would go to the public network.
            try site.store.write { tx in
                try tx.run("UPDATE users SET organisation_id = NULL WHERE id = ?", writer.id)
                try tx.run("UPDATE briefing_items SET retired = 1 WHERE id = ?", item)
            }
            let moved = try site.signedIn("writer", landingOn: "/t/new")
            form = try moved.get("/t/new").text
            #expect(form.contains("value=\"Pensions\""))
            #expect(!form.contains(spaceRadio) && !form.contains("About the briefing item"))
            #expect(form.contains("<input type=\"hidden\" name=\"briefing\" value=\"\">"))
            #expect(form.contains("id=\"readers\""))
            // The stored draft still has them (a member confirmed again finds them), but the form does not.
            let actor = try site.actor("writer")
            let restored = try #require(try drafts.newThreadDraft(for: actor))
            #expect(restored.organisationID == nil && restored.briefingItemID == nil && restored.title == "Pensions")
        }
    }

    /// A reply's draft keeps neither.
    @Test func aRepliesDraftHasNoSpaceOrItem() throws {
        try withTestNetwork { network in
            let writer = try network.member(handle: "writer")
            let pathfinder = try network.organisation()
            let thread = try network.thread(by: writer)
            let drafts = Network(accounts: network.accounts).drafts
            try drafts.save(userID: writer.id, threadID: thread.id, title: "", body: "A reply", organisationID: pathfinder.id)
            #expect(try drafts.draft(userID: writer.id, threadID: thread.id)?.organisationID == nil)
            #expect(try network.store.read { try $0.scalar(Int64.self, "SELECT organisation_id FROM drafts WHERE thread_id = ?", thread.id) } == nil)
        }
    }
}
