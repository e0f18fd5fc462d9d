import Foundation

/// An ISO 8601 week, "2026-W49": Monday 00:00 UTC to the next Monday. The weekly briefing and
/// its page (`/briefing/weekly/<week>`) are one per week.
public struct ISOWeek: Sendable, Hashable, CustomStringConvertible {
    /// The week-numbering year (it can differ from the calendar year around 1 January).
    public let year: Int
    /// 1...52 or 53.
    public let week: Int

    /// The week `text` names, "YYYY-Www" (two-digit week), when it exists; nil otherwise.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes[4] == UInt8(ascii: "-"), bytes[5] == UInt8(ascii: "W"),
              [0, 1, 2, 3, 6, 7].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }),
              let year = Int(text.prefix(4)), let week = Int(text.suffix(2)),
              (1970...9998).contains(year), week >= 1, week <= Self.weeks(in: year)
        else { return nil }
        self.year = year
        self.week = week
    }

    /// The week `date` falls in (UTC).
    public init(containing date: Date) {
        let day = Self.dayNumber(date)
        var year = Self.calendarYear(of: date)
        if day < Self.firstMonday(of: year) {
            year -= 1
        } else if day >= Self.firstMonday(of: year + 1) {
            year += 1
        }
        self.year = year
        self.week = (day - Self.firstMonday(of: year)) / 7 + 1
    }

    /// Monday 00:00 UTC of the week.
    public var start: Date { Date(timeIntervalSince1970: Double(Self.firstMonday(of: year) + (week - 1) * 7) * 86_400) }
    /// The next week's start.
    public var end: Date { start.addingTimeInterval(7 * 86_400) }

    public var previous: ISOWeek { ISOWeek(containing: start.addingTimeInterval(-86_400)) }
    public var next: ISOWeek { ISOWeek(containing: end) }

    public var description: String {
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-W" + (week < 10 ? "0" : "") + String(week)
    }

    /// Days since 1970-01-01 (UTC) of `date`, rounded down.
    static func dayNumber(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// 1 Monday … 7 Sunday of day number `day` (1970-01-01 was a Thursday).
    static func weekday(ofDay day: Int) -> Int {
        ((day + 3) % 7 + 7) % 7 + 1
    }

    /// The day number of the Monday of week 1 of `year`: the week holding 4 January.
    static func firstMonday(of year: Int) -> Int {
        let fourth = CalendarDay.midnightUTC("\(year)-01-04", years: 1...9999).map(dayNumber) ?? 0
        return fourth - (weekday(ofDay: fourth) - 1)
    }

    static func weeks(in year: Int) -> Int {
        (firstMonday(of: year + 1) - firstMonday(of: year)) / 7
    }

    static func calendarYear(of date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.component(.year, from: date)
    }
}
