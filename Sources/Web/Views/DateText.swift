import Board
import Foundation
import HTTPServer

/// Dates as pages show them: ISO 8601 for `<time datetime>` and Atom, and "10 January 2012".
/// Computed by hand from the day count (Howard Hinnant's civil-from-days), because a
/// `DateFormatter` per call costs microseconds on the hot path and shared ones are not `Sendable`.
enum DateText {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                         "September", "October", "November", "December"]

    /// (year, month 1–12, day 1–31, seconds into the day) in UTC.
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int, seconds: Int) {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var seconds = total % 86_400
        if seconds < 0 { seconds += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day, seconds)
    }

    /// "2012-01-10T03:00:00Z". Written byte by byte: it is on every post of every page.
    static func iso(_ date: Date) -> String {
        let c = civil(date)
        var out: [UInt8] = []
        out.reserveCapacity(20)
        appendDigits(c.year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(c.month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(c.day, 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(c.seconds / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(c.seconds / 60 % 60, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(c.seconds % 60, 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` in decimal, zero-padded to at least `width` digits.
    static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        guard value >= 0 else { out.append(contentsOf: Array(pad(value, width).utf8)); return }
        // In place, with no array of digits: six of these per date, a date per post or thread.
        var count = 1
        var rest = value / 10
        while rest > 0 { count += 1; rest /= 10 }
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(width, count)))
        var index = out.count - 1
        rest = value
        while index >= start && rest > 0 {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
    }

    /// "10 January 2012".
    static func human(_ date: Date) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(18)
        appendHuman(civil(date), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// "10 January 2012 at 03:00". Written byte by byte, like `iso`: two per post.
    static func humanWithTime(_ date: Date) -> String {
        let c = civil(date)
        var out: [UInt8] = []
        out.reserveCapacity(27)
        appendHuman(c, to: &out)
        out.append(contentsOf: " at ".utf8)
        appendDigits(c.seconds / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(c.seconds / 60 % 60, 2, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendHuman(_ c: (year: Int, month: Int, day: Int, seconds: Int), to out: inout [UInt8]) {
        appendDigits(c.day, 1, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: months[c.month - 1].utf8)
        out.append(UInt8(ascii: " "))
        appendDigits(c.year, 1, to: &out)
    }

    /// Midnight UTC of the Monday of `date`'s week.
    static func weekStart(_ date: Date) -> Date {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        // 1 January 1970 was a Thursday: (days + 3) mod 7 is 0 on Mondays.
        let sinceMonday = ((days + 3) % 7 + 7) % 7
        return Date(timeIntervalSince1970: Double(days - sinceMonday) * 86_400)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
