import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Only a pathfinder has a private space (`PrivateSpaces`): a thread cannot be started in any
/// other organisation, and now cannot be moved into one either. The admin's move form offered
/// "Private space of" every organisation, a mentors' organisation included, and the move went
/// through: the thread vanished from its author and every pathfinder into a space no page lists
/// and no one can post in (found by the sweep).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct MoveThreadSpacesTests {
    @Test func aThreadMovesOnlyIntoAPathfindersSpace() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("tri-borough", name: "Tri-borough Mutual")
            try site.organisation("partnership", name: "The Partnership", kind: "mentor_organisation")
            try site.organisation("information-service", name: "Information Service", kind: "other")
            let asker = try site.member(of: pathfinder, handle: "asker")
            try site.admin()
            let thread = try site.thread(by: asker, title: "Shadow board terms")
            let admin = try site.signedIn("admin")

            let page = try admin.get("/admin/threads/\(thread.id)")
            #expect(page.text.contains("<option value=\"tri-borough\">Private space of Tri-borough Mutual</option>"))
            #expect(!page.text.contains("Private space of The Partnership"))
            #expect(!page.text.contains("Private space of Information Service"))

            for slug in ["partnership", "information-service"] {
                _ = try admin.get("/admin/threads/\(thread.id)")
                let refused = try admin.post("/admin/threads/\(thread.id)/move", [("organisation", slug), ("reason", "")])
                #expect(refused.status == 422, "\(slug)")
                #expect(refused.text.contains("Choose where to move the thread"))
                #expect(try site.scalar(Int64.self, "SELECT organisation_id FROM threads WHERE id = ?", thread.id) == nil)
            }

            _ = try admin.get("/admin/threads/\(thread.id)")
            #expect(try admin.post("/admin/threads/\(thread.id)/move", [("organisation", "tri-borough"), ("reason", "")]).status == 303)
            #expect(try site.scalar(Int64.self, "SELECT organisation_id FROM threads WHERE id = ?", thread.id) == pathfinder.id)
        }
    }
}
