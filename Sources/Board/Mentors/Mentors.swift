import Database
import Foundation

/// What a mentor edits on their own profile.
public struct MentorProfileForm: Sendable {
    public var headline: String
    public var bio: String
    public var topicSlugs: [String]
    public var availability: String

    public init(headline: String, bio: String, topicSlugs: [String], availability: String) {
        self.headline = headline
        self.bio = bio
        self.topicSlugs = topicSlugs
        self.availability = availability
    }
}

/// The services that change mentor state: profiles, roles, mentorships and thread links. Each
/// checks `Policy` and, for admin actions, appends its `moderation_log` entry in the same write.
public enum Mentors {
    /// A mentor saves their own profile (headline, bio, expertise, availability).
    /// - Throws: `MentorError.denied` for anyone but a mentor, `.invalid` with field errors.
    public static func updateProfile(_ store: Store, by actor: Actor, _ form: MentorProfileForm, now: Date = Date()) throws {
        guard let userID = actor.userID, actor.isMentor else { throw MentorError.denied("Only mentors have a mentor profile") }
        if actor.isSuspended(at: now) { throw MentorError.denied(Policy.suspensionMessage(actor)) }
        let headline = PostLimits.normalise(form.headline).trimmingCharacters(in: .whitespacesAndNewlines)
        let bio = PostLimits.normalise(form.bio).trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        if headline.isEmpty { errors.append(FieldError("headline", "Enter a headline")) }
        else if headline.unicodeScalars.count > 160 { errors.append(FieldError("headline", "Headline must be 160 characters or fewer")) }
        if bio.unicodeScalars.count > 2000 { errors.append(FieldError("bio", "About you must be 2000 characters or fewer")) }
        let availability = MentorAvailability(rawValue: form.availability)
        if availability == nil { errors.append(FieldError("availability", "Select your availability")) }
        let slugs = Array(Set(form.topicSlugs)).sorted()
        let topicIDs = try store.read { conn in
            try conn.column(Int64.self, """
                SELECT id FROM topics WHERE retired = 0 AND slug IN (SELECT value FROM json_each(?))
                """, jsonArray(slugs))
        }
        if topicIDs.count != slugs.count { errors.append(FieldError("topics", "Select topics from the list")) }
        if !errors.isEmpty { throw MentorError.invalid(errors) }
        let value = (availability ?? .available).rawValue
        try store.write { tx in
            try tx.run("""
                INSERT INTO mentor_profiles(user_id, headline, availability, updated_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT(user_id) DO UPDATE SET headline = ?2, availability = ?3, updated_at = ?4
                """, userID, headline, value, now)
            try tx.run("UPDATE users SET bio = ? WHERE id = ?", bio, userID)
            // The form offers only topics not retired: expertise in a retired one is kept for when it comes back.
            try tx.run("""
                DELETE FROM mentor_expertise WHERE mentor_id = ? AND topic_id NOT IN (SELECT id FROM topics WHERE retired = 1)
                """, userID)
            for topicID in topicIDs {
                try tx.run("INSERT INTO mentor_expertise(mentor_id, topic_id) VALUES (?, ?)", userID, topicID)
            }
        }
    }

    /// An admin makes a member a mentor, or a mentor a member again, through the one role change
    /// (`Moderation.applyRoleChange`: the role, the log entry, and making them a member ends their
    /// active mentorships, each ending logged, so they lose every pathfinder's private space at
    /// once). Making a mentor also gives them a profile (headline from their organisation) if
    /// they had none.
    /// - Throws: `MentorError.denied`/`.notFound`.
    public static func changeRole(_ store: Store, by actor: Actor, handle: String, to role: Role, reason: String = "",
                                  now: Date = Date()) throws {
        guard role == .mentor || role == .member else { throw MentorError.denied("Only member and mentor roles are changed here") }
        let note = String(reason.prefix(900))
        try store.write { tx in
            guard let target = try tx.queryOne(UserRoleRow.self, "SELECT id, role FROM users WHERE handle = ? AND deleted_at IS NULL", handle),
                  let currentRole = Role(rawValue: target.role) else { throw MentorError.notFound }
            try require(actor, .changeRole, .user(id: target.id, role: currentRole), now: now)
            guard let actorID = actor.userID else { throw MentorError.notFound }
            if currentRole == .admin { throw MentorError.denied("An admin's role is changed on the admin pages") }
            if currentRole == role { return }
            try Moderation.applyRoleChange(tx, userID: target.id, from: currentRole, to: role, actorID: actorID,
                                           reason: note, now: now)
            if role == .mentor {
                try tx.run("""
                    INSERT INTO mentor_profiles(user_id, headline, availability, updated_at)
                    SELECT u.id, coalesce('Mentor, ' || o.name, 'Mentor'), 'available', ?2
                    FROM users u LEFT JOIN organisations o ON o.id = \(Visibility.confirmedOrganisation("u")) WHERE u.id = ?1
                    ON CONFLICT(user_id) DO NOTHING
                    """, target.id, now)
            }
        }
    }

