import Board
import Database
import Foundation

/// Defaults shared by the fixture factories.
public enum Fixtures {
    /// When fixtures are made unless told otherwise.
    public static let now = Date(timeIntervalSince1970: 1_326_153_600)
}

/// An organisation a factory made.
public struct TestOrganisation: Sendable, Equatable {
    public let id: Int64
    public let slug: String
}

/// An account a factory made; it signs in with `TestNetwork.password`.
public struct TestPerson: Sendable, Equatable {
    public let id: Int64
    public let handle: String
    public let role: Role
    /// The organisation it belongs to, confirmed or not.
    public let organisationID: Int64?
    public let organisationConfirmed: Bool

    /// How the page queries see this person (an unconfirmed organisation gives no access).
    public var viewer: Viewer {
        Viewer(userID: id, organisationID: organisationConfirmed ? organisationID : nil, isAdmin: role == .admin)
    }
}

/// A thread a factory made, with its opening post.
public struct TestThread: Sendable, Equatable {
    public let id: Int64
    public let openingPostID: Int64
    public let slug: String

    public var path: String { "/t/\(id)-\(slug)" }
}

/// Where a thread is: public to the network, or private to an organisation.
public enum TestSpace: Sendable {
    case `public`
    case organisation(TestOrganisation)

    var organisationID: Int64? {
        switch self {
        case .public: nil
        case .organisation(let organisation): organisation.id
        }
    }
}

/// A test network, or a site running on one: what the factories and queries below work on.
public protocol OnTestNetwork {
    var network: TestNetwork { get }
}

extension TestNetwork: OnTestNetwork {
    public var network: TestNetwork { self }
}

extension TestSite: OnTestNetwork {}

/// Fixture factories with defaults. Each one is a single write transaction of plain inserts
/// with bound parameters: no policy, no notifications, so a test states exactly the world it
/// needs and then exercises the service it is about. They write only columns every schema
/// version has, so migration tests can use them on older schemas.
extension OnTestNetwork {
    // MARK: Organisations and topics

    @discardableResult
    public func organisation(_ slug: String = "test-pathfinder", name: String? = nil, kind: String = "pathfinder",
                             region: String = "Test", at date: Date = Fixtures.now) throws -> TestOrganisation {
        let id = try network.store.write { tx in
            try tx.run("""
                INSERT INTO organisations(slug, name, kind, description, website, region, created_at)
                VALUES (?, ?, ?, '', NULL, ?, ?)
                """, slug, name ?? "Test \(slug)", kind, region, date)
            return tx.lastInsertedRowID
        }
        return TestOrganisation(id: id, slug: slug)
    }

    /// A topic; its name is the slug in words unless given.
    @discardableResult
    public func topic(_ slug: String = "capital-and-finance", name: String? = nil, position: Int = 1) throws -> Int64 {
        try network.store.write { tx in
            try tx.run("INSERT INTO topics(slug, name, description, position) VALUES (?, ?, '', ?)",
                       slug, name ?? slug.replacingOccurrences(of: "-", with: " ").capitalized, position)
            return tx.lastInsertedRowID
        }
    }

    // MARK: Accounts by role

    /// A member, of `organisation` (confirmed) or of none.
    @discardableResult
    public func member(of organisation: TestOrganisation? = nil, handle: String? = nil, at date: Date = Fixtures.now) throws -> TestPerson {
        try person(handle ?? network.nextHandle("member"), role: .member, organisation: organisation, confirmed: true, at: date)
    }

    /// A member who named `organisation` themselves: not confirmed, so not let into its space.
    @discardableResult
    public func unconfirmedMember(of organisation: TestOrganisation, handle: String? = nil, at date: Date = Fixtures.now) throws -> TestPerson {
        try person(handle ?? network.nextHandle("unconfirmed"), role: .member, organisation: organisation, confirmed: false, at: date)
    }

    /// A mentor with an active mentorship of each of `organisations`.
    @discardableResult
    public func mentor(of organisations: TestOrganisation..., handle: String? = nil, at date: Date = Fixtures.now) throws -> TestPerson {
        let mentor = try person(handle ?? network.nextHandle("mentor"), role: .mentor, organisation: nil, confirmed: true, at: date)
        for organisation in organisations { try mentorship(mentor, of: organisation, at: date) }
        return mentor
    }

    @discardableResult
    public func admin(handle: String = "admin", at date: Date = Fixtures.now) throws -> TestPerson {
        try person(handle, role: .admin, organisation: nil, confirmed: true, at: date)
    }

