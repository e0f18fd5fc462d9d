import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// The search page's lists (results, people, filter options, date errors) are keyed view models
/// (the eighth round of docs/PERFORMANCE.md); they were dictionaries. The page they render is
/// pinned to the one the dictionaries rendered, kept here as the reference.
@Suite struct SearchPageRowsTests {
    /// `view`, with each list answered by the dictionaries the page used to build.
    struct DictionarySearchView: TemplateRenderable {
        let view: SearchView

        static func personRows(_ people: [SearchPerson], form: SearchForm) -> TemplateValue {
            .list(people.map { person in
                var choice = form
                choice.author = person.handle
                var row = TemplateObject()
                row["name"] = .text(person.displayName)
                row["handle"] = .text(person.handle)
                row["roleText"] = .text(person.role == "member" ? "" : ", " + person.role)
                row["profileURL"] = .text(BoardPaths.user(person.handle))
                row["postsURL"] = .text("/search?author=" + FormDecoder.encode(person.handle))
                row["chooseURL"] = .text(choice.url(page: 1))
                return .object(row)
            })
        }

        func templateValue(for key: String) -> TemplateValue? {
            let form = view.form
            switch key {
            case "dateErrors": return .list(form.dateErrors.map { ["href": .text("#" + $0.field), "text": .text($0.message)] })
            case "people": return Self.personRows(view.people, form: form)
            case "authorChoices": return Self.personRows(view.authorChoices, form: form)
            case "organisationOptions":
                return .list(view.organisations.map { organisation in
                    ["slug": .text(organisation.slug), "name": .text(organisation.name), "selected": .bool(organisation.slug == form.organisation)]
                })
            case "topicOptions":
                return .list(view.topics.map { topic in
                    ["slug": .text(topic.slug), "name": .text(topic.name), "selected": .bool(topic.slug == form.topic)]
                })
            case "answeredOptions":
                let labels: [(SearchAnswered, String)] = [(.any, "Any"), (.answered, "Answered"),
                                                          (.unanswered, "Not answered yet"), (.mentor, "Answered by a mentor")]
                return .list(labels.map { option, label in
                    ["value": .text(option.rawValue), "label": .text(label), "selected": .bool(option == form.answered)]
                })
            case "results":
                guard let results = view.results else { return nil }
                return .list(results.hits.map { hit in
                    let url = BoardPaths.thread(id: hit.threadID, slug: hit.threadSlug)
                        + (hit.position > PageQueries.postsPerPage ? "?page=\((hit.position - 1) / PageQueries.postsPerPage + 1)" : "")
                        + "#post-\(hit.postID)"
                    return [
                        "url": .text(url), "titleHTML": .html(hit.titleHTML), "snippetHTML": .html(hit.snippetHTML),
                        "authorName": .text(hit.authorName), "authorURL": .text(BoardPaths.user(hit.authorHandle)),
                        "dateISO": .text(DateText.iso(hit.createdAt)), "dateText": .text(DateText.human(hit.createdAt)),
                        "private": .bool(hit.isPrivate), "answered": .bool(hit.hasAcceptedAnswer),
                        "reply": .bool(hit.position > 1),
                    ]
                })
            default: return view.templateValue(for: key)
            }
        }
    }

    func hit(_ id: Int64, position: Int, title: String, snippet: String, author: String, name: String,
             isPrivate: Bool, answered: Bool) -> SearchHit {
        SearchHit(postID: id, position: position, threadID: id * 10, threadSlug: "slug-\(id)", threadTitle: title,
                  titleHTML: SearchQueries.markedHTML(title), snippetHTML: SearchQueries.markedHTML(snippet),
                  authorHandle: author, authorName: name, createdAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(id) * 3_600),
                  isPrivate: isPrivate, hasAcceptedAnswer: answered)
    }

    @Test func theKeyedListsRenderWhatTheDictionariesRendered() throws {
        try withTestNetwork { world in
            let network = Network(store: world.store)
            _ = try world.topic("capital-and-finance", name: "Capital & finance", position: 1)
            _ = try world.topic("governance", name: "Governance <and> legal form", position: 2)
            let pathfinder = try world.organisation("tri-borough", name: "Tri-Borough \"Care\" CIC")
            _ = try world.organisation("other-mutual", name: "Other Mutual")
            _ = try world.member(of: pathfinder, handle: "sian_obrien")
            _ = try world.member(handle: "sian_jones")
            try world.store.write { tx in
                try tx.run("UPDATE users SET display_name = 'Siân O''Brien & Co', role = 'mentor' WHERE handle = 'sian_obrien'")
                try tx.run("UPDATE users SET display_name = 'Siân <Jones>' WHERE handle = 'sian_jones'")
            }
            let people = try network.search.people(matching: "sian")
            #expect(people.count == 2 && people.contains { $0.role == "mentor" })
            let hits = [
                hit(1, position: 1, title: "Pension \u{E000}bonds\u{E001} & <guarantees>", snippet: "the \u{E000}bond\u{E001} \"quoted\" & more…",
                    author: "sian_obrien", name: "Siân O'Brien & Co", isPrivate: false, answered: true),
                hit(2, position: PageQueries.postsPerPage + 3, title: "Spin-out", snippet: "a reply far down the \u{E000}thread\u{E001}",
                    author: "sian_jones", name: "Siân <Jones>", isPrivate: true, answered: false),
                hit(3, position: 2, title: "No marks", snippet: "plain text 'single' quotes", author: "sian_jones", name: "Siân <Jones>",
                    isPrivate: true, answered: true),
            ]
            let library = try TemplateLibrary(directories: [repositoryRoot + "/Templates"])
            let template = try library.template("search")
            let forms = [
                [FormItem("q", "pension bonds"), FormItem("topic", "governance"), FormItem("organisation", "tri-borough"),
                 FormItem("answered", "mentor"), FormItem("from", "2026-01-01"), FormItem("page", "2")],
                [FormItem("q", "sian"), FormItem("author", "sian"), FormItem("from", "2026-02-30"), FormItem("to", "2025-01-01")],
                [FormItem("q", "")],
            ]
            var compared = 0
            for items in forms {
                var view = SearchView(form: SearchForm(items: items))
                view.topics = try network.topics.active()
                view.organisations = try world.accounts.organisations()
                view.people = people
                view.authorChoices = people
                for results in [SearchResults(hits: hits, page: 2, hasNextPage: true), SearchResults(hits: [], page: 1, hasNextPage: false), nil] {
                    view.results = results
                    let keyed = String(decoding: template.render(view), as: UTF8.self)
                    let dictionaries = String(decoding: template.render(DictionarySearchView(view: view)), as: UTF8.self)
                    #expect(keyed == dictionaries)
                    compared += 1
                }
            }
            #expect(compared == 9)
            // The comparison saw every list filled in.
            var view = SearchView(form: SearchForm(items: forms[0]))
            view.topics = try network.topics.active()
            view.organisations = try world.accounts.organisations()
            view.people = people
            view.results = SearchResults(hits: hits, page: 2, hasNextPage: true)
            let page = String(decoding: template.render(view), as: UTF8.self)
            for fragment in ["<mark>bonds</mark> &amp; &lt;guarantees&gt;", "?page=2#post-2", "Siân &lt;Jones&gt;", ", mentor",
                             "<option value=\"governance\" selected>", "Tri-Borough &quot;Care&quot; CIC", "Answered by a mentor"] {
                #expect(page.contains(fragment), "\(fragment)")
            }
        }
    }
}
