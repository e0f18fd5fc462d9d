import Board
import Foundation
import HTTPServer

/// The search page's template, registered by `PageLibrary`.
struct SearchPages: Sendable {
    static let templateNames = ["search", "search-result"]
    let page: Template

    init(_ templates: TemplateLibrary) throws {
        page = try templates.template("search")
    }
}

/// The query string of `/search`, read leniently: a topic, organisation or answered filter that
/// does not parse is ignored; a date that is not a real day is kept as typed and named in
/// `dateErrors`, so the page can say so instead of searching without it.
struct SearchForm: Sendable {
    var q = ""
    var topic: String?
    var organisation: String?
    var author: String?
    var answered: SearchAnswered = .any
    var from = ""
    var to = ""
    var page = 1

    init(items: [FormItem]) {
        // Every field is one line of text: a control character (a NUL, an ESC; a tab or a line
        // break becomes a space) is never echoed into the page or the search.
        func field(_ name: String) -> String? {
            items.last(where: { $0.name == name }).map { Self.oneLine($0.value) }
        }
        func value(_ name: String) -> String? {
            guard let raw = field(name) else { return nil }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty || trimmed.utf8.count > 200 ? nil : trimmed
        }
        q = String((field("q") ?? "").prefix(4000))
        topic = value("topic")
        organisation = value("organisation")
        author = value("author").map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 }
        answered = value("answered").flatMap(SearchAnswered.init(rawValue:)) ?? .any
        // A date field keeps what was typed even when it is far too long to be a date, so the
        // page says it cannot use it instead of dropping it without a word.
        func typed(_ name: String) -> String {
            String((field(name) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        }
        from = typed("from")
        to = typed("to")
        if let text = value("page"), text.utf8.count <= 4, let number = Int(text), number >= 1 { page = number }
    }

    /// `text` as one line: control characters (C0, DEL, C1) dropped, tabs and line breaks
    /// (and NEL) made spaces.
    static func oneLine(_ text: String) -> String { FormText.oneLine(text) }

    /// The date filters: midnight UTC of the day typed ("2026-11-29"), or nil.
    var fromDate: Date? { CalendarDay.midnightUTC(from, years: 1970...9999) }
    var toDate: Date? { CalendarDay.midnightUTC(to, years: 1970...9999) }

    /// A date filter that cannot be used: the field's id (the error summary links to it) and what
    /// to do about it.
    struct DateError: Sendable, Equatable {
        let field: String
        let message: String
    }

    /// The date fields, as the page labels them, with what was typed and what it parses to.
    private var dateFields: [(id: String, label: String, text: String, date: Date?)] {
        [("search-from", "Written on or after", from, fromDate), ("search-to", "Written on or before", to, toDate)]
    }

    /// What is wrong with the date filters: a date that is not a real day (`<input type="date">`
    /// sends YYYY-MM-DD; a browser without it sends what was typed), or a range that ends
    /// before it starts. Empty when both are fine or empty.
    var dateErrors: [DateError] {
        var errors = dateFields.compactMap { field -> DateError? in
            guard !field.text.isEmpty, field.date == nil else { return nil }
            return DateError(field: field.id, message: "“\(field.label)” must be a real date, for example 2026-03-27 (year, month, day)")
        }
        if isBackwards {
            errors.append(DateError(field: "search-to", message: "“Written on or before” must be the same as or after “Written on or after”"))
        }
        return errors
    }

    /// Both dates are real days, and the range ends before it starts.
    private var isBackwards: Bool {
        guard let fromDate, let toDate else { return false }
        return toDate < fromDate
    }

    /// Whether a date field holds a date the search can use (and so counts as a filter in use).
    var usesFrom: Bool { fromDate != nil && !isBackwards }
    var usesTo: Bool { toDate != nil && !isBackwards }

    /// The query string for `page` with every filter kept.
    func url(page: Int) -> String {
        var parts = ["q=" + FormDecoder.encode(q)]
        if let topic { parts.append("topic=" + FormDecoder.encode(topic)) }
        if let organisation { parts.append("organisation=" + FormDecoder.encode(organisation)) }
        if let author { parts.append("author=" + FormDecoder.encode(author)) }
        if answered != .any { parts.append("answered=" + answered.rawValue) }
        if !from.isEmpty { parts.append("from=" + FormDecoder.encode(from)) }
        if !to.isEmpty { parts.append("to=" + FormDecoder.encode(to)) }
        if page > 1 { parts.append("page=\(page)") }
        return "/search?" + parts.joined(separator: "&")
    }
}

struct SearchView: KeyedTemplateRenderable {
    var form: SearchForm
    var topics: [TopicChoice] = []
    var organisations: [OrganisationChoice] = []
    var results: SearchResults?
    var message: String?
    /// The person "Written by" picked out, once it is one person.
    var author: SearchPerson?
    /// The people "Written by" could mean, when it names several.
    var authorChoices: [SearchPerson] = []
    /// People whose names match the words searched for.
    var people: [SearchPerson] = []