    /// A member suspended until `until` (a day after the network's clock by default).
    @discardableResult
    public func suspended(of organisation: TestOrganisation? = nil, handle: String? = nil, until: Date? = nil,
                          reason: String = "Suspended by a test", at date: Date = Fixtures.now) throws -> TestPerson {
        let person = try member(of: organisation, handle: handle ?? network.nextHandle("suspended"), at: date)
        let end = until ?? network.clock.now.addingTimeInterval(86_400)
        try network.store.write { tx in
            try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE id = ?", end, reason, person.id)
        }
        return person
    }

    /// An account of any role; the role factories above are this with their defaults.
    public func person(_ handle: String, role: Role, organisation: TestOrganisation?, confirmed: Bool,
                       at date: Date = Fixtures.now) throws -> TestPerson {
        let hash = try TestNetwork.passwordHash.get()
        let id = try network.store.write { tx in
            try tx.run("""
                INSERT INTO users(handle, display_name, email, password_hash, role, organisation_id, bio, created_at)
                VALUES (?, ?, ?, ?, ?, ?, '', ?)
                """, handle, handle.capitalized, "\(handle)@example.org", hash, role.rawValue, organisation?.id, date)
            let id = tx.lastInsertedRowID
            if !confirmed { try tx.run("UPDATE users SET organisation_confirmed = 0 WHERE id = ?", id) }
            return id
        }
        network.remember(password: TestNetwork.password, for: handle)
        return TestPerson(id: id, handle: handle, role: role, organisationID: organisation?.id, organisationConfirmed: confirmed)
    }

    // MARK: Mentorships

    /// A mentorship of `organisation` by `mentor`, active unless `endedAt` is given.
    @discardableResult
    public func mentorship(_ mentor: TestPerson, of organisation: TestOrganisation, at date: Date = Fixtures.now,
                           endedAt: Date? = nil) throws -> Int64 {
        try network.store.write { tx in
            try tx.run("INSERT INTO mentorships(mentor_id, organisation_id, started_at, ended_at, note) VALUES (?, ?, ?, ?, '')",
                       mentor.id, organisation.id, date, endedAt)
            return tx.lastInsertedRowID
        }
    }

    /// Ends `mentor`'s active mentorships (of `organisation`, or all).
    public func endMentorships(of mentor: TestPerson, with organisation: TestOrganisation? = nil, at date: Date = Fixtures.now) throws {
        try network.store.write { tx in
            try tx.run("UPDATE mentorships SET ended_at = ? WHERE mentor_id = ? AND ended_at IS NULL AND (?3 IS NULL OR organisation_id = ?3)",
                       date, mentor.id, organisation?.id)
        }
    }

    // MARK: Threads and posts

    /// A thread with its opening post (the body stored as plain text, as fresh rows are before
    /// `Markdown.rerenderOutdated`).
    @discardableResult
    public func thread(in space: TestSpace = .public, by author: TestPerson, title: String = "How did you handle the bond?",
                       body: String = "Opening post", topics: [Int64] = [], at date: Date = Fixtures.now) throws -> TestThread {
        try thread(in: space.organisationID, by: author.id, title: title, body: body, topics: topics, at: date)
    }

