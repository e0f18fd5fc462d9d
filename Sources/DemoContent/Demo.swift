import Board
import Database
import Foundation

/// An account the demo seed created, with the password it was given (printed once by the CLI).
public struct DemoAccount: Sendable, Equatable {
    public let role: String
    public let handle: String
    public let displayName: String
    public let email: String
    public let password: String
}

/// The demo world: the organisations, topics and briefing of the mutuals briefing, a handful of
/// practitioner threads, and one member, one mentor and one admin to sign in as.
///
/// All text here is written for this product; facts (names, programmes, figures) come from the
/// briefing in `shared/seed/mutuals-briefing.txt`.
public enum Demo {
    /// Seeds `store` if it has no users yet.
    /// - Returns: the sign-in accounts with their new passwords, or nil when the database already
    ///   had data and nothing was done.
    public static func seedIfEmpty(_ store: Store) throws -> [DemoAccount]? {
        do {
            return try seed(store)
        } catch StorageError.notEmpty {
            return nil
        }
    }

    /// Seeds a new database.
    /// - Throws: `StorageError.notEmpty` if there are users already; `DatabaseError`; `CryptoError`.
    public static func seed(_ store: Store, hasher: PasswordHasher = .standard) throws -> [DemoAccount] {
        let path = store.path
        if try store.read({ try $0.scalar(Int.self, "SELECT count(*) FROM users") ?? 0 }) > 0 {
            throw StorageError.notEmpty(path: path)
        }
        // scrypt is deliberately slow: hash before entering the writer, never inside it.
        var accounts: [DemoAccount] = []
        var hashes: [String] = []
        for person in people {
            let password = try SecureRandom.password()
            hashes.append(try hasher.hash(password))
            if person.printed {
                accounts.append(DemoAccount(role: person.role, handle: person.handle, displayName: person.displayName,
                                            email: person.email, password: password))
            }
        }
        let passwordHashes = hashes
        try store.write { tx in
            // Checked again inside the write: another process may have seeded meanwhile.
            if try tx.scalar(Int.self, "SELECT count(*) FROM users") ?? 0 > 0 {
                throw StorageError.notEmpty(path: path)
            }
            try insertWorld(tx, passwordHashes: passwordHashes)
        }
        return accounts
    }

    // MARK: The world

    struct Organisation {
        let slug, name, kind, description: String
        let website: String?
        let region: String
    }

    static let organisations: [Organisation] = [
        Organisation(slug: "tri-borough-mutual", name: "Tri-borough Mutual (working title 3BM)", kind: "pathfinder",
                     description: "Staff teams from Hammersmith & Fulham, Kensington and Chelsea, and Westminster coming together as one employee-led mutual. A shadow board meets regularly; the business plan and the name are being worked out with staff.",
                     website: nil, region: "London"),
        Organisation(slug: "central-surrey-health", name: "Central Surrey Health", kind: "pathfinder",
                     description: "An established community health mutual owned by its nurses and therapists, often asked how it made the move and what it would do differently.",
                     website: nil, region: "Surrey"),
        Organisation(slug: "anglian-community-enterprise", name: "Anglian Community Enterprise", kind: "pathfinder",
                     description: "The largest pathfinder: over forty community health services, plus learning disability, GP and dental services, for people in North and North-East Essex.",
                     website: nil, region: "North and North-East Essex"),
        Organisation(slug: "john-lewis-partnership", name: "John Lewis Partnership", kind: "mentor_organisation",
                     description: "The employee-owned retailer. Its advisers mentor new mutuals, above all on how partners can own and govern the business they work in.",
                     website: "https://www.johnlewispartnership.co.uk", region: "National"),
        Organisation(slug: "mutuals-information-service", name: "Mutuals Information Service (Cabinet Office)", kind: "other",
                     description: "A first stop for public sector staff weighing up whether to take over the service they run.",
                     website: nil, region: "National"),
    ]

    struct Topic {
        let slug, name, description: String
    }

