import Database
import Foundation

/// A thread as the "ask a mentor" page shows it, with the mentors it can be sent to.
public struct MentorRequestPage: Sendable {
    public let threadID: Int64
    public let threadTitle: String
    public let threadSlug: String
    public let suggestions: [MentorSuggestion]
    public let linked: [LinkedMentor]
    /// For a private thread, its pathfinder's name: only that pathfinder's mentors can read it.
    public let spaceName: String?
    /// For a private thread, how many mentors support its pathfinder now.
    public let spaceMentors: Int
    /// Mentors taking new work whose expertise matches the thread's topics, supporting its
    /// pathfinder or not: those the asker may suggest when asking the admins to link a mentor.
    public let matchingMentors: [MentorSuggestion]
    /// Mentors left out of `suggestions` only because their profile says they are busy.
    public let busyMentors: Int
    /// When the viewer asked the admins to find a mentor, if no mentor has been linked since.
    public let askedAdminsAt: Date?

    /// Whether the viewer may ask the admins now: they have no request waiting, or it has
    /// waited `Mentors.adminRequestRepeatAfter` (then the page offers "Ask the admins again").
    public func mayAskAdmins(now: Date) -> Bool {
        askedAdminsAt.map { now.timeIntervalSince($0) >= Mentors.adminRequestRepeatAfter } ?? true
    }

    /// When the viewer's waiting request may be sent again, if one waits.
    public var mayAskAdminsAgainAt: Date? { askedAdminsAt?.addingTimeInterval(Mentors.adminRequestRepeatAfter) }
}

private struct ThreadTitleRow: RowDecodable {
    let state: Resource.ThreadState
    let title: String
    let slug: String

    init(row: Row) throws {
        state = try Resource.ThreadState(row: row)
        title = try row["title"]
        slug = try row["slug"]
    }
}

/// Mentors (issue 6): the directory and profiles, a mentor's own profile and queue, admins'
/// roles and mentorships, and asking mentors to a thread. The rules and their log entries are
/// `Mentors`'; every refusal is a `MentorError`.
public struct MentorService: Sendable {
    let store: Store
    var clock: Clock = .system

    // MARK: Directory

    public func mentors(_ filter: MentorFilter = MentorFilter()) throws -> [MentorCard] {
        try store.read { try MentorDirectory.mentors($0, filter: filter) }
    }

    /// The mentor with `handle`, or nil.
    public func mentor(handle: String) throws -> MentorCard? {
        try store.read { try MentorDirectory.mentor($0, handle: handle) }
    }

    public func profile(handle: String, viewer: Viewer) throws -> MentorProfilePage? {
        try store.read { try MentorDirectory.profile($0, handle: handle, viewer: viewer) }
    }

    public func mentorships() throws -> [MentorshipSummary] {
        try store.read { try MentorDirectory.mentorships($0) }
    }

    // MARK: A mentor's own

    public func updateProfile(by actor: Actor, _ form: MentorProfileForm) throws {
        try Mentors.updateProfile(store, by: actor, form)
    }

    public func queue(mentorID: Int64, viewer: Viewer) throws -> MentorQueue {
        try store.read { try MentorQueries.queue($0, mentorID: mentorID, viewer: viewer) }
    }

    public func decline(by actor: Actor, threadID: Int64, note: String = "") throws {
        try Mentors.decline(store, by: actor, threadID: threadID, note: note)
    }

    // MARK: Admins

    public func changeRole(by actor: Actor, handle: String, to role: Role, reason: String) throws {
        try Mentors.changeRole(store, by: actor, handle: handle, to: role, reason: reason)
    }

    public func startMentorship(by actor: Actor, mentorHandle: String, organisationSlug: String, startedAt: Date, note: String) throws {
        try Mentors.startMentorship(store, by: actor, mentorHandle: mentorHandle, organisationSlug: organisationSlug,
                                    startedAt: startedAt, note: note)
    }

    public func endMentorship(by actor: Actor, id: Int64, reason: String) throws {
        try Mentors.endMentorship(store, by: actor, id: id, reason: reason)
    }

    // MARK: Asking a mentor

    /// The thread `actor` wants to ask mentors to, with suggestions and the mentors already asked.
    /// - Throws: `MentorError.notFound` when there is no such thread for them, `.denied` (with
    ///   why) when Policy refuses `requestMentor`.
    public func requestPage(threadID: Int64, by actor: Actor) throws -> MentorRequestPage {
        try store.read { conn in
            guard let thread = try conn.queryOne(ThreadTitleRow.self,
                "SELECT \(Resource.ThreadState.columns), t.title, t.slug FROM threads t WHERE t.id = ?", threadID)
            else { throw MentorError.notFound }
            try Mentors.require(actor, .requestMentor, .thread(thread.state))
            let space = try thread.state.organisationID.flatMap {
                try conn.scalar(String.self, "SELECT name FROM organisations WHERE id = ?", $0)
            }
            let spaceMentors = try thread.state.organisationID.map {
                try conn.scalar(Int.self, """
                    SELECT count(*) FROM mentorships m JOIN users u ON u.id = m.mentor_id
                    WHERE m.organisation_id = ? AND m.ended_at IS NULL AND u.role = 'mentor' AND u.deleted_at IS NULL
                    """, $0) ?? 0
            } ?? 0
            let now = clock.now()
            return MentorRequestPage(threadID: threadID, threadTitle: thread.title, threadSlug: thread.slug,
                                     suggestions: try MentorQueries.suggestions(conn, threadID: threadID, now: now),
                                     linked: try MentorQueries.linkedMentors(conn, threadID: threadID),
                                     spaceName: space, spaceMentors: spaceMentors,
                                     matchingMentors: try MentorQueries.matchingAvailable(conn, threadID: threadID, now: now),
                                     busyMentors: try MentorQueries.busyCandidates(conn, threadID: threadID, now: now),
                                     askedAdminsAt: try actor.userID.flatMap {
                                         try MentorQueries.pendingAdminRequest(conn, threadID: threadID, askerID: $0)
                                     })
        }
    }

    /// Asks the admins to find a mentor (`mentorHandle`, or any they choose) for a thread: for a
    /// private one, by linking them to its pathfinder so that they can read it.
    /// - Returns: the thread's slug, for its address, whether it is private, and whether the
    ///   admins were told or a request of the asker's already waited.
    public func askAdminsForMentor(by actor: Actor, threadID: Int64, mentorHandle: String?,
                                   now: Date = Date()) throws -> (slug: String, isPrivate: Bool, request: Mentors.AdminRequest) {
        let request = try Mentors.askAdminsForMentor(store, by: actor, threadID: threadID, mentorHandle: mentorHandle, now: now)
        return try store.read { conn in
            (try ReadingService.threadSlug(conn, id: threadID) ?? "",
             try Resource.ThreadState.load(conn, id: threadID)?.organisationID != nil, request)
        }
    }

    /// Asks mentors to a thread.
    /// - Returns: the thread's slug, for its address.
    public func link(by actor: Actor, threadID: Int64, mentorHandles: [String], now: Date = Date()) throws -> String {
        _ = try Mentors.link(store, by: actor, threadID: threadID, mentorHandles: mentorHandles, now: now)
        return try store.read { try ReadingService.threadSlug($0, id: threadID) } ?? ""
    }
}
