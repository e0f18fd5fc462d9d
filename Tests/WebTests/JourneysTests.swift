import Foundation
import Testing
import TestSupport
@testable import Board
@testable import Web

/// Issue 18's journeys over the real server (items 4, 5, 10, 11, 13 and the smaller ones of 15
/// on the journeys-b branch): what each page says and where each action lands.
@Suite(.serialized, .timeLimit(.minutes(2))) struct JourneysTests {
    // MARK: Item 4: who can read, said truthfully

    @Test func visitorIsAskedToSignInForAPrivateThreadAndComesBack() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("tri-borough-mutual")
            let member = try site.member(of: pathfinder, handle: "insider")
            _ = try site.member(handle: "outsider")
            let thread = try site.thread(in: .organisation(pathfinder), by: member, title: "Our redundancy numbers")

            let visitor = site.browser()
            let page = try visitor.get(thread.path)
            #expect(page.status == 404)
            #expect(page.text.contains("Sign in to see this"))
            #expect(!page.text.contains("Page not found"))
            #expect(!page.text.contains("Our redundancy numbers"))
            let next = "/sign-in?next=%2Ft%2F\(thread.id)-\(thread.slug)"
            #expect(page.text.contains("href=\"\(next)\""))

            // A thread that does not exist answers the same page, so the answer tells nothing.
            let missing = try visitor.get("/t/\(thread.id + 1000)-\(thread.slug)")
            #expect(missing.status == page.status)
            #expect(missing.text.replacingOccurrences(of: "\(thread.id + 1000)", with: "\(thread.id)") == page.text)

            // Signing in from the link returns the member to the thread.
            _ = try visitor.get(next)
            let signedIn = try visitor.post("/sign-in", [("identifier", "insider"), ("password", TestNetwork.password),
                                                         ("next", "/t/\(thread.id)-\(thread.slug)")])
            #expect(signedIn.status == 303)
            #expect(signedIn.header("location") == "/t/\(thread.id)-\(thread.slug)")
            #expect(try visitor.get(thread.path).text.contains("Our redundancy numbers"))

            // A signed-in member who may not read it still gets "Page not found".
            let outsider = try site.signedIn("outsider")
            let refused = try outsider.get(thread.path)
            #expect(refused.status == 404)
            #expect(refused.text.contains("Page not found"))
            #expect(!refused.text.contains("Sign in to see this"))
        }
    }

    @Test func composeFormSaysWhoCanReadAPublicThread() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("tri-borough-mutual")
            _ = try site.topic()
            _ = try site.member(of: pathfinder, handle: "insider")
            _ = try site.member(handle: "loner")
            let admin = try site.admin()
            let insider = try site.signedIn("insider")
            var form = try insider.get("/t/new").text
            #expect(form.contains("<label for=\"space-public\">Anyone, including people who are not signed in</label>"))
            #expect(!form.contains("Everyone on the network"))
            // Without a space to choose, the form still says who reads it.
            #expect(try site.signedIn("loner").get("/t/new").text.contains("Anyone, including people who are not signed in"))

            try Network(accounts: site.accounts).settings.set(by: try site.actor(admin.handle), .requireSignInToRead, to: "1")
            form = try insider.get("/t/new").text
            #expect(form.contains("<label for=\"space-public\">Every signed-in member of the network</label>"))
        }
    }
}

extension JourneysTests {
    // MARK: Item 5: reading a notification's thread reads it; the list shows an excerpt