    /// A thread by author and organisation id, for tests that hold ids rather than fixtures.
    @discardableResult
    public func thread(in organisationID: Int64?, by authorID: Int64, title: String = "How did you handle the bond?",
                       body: String = "Opening post", topics: [Int64] = [], at date: Date = Fixtures.now) throws -> TestThread {
        let slug = Slug.make(title)
        let (id, post) = try network.store.write { tx in
            try tx.run("""
                INSERT INTO threads(title, slug, author_id, organisation_id, created_at, last_activity_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, title, slug, authorID, organisationID, date, date)
            let id = tx.lastInsertedRowID
            for topic in topics {
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", id, topic)
            }
            return (id, try TestNetwork.insertPost(tx, threadID: id, authorID: authorID, body: body, at: date))
        }
        return TestThread(id: id, openingPostID: post, slug: slug)
    }

    /// A reply at the end of `thread`.
    @discardableResult
    public func reply(to thread: TestThread, by author: TestPerson, body: String = "A reply", at date: Date = Fixtures.now) throws -> Int64 {
        try reply(to: thread.id, by: author.id, body: body, at: date)
    }

    @discardableResult
    public func reply(to threadID: Int64, by authorID: Int64, body: String = "A reply", at date: Date = Fixtures.now) throws -> Int64 {
        try network.store.write { tx in try TestNetwork.insertPost(tx, threadID: threadID, authorID: authorID, body: body, at: date) }
    }

    /// A reply held for an admin's approval.
    @discardableResult
    public func heldReply(to thread: TestThread, by author: TestPerson, body: String = "A held reply", at date: Date = Fixtures.now) throws -> Int64 {
        let post = try reply(to: thread, by: author, body: body, at: date)
        try network.store.write { try $0.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", post) }
        return post
    }

    /// A reply an admin hid.
    @discardableResult
    public func hiddenReply(to thread: TestThread, by author: TestPerson, hiddenBy admin: TestPerson,
                            reason: String = "Hidden by a test", body: String = "A hidden reply", at date: Date = Fixtures.now) throws -> Int64 {
        let post = try reply(to: thread, by: author, body: body, at: date)
        try network.store.write { tx in
            try tx.run("UPDATE posts SET hidden = 1, hidden_reason = ?, hidden_by = ?, hidden_at = ? WHERE id = ?",
                       reason, admin.id, date, post)
        }
        return post
    }

    /// A thread an admin hid.
    public func hide(_ thread: TestThread, by admin: TestPerson, reason: String = "Hidden by a test") throws {
        try network.store.write { tx in
            try tx.run("UPDATE threads SET hidden = 1, hidden_reason = ?, hidden_by = ? WHERE id = ?", reason, admin.id, thread.id)
        }
    }
}

/// Reading the network back: ids by name, single values, the moderation log.
extension OnTestNetwork {
    /// One value from the store.
    public func scalar<T: ColumnValue>(_ type: T.Type, _ sql: String, _ arguments: (any Bindable)?...) throws -> T? {
        try network.store.read { try $0.scalar(type, sql, arguments: arguments) }
    }

    /// The id a query finds. - Throws: when it finds none.
    public func id(_ sql: String, _ arguments: (any Bindable)?...) throws -> Int64 {
        guard let id = try network.store.read({ try $0.scalar(Int64.self, sql, arguments: arguments) }) else {
            throw TestNetworkError("no row for \(sql)")
        }
        return id
    }

    public func userID(_ handle: String) throws -> Int64 {
        try id("SELECT id FROM users WHERE handle = ?", handle)
    }

    public func organisationID(_ slug: String) throws -> Int64 {
        try id("SELECT id FROM organisations WHERE slug = ?", slug)
    }

    /// The thread whose title is LIKE `pattern`. - Throws: when there is none (a renamed thread
    /// fails the test instead of turning it into a vacuous 404).
    public func id(ofThread pattern: String) throws -> Int64 {
        try id("SELECT id FROM threads WHERE title LIKE ?", pattern)
    }

    public func slug(ofThread id: Int64) throws -> String {
        guard let slug = try scalar(String.self, "SELECT slug FROM threads WHERE id = ?", id) else {
            throw TestNetworkError("no thread \(id)")
        }
        return slug
    }

    public func threadPath(_ id: Int64) throws -> String { "/t/\(id)-\(try slug(ofThread: id))" }

    /// The first public thread that is open for replies.
    public func publicThread() throws -> (id: Int64, path: String) {
        let id = try id("SELECT id FROM threads WHERE organisation_id IS NULL AND locked = 0 AND hidden = 0 ORDER BY id LIMIT 1")
        return (id, try threadPath(id))
    }

    /// A reply (not an opening post) in a public thread, by `handle`.
    public func replyID(by handle: String) throws -> Int64 {
        try id("""
            SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id
            WHERE u.handle = ? AND p.position > 1 AND t.organisation_id IS NULL ORDER BY p.id LIMIT 1
            """, handle)
    }

    /// The actor `handle` is, loaded as a request loads it (`Actor.load`: role, confirmed
    /// organisation, active mentorships, suspension).
    public func actor(_ handle: String) throws -> Actor {
        guard let account = try network.accounts.account(id: try userID(handle)) else {
            throw TestNetworkError("no account \(handle)")
        }
        return try network.store.read { try Actor.load($0, account: account) }
    }

    /// Entries in the moderation log.
    public func logCount() throws -> Int { try network.store.read { try ModerationQueries.logCount($0) } }

    /// Entries in the moderation log for `action`.
    public func logCount(_ action: String) throws -> Int {
        try scalar(Int.self, "SELECT count(*) FROM moderation_log WHERE action = ?", action) ?? 0
    }

    public func lastLogAction() throws -> String? {
        try scalar(String.self, "SELECT action FROM moderation_log ORDER BY id DESC LIMIT 1")
    }
}

extension TestNetwork {
    /// One hash of `password` for every factory-made account: hashing once keeps fixtures cheap.
    static let passwordHash = Result { try hasher.hash(password) }

    static func insertPost(_ tx: Connection, threadID: Int64, authorID: Int64, body: String, at date: Date) throws -> Int64 {
        try tx.run("""
            INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, renderer_version, created_at)
            VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, ?4, ?5, ?6)
            """, threadID, authorID, body, PlainTextRenderer.render(body), PlainTextRenderer.version, date)
        return tx.lastInsertedRowID
    }
}
