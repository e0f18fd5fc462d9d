import Foundation
import Testing
import TestSupport
@testable import Board

/// Markdown's plain text (what search indexes and shows, and notification excerpts), and
/// migration 11, which converts the posts already written.
@Suite struct PlainTextTests {
    @Test(arguments: [
        ("**Bold** and _soft_ words", "Bold and soft words"),
        ("See [the guide](https://example.org) now", "See the guide now"),
        ("> quoted\n\nmine", "quoted\n\nmine"),
        ("# Heading\n\n- one\n- two", "Heading\n\none\n\ntwo"),
        ("`code` and <b>raw</b>", "code and <b>raw</b>"),
        ("![a chart](https://example.org/c.png)", "a chart"),
    ])
    func plainText(markdown: String, expected: String) {
        #expect(Markdown.plainText(markdown) == expected)
    }

    @Test func excerptLeavesQuotesOutAndCutsAtAWord() {
        #expect(Markdown.excerpt("> their words\n\nMy **answer** here") == "My answer here")
        #expect(Markdown.excerpt("> only a quote") == "only a quote")
        let long = Array(repeating: "word", count: 60).joined(separator: " ")
        let cut = Markdown.excerpt(long, limit: 20)
        #expect(cut == "word word word word…")
    }

    @Test func newAndEditedPostsAreIndexedAsPlainText() throws {
        try withTestNetwork { network in
            let author = try network.member(handle: "writer")
            let thread = try network.thread(by: author, title: "A question about bonds", body: "**Performance** [bond](https://example.org)")
            let text = try network.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", thread.openingPostID)
            #expect(text == "Performance bond")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'example'") == 0)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'performance'") == 1)
            try network.store.write { try $0.run("UPDATE posts SET body_markdown = '_Surety_ instead' WHERE id = ?", thread.openingPostID) }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'performance'") == 0)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search_recent WHERE post_search_recent MATCH 'surety'") == 1)
            #expect(try network.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", thread.openingPostID) == "Surety instead")
            try network.store.write { try $0.run("INSERT INTO post_search(post_search) VALUES ('integrity-check')") }
        }
    }

    @Test func migrationTwelveConvertsPostsAlreadyWritten() throws {
        try withTestNetwork(migratedTo: 10) { network in
            let author = try network.member(handle: "writer")
            let thread = try network.thread(by: author, title: "Older question", body: "**Shadow** board, see [notes](https://example.org)")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'example'") == 1)
            _ = try network.store.migrate(Schema.migrator)
            #expect(try network.scalar(String.self, "SELECT body_text FROM posts WHERE id = ?", thread.openingPostID) == "Shadow board, see notes")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'example'") == 0)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search WHERE post_search MATCH 'shadow'") == 1)
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM post_search_recent WHERE post_search_recent MATCH 'notes'") == 1)
        }
    }
}

/// Issue 18 item 15: a thread's author fixes its title and topics (Policy `.editThread`).
@Suite struct ThreadDetailsPolicyTests {
    let author = Actor(userID: 1, role: .member, organisationID: nil)
    let other = Actor(userID: 2, role: .member, organisationID: nil)
    let admin = Actor(userID: 3, role: .admin, organisationID: nil)

    @Test func authorOrAdminNotWhenLockedOrHidden() {
        let open = Resource.ThreadState(authorID: 1)
        #expect(Policy.decide(author, .editThread, .thread(open)) == .allowed)
        #expect(Policy.decide(admin, .editThread, .thread(open)) == .allowed)
        #expect(Policy.decide(other, .editThread, .thread(open)) == .denied("Only the person who started a thread can change its title and topics"))
        #expect(Policy.decide(.visitor, .editThread, .thread(open)) == .denied("Sign in to do that"))
        let locked = Resource.ThreadState(authorID: 1, locked: true)
        #expect(Policy.decide(author, .editThread, .thread(locked)) == .denied("This thread is locked, so its title and topics cannot be changed"))
        #expect(Policy.decide(admin, .editThread, .thread(locked)) == .allowed)
        let hidden = Resource.ThreadState(authorID: 1, hidden: true)
        #expect(!Policy.decide(author, .editThread, .thread(hidden)).isAllowed)
        let suspended = Actor(userID: 1, role: .member, organisationID: nil, suspendedUntil: Date().addingTimeInterval(86_400), suspensionReason: "Spam")
        #expect(!Policy.decide(suspended, .editThread, .thread(open)).isAllowed)
    }

