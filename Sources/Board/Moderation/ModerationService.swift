import Database
import Foundation

/// A thread as its administration page shows it.
public struct AdminThread: Sendable, RowDecodable {
    public let id: Int64
    public let title: String
    public let locked: Bool
    public let pinned: Bool
    public let organisationID: Int64?
    public let slowModeSeconds: Int
    public let hidden: Bool
    /// The topics it is filed under.
    public var topicSlugs: Set<String> = []

    public init(row: Row) throws {
        id = try row["id"]
        title = try row["title"]
        locked = try row["locked"]
        pinned = try row["pinned"]
        organisationID = try row["organisation_id"]
        slowModeSeconds = try row["slow_mode_seconds"]
        hidden = try row["hidden"]
    }
}

/// Moderation (issue 7) for the pages: flags, the public log, the admin queue, and every admin
/// action on posts, threads, users, topics and organisations. Each action is `Moderation`'s:
/// it asks Policy in its write transaction and logs one entry; every refusal is a
/// `ModerationError`.
public struct ModerationService: Sendable {
    let store: Store
    let clock: Clock

    // MARK: Reading

    /// The public moderation log, as `viewer` may see its targets.
    public func log(viewer: Viewer) throws -> [LogEntry] {
        try store.read { try ModerationQueries.log($0, viewer: viewer) }
    }

    public func queue() throws -> [QueueItem] {
        try store.read { try ModerationQueries.queue($0) }
    }

    public func users(handlePrefix: String) throws -> [UserSummary] {
        try store.read { try ModerationQueries.users($0, handlePrefix: handlePrefix) }
    }

    public func topics() throws -> [AdminTopic] {
        try store.read { try Moderation.topics($0) }
    }

    public func organisations() throws -> [AdminOrganisation] {
        try store.read { try Moderation.organisations($0) }
    }

    /// Where a thread may be moved besides the public network: the private spaces, by name.
    public func moveDestinations() throws -> [OrganisationChoice] {
        try store.read { try PrivateSpaces.all($0) }
    }

    /// The thread with `id` and its topics, or nil.
    public func thread(id: Int64) throws -> AdminThread? {
        try store.read { conn in
            guard var thread = try conn.queryOne(AdminThread.self,
                "SELECT id, title, locked, pinned, organisation_id, slow_mode_seconds, hidden FROM threads WHERE id = ?", id)
            else { return nil }
            thread.topicSlugs = Set(try conn.column(String.self, """
                SELECT t.slug FROM thread_topics tt JOIN topics t ON t.id = tt.topic_id WHERE tt.thread_id = ?
                """, id))
            return thread
        }
    }

    // MARK: Flags

    /// The title of the thread of a post `actor` may flag.
    /// - Throws: `ModerationError.notFound` when they cannot see it, `.denied` (with why) otherwise.
    public func flaggableThreadTitle(postID: Int64, by actor: Actor) throws -> String {
        let now = clock.now()
        let title: String? = try store.read { conn in
            guard let post = try Resource.PostState.load(conn, id: postID) else { return nil }
            try Moderation.require(actor, .flag, .post(post), now: now)
            return try conn.scalar(String.self, "SELECT t.title FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?", postID)
        }
        guard let title else { throw ModerationError.notFound }
        return title
    }

    public func flag(by actor: Actor, postID: Int64, reason: FlagReason, note: String) throws -> FlagOutcome {
        try Moderation.flag(store, actor: actor, postID: postID, reason: reason, note: note, now: clock.now())
    }

    // MARK: Posts and threads

    /// - Parameter shown: what the page showed of the post (`QueueItem.shown`), if anything.
    public func decide(by actor: Actor, postID: Int64, _ decision: PostDecision, shown: String? = nil) throws {
        try Moderation.decide(store, actor: actor, postID: postID, decision, shown: shown, now: clock.now())
    }

    public func changeThread(by actor: Actor, threadID: Int64, _ change: ThreadChange, reason: String) throws {
        try Moderation.changeThread(store, actor: actor, threadID: threadID, change, reason: reason, now: clock.now())
    }

    public func moveThread(by actor: Actor, threadID: Int64, organisationSlug: String, reason: String) throws {
        try Moderation.moveThread(store, actor: actor, threadID: threadID, organisationSlug: organisationSlug, reason: reason, now: clock.now())
    }

    public func renameThread(by actor: Actor, threadID: Int64, title: String, reason: String) throws {
        try Moderation.renameThread(store, actor: actor, threadID: threadID, title: title, reason: reason, now: clock.now())
    }

    /// Slow mode of `minutes` (0 to 1440; 0 turns it off).
    public func setSlowMode(by actor: Actor, threadID: Int64, minutes: Int?, reason: String) throws {
        guard let minutes, (0...1440).contains(minutes) else {
            throw ModerationError.invalid(field: "minutes", message: "Enter a number of minutes from 0 to 1440")
        }
        try Moderation.setSlowMode(store, actor: actor, threadID: threadID, seconds: minutes * 60, reason: reason, now: clock.now())
    }

