import Board
import Foundation
import HTTPServer

struct BriefingItemView: KeyedTemplateRenderable {
    var item: BriefingItemSummary

    enum Key: String, CaseIterable, Sendable {
        case id, title, url, source, summary, publishedISO, publishedText, topics, hasTopics, threads, hasThreads
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .id: .int(Int(item.id))
        case .title: .text(item.title)
        // Stored URLs are checked to be http or https by the schema.
        case .url: .text(item.url)
        case .source: .text(item.source)
        case .summary: .text(item.summary)
        case .publishedISO: .text(DateText.iso(item.publishedAt))
        case .publishedText: .text(DateText.human(item.publishedAt))
        case .topics: .list(item.topics.map(TopicTagView.init))
        case .hasTopics: .bool(!item.topics.isEmpty)
        case .threads: .list(item.threads.map(ThreadLinkView.init))
        case .hasThreads: .bool(!item.threads.isEmpty)
        }
    }
}

struct BriefingWeekView: KeyedTemplateRenderable {
    var weekStart: Date
    var items: [BriefingItemSummary]
    enum Key: String, CaseIterable, Sendable { case label, iso, items }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .label: .text("Week beginning " + DateText.human(weekStart))
        case .iso: .text(DateText.iso(weekStart))
        case .items: .list(items.map(BriefingItemView.init))
        }
    }
}

struct BriefingTopicView: KeyedTemplateRenderable {
    var tag: TopicTag
    var items: [BriefingItemSummary]
    enum Key: String, CaseIterable, Sendable { case slug, name, items }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .slug: .text(tag.slug)
        case .name: .text(tag.name)
        case .items: .list(items.map(BriefingItemView.init))
        }
    }
}

/// The briefing: items by week (each in full) and by topic (links to the full entries).
struct BriefingView: KeyedTemplateRenderable {
    var weeks: [BriefingWeekView]
    var topics: [BriefingTopicView]

    init(items: [BriefingItemSummary], topicOrder: [TopicCount]) {
        var weeks: [BriefingWeekView] = []
        for item in items {
            let start = DateText.weekStart(item.publishedAt)
            if let last = weeks.indices.last, weeks[last].weekStart == start {
                weeks[last].items.append(item)
            } else {
                weeks.append(BriefingWeekView(weekStart: start, items: [item]))
            }
        }
        self.weeks = weeks
        var byTopic: [String: [BriefingItemSummary]] = [:]
        var tags: [String: TopicTag] = [:]
        for item in items {
            for tag in item.topics {
                byTopic[tag.slug, default: []].append(item)
                tags[tag.slug] = tag
            }
        }
        topics = topicOrder.compactMap { topic in
            guard let tag = tags[topic.slug], let items = byTopic[topic.slug] else { return nil }
            return BriefingTopicView(tag: tag, items: items)
        }
    }

    enum Key: String, CaseIterable, Sendable { case weeks, topics }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .weeks: .list(weeks)
        case .topics: .list(topics)
        }
    }
}

struct BriefingFormView: KeyedTemplateRenderable {
    var itemID: Int64?
    var topics: [TopicChoice]
    var selected: Set<String>
    var retired: Bool
    /// Making a briefing note of this thread: the address is fixed to its accepted answer.
    var noteFor: Int64?

    enum Key: String, CaseIterable, Sendable {
        case heading, action, isNote, editing, retireAction, retired, startThreadURL, topicChoices
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .heading: .text(noteFor != nil ? "Make this thread a briefing note" : itemID == nil ? "Add a briefing item" : "Edit a briefing item")
        case .action: .text(noteFor.map { "/t/\($0)/briefing-note" } ?? itemID.map { "/briefing/\($0)/edit" } ?? "/briefing/new")
        case .isNote: .bool(noteFor != nil)
        case .editing: .bool(itemID != nil)
        case .retireAction: itemID.map { .text("/briefing/\($0)/retire") }
        case .retired: .bool(retired)
        case .startThreadURL: itemID.map { .text("/t/new?briefing=\($0)") }
        case .topicChoices:
            .list(topics.map { topic in
                ["slug": .text(topic.slug), "name": .text(topic.name), "checked": .bool(selected.contains(topic.slug))]
            })
        }
    }
}