    @Test func editDetailsChangesTitleAndTopicsAndLogsEach() throws {
        try withTestNetwork { network in
            let capital = try network.topic("capital-and-finance")
            _ = try network.topic("governance-and-legal-form", position: 2)
            let asker = try network.member(handle: "asker")
            let thread = try network.thread(by: asker, title: "Bond question with a tpyo", topics: [capital])
            let actor = try network.actor("asker")
            let before = try network.logCount()
            let slug = try Threads.editDetails(network.store, by: actor, threadID: thread.id, title: "Bond question without a typo",
                                               topicSlugs: ["capital-and-finance", "governance-and-legal-form"])
            #expect(slug == Slug.make("Bond question without a typo"))
            #expect(try network.scalar(String.self, "SELECT title FROM threads WHERE id = ?", thread.id) == "Bond question without a typo")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM thread_topics WHERE thread_id = ?", thread.id) == 2)
            #expect(try network.logCount() == before + 2)
            // Nothing changed: nothing logged.
            try Threads.editDetails(network.store, by: actor, threadID: thread.id, title: "Bond question without a typo",
                                    topicSlugs: ["governance-and-legal-form", "capital-and-finance"])
            #expect(try network.logCount() == before + 2)
            #expect(throws: PostValidationError.self) {
                try Threads.editDetails(network.store, by: actor, threadID: thread.id, title: "Short", topicSlugs: [])
            }
            _ = try network.member(handle: "someone")
            #expect(throws: PostingError.refused("Only the person who started a thread can change its title and topics")) {
                try Threads.editDetails(network.store, by: try network.actor("someone"), threadID: thread.id, title: "Their new title here",
                                        topicSlugs: ["capital-and-finance"])
            }
        }
    }
}

/// "This helped" (issue 18): one mark per member and post, not on your own post, counted.
@Suite struct HelpfulMarkTests {
    @Test func oneMarkPerMemberNotOwnCountedAndRankedByTopic() throws {
        try withTestNetwork { network in
            let capital = try network.topic("capital-and-finance")
            let asker = try network.member(handle: "asker")
            let helper = try network.member(handle: "helper")
            _ = try network.member(handle: "reader")
            let thread = try network.thread(by: asker, title: "Working capital in year one", topics: [capital])
            let answer = try network.reply(to: thread, by: helper, body: "Three months of payroll")
            let service = Network(accounts: network.accounts).helpful
            #expect(try service.mark(by: try network.actor("asker"), postID: answer, helped: true))
            #expect(try service.mark(by: try network.actor("asker"), postID: answer, helped: true))  // still one
            #expect(try service.mark(by: try network.actor("reader"), postID: answer, helped: true))
            #expect(throws: PostingError.refused("You cannot mark your own post as helpful")) {
                try service.mark(by: try network.actor("helper"), postID: answer, helped: true)
            }
            // The thread page reads each post's marks with the post (`PostView.helpful`).
            func marks(_ viewer: Viewer) throws -> [Int64: HelpfulCount] {
                let page = try Network(accounts: network.accounts).reading.thread(id: thread.id, page: 1, viewer: viewer)
                return Dictionary(uniqueKeysWithValues: (page?.posts ?? []).compactMap { post in post.helpful.map { (post.id, $0) } })
            }
            #expect(try marks(asker.viewer) == [answer: HelpfulCount(count: 2, mine: true)])
            #expect(try marks(.visitor) == [answer: HelpfulCount(count: 2, mine: false)])
            let top = try service.topAnswers(topicSlug: "capital-and-finance", viewer: Viewer.visitor)
            #expect(top.map(\.postID) == [answer])
            #expect(top.first?.count == 2)
            try service.mark(by: try network.actor("reader"), postID: answer, helped: false)
            #expect(try marks(.visitor)[answer]?.count == 1)
            // Private threads' answers are not ranked for those who may not read them.
            let pathfinder = try network.organisation("tri-borough-mutual")
            let insider = try network.member(of: pathfinder, handle: "insider")
            let secret = try network.thread(in: .organisation(pathfinder), by: insider, title: "Private numbers here", topics: [capital])
            let reply = try network.reply(to: secret, by: insider, body: "Our reply")
            _ = try network.mentor(of: pathfinder, handle: "guide")
            #expect(try service.mark(by: try network.actor("guide"), postID: reply, helped: true))
            #expect(!(try service.topAnswers(topicSlug: "capital-and-finance", viewer: Viewer.visitor).map(\.postID).contains(reply)))
            #expect(try service.topAnswers(topicSlug: "capital-and-finance", viewer: insider.viewer).map(\.postID).contains(reply))
            #expect(!(try service.mark(by: try network.actor("reader"), postID: reply, helped: true)))
        }
    }
}

