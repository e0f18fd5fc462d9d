import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// A refused edit of an existing topic or organisation comes back on that one's form, with what
/// the admin typed, its error beside the field and the summary's link landing on it; the form
/// for a new one stays empty (it had the typed text and the error, and the edited row lost them).
@Suite(.serialized, .timeLimit(.minutes(2))) struct AdminRowEditTests {
    /// The `<form>` posting to `action`, up to its end.
    func form(_ html: String, action: String) -> Substring {
        guard let start = html.range(of: "action=\"\(action)\"") else { return "" }
        let rest = html[start.lowerBound...]
        return rest[..<(rest.range(of: "</form>")?.lowerBound ?? rest.endIndex)]
    }

    @Test func aRefusedTopicEditComesBackOnItsOwnForm() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin()
            _ = try site.topic("capital-and-finance", name: "Capital and finance", position: 1)
            let other = try site.topic("governance-and-legal-form", name: "Governance and legal form", position: 2)
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/topics")
            let refused = try browser.post("/admin/topics/\(other)", [("action", "save"), ("name", "Capital and finance"),
                                                                      ("description", "Typed words to keep")])
            #expect(refused.status == 422)
            let edited = form(refused.text, action: "/admin/topics/\(other)")
            #expect(edited.contains("value=\"Capital and finance\""))
            #expect(edited.contains("Typed words to keep"))
            #expect(edited.contains("A topic with that name already exists"))
            #expect(refused.text.contains("href=\"#name-\(other)\""))
            #expect(edited.contains("id=\"name-\(other)\""))

            let new = form(refused.text, action: "/admin/topics")
            #expect(!new.contains("Typed words to keep"))
            #expect(!new.contains("already exists"))
            #expect(!new.contains("value=\"Capital and finance\""))
            // Nothing changed.
            #expect(try site.store.read { try $0.scalar(String.self, "SELECT name FROM topics WHERE id = ?", other) } == "Governance and legal form")

            // A refused new topic still comes back on the new topic's form.
            let refusedNew = try browser.post("/admin/topics", [("name", "Capital and finance"), ("slug", "capital-again"),
                                                                ("description", "New words to keep")])
            #expect(refusedNew.status == 422)
            #expect(form(refusedNew.text, action: "/admin/topics").contains("New words to keep"))
            #expect(refusedNew.text.contains("href=\"#name\""))
            #expect(!form(refusedNew.text, action: "/admin/topics/\(other)").contains("already exists"))
        }
    }

    @Test func aRefusedOrganisationEditComesBackOnItsOwnForm() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin()
            let organisation = try site.organisation("riverside-care", name: "Riverside Care").id
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/organisations")
            let refused = try browser.post("/admin/organisations/\(organisation)",
                                           [("name", "R"), ("kind", "mentor_organisation"), ("region", "Typed region"),
                                            ("description", "Typed description to keep")])
            #expect(refused.status == 422)
            let edited = form(refused.text, action: "/admin/organisations/\(organisation)")
            #expect(edited.contains("value=\"R\""))
            #expect(edited.contains("value=\"Typed region\""))
            #expect(edited.contains("Typed description to keep"))
            #expect(edited.contains("<option value=\"mentor_organisation\" selected>"))
            #expect(edited.contains("Enter a name of 2 to 120 characters"))
            #expect(refused.text.contains("href=\"#name-\(organisation)\""))

            let new = form(refused.text, action: "/admin/organisations")
            #expect(!new.contains("Typed description to keep"))
            #expect(!new.contains("Enter a name"))
        }
    }
}

/// A refused form on a thread's admin page comes back as typed: its reason, its minutes, its
/// topics; the page's other forms stay as they were (the reason and choices were lost).
@Suite(.serialized, .timeLimit(.minutes(2))) struct AdminThreadFormTests {
    func form(_ html: String, action: String) -> Substring {
        AdminRowEditTests().form(html, action: action)
    }

    @Test func aRefusedThreadToolKeepsWhatWasTyped() throws {
        try withTestSite(clock: TestClock()) { site in
            let admin = try site.admin()
            let slugs = ["capital-and-finance", "governance-and-legal-form", "contracts-and-procurement", "management-capacity"]
            let topics = try slugs.enumerated().map { try site.topic($0.element, position: $0.offset + 1) }
            let asker = try site.member(handle: "asker")
            let thread = try site.thread(by: asker, title: "Slow mode and topics for this thread", topics: [topics[0]])
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/threads/\(thread.id)")

            let slow = try browser.post("/admin/threads/\(thread.id)/slow-mode", [("minutes", "ten"), ("reason", "Heated replies")])
            #expect(slow.status == 422)
            let slowForm = form(slow.text, action: "/admin/threads/\(thread.id)/slow-mode")
            #expect(slowForm.contains("value=\"ten\""))
            #expect(slowForm.contains("value=\"Heated replies\""))
            #expect(!form(slow.text, action: "/admin/threads/\(thread.id)/topics").contains("Heated replies"))
            #expect(!form(slow.text, action: "/admin/threads/\(thread.id)\"").contains("Heated replies"))

            let retag = try browser.post("/admin/threads/\(thread.id)/topics",
                                         slugs.map { ("topics", $0) } + [("reason", "Better filed")])
            #expect(retag.status == 422)
            let topicsForm = form(retag.text, action: "/admin/threads/\(thread.id)/topics")
            for slug in slugs { #expect(topicsForm.contains("value=\"\(slug)\" checked"), "\(slug)") }
            #expect(topicsForm.contains("value=\"Better filed\""))
            #expect(!form(retag.text, action: "/admin/threads/\(thread.id)/slow-mode").contains("Better filed"))

            // Nothing changed, and a fresh page shows the thread as it is.
            let page = try browser.get("/admin/threads/\(thread.id)")
            #expect(form(page.text, action: "/admin/threads/\(thread.id)/slow-mode").contains("value=\"0\""))
            #expect(!form(page.text, action: "/admin/threads/\(thread.id)/topics").contains("value=\"\(slugs[1])\" checked"))
            #expect(!page.text.contains("Better filed"))
        }
    }
}