    /// The briefing's headings, in the order DESIGN.md lists them.
    static let topics: [Topic] = [
        Topic(slug: "capital-and-finance", name: "Capital and finance",
              description: "Start-up funding, working capital, bonds and guarantees, pensions and the balance sheet a new mutual starts with."),
        Topic(slug: "governance-and-legal-form", name: "Governance and legal form",
              description: "Choosing a legal form, writing the constitution, shadow boards and how staff and service users get a say."),
        Topic(slug: "contracts-and-procurement", name: "Contracts and procurement",
              description: "Tenders, bonds, trading-history requirements, contract length and what the rules really demand."),
        Topic(slug: "commissioners-and-relationships", name: "Commissioners and relationships",
              description: "Working with the council or NHS body that commissions you, before and after the spin-out."),
        Topic(slug: "management-capacity", name: "Management capacity",
              description: "Whether the people running the service have the time and skills to build a business as well."),
        Topic(slug: "growth-beyond-a-single-contract", name: "Growth beyond a single contract",
              description: "Winning further work so one contract is not the whole business."),
        Topic(slug: "leadership-and-culture", name: "Leadership and culture",
              description: "Leading as owners among owners, and keeping staff engaged through the change."),
        Topic(slug: "staff-ownership-and-shareholding", name: "Staff ownership and shareholding",
              description: "Share schemes, partnership models, member voting and what ownership means day to day."),
        Topic(slug: "support-programmes", name: "Support programmes",
              description: "The Mutual Support Programme, the Mutuals Information Service and other help on offer."),
        Topic(slug: "policy-and-announcements", name: "Policy and announcements",
              description: "Government statements, reports and decisions that change the ground mutuals stand on."),
    ]

    struct BriefingItem {
        let title, url, source: String
        let published: String  // yyyy-MM-dd
        let summary: String
        let topicSlugs: [String]
    }

    static let briefing: [BriefingItem] = [
        BriefingItem(title: "A £10m Mutual Support Programme for staff who want to spin out",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Cabinet Office, via Campaign4Change", published: "2011-12-12",
                     summary: "Government money — £10 million — to buy professional help for groups of staff and for existing mutuals: HR, legal, finance, tax and business planning. A consortium of employee-ownership specialists runs it, chooses the most promising candidates, and also funds work on barriers many mutuals share so that one group's answer helps the rest.",
                     topicSlugs: ["support-programmes", "capital-and-finance", "policy-and-announcements"]),
        BriefingItem(title: "Mutual Pathfinder programme: first progress report",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Cabinet Office, via Campaign4Change", published: "2011-12-12",
                     summary: "The first look at what has held pathfinders back. The sharpest finding is about procurement: tenders that ask for more than the law needs, such as a bond worth millions or years of trading history, keep new mutuals out. Suppliers are invited to report such practice to the Mystery Shopper service, and commissioners who feel pushed into over-complicated tenders can say so too.",
                     topicSlugs: ["contracts-and-procurement", "commissioners-and-relationships", "policy-and-announcements"]),
        BriefingItem(title: "Mutuals Taskforce publishes its evidence paper",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Mutuals Taskforce, via Campaign4Change", published: "2011-12-12",
                     summary: "The taskforce chaired by Professor Julian Le Grand sets out why employee-led mutuals can work in public services. Its next stage is about building demand: making the case to public bodies rather than only to the staff who might spin out.",
                     topicSlugs: ["policy-and-announcements", "leadership-and-culture"]),
        BriefingItem(title: "Mutuals Information Service opens to public sector staff",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Cabinet Office, via Campaign4Change", published: "2011-12-12",
                     summary: "A single place for staff to ask how taking over their service would work, announced alongside the support programme during a visit to Anglian Community Enterprise.",
                     topicSlugs: ["support-programmes"]),
        BriefingItem(title: "MoD leaves a mutual out of its options for Defence Equipment and Support",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Campaign4Change", published: "2012-01-09",
                     summary: "Three models are on the table for DE&S, which employs about 20,000 people on a budget near £14bn: a trading fund, an executive non-departmental public body, or a government-owned, contractor-operated company. A staff-led mutual is not one of them; the department's only explanation was that it did not think it appropriate.",
                     topicSlugs: ["policy-and-announcements", "governance-and-legal-form"]),
        BriefingItem(title: "Tri-borough pathfinder works towards an early 2012 start",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Campaign4Change", published: "2011-11-21",
                     summary: "Hammersmith & Fulham, Kensington and Chelsea and Westminster are writing one business plan for a joint mutual, with a shadow board working through how three teams become one. Staff have helped shape the vision, the name and the logo, and a mentor from the John Lewis Partnership is advising on the shareholding model.",
                     topicSlugs: ["staff-ownership-and-shareholding", "governance-and-legal-form", "leadership-and-culture"]),
        BriefingItem(title: "Can councils spare the managers to grow mutuals?",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Personnel Today, via Campaign4Change", published: "2011-10-03",
                     summary: "An employment researcher sees many councils waiting to see how early mutuals fare, and doubts they can manage a spin-out while cutting a quarter of their costs. A council leader calls it a huge ask of managers already handling the deepest cuts of their careers.",
                     topicSlugs: ["management-capacity", "commissioners-and-relationships"]),
        BriefingItem(title: "Spin-outs told not to lean on one contract",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Guardian Social Enterprise Summit, via Campaign4Change", published: "2011-11-28",
                     summary: "Summit speakers warned that a mutual living on its founding contract is fragile. The reply from practice: no business chooses that, spin-outs are already chasing other work, and procurement has to open up if they are to win it.",
                     topicSlugs: ["growth-beyond-a-single-contract", "contracts-and-procurement"]),
        BriefingItem(title: "Why mutuals need knowledge networks, not lone pioneers",
                     url: "https://campaign4change.com/tag/mutuals/", source: "Transition Institute, via Campaign4Change", published: "2011-11-14",
                     summary: "Councils care first about keeping services up and costs down, so staff ownership rarely makes the agenda on its own merits. The piece argues that each pathfinder is learning alone and that a peer network trading concrete tactics would do more than another general guide.",
                     topicSlugs: ["support-programmes", "leadership-and-culture", "commissioners-and-relationships"]),
    ]