    /// How many filters are in use (the folded filters' summary says so).
    /// A date that cannot be used is not counted: the error summary names it instead.
    var filterCount: Int {
        [form.topic != nil, form.organisation != nil, form.author != nil, form.answered != .any, form.usesFrom, form.usesTo]
            .filter { $0 }.count
    }

    var heading: String {
        let words = form.q.trimmingCharacters(in: .whitespacesAndNewlines)
        if !words.isEmpty { return "Results for “\(words)”" }
        if let author { return "Posts by \(author.displayName)" }
        return "Search"
    }

    static func personRows(_ people: [SearchPerson], form: SearchForm) -> TemplateValue {
        .list(people.map { SearchPersonRow(person: $0, form: form) })
    }

    enum Key: String, CaseIterable, Sendable {
        case searchQuery, q, heading, searched, message, hasProblems, hasDateErrors, dateErrors, fromError, toError
        case hasPeople, people, hasAuthorChoices, authorChoices, filterCount, filtersOpen, clearFiltersURL
        case organisationOptions, topicOptions, answeredOptions, author, from, to, hasResults, noResults
        case beyondResults, firstPageURL, partial, widestCandidates, results, previousURL, nextURL, pageNumber
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .searchQuery, .q: return .text(form.q)
        case .heading: return .text(heading)
        case .searched: return .bool(results != nil || message != nil || !form.dateErrors.isEmpty)
        case .message: return .text(message)
        case .hasProblems: return .bool(message != nil || !form.dateErrors.isEmpty)
        case .hasDateErrors: return .bool(!form.dateErrors.isEmpty)
        case .dateErrors: return .list(form.dateErrors.map(SearchDateErrorRow.init))
        case .fromError: return .text(form.dateErrors.first { $0.field == "search-from" }?.message)
        case .toError: return .text(form.dateErrors.first { $0.field == "search-to" }?.message)
        case .hasPeople: return .bool(!people.isEmpty)
        case .people: return Self.personRows(people, form: form)
        case .hasAuthorChoices: return .bool(!authorChoices.isEmpty)
        case .authorChoices: return Self.personRows(authorChoices, form: form)
        case .filterCount: return filterCount == 0 ? nil : .int(filterCount)
        case .filtersOpen:
            return .bool(!authorChoices.isEmpty || (message != nil && form.author != nil && author == nil) || !form.dateErrors.isEmpty)
        case .clearFiltersURL:
            guard filterCount > 0 || !form.dateErrors.isEmpty else { return nil }
            return .text("/search?q=" + FormDecoder.encode(form.q))
        case .organisationOptions:
            return .list(organisations.map { SearchFilterChoice(slug: $0.slug, name: $0.name, selected: $0.slug == form.organisation) })
        case .topicOptions:
            return .list(topics.map { SearchFilterChoice(slug: $0.slug, name: $0.name, selected: $0.slug == form.topic) })
        case .answeredOptions:
            let labels: [(SearchAnswered, String)] = [(.any, "Any"), (.answered, "Answered"),
                                                      (.unanswered, "Not answered yet"), (.mentor, "Answered by a mentor")]
            return .list(labels.map { SearchAnsweredChoice(value: $0.0.rawValue, label: $0.1, selected: $0.0 == form.answered) })
        case .author: return .text(author?.displayName ?? form.author ?? "")
        case .from: return .text(form.from)
        case .to: return .text(form.to)
        case .hasResults: return .bool(!(results?.hits.isEmpty ?? true))
        case .noResults: return .bool(results.map { $0.hits.isEmpty && $0.page == 1 } == true)
        case .beyondResults:
            guard let results, results.hits.isEmpty, results.page > 1 else { return nil }
            return .int(results.page)
        case .firstPageURL: return .text(form.url(page: 1))
        case .partial: return .bool(results?.isPartial == true)
        case .widestCandidates:
            // 10000 → "10,000"
            let digits = Array(String(SearchQueries.widestCandidateLimit))
            let grouped = digits.enumerated().map { index, digit in
                (index > 0 && (digits.count - index) % 3 == 0 ? "," : "") + String(digit)
            }
            return .text(grouped.joined())
        case .results:
            guard let results else { return nil }
            return .list(results.hits.map(SearchResultRow.init))
        case .previousURL:
            guard let results, results.page > 1 else { return nil }
            return .text(form.url(page: results.page - 1))
        case .nextURL:
            guard let results, results.hasNextPage else { return nil }
            return .text(form.url(page: results.page + 1))
        case .pageNumber:
            guard let results, results.page > 1 || results.hasNextPage else { return nil }
            return .int(results.page)
        }
    }
}

