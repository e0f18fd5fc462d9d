import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The home page's thread lists walk their indexes and read no thread row (migration 29): every
/// column the one rule and "new since your last visit" read is in the index.
@Suite struct CoveringThreadListTests {
    func plan(_ conn: Connection, _ sql: String, _ viewer: Viewer) throws -> [String] {
        var details: [String] = []
        try conn.forEach("EXPLAIN QUERY PLAN " + sql, arguments: PageQueries.viewerArguments(viewer) + [20]) { row in
            details.append(try row["detail"])
        }
        return details
    }

    @Test(arguments: [("latest", "threads_latest"), ("unanswered", "threads_unanswered")])
    func listsAreReadFromTheirIndexAlone(list: String, index: String) throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation()
            let member = try network.member(of: pathfinder, handle: "member")
            let sql = list == "latest" ? PageQueries.latestThreadsSQL : PageQueries.unansweredThreadsSQL
            let viewers = [Viewer.visitor, Viewer(userID: member.id, organisationID: pathfinder.id, isAdmin: false),
                           Viewer(userID: member.id, organisationID: nil, isAdmin: true)]
            try network.store.read { conn in
                for viewer in viewers {
                    let details = try plan(conn, sql, viewer)
                    #expect(details.contains("SCAN t USING COVERING INDEX \(index)"), "\(list) for \(viewer): \(details)")
                    // No search of the threads table by rowid for any thread walked.
                    #expect(!details.contains { $0.hasPrefix("SEARCH t ") }, "\(list) for \(viewer): \(details)")
                }
            }
        }
    }
}