    @Test func openingTheThreadMarksItsNotificationReadAndTheListShowsAnExcerpt() throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            try site.network.store.write { try $0.run("UPDATE settings SET value = '0' WHERE key = ?", Setting.holdFirstPostsOfNewMembers.rawValue) }
            let asker = try site.member(handle: "asker")
            let helper = try site.member(handle: "helper")
            let thread = try site.thread(by: asker, title: "Pension admission for transferring staff")
            let other = try site.thread(by: asker, title: "A second question about the bond")
            try site.network.store.write { tx in
                try tx.run("INSERT INTO subscriptions(user_id, thread_id, created_at) VALUES (?, ?, ?)", asker.id, thread.id, Fixtures.now)
            }
            let helperBrowser = try site.signedIn("helper", landingOn: thread.path)
            let reply = try helperBrowser.post("/t/\(thread.id)/reply", [
                ("body", "**Admitted body status** worked for us: see [the LGPS guide](https://example.org/lgps).\n\n> quoted words"),
                ("action", "post")])
            #expect(reply.status == 303)
            _ = try site.reply(to: other, by: helper)
            try site.network.store.write { tx in
                let post = try tx.scalar(Int64.self, "SELECT max(id) FROM posts WHERE thread_id = ?", other.id)
                try tx.run("INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at) VALUES (?, 'reply', ?, ?, ?, ?)",
                           asker.id, other.id, post, helper.id, Fixtures.now)
            }

            let browser = try site.signedIn("asker")
            let list = try browser.get("/notifications").text
            #expect(list.contains("Helper replied in “Pension admission for transferring staff”"))
            // The excerpt is the reply's words without Markdown, and without the quote.
            #expect(list.contains("<p class=\"notification-list__excerpt\">Admitted body status worked for us: see the LGPS guide.</p>"))
            #expect(!list.contains("**"))
            #expect(list.contains("id=\"unread-count\">2<"))

            let opened = try browser.get(thread.path).text
            #expect(opened.contains("id=\"unread-count\">1<"))
            let after = try browser.get("/notifications").text
            #expect(try site.scalar(Int.self, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", asker.id) == 1)
            #expect(after.contains("id=\"unread-count\">1<"))
        }
    }
}

extension JourneysTests {
    // MARK: Item 10: one settings form, one Save, nothing lost