/// Display names reach pages, mail headers and terminals: control characters are refused.
@Suite struct DisplayNameRuleTests {
    @Test func controlCharactersAndBidiOverridesAreRefused() {
        for name in ["Eve\r\nBcc: victim@example.com", "Zoe\u{0}", "Esc\u{1B}[31m", "Rtl\u{202E}gnp.exe", "Sep\u{2028}x", "C1\u{85}x"] {
            #expect(Accounts.displayNameProblem(name) != nil, "\(name.debugDescription)")
        }
        for name in ["Helen Marsh", "Siân O’Brien-Jones", "José Álvarez (JLP)", "李小龍"] {
            #expect(Accounts.displayNameProblem(name) == nil)
        }
        #expect(Accounts.displayNameProblem("") == "Enter your name")
    }
}

/// Issue 15: no form can be used to send an address a stream of mail.
@Suite struct MailedLinkLimitTests {
    @Test func changeOfAddressAndResetMailAreCapped() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let member = try network.member(handle: "caller")
            let accounts = network.accounts
            // A second link to one address within the minute is refused with a reason; nothing queued.
            guard case .linkSent = try accounts.requestEmailChange(userID: member.id, newEmail: "one@example.org", password: TestNetwork.password, address: "192.0.2.1") else {
                Issue.record("the first change was refused"); return
            }
            guard case .tooSoon(let error) = try accounts.requestEmailChange(userID: member.id, newEmail: "One@example.org", password: TestNetwork.password, address: "192.0.2.1") else {
                Issue.record("the second change was accepted"); return
            }
            #expect(error.field == "email")
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE kind = 'confirm_address'") == 1)
            // Reset requests for one account, from many addresses: one link a minute, whatever
            // the answer (always the same "if the address has an account…").
            for second in 0..<12 {
                _ = try accounts.requestPasswordReset(email: "caller@example.org", address: "192.0.2.\(second)")
                network.clock.advance(1)
            }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE kind = 'password_reset'") == 1)
            // Spread over a day: five at most.
            for hour in 0..<20 {
                network.clock.advance(3600)
                _ = try accounts.requestPasswordReset(email: "caller@example.org", address: "198.51.100.\(hour)")
            }
            #expect(try network.scalar(Int.self, "SELECT count(*) FROM mail_outbox WHERE kind = 'password_reset' AND created_at > ?",
                                        network.clock.now.addingTimeInterval(-86_400)) ?? 0 <= 5)
        }
    }
}
