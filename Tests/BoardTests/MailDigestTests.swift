import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Issue 15: notifications by email, the daily summary, the weekly briefing and unsubscribing.
@Suite(.timeLimit(.minutes(2))) struct MailDigestTests {
    struct Queued: RowDecodable, Equatable {
        let kind: String, userID: Int64?, notificationID: Int64?, payload: String
        init(row: Row) throws {
            kind = try row["kind"]; userID = try row["user_id"]; notificationID = try row["notification_id"]; payload = try row["payload"]
        }
    }

    func queued(_ network: TestNetwork) throws -> [Queued] {
        try network.store.read { try $0.query(Queued.self, "SELECT kind, user_id, notification_id, payload FROM mail_outbox ORDER BY id") }
    }

    /// Accounts made by the factories start unconfirmed; an admin-added account counts as confirmed.
    func confirm(_ network: TestNetwork, _ people: TestPerson...) throws {
        for person in people {
            try network.store.write { try $0.run("UPDATE users SET email_confirmed_at = created_at WHERE id = ?", person.id) }
        }
    }

    func service(_ network: TestNetwork) -> MailDigestService { Network(accounts: network.accounts).mailDigest }

    // MARK: Choices

    @Test func defaultsSendRepliesMentionsAndMentorLinksAtOnceAndNothingElse() throws {
        try withTestNetwork { network in
            let member = try network.member()
            let preferences = try service(network).preferences(userID: member.id)
            #expect(preferences.weeklyBriefing)
            #expect(preferences.delivery(.reply) == .immediately)
            #expect(preferences.delivery(.mention) == .immediately)
            #expect(preferences.delivery(.mentorRequested) == .immediately)
            #expect(preferences.delivery(.mentorLinked) == .immediately)
            for kind in [NotificationKind.accepted, .newThreadInTopic, .moderation] {
                #expect(preferences.delivery(kind) == .never)
            }
            var changed = preferences
            changed.deliveries[.reply] = .daily
            changed.deliveries[.accepted] = .immediately
            changed.weeklyBriefing = false
            try service(network).savePreferences(userID: member.id, changed)
            let saved = try service(network).preferences(userID: member.id)
            #expect(saved.delivery(.reply) == .daily && saved.delivery(.accepted) == .immediately && !saved.weeklyBriefing)
        }
    }

    // MARK: Immediate notification mail

    @Test func aReplyQueuesMailForTheConfirmedAuthorInTheSameTransaction() throws {
        try withTestNetwork { network in
            let author = try network.member(handle: "author")
            let replier = try network.member(handle: "replier")
            try confirm(network, author, replier)
            let thread = try network.thread(by: author)
            try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Try **the bond** first")
            let mail = try queued(network)
            #expect(mail.count == 1)
            #expect(mail.first?.kind == "notification" && mail.first?.userID == author.id)
            let notification = try #require(mail.first?.notificationID)
            let content = try #require(try service(network).notificationMail(notificationID: notification, userID: author.id))
            #expect(content.excerpt == "Try the bond first")

            // A rolled-back event queues nothing: the notification and its mail go together.
            struct Abandoned: Error {}
            #expect(throws: Abandoned.self) {
                try network.store.write { tx in
                    let post = try tx.scalar(Int64.self, "SELECT max(id) FROM posts") ?? 0
                    try Notifications.recordReply(tx, threadID: thread.id, postID: post, authorID: replier.id, body: "again", now: Date())
                    #expect(try tx.scalar(Int.self, "SELECT count(*) FROM mail_outbox") == 2)
                    throw Abandoned()
                }
            }
            #expect(try queued(network).count == 1)
        }
    }

    @Test func onlyConfirmedActiveAccountsThatWantItGetMail() throws {
        try withTestNetwork { network in
            let unconfirmed = try network.member(handle: "unconfirmed")
            let suspended = try network.suspended(handle: "suspended", until: Date().addingTimeInterval(86_400))
            let optedOut = try network.member(handle: "optedout")
            let replier = try network.member(handle: "replier")
            try confirm(network, suspended, optedOut, replier)
            var choice = try service(network).preferences(userID: optedOut.id)
            choice.deliveries[.reply] = .never
            try service(network).savePreferences(userID: optedOut.id, choice)
            for person in [unconfirmed, suspended, optedOut] {
                let thread = try network.thread(by: person)
                try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "A reply")
            }
            // Each of them was notified on the site, and none was mailed.
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM notifications") == 3)
            #expect(try queued(network).isEmpty)
        }
    }

    @Test func noMailAboutAPrivateThreadToSomeoneWhoCannotReadIt() throws {
        try withTestNetwork { network in
            let pathfinder = try network.organisation("river-care")
            let other = try network.organisation("other-org")
            let member = try network.member(of: pathfinder, handle: "insider")
            let outsider = try network.member(of: other, handle: "outsider")
            let mentor = try network.mentor(of: pathfinder, handle: "guide")
            try confirm(network, member, outsider, mentor)
            let thread = try network.thread(in: .organisation(pathfinder), by: member)
            try Threads.reply(network.store, by: member.viewer, threadID: thread.id, body: "Over to you @outsider and @guide")
            let mail = try queued(network)
            #expect(mail.map(\.userID) == [mentor.id])

            // The mentorship ends before the mail goes: the composer's read finds nothing to say.
            let notification = try #require(mail.first?.notificationID)
            #expect(try service(network).notificationMail(notificationID: notification, userID: mentor.id) != nil)
            try network.endMentorships(of: mentor)
            #expect(try service(network).notificationMail(notificationID: notification, userID: mentor.id) == nil)
        }
    }

    // MARK: The daily summary

    @Test func theDailySummaryIsQueuedOncePerSlotAndSurvivesRestarts() throws {
        let clock = TestClock(stoppedAt: Date(timeIntervalSince1970: 1_796_119_200))  // 2026-12-01 09:20 UTC, a Tuesday
        try withTestNetwork(clock: clock) { network in
            let author = try network.member(handle: "author")
            let quiet = try network.member(handle: "quiet")
            let replier = try network.member(handle: "replier")
            try confirm(network, author, quiet, replier)
            for person in [author, quiet] {
                var choice = try service(network).preferences(userID: person.id)
                choice.deliveries[.reply] = .daily
                try service(network).savePreferences(userID: person.id, choice)
            }
            let schedule = MailSchedule(dailySummaryHour: 7)
            // The first run starts the schedule without mailing about the past.
            #expect(try service(network).runSchedule(schedule) == ScheduledMailRun())
            let thread = try network.thread(by: author)
            try Threads.reply(network.store, by: replier.viewer, threadID: thread.id, body: "Here is what we did", now: clock.now)
            #expect(try queued(network).isEmpty)  // daily, not immediate

            clock.advance(86_400)  // the next day, after 07:00
            let run = try service(network).runSchedule(schedule)
            #expect(run.dailySummaries == 1)  // `quiet` had nothing unread: no mail
            #expect(try service(network).runSchedule(schedule).dailySummaries == 0)
            #expect(try service(network).runSchedule(schedule).dailySummaries == 0)  // a new service: a restart
            let mail = try queued(network)
            #expect(mail.map(\.kind) == ["daily_summary"] && mail.first?.userID == author.id)

            // What the summary holds is read when it is composed: read on the site meanwhile, it is empty.
            let items = try service(network).dailySummary(userID: author.id, from: clock.now.addingTimeInterval(-2 * 86_400), to: clock.now)
            #expect(items.count == 1 && items.first?.excerpt == "Here is what we did")
            try network.store.write { try Notifications.markAllRead($0, userID: author.id, now: Date()) }
            #expect(try service(network).dailySummary(userID: author.id, from: clock.now.addingTimeInterval(-2 * 86_400), to: clock.now).isEmpty)
        }
    }

    @Test func scheduleSlots() {
        let schedule = MailSchedule(dailySummaryHour: 7, weeklyBriefingDay: 1, weeklyBriefingHour: 8)
        let tuesday = Date(timeIntervalSince1970: 1_796_119_200)  // 2026-12-01 09:20 UTC
        #expect(schedule.dailySlot(atOrBefore: tuesday) == Date(timeIntervalSince1970: 1_796_108_400))  // 07:00 that day
        #expect(schedule.weeklySlot(atOrBefore: tuesday) == Date(timeIntervalSince1970: 1_796_025_600))  // Monday 30 Nov 08:00
        #expect(MailSchedule.briefingWeek(sentAt: schedule.weeklySlot(atOrBefore: tuesday)).description == "2026-W48")
        let early = Date(timeIntervalSince1970: 1_796_101_200)  // 05:00 that Tuesday
        #expect(schedule.dailySlot(atOrBefore: early) == Date(timeIntervalSince1970: 1_796_022_000))  // 07:00 the day before
    }

    @Test(arguments: [("2026-W49", true), ("2026-W53", true), ("2027-W53", false), ("2020-W53", true), ("2026-W00", false),
                      ("2026-49", false), ("2026-W4", false), ("2026-w49", false), ("+026-W49", false)])
    func isoWeeks(text: String, valid: Bool) {
        #expect((ISOWeek(text) != nil) == valid)
        if let week = ISOWeek(text) {
            #expect(week.description == text)
            #expect(ISOWeek(containing: week.start) == week)
            #expect(ISOWeek(containing: week.end.addingTimeInterval(-1)) == week)
            #expect(week.next.previous == week)
        }
    }

    // MARK: The weekly briefing

    @Test func theWeeklyDigestHoldsTheWeeksUsefulThreadsAndNothingPrivateToOthers() throws {
        try withTestNetwork { network in
            let week = try #require(ISOWeek("2026-W49"))
            let during = week.start.addingTimeInterval(2 * 86_400)
            let capital = try network.topic("capital-and-finance")
            let governance = try network.topic("governance", position: 2)
            let pathfinder = try network.organisation("river-care")
            let member = try network.member(of: pathfinder, handle: "insider")
            let outsider = try network.member(handle: "outsider")
            let mentor = try network.mentor(of: pathfinder, handle: "guide")
            try network.store.write { tx in
                try tx.run("INSERT INTO mentor_profiles(user_id, headline, updated_at) VALUES (?, 'Finance', ?)", mentor.id, during)
                try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", mentor.id, capital)
            }
            let answered = try network.thread(by: outsider, title: "Public bond question", topics: [capital], at: during)
            try network.reply(to: answered, by: mentor, body: "A mentor's answer", at: during)
            let secret = try network.thread(in: .organisation(pathfinder), by: member, title: "Private pension question", topics: [capital], at: during)
            try network.reply(to: secret, by: mentor, body: "In confidence", at: during)
            let waiting = try network.thread(by: member, title: "Unanswered capital question", topics: [capital], at: during)
            let elsewhere = try network.thread(by: member, title: "Unanswered governance question", topics: [governance], at: during)
            let old = try network.thread(by: outsider, title: "Answered long ago", topics: [capital], at: week.start.addingTimeInterval(-30 * 86_400))
            try network.reply(to: old, by: mentor, at: week.start.addingTimeInterval(-30 * 86_400))

            let digests = service(network)
            let visitor = try digests.weeklyDigest(week: week, viewer: .visitor)
            #expect(visitor.usefulThreads.map(\.id) == [answered.id])
            #expect(visitor.usefulThreads.first?.answeredByMentor == true)
            #expect(Set(visitor.unanswered.map(\.id)) == [waiting.id, elsewhere.id])
            let insider = try digests.weeklyDigest(week: week, viewer: member.viewer)
            #expect(Set(insider.usefulThreads.map(\.id)) == [answered.id, secret.id])
            #expect(!(try digests.weeklyDigest(week: week, viewer: outsider.viewer).usefulThreads.contains { $0.id == secret.id }))
            // A mentor sees the questions waiting in their expertise only.
            #expect(try digests.weeklyDigest(week: week, viewer: mentor.viewer).unanswered.map(\.id) == [waiting.id])
            // Following a topic narrows the answered threads to it.
            try network.store.write { try $0.run("INSERT INTO subscriptions(user_id, topic_id, created_at) VALUES (?, ?, ?)", outsider.id, governance, during) }
            let following = try digests.weeklyDigest(week: week, viewer: outsider.viewer)
            #expect(following.fromFollowedTopics && following.usefulThreads.isEmpty)
            // Another week has none of it.
            #expect(try digests.weeklyDigest(week: week.next.next, viewer: member.viewer).usefulThreads.isEmpty)
        }
    }

    @Test func theWeeklyBriefingIsQueuedOnceForEachMemberWhoWantsIt() throws {
        let clock = TestClock(stoppedAt: Date(timeIntervalSince1970: 1_796_119_200))  // Tuesday 2026-12-01
        try withTestNetwork(clock: clock) { network in
            let reader = try network.member(handle: "reader")
            let optedOut = try network.member(handle: "optedout")
            let unconfirmed = try network.member(handle: "unconfirmed")
            try confirm(network, reader, optedOut)
            var choice = try service(network).preferences(userID: optedOut.id)
            choice.weeklyBriefing = false
            try service(network).savePreferences(userID: optedOut.id, choice)
            let schedule = MailSchedule(weeklyBriefingDay: 1, weeklyBriefingHour: 8)
            #expect(try service(network).runSchedule(schedule).weeklyBriefings == 0)  // starts the schedule
            clock.advance(6 * 86_400)  // Monday 7 December, 09:20
            #expect(try service(network).runSchedule(schedule).weeklyBriefings == 1)
            #expect(try service(network).runSchedule(schedule).weeklyBriefings == 0)
            let mail = try queued(network)
            #expect(mail.map(\.userID) == [reader.id])
            #expect(mail.first?.payload == #"{"week":"2026-W49"}"#)
            _ = unconfirmed
            // Composed with the reader's access: nothing for an account that may not receive mail.
            #expect(try service(network).weeklyBriefingMail(userID: reader.id, week: #require(ISOWeek("2026-W49"))) != nil)
            #expect(try service(network).weeklyBriefingMail(userID: optedOut.id, week: #require(ISOWeek("2026-W49"))) == nil)
        }
    }

    // MARK: Unsubscribing

    @Test func unsubscribeLinksAreSignedAndTurnOffOneKind() throws {
        try withTestNetwork { network in
            let member = try network.member()
            let mail = service(network)
            let token = try mail.unsubscribeToken(userID: member.id, scope: .notification(.mention))
            #expect(try mail.unsubscribeScope(token: token) == .notification(.mention))
            // Tampered: another person, another kind, a changed MAC, garbage.
            let parts = token.split(separator: ".").map(String.init)
            for forged in ["\(member.id + 1).\(parts[1]).\(parts[2])", "\(member.id).reply.\(parts[2])",
                           "\(parts[0]).\(parts[1]).\(parts[2].dropLast())\(parts[2].hasSuffix("A") ? "B" : "A")", "x", "", "1.mention"] {
                #expect(try mail.unsubscribeScope(token: forged) == nil)
                #expect(try mail.unsubscribe(token: forged) == nil)
            }
            #expect(try mail.preferences(userID: member.id).delivery(.mention) == .immediately)
            #expect(try mail.unsubscribe(token: token) == .notification(.mention))
            let after = try mail.preferences(userID: member.id)
            #expect(after.delivery(.mention) == .never && after.delivery(.reply) == .immediately && after.weeklyBriefing)
            #expect(try mail.unsubscribe(token: try mail.unsubscribeToken(userID: member.id, scope: .weeklyBriefing)) == .weeklyBriefing)
            #expect(try mail.preferences(userID: member.id).weeklyBriefing == false)
        }
    }

    @Test func excerptsArePlainText() {
        #expect(MailExcerpt.text(fromMarkdown: "> quoted\n\nSee [the guide](https://example.org) and `code`") == "quoted\n\nSee the guide and code")
        #expect(MailExcerpt.text(fromMarkdown: String(repeating: "word ", count: 200), limit: 20) == "word word word word…")
    }

    /// `serve` refuses a schedule it cannot keep, naming the flag, before it opens anything.
    @Test(arguments: [(["--weekly-briefing-day", "funday"], "--weekly-briefing-day must be a day of the week"),
                      (["--daily-summary-hour", "24"], "--daily-summary-hour must be an hour from 0 to 23"),
                      (["--weekly-briefing-hour=-1"], "--weekly-briefing-hour must be an hour from 0 to 23")])
    func serveRefusesABadSchedule(arguments: [String], message: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try runMutuals(["serve", "--data", directory] + arguments)
        #expect(result.status != 0)
        #expect(result.output.contains(message))
    }
}
