import Foundation

/// A calendar day as a form types it, "2026-03-01" (what `<input type="date">` sends): the one
/// parser for a briefing item's publication date, a mentorship's start and search's date filters.
public enum CalendarDay {
    /// Midnight UTC of the day `text` names, "YYYY-MM-DD" (month and day of one or two digits),
    /// when it is a real day of a year in `years`; nil for anything else ("2026-02-30" included).
    public static func midnightUTC(_ text: String, years: ClosedRange<Int>) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count == 4, (1...2).contains(parts[1].utf8.count),
              (1...2).contains(parts[2].utf8.count),
              parts.allSatisfy({ $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              years.contains(year), (1...12).contains(month), (1...days(inMonth: month, of: year)).contains(day)
        else { return nil }
        // Howard Hinnant's days-from-civil: days since 1970-01-01 in the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Date(timeIntervalSince1970: Double(era * 146_097 + dayOfEra - 719_468) * 86_400)
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
