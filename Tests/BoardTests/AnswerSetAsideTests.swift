import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Migration 27: an accepted answer that stops standing (hidden by an admin or by members'
/// flags) stops making its thread answered, for every page and filter that asks, and is the
/// answer again when restored, unless the author accepted another meanwhile.
@Suite struct AnswerSetAsideTests {
    @Test func aHiddenAnswerStopsAnsweringAndIsTheAnswerAgainWhenRestored() throws {
        try withTestNetwork { world in
            let asker = try world.member(handle: "asker")
            let helper = try world.member(handle: "helper")
            let admin = try world.admin()
            let adminActor = Actor(userID: admin.id, role: .admin)
            let thread = try world.thread(by: asker, title: "Who asked for a bond?", body: "Our tender asks for one.")
            let answer = try Threads.reply(world.store, by: helper.viewer, threadID: thread.id, body: "Ask the council's client team.")
            let other = try Threads.reply(world.store, by: helper.viewer, threadID: thread.id, body: "Or a guarantee from the bank.")
            func accepted() throws -> Int64? { try world.scalar(Int64.self, "SELECT accepted_post_id FROM threads WHERE id = ?", thread.id) }
            func answeredIDs() throws -> [Int64] {
                try world.store.read { conn in
                    try conn.column(Int64.self, "SELECT id FROM threads WHERE accepted_post_id IS NOT NULL")
                }
            }

            try Threads.acceptAnswer(world.store, by: asker.viewer, threadID: thread.id, postID: answer)
            #expect(try accepted() == answer)

            try Moderation.decide(world.store, actor: adminActor, postID: answer, .hide(reason: "Names a member's salary"))
            #expect(try accepted() == nil)
            #expect(try !answeredIDs().contains(thread.id))
            let page = try world.store.read { try PageQueries.thread($0, id: thread.id, page: 1, viewer: asker.viewer) }
            #expect(page?.acceptedPostID == nil)

            try Moderation.decide(world.store, actor: adminActor, postID: answer, .restore(reason: "Salary removed"))
            #expect(try accepted() == answer)

            // Hidden again; the asker accepts the other reply; the first, restored, stays a reply.
            try Moderation.decide(world.store, actor: adminActor, postID: answer, .hide(reason: "Names a member's salary"))
            try Threads.acceptAnswer(world.store, by: asker.viewer, threadID: thread.id, postID: other)
            try Moderation.decide(world.store, actor: adminActor, postID: answer, .restore(reason: "Salary removed"))
            #expect(try accepted() == other)
        }
    }
}
