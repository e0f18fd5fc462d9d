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

    /// "2012-01-10T03:00:00Z". Written byte by byte into the stack: it is on every post and
    /// thread line, and an array grown digit by digit, then copied into a string, cost ~2,000
    /// instructions a date.
    static func iso(_ date: Date) -> String {
        let c = civil(date)
        return write { out in
            out.digits(c.year, 4)
            out.byte(UInt8(ascii: "-"))
            out.digits(c.month, 2)
            out.byte(UInt8(ascii: "-"))
            out.digits(c.day, 2)
            out.byte(UInt8(ascii: "T"))
            out.time(c.seconds)
            out.byte(UInt8(ascii: ":"))
            out.digits(c.seconds % 60, 2)
            out.byte(UInt8(ascii: "Z"))
        }
    }

    /// "10 January 2012" (15 bytes or fewer is a string without an allocation).
    static func human(_ date: Date) -> String {
        let c = civil(date)
        return write { $0.human(c) }
    }

    /// "10 January 2012 at 03:00".
    static func humanWithTime(_ date: Date) -> String {
        let c = civil(date)
        return write { out in
            out.human(c)
            out.bytes(" at ")
            out.time(c.seconds)
        }
    }

    /// The longest text `write` holds: an ISO date or "… at HH:MM" with a 19-digit year.
    private static let writeCapacity = 64

    /// The text `body` writes, made into one string.
    private static func write(_ body: (inout ASCIIWriter) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: writeCapacity) { buffer in
            var writer = ASCIIWriter(buffer: buffer)
            body(&writer)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<writer.count]), as: UTF8.self)
        }
    }

    /// Writes ASCII into a buffer of `writeCapacity` bytes.
    private struct ASCIIWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func byte(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func bytes(_ text: StaticString) {
            for index in 0..<text.utf8CodeUnitCount { byte(text.utf8Start[index]) }
        }

        /// `value` in decimal, zero-padded to at least `width` digits (a negative year as `pad`
        /// writes it).
        mutating func digits(_ value: Int, _ width: Int) {
            guard value >= 0 else {
                for unit in pad(value, width).utf8 { byte(unit) }
                return
            }
            var length = 1
            var rest = value / 10
            while rest > 0 { length += 1; rest /= 10 }
            let end = count + max(width, length)
            var index = end - 1
            rest = value
            while index >= count {
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                index -= 1
            }
            count = end
        }

        /// "03:00", the hours and minutes of `seconds` into the day.
        mutating func time(_ seconds: Int) {
            digits(seconds / 3600, 2)
            byte(UInt8(ascii: ":"))
            digits(seconds / 60 % 60, 2)
        }

        mutating func human(_ c: (year: Int, month: Int, day: Int, seconds: Int)) {
            digits(c.day, 1)
            byte(UInt8(ascii: " "))
            for unit in monthBytes[c.month - 1] { byte(unit) }
            byte(UInt8(ascii: " "))
            digits(c.year, 1)
        }
    }

    private static let monthBytes = months.map { Array($0.utf8) }

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