    struct Person {
        let role, handle, displayName, email: String
        let organisationSlug: String?
        let bio: String
        let printed: Bool
    }

    static let people: [Person] = [
        Person(role: "member", handle: "sam_okafor", displayName: "Sam Okafor", email: "sam.okafor@example.org",
               organisationSlug: "tri-borough-mutual",
               bio: "Service manager on the tri-borough shadow board; looking after the business plan workstream.", printed: true),
        Person(role: "mentor", handle: "helen_marsh", displayName: "Helen Marsh", email: "helen.marsh@example.org",
               organisationSlug: "john-lewis-partnership",
               bio: "Partnership adviser at the John Lewis Partnership, mentoring pathfinders on ownership and governance.", printed: true),
        Person(role: "admin", handle: "network_admin", displayName: "Network Admin", email: "admin@example.org",
               organisationSlug: nil, bio: "Keeps the network tidy: topics, briefing, moderation.", printed: true),
        Person(role: "member", handle: "priya_nair", displayName: "Priya Nair", email: "priya.nair@example.org",
               organisationSlug: "anglian-community-enterprise",
               bio: "Bids and contracts lead in community health.", printed: false),
        Person(role: "member", handle: "tom_beckett", displayName: "Tom Beckett", email: "tom.beckett@example.org",
               organisationSlug: "central-surrey-health",
               bio: "Therapist and co-owner; sits on our staff council.", printed: false),
    ]

    struct Conversation {
        let title: String
        let authorHandle: String
        let organisationSlug: String?  // nil: public
        let briefingTitle: String?
        let topicSlugs: [String]
        let opening: String
        let replies: [(handle: String, body: String)]
        let acceptedReply: Int?  // index into replies
        let mentorHandle: String?
    }