    @Test func oneSaveKeepsEverySettingChangedAndSaysSo() throws {
        try withTestSite { site in
            let admin = try site.admin()
            let browser = try site.signedIn(admin.handle, landingOn: "/admin/settings")
            let page = try browser.get("/admin/settings").text
            #expect(page.components(separatedBy: "<form method=\"post\" action=\"/admin/settings\"").count == 2)
            #expect(page.components(separatedBy: "type=\"submit\">Save settings</button>").count == 2)
            let before = try site.logCount()
            let registration = try Network(accounts: site.accounts).settings.values()[.registration] == "open" ? "invite_only" : "open"
            // Two changes in one Save: both kept, each logged; untouched settings stay as they were.
            let saved = try browser.post("/admin/settings", [("registration", registration), ("require_sign_in_to_read", "0"),
                                                             ("flag_threshold", "5"), ("new_account_days", ""),
                                                             ("hold_first_posts_of_new_members", "1")])
            #expect(saved.status == 303)
            let location = try #require(saved.header("location"))
            #expect(location.hasPrefix("/admin/settings?notice=settings-saved."))
            let values = try Network(accounts: site.accounts).settings.values()
            #expect(values[.registration] == registration)
            #expect(values[.flagThreshold] == "5")
            #expect(values[.newAccountDays] == nil)
            let changed = try site.logCount() - before
            #expect(location.hasPrefix("/admin/settings?notice=settings-saved.\(changed)."))
            #expect(changed >= 2)
            let after = try browser.get(location).text
            #expect(after.contains("Settings saved. \(changed) settings changed."))
            #expect(after.contains("<option value=\"\(registration)\" selected>"))
            #expect(after.contains("<option value=\"5\" selected>5</option>"))

            // A refused value changes nothing and comes back with every choice as it was made.
            let refused = try browser.post("/admin/settings", [("registration", "closed"), ("flag_threshold", "99")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("href=\"#setting-flag_threshold\""))
            #expect(refused.text.contains("<option value=\"closed\" selected>"))
            #expect(try Network(accounts: site.accounts).settings.values()[.registration] == registration)

            // Saving without a change says so.
            let again = try browser.post("/admin/settings", [("registration", registration)])
            #expect(again.header("location")?.hasPrefix("/admin/settings?notice=settings-saved.0.") == true)
            #expect(try browser.follow(again).text.contains("Settings saved. Nothing had changed."))
            // The same words cannot be put on the page by a link.
            #expect(!(try browser.get("/admin/settings?saved=0").text.contains("Settings saved.")))
        }
    }

    // MARK: Item 13: drafts kept as the member types

    @Test func draftsEndpointKeepsTheTextAndTheFormLabelsItAsADraft() throws {
        try withTestSite { site in
            let author = try site.member(handle: "writer")
            let reader = try site.member(handle: "reader")
            let thread = try site.thread(by: author, title: "Staff engagement before the ballot")
            let browser = try site.signedIn("reader", landingOn: thread.path)
            let page = try browser.get(thread.path).text
            #expect(page.contains("data-draft-thread=\"\(thread.id)\""))
            #expect(page.contains("<script src=\"/static/drafts.js\" defer></script>"))
            #expect(!page.contains("id=\"draft-label\""))

            let saved = try browser.post("/drafts", [("thread", String(thread.id)), ("body", "We held three open meetings")])
            #expect(saved.status == 204)
            let restored = try browser.get(thread.path).text
            #expect(restored.contains("We held three open meetings</textarea>"))
            #expect(restored.contains("<strong class=\"tag\">Draft</strong> Saved"))

            // A new thread's draft keeps its title too.
            #expect(try browser.post("/drafts", [("thread", ""), ("title", "Ballot wording"), ("body", "Who has a template?")]).status == 204)
            let form = try browser.get("/t/new").text
            #expect(form.contains("value=\"Ballot wording\""))
            #expect(form.contains("Who has a template?</textarea>"))
            #expect(form.contains("id=\"draft-label\""))

            // Emptying the box removes the draft.
            #expect(try browser.post("/drafts", [("thread", String(thread.id)), ("body", "")]).status == 204)
            #expect(try Network(accounts: site.accounts).drafts.draft(userID: reader.id, threadID: thread.id) == nil)

            // A forged post, a thread the member may not read and a visitor are refused.
            #expect(try browser.post("/drafts", [("thread", String(thread.id)), ("body", "x")], csrf: "forged").status == 403)
            #expect(try browser.post("/drafts", [("thread", "999999"), ("body", "x")]).status == 404)
            let visitor = site.browser()
            _ = try visitor.get("/")
            #expect(try visitor.post("/drafts", [("thread", String(thread.id)), ("body", "x")]).status == 401)
        }
    }
}

extension JourneysTests {
    // MARK: Item 11: search

