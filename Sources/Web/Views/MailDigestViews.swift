import Board
import Foundation

/// The unsubscribe page: what the link turns off and a button, or (done) that it is off.
struct UnsubscribeView: KeyedTemplateRenderable {
    var token: String
    var scope: UnsubscribeScope
    var done: Bool

    enum Key: String, CaseIterable, Sendable { case token, what, done }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .token: .text(token)
        case .what: .text(scope.mailDescription)
        case .done: .bool(done)
        }
    }
}

/// The weekly briefing of one week, on the web (`/briefing/weekly/<week>`).
struct WeeklyDigestView: KeyedTemplateRenderable {
    var digest: WeeklyDigest
    var signedIn: Bool
    /// The week it is now: there is no next week to go to from it (a week to come has no briefing).
    var current: ISOWeek? = nil

    /// - Parameter link: makes a site path into the link to show (absolute, in mail).
    static func threads(_ threads: [DigestThread], link: (String) -> String = { $0 }) -> TemplateValue {
        .list(threads.map { thread in
            [
                "title": .text(thread.title), "url": .text(link(BoardPaths.thread(id: thread.id, slug: thread.slug))),
                "note": .text(DigestWords.threadNote(thread)),
            ]
        })
    }

    enum Key: String, CaseIterable, Sendable {
        case week, weekRange, previousURL, nextURL, briefingItems, hasBriefingItems, usefulThreads, hasUsefulThreads
        case usefulHeading, unanswered, hasUnanswered, unansweredHeading, signedIn
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .week: .text(digest.week.description)
        case .weekRange: .text(DigestWords.range(digest.week))
        case .previousURL: .text("/briefing/weekly/\(digest.week.previous)")
        case .nextURL: current.map { digest.week.start >= $0.start } == true ? nil : .text("/briefing/weekly/\(digest.week.next)")
        case .briefingItems:
            .list(digest.briefingItems.map { item in
                [
                    "title": .text(item.title), "url": .text(item.url), "source": .text(item.source),
                    "summary": .text(item.summary), "date": .text(DateText.human(item.publishedAt)),
                ]
            })
        case .hasBriefingItems: .bool(!digest.briefingItems.isEmpty)
        case .usefulThreads: Self.threads(digest.usefulThreads)
        case .hasUsefulThreads: .bool(!digest.usefulThreads.isEmpty)
        case .usefulHeading: .text(DigestWords.usefulHeading(digest))
        case .unanswered: Self.threads(digest.unanswered)
        case .hasUnanswered: .bool(!digest.unanswered.isEmpty)
        case .unansweredHeading: .text(DigestWords.unansweredHeading(digest))
        case .signedIn: .bool(signedIn)
        }
    }
}

/// The digest's words, shared by the page and the mail.
enum DigestWords {
    static func range(_ week: ISOWeek) -> String {
        "\(DateText.human(week.start)) to \(DateText.human(week.end.addingTimeInterval(-86_400)))"
    }

    static func usefulHeading(_ digest: WeeklyDigest) -> String {
        digest.fromFollowedTopics ? "Answered this week in the topics you follow" : "Answered this week"
    }

    static func unansweredHeading(_ digest: WeeklyDigest) -> String {
        digest.fromExpertise ? "Questions in your expertise waiting for a mentor" : "Questions waiting for an answer"
    }

    static func threadNote(_ thread: DigestThread) -> String {
        let replies = thread.replyCount == 1 ? "1 reply" : "\(thread.replyCount) replies"
        switch (thread.answered, thread.answeredByMentor) {
        case (true, true): return "Answered, with a mentor's reply · \(replies)"
        case (true, false): return "Answered · \(replies)"
        case (false, true): return "Answered by a mentor · \(replies)"
        case (false, false): return "Asked \(DateText.human(thread.createdAt)) · no replies yet"
        }
    }
}