    static let conversations: [Conversation] = [
        Conversation(
            title: "Tender asks for a £2m performance bond — is that even lawful?",
            authorHandle: "priya_nair", organisationSlug: nil, briefingTitle: "Mutual Pathfinder programme: first progress report",
            topicSlugs: ["contracts-and-procurement", "capital-and-finance"],
            opening: """
            We are bidding to keep a service we already deliver, and the tender now wants a performance bond of £2m plus three years of audited accounts. As a new mutual we have neither.

            Has anyone challenged a requirement like this? Who did you go to first: the commissioner, the procurement team, or the Mystery Shopper route?
            """,
            replies: [
                ("tom_beckett", """
                We hit the same wall. What worked was asking the procurement team, in writing, which regulation required the bond. They could not name one, and the clarification went to every bidder.

                Ask early, before the clarification deadline closes.
                """),
                ("helen_marsh", """
                Worth separating two things: the **risk** the commissioner wants covered, and the **instrument** they reached for. A parent company guarantee, step-in rights or a shorter first term can cover the same risk.

                If you offer an alternative that answers their worry, it is much easier for them to drop the bond than if you only say it is unfair.
                """),
                ("sam_okafor", "Following this — we expect the same clause when our contract is retendered."),
            ],
            acceptedReply: 1, mentorHandle: "helen_marsh"),
        Conversation(
            title: "Staff shareholding: one share each, or linked to hours?",
            authorHandle: "sam_okafor", organisationSlug: nil, briefingTitle: "Tri-borough pathfinder works towards an early 2012 start",
            topicSlugs: ["staff-ownership-and-shareholding", "governance-and-legal-form"],
            opening: """
            Our shadow board is split. Some want every member of staff to hold one share with one vote; others want holdings linked to hours worked so part-time staff are not over-represented.

            How did other mutuals decide, and did it matter in practice?
            """,
            replies: [
                ("helen_marsh", """
                In the Partnership every partner has the same standing as an owner, whatever their hours; the bonus is shared as a percentage of pay. Keeping *voice* equal and *reward* proportional avoided most of the arguments you describe.
                """),
                ("tom_beckett", "We went with one member, one vote. Two years in, nobody has asked to change it; turnout at member meetings matters far more than the formula."),
            ],
            acceptedReply: 0, mentorHandle: "helen_marsh"),
        Conversation(
            title: "Community interest company, co-operative or company limited by guarantee?",
            authorHandle: "tom_beckett", organisationSlug: nil, briefingTitle: nil,
            topicSlugs: ["governance-and-legal-form"],
            opening: """
            For people who have already spun out: which legal form did you choose, and what would you choose now?

            We are being asked about the asset lock and whether staff can ever be paid a dividend.
            """,
            replies: [
                ("priya_nair", "We are a CIC limited by shares. The asset lock reassured our commissioners more than anything else we said."),
            ],
            acceptedReply: nil, mentorHandle: nil),
        Conversation(
            title: "Shadow board terms of reference — draft for comment",
            authorHandle: "sam_okafor", organisationSlug: "tri-borough-mutual", briefingTitle: nil,
            topicSlugs: ["governance-and-legal-form", "leadership-and-culture"],
            opening: """
            Private to our pathfinder and mentors. The draft has the shadow board meeting monthly, with two staff-elected members from each borough and an independent chair.

            Questions: should union representatives sit on it, or attend as observers?
            """,
            replies: [
                ("helen_marsh", "Observers to start with, I would suggest, with a clear date to review. It keeps the board small while the three teams learn to work as one."),
            ],
            acceptedReply: nil, mentorHandle: "helen_marsh"),
        Conversation(
            title: "Mutual Support Programme: has anyone applied yet?",
            authorHandle: "sam_okafor", organisationSlug: nil, briefingTitle: "A £10m Mutual Support Programme for staff who want to spin out",
            topicSlugs: ["support-programmes", "capital-and-finance"],
            opening: """
            We would like help with pensions advice and the business plan. Does anyone know how the consortium decides which groups count as most promising, and how long it took to hear back?
            """,
            replies: [
                ("priya_nair", "We applied for legal support on our constitution. Have a clear scope and a timetable ready; vague requests seemed to wait longest."),
            ],
            acceptedReply: nil, mentorHandle: nil),
        Conversation(
            title: "Life after the first contract: how are you finding new work?",
            authorHandle: "tom_beckett", organisationSlug: nil, briefingTitle: "Spin-outs told not to lean on one contract",
            topicSlugs: ["growth-beyond-a-single-contract", "management-capacity"],
            opening: """
            Our founding contract is most of our income. We have ideas for selling training to neighbouring trusts, but nobody on the team has bid for new business before.

            Where did you find the capacity to do bids while running the service?
            """,
            replies: [],
            acceptedReply: nil, mentorHandle: nil),
    ]