/// One result of the search page (Templates/search-result.mustache): its values are worked out
/// when the template asks for them, by an integer `switch` (twenty of these a page; they were
/// dictionaries, whose building and hashing was a tenth of the page's rendering).
struct SearchResultRow: KeyedTemplateRenderable {
    let hit: SearchHit

    enum Key: String, CaseIterable, Sendable {
        case url, titleHTML, snippetHTML, authorName, authorURL, dateISO, dateText, `private`, answered, reply
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .url:
            // A reply past the thread's first page links to its page.
            .text(BoardPaths.thread(id: hit.threadID, slug: hit.threadSlug)
                + (hit.position > PageQueries.postsPerPage ? "?page=\((hit.position - 1) / PageQueries.postsPerPage + 1)" : "")
                + "#post-\(hit.postID)")
        case .titleHTML: .html(hit.titleHTML)
        case .snippetHTML: .html(hit.snippetHTML)
        case .authorName: .text(hit.authorName)
        case .authorURL: BoardPaths.author(hit.authorHandle).map { .text($0) }
        case .dateISO: .text(DateText.iso(hit.createdAt))
        case .dateText: .text(DateText.human(hit.createdAt))
        case .private: .bool(hit.isPrivate)
        case .answered: .bool(hit.hasAcceptedAnswer)
        case .reply: .bool(hit.position > 1)
        }
    }
}

/// Someone the search page names: among the people matching the words, or among those
/// "Written by" could mean (`chooseURL` searches again with them as the author).
struct SearchPersonRow: KeyedTemplateRenderable {
    let person: SearchPerson
    let form: SearchForm

    enum Key: String, CaseIterable, Sendable { case name, handle, roleText, profileURL, postsURL, chooseURL }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .name: .text(person.displayName)
        case .handle: .text(person.handle)
        case .roleText: .text(person.role == "member" ? "" : ", " + person.role)
        case .profileURL: .text(BoardPaths.user(person.handle))
        case .postsURL: .text("/search?author=" + FormDecoder.encode(person.handle))
        case .chooseURL: .text(chooseURL)
        }
    }

    /// This search again, with them as the author.
    var chooseURL: String {
        var choice = form
        choice.author = person.handle
        return choice.url(page: 1)
    }
}

/// An option of the topic or organisation filter.
struct SearchFilterChoice: KeyedTemplateRenderable {
    let slug: String
    let name: String
    let selected: Bool

    enum Key: String, CaseIterable, Sendable { case slug, name, selected }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .slug: .text(slug)
        case .name: .text(name)
        case .selected: .bool(selected)
        }
    }
}

/// An option of the "answered" filter.
struct SearchAnsweredChoice: KeyedTemplateRenderable {
    let value: String
    let label: String
    let selected: Bool

    enum Key: String, CaseIterable, Sendable { case value, label, selected }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .value: .text(value)
        case .label: .text(label)
        case .selected: .bool(selected)
        }
    }
}

/// A date filter that cannot be used, in the error summary (linking to its field).
struct SearchDateErrorRow: KeyedTemplateRenderable {
    let error: SearchForm.DateError

    enum Key: String, CaseIterable, Sendable { case href, text }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .href: .text("#" + error.field)
        case .text: .text(error.message)
        }
    }
}