    public func retagThread(by actor: Actor, threadID: Int64, topicSlugs: [String], reason: String) throws {
        try Moderation.retagThread(store, actor: actor, threadID: threadID, topicSlugs: topicSlugs, reason: reason, now: clock.now())
    }

    // MARK: Users

    /// The user with `id` as the users page shows them, or nil.
    public func user(id: Int64) throws -> UserSummary? {
        try store.read { try ModerationQueries.user($0, id: id) }
    }

    /// Suspends for `days` (1 to 3650) from now.
    public func suspend(by actor: Actor, userID: Int64, days: Int?, reason: String) throws {
        let now = clock.now()
        try Moderation.suspend(store, actor: actor, userID: userID, until: try Self.suspensionEnd(days: days, now: now), reason: reason, now: now)
    }

    /// What `suspend` with these values would do, checked as it checks them but changing
    /// nothing: for the page that asks the admin to confirm.
    /// - Throws: `.invalid` for the days or the reason, `.notFound`, or `.denied` with why.
    public func previewSuspension(by actor: Actor, userID: Int64, days: Int?, reason: String) throws -> SuspensionPreview {
        let now = clock.now()
        let until = try Self.suspensionEnd(days: days, now: now)
        let reason = try Moderation.checkedReason(reason, required: true, limit: 500)
        let user = try store.read { conn in
            guard let user = try ModerationQueries.user(conn, id: userID), let role = Role(rawValue: user.role) else { throw ModerationError.notFound }
            try Moderation.require(actor, .suspendUser, .user(id: userID, role: role), now: now)
            return user
        }
        return SuspensionPreview(user: user, until: until, reason: reason)
    }

    /// What `changeRole` to `role` would do, changing nothing: for the page that asks the
    /// admin to confirm. Choosing the role they already have is an error to correct.
    /// - Throws: `.invalid` (field "role"), `.notFound`, or `.denied` with why.
    public func previewRoleChange(by actor: Actor, userID: Int64, to role: Role) throws -> RoleChangePreview {
        let now = clock.now()
        return try store.read { conn in
            guard let user = try ModerationQueries.user(conn, id: userID), let current = Role(rawValue: user.role) else { throw ModerationError.notFound }
            try Moderation.require(actor, .changeRole, .user(id: userID, role: current), now: now)
            try Moderation.refuseSuspendedAdmin(conn, userID: userID, to: role, now: now)
            guard current != role else {
                throw ModerationError.invalid(field: "role", message: "@\(user.handle) is already \(role == .admin ? "an" : "a") \(role.rawValue): choose another role")
            }
            var preview = RoleChangePreview(user: user, from: current, to: role,
                                            endingOrganisations: try Moderation.organisationsLostByRoleChange(conn, userID: userID, to: role))
            preview.endingThreadLinks = try Moderation.linksLostByRoleChange(conn, userID: userID, to: role)
            return preview
        }
    }

    /// The user with `handle` (any case), or nil: the mentor admin page names people by handle.
    public func user(handle: String) throws -> UserSummary? {
        try store.read { conn in
            try conn.scalar(Int64.self, "SELECT id FROM users WHERE handle = ? AND deleted_at IS NULL", handle)
                .flatMap { try ModerationQueries.user(conn, id: $0) }
        }
    }

    /// What deleting post `postID` for good would do, checked as `decide(.delete)` checks it
    /// but changing nothing: for the page that asks the admin to confirm.
    /// - Throws: `.invalid` (the reason, or an opening post), `.notFound`, `.denied` with why.
    public func previewDeletion(by actor: Actor, postID: Int64, reason: String) throws -> DeletionPreview {
        let now = clock.now()
        return try store.read { conn in
            guard let post = try Resource.PostState.load(conn, id: postID),
                  let preview = try conn.queryOne(DeletionPreviewRow.self, """
                      SELECT p.position, t.title, u.display_name, u.handle, p.body_markdown FROM posts p
                      JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id WHERE p.id = ?
                      """, postID) else { throw ModerationError.notFound }
            try Moderation.require(actor, .hide, .post(post), now: now)
            guard preview.position > 1 else {
                throw ModerationError.invalid(field: "reason", message: "The opening post cannot be deleted; hide it instead")
            }
            let reason = try Moderation.checkedReason(reason, required: true)
            return DeletionPreview(postID: postID, threadTitle: preview.title, authorName: preview.name, authorHandle: preview.handle,
                                   excerpt: Markdown.excerpt(preview.markdown, limit: 200), reason: reason,
                                   mayHide: Moderation.mayHide(post))
        }
    }