    static let topicExpertiseOfMentor = ["staff-ownership-and-shareholding", "governance-and-legal-form", "leadership-and-culture"]

    /// Inserts the whole demo world in the current transaction.
    static func insertWorld(_ tx: Connection, passwordHashes: [String]) throws {
        let start = day("2011-12-01")
        var organisationIDs: [String: Int64] = [:]
        for organisation in organisations {
            organisationIDs[organisation.slug] = try tx.insertOrganisation(
                slug: organisation.slug, name: organisation.name, kind: organisation.kind,
                description: organisation.description, website: organisation.website, region: organisation.region, at: start)
        }
        var topicIDs: [String: Int64] = [:]
        for (index, topic) in topics.enumerated() {
            topicIDs[topic.slug] = try tx.insertTopic(slug: topic.slug, name: topic.name, description: topic.description,
                                                      position: index + 1)
        }
        var userIDs: [String: Int64] = [:]
        for (person, hash) in zip(people, passwordHashes) {
            userIDs[person.handle] = try tx.insertUser(
                handle: person.handle, displayName: person.displayName, email: person.email, passwordHash: hash,
                role: person.role, organisationID: person.organisationSlug.flatMap { organisationIDs[$0] },
                bio: person.bio, at: start)
        }
        let adminID = userIDs["network_admin"]
        if let mentorID = userIDs["helen_marsh"] {
            try tx.run("INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?, ?, 'available', ?)",
                       mentorID, "Ownership and governance adviser, John Lewis Partnership", start)
            for slug in topicExpertiseOfMentor {
                try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", mentorID, topicIDs[slug])
            }
            try tx.run("""
                INSERT INTO mentorships(mentor_id, organisation_id, started_at, note, created_by) VALUES (?, ?, ?, ?, ?)
                """, mentorID, organisationIDs["tri-borough-mutual"], start,
                "Supporting the shadow board on the shareholding model.", adminID)
        }
        var briefingIDs: [String: Int64] = [:]
        for item in briefing {
            try tx.run("""
                INSERT INTO briefing_items(title, url, source, published_at, summary, added_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, item.title, item.url, item.source, day(item.published), item.summary, adminID, start)
            let itemID = tx.lastInsertedRowID
            briefingIDs[item.title] = itemID
            for slug in item.topicSlugs {
                try tx.run("INSERT INTO briefing_item_topics(briefing_item_id, topic_id) VALUES (?, ?)", itemID, topicIDs[slug])
            }
        }
        var clock = day("2012-01-10")
        for conversation in conversations {
            guard let authorID = userIDs[conversation.authorHandle] else { continue }
            clock += 3 * 3600
            let (threadID, _) = try tx.insertThread(
                title: conversation.title, authorID: authorID,
                organisationID: conversation.organisationSlug.flatMap { organisationIDs[$0] },
                briefingItemID: conversation.briefingTitle.flatMap { briefingIDs[$0] },
                topicIDs: conversation.topicSlugs.compactMap { topicIDs[$0] },
                body: conversation.opening, at: clock)
            for (index, reply) in conversation.replies.enumerated() {
                guard let replierID = userIDs[reply.handle] else { continue }
                clock += 47 * 60
                let postID = try tx.insertPost(threadID: threadID, authorID: replierID, body: reply.body, at: clock)
                if conversation.acceptedReply == index {
                    try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", postID, threadID)
                }
            }
            if let mentorHandle = conversation.mentorHandle, let mentorID = userIDs[mentorHandle] {
                try tx.run("""
                    INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                    VALUES (?, ?, ?, 'linked', ?, ?)
                    """, threadID, mentorID, authorID, clock, clock)
            }
        }
        // Bodies as the CommonMark renderer stores them for a real post.
        try Markdown.rerenderOutdated(in: tx)
    }

    /// Midnight UTC of an ISO date written in this file.
    static func day(_ iso: String) -> Date {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        if parts.count == 3 {
            components.year = parts[0]
            components.month = parts[1]
            components.day = parts[2]
        }
        return components.date ?? Date(timeIntervalSince1970: 0)
    }
}
