import Foundation
import Testing
import TestSupport
@testable import Web

/// A refused form always comes back with what was typed, even when the form itself can no
/// longer be shown (the thread locked or the account suspended while the member wrote).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RefusedTextTests {
    static let text = "My long careful reply… with <care> & detail"
    static let shown = "My long careful reply… with &lt;care&gt; &amp; detail"

    @Test func replyToAThreadLockedMeanwhileShowsTheText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let sam = try world.signedIn("sam_okafor")
            try sam.get(thread.path)
            try world.store.write { try $0.run("UPDATE threads SET locked = 1 WHERE id = ?", thread.id) }
            let refused = try sam.post("/t/\(thread.id)/reply", [("body", Self.text), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("This thread is locked"))
            #expect(!refused.text.contains("name=\"body\""))
            #expect(refused.text.contains("Copy your text"))
            #expect(refused.text.contains("readonly aria-describedby=\"kept-text-hint\">\(Self.shown)</textarea>"))
            // Kept as a draft, which the locked thread's page shows read-only, not only once it is unlocked.
            #expect(try sam.get(thread.path).text.contains("readonly aria-describedby=\"kept-text-hint\">\(Self.shown)</textarea>"))
        }
    }

    @Test func replyWhenSuspendedMeanwhileShowsTheText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let sam = try world.signedIn("sam_okafor")
            try sam.get(thread.path)
            try world.store.write { try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE handle = 'sam_okafor'",
                                               Date().addingTimeInterval(86_400), "Repeated off-topic posts") }
            let refused = try sam.post("/t/\(thread.id)/reply", [("body", Self.text), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("readonly aria-describedby=\"kept-text-hint\">\(Self.shown)</textarea>"))
        }
    }

    @Test func replyToAThreadGoneOutOfReachShowsTheText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let sam = try world.signedIn("sam_okafor")
            try sam.get(thread.path)
            try world.store.write { try $0.run("UPDATE threads SET hidden = 1, hidden_by = (SELECT id FROM users WHERE handle = 'network_admin') WHERE id = ?", thread.id) }
            let refused = try sam.post("/t/\(thread.id)/reply", [("body", Self.text), ("action", "post")])
            #expect(refused.status == 404)
            #expect(refused.text.contains("readonly aria-describedby=\"kept-text-hint\">\(Self.shown)</textarea>"))
        }
    }

    @Test func newThreadWhenSuspendedMeanwhileKeepsTheText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            try sam.get("/t/new")
            try world.store.write { try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE handle = 'sam_okafor'",
                                               Date().addingTimeInterval(86_400), "Repeated off-topic posts") }
            let refused = try sam.post("/t/new", [("title", "A question I typed"), ("body", Self.text), ("action", "post")])
            #expect(refused.status == 403)
            #expect(refused.text.contains(">\(Self.shown)</textarea>"))
            #expect(refused.text.contains("value=\"A question I typed\""))
        }
    }

    @Test func editOfAPostInAThreadLockedMeanwhileShowsTheText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let thread = try world.publicThread()
            let sam = try world.signedIn("sam_okafor")
            try sam.get(thread.path)
            #expect(try sam.post("/t/\(thread.id)/reply", [("body", "First words"), ("action", "post")]).status == 303)
            let postID = try #require(try world.scalar(Int64.self, "SELECT id FROM posts WHERE body_markdown = 'First words'"))
            #expect(try sam.get("/p/\(postID)/edit").status == 200)
            try world.store.write { try $0.run("UPDATE threads SET locked = 1 WHERE id = ?", thread.id) }
            let refused = try sam.post("/p/\(postID)/edit", [("body", Self.text), ("action", "save")])
            #expect(refused.status == 403)
            #expect(refused.text.contains("readonly aria-describedby=\"kept-text-hint\">\(Self.shown)</textarea>"))
            #expect(try world.scalar(String.self, "SELECT body_markdown FROM posts WHERE id = ?", postID) == "First words")
        }
    }
}
