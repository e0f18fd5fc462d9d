import ArgumentParser
import Board
import Foundation

/// When `serve` queues the scheduled mail (issue 15), in UTC. Each flag may also be set by an
/// environment variable (`MUTUALS_DAILY_SUMMARY_HOUR`, `MUTUALS_WEEKLY_BRIEFING_DAY`,
/// `MUTUALS_WEEKLY_BRIEFING_HOUR`); a flag wins over the variable.
struct DigestOptions: ParsableArguments {
    @Option(name: .customLong("daily-summary-hour"), help: "Hour (0-23, UTC) the daily summary of notifications is queued. Default 7.")
    var dailySummaryHour: Int?

    @Option(name: .customLong("weekly-briefing-day"), help: "Day the weekly briefing is queued: monday … sunday, or 1 (Monday) … 7. Default monday.")
    var weeklyBriefingDay: String?

    @Option(name: .customLong("weekly-briefing-hour"), help: "Hour (0-23, UTC) the weekly briefing is queued. Default 8.")
    var weeklyBriefingHour: Int?

    /// What `--check-config` shows for these options when none is given: the schedule used.
    static var unstatedDefaults: [String: String] {
        let defaults = MailSchedule()
        return ["daily-summary-hour": String(defaults.dailySummaryHour),
                "weekly-briefing-day": days[defaults.weeklyBriefingDay - 1],
                "weekly-briefing-hour": String(defaults.weeklyBriefingHour)]
    }

    static let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// The day `text` names (1 Monday … 7 Sunday): a day's name, its first three letters, or 1–7.
    static func day(_ text: String) -> Int? {
        let lowered = text.lowercased()
        if let number = Int(lowered), (1...7).contains(number) { return number }
        guard lowered.count >= 3, let index = days.firstIndex(where: { $0.hasPrefix(lowered) }) else { return nil }
        return index + 1
    }

    /// The schedule from the flags, then the environment, then the defaults.
    /// - Throws: `ValidationError` naming the flag whose value is out of range.
    func schedule(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MailSchedule {
        let defaults = MailSchedule()
        func hour(_ flag: Int?, _ variable: String, _ name: String, _ fallback: Int) throws -> Int {
            guard let value = flag ?? environment[variable].map({ Int($0) ?? -1 }) else { return fallback }
            guard (0...23).contains(value) else { throw ValidationError("--\(name) must be an hour from 0 to 23 (UTC).") }
            return value
        }
        var day = defaults.weeklyBriefingDay
        if let text = weeklyBriefingDay ?? environment["MUTUALS_WEEKLY_BRIEFING_DAY"] {
            guard let parsed = Self.day(text) else {
                throw ValidationError("--weekly-briefing-day must be a day of the week (monday … sunday) or 1 … 7.")
            }
            day = parsed
        }
        return MailSchedule(
            dailySummaryHour: try hour(dailySummaryHour, "MUTUALS_DAILY_SUMMARY_HOUR", "daily-summary-hour", defaults.dailySummaryHour),
            weeklyBriefingDay: day,
            weeklyBriefingHour: try hour(weeklyBriefingHour, "MUTUALS_WEEKLY_BRIEFING_HOUR", "weekly-briefing-hour", defaults.weeklyBriefingHour))
    }

    func validate() throws {
        _ = try schedule()
    }
}
