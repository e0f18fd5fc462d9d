import Foundation
import Testing
@testable import Board

/// The one parser of typed dates (briefing publication, mentorship start, search filters).
@Suite struct CalendarDayTests {
    @Test func realDaysAreMidnightUTC() throws {
        #expect(CalendarDay.midnightUTC("1970-01-01", years: 1970...9999) == Date(timeIntervalSince1970: 0))
        #expect(CalendarDay.midnightUTC("2026-03-01", years: 2000...2100) == Date(timeIntervalSince1970: 1_772_323_200))
        #expect(CalendarDay.midnightUTC("2026-3-1", years: 2000...2100) == CalendarDay.midnightUTC("2026-03-01", years: 2000...2100))
        #expect(CalendarDay.midnightUTC("2024-02-29", years: 2000...2100) == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(CalendarDay.midnightUTC("2000-02-29", years: 2000...2100) != nil)
        #expect(CalendarDay.midnightUTC("2026-12-31", years: 2000...2100) == Date(timeIntervalSince1970: 1_798_675_200))
    }

    @Test func anythingElseIsNil() {
        for text in ["", "2026-02-30", "2025-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
                     "26-01-05", "02026-01-05", "2026-001-05", "2026-01-05T00:00", " 2026-01-05", "2026/01/05", "2026-+1-05",
                     "2026-01", "2026-01-05-01", "1 March", "２０２６-01-05"] {
            #expect(CalendarDay.midnightUTC(text, years: 1970...9999) == nil, "\(text)")
        }
        #expect(CalendarDay.midnightUTC("1989-12-31", years: 1990...2100) == nil)
        #expect(CalendarDay.midnightUTC("2101-01-01", years: 1990...2100) == nil)
    }
}