    @Test func searchShowsPlainTextFindsPeopleAndOffersChoices() throws {
        try withTestSite { site in
            let pathfinder = try site.organisation("tri-borough-mutual", name: "Tri-borough Mutual")
            let helen = try site.person("helen_marsh", role: .mentor, organisation: nil, confirmed: true)
            try site.network.store.write { try $0.run("UPDATE users SET display_name = 'Helen Marsh' WHERE id = ?", helen.id) }
            let asker = try site.member(of: pathfinder, handle: "asker")
            let thread = try site.thread(by: asker, title: "Working capital in the first year")
            _ = try site.reply(to: thread, by: helen,
                               body: "**Overdraft** facilities helped: see [the guide](https://example.org/guide).\n\n> quoted kumquat")

            let found = try site.get("/search?q=overdraft").text
            #expect(found.contains("<mark>Overdraft</mark> facilities helped: see the guide."))
            #expect(!found.contains("**"))
            #expect(!found.contains("](https"))
            // One query box: the header's; the filters belong to its form.
            #expect(found.components(separatedBy: "name=\"q\"").count == 2)
            #expect(found.contains("<details class=\"search-filters\""))
            #expect(found.contains("id=\"search-from\" name=\"from\" type=\"date\""))
            #expect(found.contains("<option value=\"tri-borough-mutual\">Tri-borough Mutual</option>"))
            #expect(found.contains("form=\"site-search-form\""))
            // The filters are folded (one line), so the results are what the page shows first.
            #expect(found.contains("<details class=\"search-filters\">"))  // folded: the results are what shows

            // A name finds the person, and from there their posts.
            let named = try site.get("/search?q=Helen").text
            #expect(named.contains("<a href=\"/u/helen_marsh\">Helen Marsh</a> (@helen_marsh, mentor)"))
            #expect(named.contains("href=\"/search?author=helen_marsh\""))
            let posts = try site.get("/search?author=helen_marsh").text
            #expect(posts.contains("Posts by Helen Marsh"))
            #expect(posts.contains("Overdraft facilities helped"))
            #expect(posts.contains("Working capital in the first year"))
            // "Written by" takes a name.
            let byName = try site.get("/search?q=overdraft&author=Helen").text
            #expect(byName.contains("<mark>Overdraft</mark>"))
            #expect(byName.contains("value=\"Helen Marsh\""))
            let nobody = try site.get("/search?q=overdraft&author=Zebedee")
            #expect(nobody.status == 422)
            #expect(nobody.text.contains("No one on the network is called “Zebedee”"))
        }
    }
}

extension JourneysTests {
    // MARK: Item 15: topics in the navigation, breadcrumbs, browsers in words

    @Test func topicsPageAskInThisTopicAndBreadcrumbs() throws {
        try withTestSite { site in
            let capital = try site.topic("capital-and-finance", name: "Capital and finance", position: 1)
            let governance = try site.topic("governance-and-legal-form", name: "Governance and legal form", position: 2)
            let asker = try site.member(handle: "asker")
            let thread = try site.thread(by: asker, title: "Bond or parent guarantee?", topics: [capital, governance])

            let home = try site.get("/").text
            #expect(home.contains("<a class=\"site-nav__link\" href=\"/topics\">Topics</a>"))
            let topics = try site.get("/topics").text
            #expect(topics.contains("<h1 class=\"heading-l\">Topics</h1>"))
            #expect(topics.contains("<a href=\"/topics/capital-and-finance\">Capital and finance</a> <span class=\"meta\">(1 thread)</span>"))

            let topic = try site.get("/topics/governance-and-legal-form").text
            #expect(topic.contains("<a class=\"button\" href=\"/t/new?topic=governance-and-legal-form\">Ask in this topic</a>"))
            let browser = try site.signedIn("asker")
            let form = try browser.get("/t/new?topic=governance-and-legal-form").text
            #expect(form.contains("value=\"governance-and-legal-form\" checked>"))
            #expect(!form.contains("value=\"capital-and-finance\" checked>"))

            // Two topics of a thread are siblings: the breadcrumb names the first under Topics.
            let page = try site.get(thread.path).text
            let crumbs = try #require(page.range(of: "<ol class=\"breadcrumbs__list\">")).upperBound
            let end = try #require(page.range(of: "</ol>", range: crumbs..<page.endIndex)).lowerBound
            let trail = String(page[crumbs..<end])
            #expect(trail.contains("<a href=\"/topics\">Topics</a>"))
            #expect(trail.contains("Capital and finance"))
            #expect(!trail.contains("Governance and legal form"))
        }
    }

    @Test(arguments: [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on macOS"),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36", "Chrome on Android"),
        ("", "Unknown browser"),
        ("SomethingElse/1.0", "Unknown browser"),
    ])
    func browsersInWords(agent: String, expected: String) {
        #expect(UserAgentText.describe(agent) == expected)
    }
}

