import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// A write the storage refuses (issue 17, "the disk fills"): the member gets "could not save, try
/// again" with 503 and Retry-After and the form keeps their text; reading goes on; once the
/// storage is back, posting works without a restart. The writer's own connection is made to
/// refuse for real: `max_page_count` at the file's size gives SQLite's SQLITE_FULL exactly as a
/// full disk does, and `query_only` gives SQLITE_READONLY as a read-only file does.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StorageFailureTests {
    /// A body long enough to need new pages (and new search-index pages) whatever free space
    /// the file has: every word is different.
    static let longBody = (0..<2_500).map { "staffcouncil\($0)" }.joined(separator: " ")

    enum Refusal { case diskFull, readOnly }

    static func refuse(_ refusal: Refusal, _ world: TestSite) throws {
        try world.store.writeWithoutTransaction { connection in
            switch refusal {
            case .diskFull:
                let pages = try connection.scalar(Int.self, "PRAGMA page_count") ?? 0
                try connection.execute("PRAGMA max_page_count = \(pages)")
            case .readOnly:
                try connection.execute("PRAGMA query_only = ON")
            }
        }
    }

    static func restore(_ world: TestSite) throws {
        try world.store.writeWithoutTransaction { connection in
            try connection.execute("PRAGMA max_page_count = 1073741823")
            try connection.execute("PRAGMA query_only = OFF")
        }
    }

    static func expectNotSaved(_ response: ClientResponse, keeping text: String) {
        #expect(response.status == 503)
        #expect(response.header("retry-after") == "30")
        #expect(response.header("cache-control") == "no-store")
        #expect(response.text.contains("We could not save that just now"))
        #expect(response.text.contains(text + "</textarea>"))
    }

    @Test(arguments: [Refusal.diskFull, .readOnly])
    func replyComesBackWithItsTextAndPostsOnceStorageIsBack(_ refusal: Refusal) throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let thread = try world.publicThread()
            try sam.get(thread.path)
            let before = try world.scalar(Int.self, "SELECT count(*) FROM posts")
            try Self.refuse(refusal, world)

            let refused = try sam.post("/t/\(thread.id)/reply", [("body", Self.longBody), ("action", "post")])
            Self.expectNotSaved(refused, keeping: Self.longBody)
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM posts") == before)
            // Reading goes on, signed in or not.
            #expect(try sam.get(thread.path).status == 200)
            #expect(try world.browser().get("/").status == 200)

            try Self.restore(world)
            let posted = try sam.post("/t/\(thread.id)/reply", [("body", Self.longBody), ("action", "post")])
            #expect(posted.status == 303)
            #expect(try world.scalar(Int.self, "SELECT count(*) FROM posts") == (before ?? 0) + 1)
        }
    }

    @Test func newThreadAndEditComeBackWithTheirText() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let sam = try world.signedIn("sam_okafor")
            let topic = try #require(try world.scalar(String.self, "SELECT slug FROM topics WHERE retired = 0 ORDER BY position LIMIT 1"))
            try sam.get("/t/new")
            let mine = try #require(try world.scalar(Int64.self, """
                SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id WHERE u.handle = 'sam_okafor' ORDER BY p.id LIMIT 1
                """))
            try Self.refuse(.diskFull, world)

            let thread = try sam.post("/t/new", [("title", "Setting up a staff council"), ("body", Self.longBody),
                                                  ("topics", topic), ("space", "public"), ("action", "post")])
            Self.expectNotSaved(thread, keeping: Self.longBody)
            #expect(thread.text.contains("value=\"Setting up a staff council\""))

            try sam.get("/p/\(mine)/edit")
            let edit = try sam.post("/p/\(mine)/edit", [("body", Self.longBody), ("action", "post")])
            Self.expectNotSaved(edit, keeping: Self.longBody)

            try Self.restore(world)
            try sam.get("/t/new")
            let posted = try sam.post("/t/new", [("title", "Setting up a staff council"), ("body", Self.longBody),
                                                  ("topics", topic), ("space", "public"), ("action", "post")])
            #expect(posted.status == 303)
        }
    }

    @Test func otherWritesGetTheCouldNotSavePage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { world in
            let visitor = world.browser()
            try visitor.get("/sign-in")
            try Self.refuse(.readOnly, world)
            // Signing in writes a session: the page says so, instead of a 500.
            let password = world.passwords["sam_okafor"] ?? TestNetwork.password
            let refused = try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", password)])
            #expect(refused.status == 503)
            #expect(refused.header("retry-after") == "30")
            #expect(refused.text.contains("We could not save that just now"))
            try Self.restore(world)
            try visitor.get("/sign-in")
            #expect(try visitor.post("/sign-in", [("identifier", "sam_okafor"), ("password", password)]).status == 303)
        }
    }
}
