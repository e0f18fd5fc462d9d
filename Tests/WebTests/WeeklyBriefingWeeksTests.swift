import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The weekly briefing page leads back through past weeks and forward only as far as the week it
/// is now: "Next week" on the current week led to weeks to come, each "No threads were answered
/// this week", without end.
@Suite(.serialized, .timeLimit(.minutes(2))) struct WeeklyBriefingWeeksTests {
    @Test func theCurrentWeekHasNoNextWeek() throws {
        try withTestSite { site in
            let now = ISOWeek(containing: Date())
            let current = try site.browser().get("/briefing/weekly/\(now)")
            #expect(current.status == 200)
            #expect(current.text.contains("href=\"/briefing/weekly/\(now.previous)\""))
            #expect(!current.text.contains("Next week"))
            #expect(!current.text.contains("href=\"/briefing/weekly/\(now.next)\""))

            // The week before leads to this one; a signed-in reader's page is the same.
            let before = try site.browser().get("/briefing/weekly/\(now.previous)")
            #expect(before.text.contains("href=\"/briefing/weekly/\(now)\" rel=\"next\">Next week</a>"))
            _ = try site.member(handle: "reader")
            #expect(!(try site.signedIn("reader").get("/briefing/weekly/\(now)").text.contains("Next week")))
        }
    }
}