extension JourneysTests {
    @Test func authorFixesTheTitleAndTopicsOfTheirThread() throws {
        try withTestSite { site in
            let capital = try site.topic("capital-and-finance", name: "Capital and finance", position: 1)
            _ = try site.topic("governance-and-legal-form", name: "Governance and legal form", position: 2)
            let asker = try site.member(handle: "asker")
            _ = try site.member(handle: "reader")
            let thread = try site.thread(by: asker, title: "Perfomance bond for the first contract", topics: [capital])
            let browser = try site.signedIn("asker", landingOn: thread.path)
            let page = try browser.get(thread.path).text
            #expect(page.contains("<a href=\"/t/\(thread.id)/details\">Change the title or topics</a>"))
            let form = try browser.get("/t/\(thread.id)/details").text
            #expect(form.contains("value=\"Perfomance bond for the first contract\""))
            // A refused change keeps what was typed.
            let refused = try browser.post("/t/\(thread.id)/details", [("title", "Performance bond for the first contract")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("Select at least one topic"))
            #expect(refused.text.contains("value=\"Performance bond for the first contract\""))
            let saved = try browser.post("/t/\(thread.id)/details", [("title", "Performance bond for the first contract"),
                                                                      ("topics", "capital-and-finance"), ("topics", "governance-and-legal-form")])
            #expect(saved.status == 303)
            let location = try #require(saved.header("location"))
            #expect(location.hasPrefix("/t/\(thread.id)-performance-bond-for-the-first-contract?notice=details."))
            let after = try browser.get(location).text
            #expect(after.contains("Title and topics saved."))
            #expect(after.contains("<h1 class=\"heading-l\">Performance bond for the first contract</h1>"))
            #expect(after.contains("Governance and legal form"))
            // Someone else is not offered the link and is refused.
            let reader = try site.signedIn("reader", landingOn: location)
            #expect(!(try reader.get(location).text.contains("Change the title or topics")))
            #expect(try reader.get("/t/\(thread.id)/details").status == 403)
        }
    }
}

extension JourneysTests {
    @Test func signingInAfterRegisteringLandsOnTheWelcomePage() throws {
        try withTestSite(registration: .open) { site in
            let mentor = try site.person("helen_marsh", role: .mentor, organisation: nil, confirmed: true)
            try site.network.store.write { try $0.run("UPDATE users SET display_name = 'Helen Marsh' WHERE id = ?", mentor.id) }
            let browser = site.browser()
            try browser.get("/register")
            let registered = try browser.post("/register", [("invite", ""), ("handle", "newcomer"), ("displayName", "Nia Newcomer"),
                                                            ("email", "nia@example.org"), ("password", TestNetwork.password), ("organisation", "")])
            #expect(registered.header("location") == "/sign-in?registered=1")
            let signIn = try browser.get("/sign-in?registered=1").text
            #expect(signIn.contains("name=\"next\" value=\"/welcome\""))
            let signedIn = try browser.post("/sign-in", [("identifier", "newcomer"), ("password", TestNetwork.password), ("next", "/welcome")])
            #expect(signedIn.header("location") == "/welcome")
            let welcome = try browser.get("/welcome").text
            #expect(welcome.contains("<h1 class=\"heading-l\">Welcome, Nia Newcomer</h1>"))
            #expect(welcome.contains("How to ask"))
            #expect(welcome.contains("<a href=\"/mentors/helen_marsh\">Helen Marsh</a>"))
        }
    }
}

extension JourneysTests {
    /// A new mentor's welcome page was the member's: how to ask, a note that their first post
    /// may wait for approval (a mentor's never does), themselves listed among the mentors to
    /// ask, and nothing of the profile and queue their work starts from.
    @Test func aNewMentorsWelcomeSaysWhereTheirWorkStarts() throws {
        try withTestSite { site in
            let mentor = try site.mentor(handle: "new_mentor")
            let other = try site.mentor(handle: "old_hand")
            try site.store.write { tx in
                for person in [mentor, other] {
                    try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, 'Finance', 'available', ?)",
                               person.id, Fixtures.now)
                }
            }
            let welcome = try site.signedIn("new_mentor").get("/welcome").text
            #expect(welcome.contains("<h2 class=\"heading-m\" id=\"as-a-mentor\">As a mentor</h2>"))
            #expect(welcome.contains("<a href=\"/mentor/profile\">Write your mentor profile</a>"))
            #expect(welcome.contains("<a href=\"/mentor/queue\">your mentor queue</a>"))
            #expect(!welcome.contains("Your first post may be checked by an admin"))
            #expect(welcome.contains("<a href=\"/mentors/old_hand\">"))
            #expect(!welcome.contains("<a href=\"/mentors/new_mentor\">"))