    /// Mentorship `id` as the page that asks to end it shows it, or nil when there is none
    /// still active. Only admins may end one (the action asks again).
    public func activeMentorship(by actor: Actor, id: Int64) throws -> EndingMentorship? {
        let now = clock.now()
        guard Policy.isAdmin(actor), !actor.isSuspended(at: now) else { throw ModerationError.denied(Policy.adminsOnly(actor)) }
        return try store.read { conn in
            try conn.queryOne(EndingMentorship.self, """
                SELECT m.id, u.display_name AS mentor_name, u.handle AS mentor_handle, o.name AS organisation_name, m.started_at,
                       (SELECT count(*) FROM thread_mentors tm JOIN threads t ON t.id = tm.thread_id
                         WHERE tm.mentor_id = m.mentor_id AND tm.status <> 'declined' AND t.organisation_id = m.organisation_id)
                         AS private_thread_links
                FROM mentorships m JOIN users u ON u.id = m.mentor_id JOIN organisations o ON o.id = m.organisation_id
                WHERE m.id = ? AND m.ended_at IS NULL
                """, id)
        }
    }

    static func suspensionEnd(days: Int?, now: Date) throws -> Date {
        guard let days, (1...3650).contains(days) else {
            throw ModerationError.invalid(field: "days", message: "Enter a number of days from 1 to 3650")
        }
        return now.addingTimeInterval(Double(days) * 86_400)
    }

    public func liftSuspension(by actor: Actor, userID: Int64, reason: String) throws {
        try Moderation.liftSuspension(store, actor: actor, userID: userID, reason: reason, now: clock.now())
    }

    public func changeRole(by actor: Actor, userID: Int64, to role: Role, reason: String) throws {
        try Moderation.changeRole(store, actor: actor, userID: userID, to: role, reason: reason, now: clock.now())
    }

    // MARK: Topics and organisations

    public func createTopic(by actor: Actor, slug: String, name: String, description: String) throws {
        try Moderation.createTopic(store, actor: actor, slug: slug, name: name, description: description, now: clock.now())
    }

    public func changeTopic(by actor: Actor, topicID: Int64, _ change: TopicChange) throws {
        try Moderation.changeTopic(store, actor: actor, topicID: topicID, change, now: clock.now())
    }

    /// Creates (`organisationID` nil) or edits an organisation.
    public func saveOrganisation(by actor: Actor, organisationID: Int64?, slug: String, name: String, kind: String,
                                 description: String, region: String) throws {
        try Moderation.saveOrganisation(store, actor: actor, organisationID: organisationID, slug: slug, name: name, kind: kind,
                                        description: description, region: region, now: clock.now())
    }

    /// Members waiting for an admin to confirm their organisation (issue 18).
    public func membershipRequests() throws -> [MembershipRequest] {
        try store.read { try Moderation.membershipRequests($0) }
    }

    /// Confirms or declines a member's organisation; they are told, and the log records it.
    @discardableResult
    public func answerMembership(by actor: Actor, userID: Int64, organisationID: Int64, confirm: Bool) throws -> MembershipAnswer {
        try Moderation.answerMembership(store, actor: actor, userID: userID, organisationID: organisationID, confirm: confirm, now: clock.now())
    }
}

/// A suspension the admin is asked to confirm (`ModerationService.previewSuspension`).
public struct SuspensionPreview: Sendable {
    public let user: UserSummary
    public let until: Date
    /// The reason as it will be stored and shown to them (trimmed).
    public let reason: String
}

/// A role change the admin is asked to confirm (`ModerationService.previewRoleChange`).
public struct RoleChangePreview: Sendable {
    public let user: UserSummary
    public let from: Role
    public let to: Role
    /// The organisations of the active mentorships the change ends: they lose access to those
    /// private spaces.
    public let endingOrganisations: [String]
    /// How many of their active mentorships the change ends.
    public var endingMentorships: Int { endingOrganisations.count }
    /// How many threads they are linked to as a mentor: the change takes them off those.
    public var endingThreadLinks = 0
}

/// A post an admin is asked to confirm deleting for good (`ModerationService.previewDeletion`).
public struct DeletionPreview: Sendable {
    public let postID: Int64
    public let threadTitle: String
    public let authorName: String
    public let authorHandle: String
    /// The post's first words, in plain text.
    public let excerpt: String
    /// The reason as it will be logged (trimmed).
    public let reason: String
    /// Whether it may be hidden instead (`Moderation.mayHide`: not a reply awaiting approval).
    public var mayHide = true
}

/// An active mentorship, as the page that asks to end it names it.
public struct EndingMentorship: Sendable, RowDecodable {
    public let id: Int64
    public let mentorName: String
    public let mentorHandle: String
    public let organisationName: String
    public let startedAt: Date
    /// How many of the organisation's private threads the mentor is linked to: ending takes
    /// them off those (`Mentors.endMentorship`).
    public let privateThreadLinks: Int

    public init(row: Row) throws {
        id = try row["id"]; mentorName = try row["mentor_name"]; mentorHandle = try row["mentor_handle"]
        organisationName = try row["organisation_name"]; startedAt = try row["started_at"]
        privateThreadLinks = try row["private_thread_links"]
    }
}

private struct DeletionPreviewRow: RowDecodable {
    let position: Int64, title: String, name: String, handle: String, markdown: String
    init(row: Row) throws {
        position = try row["position"]; title = try row["title"]; name = try row["display_name"]; handle = try row["handle"]
        markdown = try row["body_markdown"]
    }
}