    /// An admin links a mentor to a pathfinder organisation from `startedAt`, with a note.
    /// - Returns: the mentorship's id.
    /// - Throws: `MentorError.denied`, `.invalid` (not a mentor, unknown organisation, already linked).
    @discardableResult
    public static func startMentorship(_ store: Store, by actor: Actor, mentorHandle: String, organisationSlug: String,
                                       startedAt: Date, note: String, now: Date = Date()) throws -> Int64 {
        guard Policy.isAdmin(actor), let actorID = actor.userID else { throw MentorError.denied(Policy.adminsOnly(actor)) }
        if actor.isSuspended(at: now) { throw MentorError.denied(Policy.suspensionMessage(actor)) }
        let note = PostLimits.normalise(note).trimmingCharacters(in: .whitespacesAndNewlines)
        let (mentorID, organisationID) = try store.read { conn in
            (try conn.scalar(Int64.self, "SELECT id FROM users WHERE handle = ? AND role = 'mentor' AND deleted_at IS NULL", mentorHandle),
             try conn.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = ?", organisationSlug))
        }
        var errors: [FieldError] = []
        if mentorID == nil { errors.append(FieldError("mentor", "Select a mentor")) }
        if organisationID == nil { errors.append(FieldError("organisation", "Select an organisation")) }
        if note.unicodeScalars.count > 1000 { errors.append(FieldError("note", "Note must be 1000 characters or fewer")) }
        guard errors.isEmpty, let mentorID, let organisationID else { throw MentorError.invalid(errors) }
        do {
            return try store.write { tx in
                try tx.run("""
                    INSERT INTO mentorships(mentor_id, organisation_id, started_at, note, created_by) VALUES (?, ?, ?, ?, ?)
                    """, mentorID, organisationID, startedAt, note, actorID)
                let id = tx.lastInsertedRowID
                try Notifications.adminWorkDone(tx, .mentorForOrganisation(organisationID), now: now)
                // The log names the mentor and the organisation (`ModerationQueries.log`): the reason is the note.
                try MentorLog.append(tx, actorID: actorID, action: .startMentorship, targetType: "mentorship", targetID: id,
                                     reason: note, at: now)
                try answerWaitingRequests(tx, mentorID: mentorID, organisationID: organisationID, actorID: actorID, now: now)
                return id
            }
        } catch let error as DatabaseError where error.isUniqueConstraintViolation {
            throw MentorError.invalid([FieldError("mentor", "That mentor already supports that organisation")])
        }
    }

    /// An admin ends a mentorship: from this moment the mentor cannot read the organisation's
    /// private space (the policy and the queries both look only at mentorships not ended), and
    /// they are taken off the private threads of it they were linked to.
    public static func endMentorship(_ store: Store, by actor: Actor, id: Int64, reason: String = "", now: Date = Date()) throws {
        guard Policy.isAdmin(actor), let actorID = actor.userID else { throw MentorError.denied(Policy.adminsOnly(actor)) }
        if actor.isSuspended(at: now) { throw MentorError.denied(Policy.suspensionMessage(actor)) }
        let note = String(reason.prefix(900))
        let ended: Bool = try store.write { tx in
            try tx.run("UPDATE mentorships SET ended_at = max(started_at, ?) WHERE id = ? AND ended_at IS NULL", now, id)
            guard tx.changes == 1 else { return false }
            // They can no longer read its private threads, so they are no longer those threads'
            // mentor: taken off them, as a mentor made a member is taken off every thread.
            try tx.run("""
                DELETE FROM thread_mentors
                WHERE mentor_id = (SELECT mentor_id FROM mentorships WHERE id = ?1) AND status <> 'declined'
                  AND thread_id IN (SELECT t.id FROM threads t
                                    WHERE t.organisation_id = (SELECT organisation_id FROM mentorships WHERE id = ?1))
                """, id)
            try MentorLog.append(tx, actorID: actorID, action: .endMentorship, targetType: "mentorship", targetID: id,
                                 reason: note, at: now)
            return true
        }
        if !ended { throw MentorError.notFound }
    }

    /// The thread's author or an admin links mentors to the thread. Mentors already linked (or
    /// who declined) are left as they are; linking by an admin is logged.
    /// - Returns: how many mentors were newly linked.
    @discardableResult
    public static func link(_ store: Store, by actor: Actor, threadID: Int64, mentorHandles: [String], now: Date = Date()) throws -> Int {
        let state = try threadState(store, threadID)
        try require(actor, .requestMentor, .thread(state), now: now)
        guard let actorID = actor.userID else { throw MentorError.notFound }
        let handles = Array(Set(mentorHandles)).sorted()
        if handles.isEmpty { throw MentorError.invalid([FieldError("mentors", "Select at least one mentor")]) }
        let (mentorIDs, busy, suspended) = try store.read { conn in
            (try conn.column(Int64.self, """
                SELECT id FROM users WHERE role = 'mentor' AND deleted_at IS NULL AND handle IN (SELECT value FROM json_each(?))
                """, jsonArray(handles)),
             try conn.column(String.self, """
                SELECT u.display_name FROM users u JOIN mentor_profiles mp ON mp.user_id = u.id
                WHERE mp.availability = 'unavailable' AND u.handle IN (SELECT value FROM json_each(?)) ORDER BY u.display_name
                """, jsonArray(handles)),
             try conn.column(String.self, """
                SELECT display_name FROM users WHERE suspended_until > ? AND handle IN (SELECT value FROM json_each(?))
                ORDER BY display_name
                """, now, jsonArray(handles)))
        }
        if mentorIDs.count != handles.count { throw MentorError.invalid([FieldError("mentors", "Select mentors from the list")]) }
        // Nor a suspended one, who could not answer (the page does not offer them either; it does not say why).
        if let name = suspended.first {
            throw MentorError.invalid([FieldError("mentors", "\(name) cannot take new threads at the moment: choose another mentor")])
        }
        // The ask page offers no busy mentor (`MentorQueries.suggestions`), so none is linked here either.
        if let name = busy.first {
            throw MentorError.invalid([FieldError("mentors", "\(name) is busy and not taking new threads: choose another mentor")])
        }
        if let space = state.organisationID {
            // Linking does not open a private space: only the space's own mentors can read the thread.
            let outsiders = try store.read { conn in
                try conn.scalar(Int.self, """
                    SELECT count(*) FROM json_each(?1) j WHERE NOT EXISTS (
                        SELECT 1 FROM mentorships m WHERE m.mentor_id = j.value AND m.organisation_id = ?2 AND m.ended_at IS NULL)
                    """, "[" + mentorIDs.map(String.init).joined(separator: ",") + "]", space) ?? 0
            }
            if outsiders > 0 {
                throw MentorError.invalid([FieldError("mentors", "Only mentors who support this pathfinder can be linked to its private thread")])
            }
        }
        let logged = actorID != state.authorID
        return try store.write { tx in
            var linked = 0
            for mentorID in mentorIDs where mentorID != state.authorID {
                try tx.run("""
                    INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                    VALUES (?1, ?2, ?3, 'linked', ?4, ?4) ON CONFLICT(thread_id, mentor_id) DO NOTHING
                    """, threadID, mentorID, actorID, now)
                guard tx.changes == 1 else { continue }
                linked += 1
                // The mentor and the thread's author hear about it (issue 8), never the actor.
                try Notifications.recordMentorLinked(tx, threadID: threadID, mentorID: mentorID, actorID: actorID, now: now)
                if logged {
                    try MentorLog.append(tx, actorID: actorID, action: .linkMentor, targetType: "thread", targetID: threadID,
                                         reason: "Linked \(try MentorLog.name(tx, mentorID))", at: now)
                }
            }
            return linked
        }
    }

    /// How long a request to the admins waits before the asker may send it again: until then a
    /// second request tells nobody (issue 18), and the ask page offers no "Ask the admins again".
    public static let adminRequestRepeatAfter: TimeInterval = 7 * 24 * 60 * 60

    /// What became of a request to the admins.
    public enum AdminRequest: Equatable, Sendable {
        /// Every admin was told.
        case sent
        /// The asker's request of that day still waits (no mentor linked since, and less than
        /// `adminRequestRepeatAfter` ago): nobody was told again.
        case alreadyWaiting(since: Date)
    }

    /// The thread's author (or an admin) asks the admins to find a mentor for the thread (issue
    /// 18): for a private thread, to link one to its pathfinder so that they can read it; for a
    /// public one, to ask one to it. Every admin is told (`mentor_wanted`). When the admins act —
    /// a mentor is linked to the thread, directly or by starting a mentorship of its pathfinder
    /// (`startMentorship`) — the asker is told in turn (`mentor_linked`), and the admins'
    /// notifications are done for all of them (`Notifications.adminWorkDone`). A request of the
    /// asker's that still waits is not sent again before `adminRequestRepeatAfter`.
    /// - Throws: `MentorError.invalid` for a handle the ask page does not offer
    ///   (`MentorQueries.adminCandidates`: not a mentor, busy, already linked or able to read the
    ///   private thread already); `.denied`/`.notFound` from Policy (`requestMentor`).
    @discardableResult
    public static func askAdminsForMentor(_ store: Store, by actor: Actor, threadID: Int64, mentorHandle: String?,
                                          now: Date = Date()) throws -> AdminRequest {
        let state = try threadState(store, threadID)
        try require(actor, .requestMentor, .thread(state), now: now)
        guard let askerID = actor.userID else { throw MentorError.notFound }
        return try store.write { tx -> AdminRequest in
            var mentorID: Int64?
            if let mentorHandle, !mentorHandle.isEmpty {
                switch try MentorQueries.adminChoice(tx, threadID: threadID, handle: mentorHandle, now: now) {
                case .offered(let id): mentorID = id
                case .busy(let name):
                    throw MentorError.invalid([FieldError("mentor", "\(name) is busy and not taking new threads: choose another mentor")])
                case .notOffered: throw MentorError.invalid([FieldError("mentor", "Choose a mentor from the list")])
                }
            }
            if let since = try MentorQueries.pendingAdminRequest(tx, threadID: threadID, askerID: askerID),
               now.timeIntervalSince(since) < adminRequestRepeatAfter {
                return .alreadyWaiting(since: since)
            }
            try Notifications.recordMentorWanted(tx, threadID: threadID, askerID: askerID, mentorID: mentorID, now: now)
            return .sent
        }
    }

    /// A mentorship has just started: every private thread of that pathfinder whose author asked
    /// the admins for a mentor, and which still has none linked, gets this mentor linked (unless
    /// they are busy, wrote it, or declined it before). That is the admins' answer to the request,
    /// so the asker hears of it (`mentor_linked`, mailed if they chose) and the mentor too.
    static func answerWaitingRequests(_ tx: Connection, mentorID: Int64, organisationID: Int64, actorID: Int64, now: Date) throws {
        let busy = try tx.scalar(Bool.self, "SELECT availability = 'unavailable' FROM mentor_profiles WHERE user_id = ?", mentorID) ?? false
        guard !busy else { return }
        let threads = try tx.column(Int64.self, """
            SELECT t.id FROM threads t
            WHERE t.organisation_id = ?1 AND t.hidden = 0 AND t.author_id <> ?2
              AND EXISTS (SELECT 1 FROM notifications n WHERE n.kind = 'mentor_wanted' AND n.thread_id = t.id)
              AND NOT EXISTS (SELECT 1 FROM thread_mentors tm WHERE tm.thread_id = t.id
                              AND (tm.status = 'linked' OR tm.mentor_id = ?2))
            ORDER BY t.id
            """, organisationID, mentorID)
        for threadID in threads {
            try tx.run("""
                INSERT INTO thread_mentors(thread_id, mentor_id, requested_by, status, created_at, updated_at)
                VALUES (?1, ?2, ?3, 'linked', ?4, ?4) ON CONFLICT(thread_id, mentor_id) DO NOTHING
                """, threadID, mentorID, actorID, now)
            guard tx.changes == 1 else { continue }
            try Notifications.recordMentorLinked(tx, threadID: threadID, mentorID: mentorID, actorID: actorID, now: now)
            try MentorLog.append(tx, actorID: actorID, action: .linkMentor, targetType: "thread", targetID: threadID,
                                 reason: "Linked \(try MentorLog.name(tx, mentorID)), asked for by the thread's author", at: now)
        }
    }

    /// The longest note a declining mentor may leave for the asker.
    public static let declineNoteLimit = 1000

    /// A mentor declines a thread they were asked to and have not answered yet; the thread stops
    /// listing them, and whoever asked hears about it with `note` (optional).
    /// - Throws: `MentorError.invalid` for a note over `declineNoteLimit`, `.notFound` when
    ///   they were not asked to the thread (or already declined), `.denied` when they have
    ///   already answered it (the request is done; there is nothing left to decline).
    public static func decline(_ store: Store, by actor: Actor, threadID: Int64, note: String = "", now: Date = Date()) throws {
        guard let userID = actor.userID else { throw MentorError.denied("Sign in to do that") }
        // Only a mentor declines, not while suspended (the note is words to another member),
        // and only a thread they may still read (a mentorship ended since: it does not exist for them).
        guard actor.isMentor else { throw MentorError.denied("The queue is for mentors") }
        if actor.isSuspended(at: now) { throw MentorError.denied(Policy.suspensionMessage(actor)) }
        try require(actor, .read, .thread(try threadState(store, threadID)), now: now)
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.unicodeScalars.count > declineNoteLimit {
            throw MentorError.invalid([FieldError("note", "The note must be \(declineNoteLimit) characters or fewer")])
        }
        try store.write { tx in
            let answered = try tx.scalar(Bool.self, """
                SELECT EXISTS (SELECT 1 FROM posts WHERE thread_id = ? AND author_id = ? AND position > 1
                               AND hidden = 0 AND deleted_by_author = 0)
                """, threadID, userID) ?? false
            if answered { throw MentorError.denied("You have already answered this thread, so there is nothing to decline") }
            try tx.run("""
                UPDATE thread_mentors SET status = 'declined', decline_note = ?, updated_at = ?
                WHERE thread_id = ? AND mentor_id = ? AND status <> 'declined'
                """, note, now, threadID, userID)
            guard tx.changes == 1 else { throw MentorError.notFound }
            try Notifications.recordMentorDeclined(tx, threadID: threadID, mentorID: userID, now: now)
        }
    }

    /// Asks Policy; a refusal is a `MentorError` (`.denied` with why, or `.notFound`).
    static func require(_ actor: Actor, _ action: Action, _ resource: Resource, now: Date = Date()) throws {
        switch Policy.decide(actor, action, resource, now: now) {
        case .allowed: return
        case .denied(let message): throw MentorError.denied(message)
        case .notFound: throw MentorError.notFound
        }
    }

    /// The policy's view of a thread.
    static func threadState(_ store: Store, _ threadID: Int64) throws -> Resource.ThreadState {
        guard let state = try store.read({ try Resource.ThreadState.load($0, id: threadID) }) else { throw MentorError.notFound }
        return state
    }

    static func jsonArray(_ strings: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: strings)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// The moderation log entries of mentor actions (mentorships started and ended, thread links).
/// Called inside the write that makes the change, so the action and its record commit together.
public enum MentorLog {
    public static func append(_ tx: Connection, actorID: Int64, action: ModerationAction, targetType: String, targetID: Int64,
                              reason: String, at date: Date) throws {
        try Moderation.appendLog(tx, actorID: actorID, action, target: targetType, targetID,
                                 reason: String(String.UnicodeScalarView(reason.unicodeScalars.prefix(1000))), now: date)
    }

    /// "Helen Marsh (@helen_marsh)": a mentor as a log entry's reason names them.
    static func name(_ tx: Connection, _ userID: Int64) throws -> String {
        try tx.scalar(String.self, "SELECT display_name || ' (@' || handle || ')' FROM users WHERE id = ?", userID) ?? "a mentor"
    }
}

struct UserRoleRow: RowDecodable {
    let id: Int64
    let role: String
    init(row: Row) throws {
        id = try row["id"]
        role = try row["role"]
    }
}