            try site.member(handle: "plain_member")
            #expect(!(try site.signedIn("plain_member").get("/welcome").text.contains("As a mentor")))
        }
    }

    @Test func thisHelpedIsCountedOncePerMemberAndRanksTheTopicPage() throws {
        try withTestSite { site in
            let (thread, answer, browser) = try site.answeredQuestion()
            #expect(try browser.get(thread.path).text.contains("action=\"/p/\(answer)/helped\""))
            let marked = try browser.post("/p/\(answer)/helped", [("action", "mark")])
            #expect(marked.status == 303)
            let location = try #require(marked.header("location"))
            #expect(location.hasPrefix("\(thread.path)?notice=helped.") && location.hasSuffix("#post-\(answer)"))
            let page = try browser.get(String(location.prefix { $0 != "#" })).text
            #expect(page.contains("Marked as helpful."))
            #expect(page.contains("<span class=\"post__helpful\">1 member found this helpful</span>"))
            #expect(page.contains("It helped you (take back)"))
            // The author of the answer sees the count but no button on their own post.
            let author = try site.signedIn("helper", landingOn: thread.path)
            let own = try author.get(thread.path).text
            #expect(own.contains("1 member found this helpful"))
            #expect(!own.contains("action=\"/p/\(answer)/helped\""))
            #expect(try author.post("/p/\(answer)/helped", [("action", "mark")]).status == 403)
            // The topic page ranks it; the profile shows no totals.
            let topic = try site.get("/topics/capital-and-finance").text
            #expect(topic.contains("Most helpful answers"))
            #expect(topic.contains("Helper in “Working capital in year one”"))
            #expect(!(try site.get("/u/helper").text.contains("helpful")))
        }
    }
}

extension JourneysTests {
    @Test func postsNewSinceTheLastVisitAreMarkedInTheThreadAndTheLists() throws {
        try withTestSite { site in
            let capital = try site.topic("capital-and-finance", name: "Capital and finance", position: 1)
            let asker = try site.member(handle: "asker")
            let helper = try site.member(handle: "helper")
            let thread = try site.thread(by: asker, title: "Working capital in year one", topics: [capital])
            let browser = try site.signedIn("asker", landingOn: "/")
            // The first visit marks nothing.
            let first = try browser.get(thread.path).text
            #expect(!first.contains("New since your last visit"))
            let reply = try site.reply(to: thread, by: helper, body: "Three months of payroll")
            try site.network.store.write { try $0.run("UPDATE threads SET last_post_id = ? WHERE id = ?", reply, thread.id) }
            #expect(try browser.get("/").text.contains("Working capital in year one</a> <strong class=\"badge badge--new\">New replies</strong>"))
            #expect(try browser.get("/topics/capital-and-finance").text.contains("<strong class=\"badge badge--new\">New replies</strong>"))
            let second = try browser.get(thread.path).text
            #expect(second.contains("<a href=\"#post-\(reply)\">Go to the first post that is new since your last visit</a>"))
            #expect(second.components(separatedBy: "New since your last visit</strong>").count == 2)
            // Seen now: no markers.
            #expect(!(try browser.get(thread.path).text.contains("New since your last visit</strong>")))
            #expect(!(try browser.get("/").text.contains("badge--new")))
        }
    }
}
