import Database
import Foundation

/// Why a member flags a post (the `flags.reason` column).
public enum FlagReason: String, Sendable, CaseIterable {
    case spam
    case abuse
    case offTopic = "off_topic"
    case confidential
    case other

    /// What the form and the queue call it.
    public var label: String {
        switch self {
        case .spam: "Spam"
        case .abuse: "Abusive"
        case .offTopic: "Off-topic"
        case .confidential: "Confidential or personal information"
        case .other: "Something else"
        }
    }
}

/// A moderation or administration action as the log records it (`moderation_log.action`).
public enum ModerationAction: String, Sendable, CaseIterable {
    case hidePost = "hide_post"
    case restorePost = "restore_post"
    case approvePost = "approve_post"
    case rejectPost = "reject_post"
    case lockThread = "lock_thread"
    case unlockThread = "unlock_thread"
    case pinThread = "pin_thread"
    case unpinThread = "unpin_thread"
    case hideThread = "hide_thread"
    case restoreThread = "restore_thread"
    case moveThread = "move_thread"
    case renameThread = "rename_thread"
    case slowModeThread = "slow_mode_thread"
    case retagThread = "retag_thread"
    case resolveFlag = "resolve_flag"
    case suspendUser = "suspend_user"
    case unsuspendUser = "unsuspend_user"
    case changeRole = "change_role"
    case changeSetting = "change_setting"
    case editTopic = "edit_topic"
    case editOrganisation = "edit_organisation"
    case editBriefing = "edit_briefing"
    case createInvite = "create_invite"
    case revokeInvite = "revoke_invite"
    /// Mentor actions (`MentorLog`): a mentorship started or ended, a mentor linked to a thread
    /// by an admin. The log page used to leave them out, having no words for them.
    case startMentorship = "start_mentorship"
    case endMentorship = "end_mentorship"
    case linkMentor = "link_mentor"

    /// The log's wording: "hid a post".
    public var phrase: String {
        switch self {
        case .hidePost: "hid a post in"
        case .restorePost: "restored a post in"
        case .approvePost: "approved a held post in"
        case .rejectPost: "deleted a post in"
        case .lockThread: "locked"
        case .unlockThread: "unlocked"
        case .pinThread: "pinned"
        case .unpinThread: "unpinned"
        case .hideThread: "hid the thread"
        case .restoreThread: "restored the thread"
        case .moveThread: "moved"
        case .renameThread: "renamed"
        case .slowModeThread: "set slow mode on"
        case .retagThread: "changed the topics of"
        case .resolveFlag: "dismissed flags on a post in"
        case .suspendUser: "suspended"
        case .unsuspendUser: "lifted the suspension of"
        case .changeRole: "changed the role of"
        case .changeSetting: "changed the setting"
        case .editTopic: "changed the topics:"
        case .editOrganisation: "changed the organisations:"
        case .editBriefing: "changed the briefing:"
        case .createInvite: "made an invite"
        case .revokeInvite: "revoked an invite"
        case .startMentorship: "started the mentorship of"
        case .endMentorship: "ended the mentorship of"
        case .linkMentor: "linked a mentor to"
        }
    }
}

/// Why a moderation request was refused.
public enum ModerationError: Error, Sendable, Equatable {
    /// Policy said no; the message says why (for a suspended admin: why and until when).
    case denied(String)
    /// The post, thread or user does not exist (or may not be known to exist).
    case notFound
    /// What was typed is not acceptable; the message says what to change.
    case invalid(field: String, message: String)
}

/// What a flag did.
public enum FlagOutcome: Sendable, Equatable {
    case flagged
    /// This member had already flagged the post: flags from one member count once.
    case alreadyFlagged
    /// This flag brought the post to the instance's threshold: it is hidden until an admin decides.
    case autoHidden
}

/// An admin's decision on a post in the queue. Each closes the open flags on the post.
public enum PostDecision: Sendable, Equatable {
    /// The flags were unfounded: the post stays.
    case dismiss(reason: String)
    /// A held post is published.
    case approve
    /// Hidden, with a reason shown to readers in its place (its author still sees their text).
    case hide(reason: String)
    /// A hidden post is shown again.
    case restore(reason: String)
    /// Deleted for good (not the opening post: hide the thread instead).
    case delete(reason: String)

    /// The decision says the post's words are fine (approve, dismiss its flags), so it must be
    /// about the words the admin read (`Moderation.decide`'s `shown`).
    public var vouchesForText: Bool {
        switch self {
        case .approve, .dismiss: true
        case .hide, .restore, .delete: false
        }
    }
}

/// A change to a thread.
public enum ThreadChange: String, Sendable, CaseIterable {
    case lock, unlock, pin, unpin
    /// Hidden from everyone but its author and admins (reason required, shown to the author).
    case hide
    case restore
}

/// Flags, decisions on posts, thread and user actions and instance settings. Every action asks
/// `Policy` inside its write transaction (so the state it decides on is the state it changes)
/// and writes exactly one `moderation_log` entry in the same transaction.
public enum Moderation {
    /// An account younger than this is "new": its first posts may be held, its flags do not
    /// count towards hiding a post automatically.
    public static let establishedAfter: TimeInterval = 7 * 86_400

    /// The account limits with the instance's new-account settings applied, for the posting
    /// services: `Accounts.postingAllowance(tx, account:, now:, limits: Moderation.accountLimits(tx, base: limits))`.
    public static func accountLimits(_ conn: Connection, base: AccountLimits = AccountLimits()) throws -> AccountLimits {
        var limits = base
        if let days = try Setting.newAccountDays.number(conn) {
            limits.newAccountPeriod = TimeInterval(days) * 86_400
        }
        if let posts = try Setting.newAccountPostsPerDay.number(conn) {
            limits.newAccountPostsPerDay = posts
        }
        return limits
    }

    // MARK: Flags

    /// Flags a post for the admins. A member flags a post once; the flag counts towards hiding
    /// the post automatically when the reporter is an established member.
    public static func flag(_ store: Store, actor: Actor, postID: Int64, reason: FlagReason, note: String,
                            now: Date = Date()) throws -> FlagOutcome {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason == .other, note.isEmpty {
            throw ModerationError.invalid(field: "note", message: "Say what is wrong with the post")
        }
        if note.unicodeScalars.count > 1000 {
            throw ModerationError.invalid(field: "note", message: "The note must be 1000 characters or fewer")
        }
        return try store.write { tx in
            guard let post = try Resource.PostState.load(tx, id: postID) else { throw ModerationError.notFound }
            try require(actor, .flag, .post(post), now: now)
            guard let reporter = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try tx.run("""
                INSERT INTO flags(post_id, reporter_id, reason, note, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(post_id, reporter_id) DO NOTHING
                """, postID, reporter, reason.rawValue, note, now)
            if tx.changes == 0 { return .alreadyFlagged }
            // Already hidden, or held (in the queue already, seen by nobody else): not hidden by flags.
            if post.hidden || !mayHide(post) { return .flagged }
            let threshold = try flagThreshold(tx)
            let established = try tx.scalar(Int64.self, """
                SELECT count(*) FROM flags f JOIN users u ON u.id = f.reporter_id
                WHERE f.post_id = ? AND f.status = 'open' AND u.created_at <= ?
                  AND (u.suspended_until IS NULL OR u.suspended_until <= ?)
                """, postID, now.addingTimeInterval(-establishedAfter), now) ?? 0
            guard established >= Int64(threshold) else { return .flagged }
            let reason = automaticHideReason(flags: established)
            try tx.run("""
                UPDATE posts SET hidden = 1, hidden_reason = ?, hidden_by = ?, hidden_at = ? WHERE id = ?
                """, reason, reporter, now, postID)
            // The log names the reporter whose flag crossed the threshold as the actor (the
            // column must name a user); the log page shows such entries as automatic.
            try appendLog(tx, actorID: reporter, .hidePost, target: "post", postID, reason: reason, now: now)
            return .autoHidden
        }
    }

    /// The reason of a post the flags hid (`flag`), in the post and its log entry. Only that path
    /// writes it (an admin's reason may not take its wording: `decide(.hide)`), so the log tells
    /// an automatic hide by it (`ModerationQueries.log`), not by whether its actor (the reporter
    /// whose flag crossed the threshold) is an admin now: a reporter made an admin later was
    /// named as the one who hid the post, and an admin made a member had their hides shown as
    /// automatic.
    static func automaticHideReason(flags: Int64) -> String {
        automaticHideWording.before + "\(flags)" + automaticHideWording.after
    }

    /// The wording around the count of `automaticHideReason`, the one place it is written.
    private static let automaticHideWording = (before: "Hidden automatically after ", after: " members flagged it; an admin will review it")

    /// `automaticHideReason` of any count, as an SQL GLOB pattern.
    static let automaticHideReasonGlob = automaticHideWording.before + "*" + automaticHideWording.after

    /// Whether `reason` has the wording of `automaticHideReason` (of any count, or none).
    static func hasAutomaticHideWording(_ reason: String) -> Bool {
        reason.hasPrefix(automaticHideWording.before) && reason.hasSuffix(automaticHideWording.after)
    }

    /// The number of distinct established members whose flags hide a post.
    public static func flagThreshold(_ conn: Connection) throws -> Int {
        // Never nil: the setting has a default.
        max(1, try Setting.flagThreshold.number(conn) ?? 1)
    }

    /// Marks a just-written post as held for approval when the instance holds the first posts of
    /// new accounts and its author is new with no approved post yet. For the posting services,
    /// in their write transaction: `try Moderation.holdIfNewAuthor(tx, postID: id, authorID: author, now: now)`.
    @discardableResult
    public static func holdIfNewAuthor(_ tx: Connection, postID: Int64, authorID: Int64, now: Date = Date()) throws -> Bool {
        guard try nextPostWaits(tx, authorID: authorID, besides: postID, now: now) else { return false }
        try tx.run("UPDATE posts SET held_for_approval = 1 WHERE id = ?", postID)
        // Admins hear of it at once, so the post does not wait until someone opens the queue.
        try Notifications.recordPostHeld(tx, postID: postID, authorID: authorID, now: now)
        return true
    }

    /// Whether a post `authorID` writes now waits for approval: the instance holds the first
    /// posts of new members, and they are a member younger than `establishedAfter` with no
    /// approved post yet (`besides`: the post just written, when asking after writing it). The
    /// one rule behind holding a post and the forms' warning that it will be held (issue 18).
    public static func nextPostWaits(_ conn: Connection, authorID: Int64, besides postID: Int64? = nil, now: Date = Date()) throws -> Bool {
        guard try Setting.holdFirstPostsOfNewMembers.isOn(conn) else { return false }
        let isNew = try conn.scalar(Bool.self, """
            SELECT role = 'member' AND created_at > ? FROM users WHERE id = ?
            """, now.addingTimeInterval(-establishedAfter), authorID) ?? false
        guard isNew else { return false }
        let approved = try conn.scalar(Int64.self, """
            SELECT count(*) FROM posts WHERE author_id = ? AND id IS NOT ? AND held_for_approval = 0 AND hidden = 0
            """, authorID, postID) ?? 0
        return approved == 0
    }

    // MARK: Decisions on posts

    /// Decides on a post from the queue (or anywhere an admin meets it).
    /// - Parameter shown: what the page the decision came from showed of the post
    ///   (`QueueItem.shown`), or nil when it showed none of its text. Approving a post or
    ///   dismissing its flags says its words are fine, so either is refused when the post's text
    ///   or its thread's title changed since: a held post's author may edit it while it waits,
    ///   and the admin would otherwise publish words they never read.
    public static func decide(_ store: Store, actor: Actor, postID: Int64, _ decision: PostDecision, shown: String? = nil,
                              now: Date = Date()) throws {
        try store.write { tx in
            guard let post = try Resource.PostState.load(tx, id: postID), let actorID = actor.userID else { throw ModerationError.notFound }
            if let shown, decision.vouchesForText, try currentFingerprint(tx, postID: postID) != shown {
                throw ModerationError.invalid(field: "reason", message: changedSinceShown)
            }
            // Every decision settles the post: the admins' notifications of it are done (undone
            // with the rest if the decision is refused).
            try Notifications.adminWorkDone(tx, .post(postID), now: now)
            switch decision {
            case .dismiss(let reason):
                try require(actor, .restore, .post(post), now: now)
                let closed = try closeFlags(tx, postID, status: "dismissed", actorID: actorID, now: now)
                guard closed > 0 else { throw ModerationError.invalid(field: "reason", message: "This post has no open flags") }
                try appendLog(tx, actorID: actorID, .resolveFlag, target: "post", postID, reason: reason, now: now)
            case .approve:
                try require(actor, .restore, .post(post), now: now)
                guard post.held else { throw ModerationError.invalid(field: "reason", message: "This post is not awaiting approval") }
                try tx.run("UPDATE posts SET held_for_approval = 0 WHERE id = ?", postID)
                try closeFlags(tx, postID, status: "dismissed", actorID: actorID, now: now)
                try appendLog(tx, actorID: actorID, .approvePost, target: "post", postID, reason: "", now: now)
                try notifyAuthor(tx, postID: postID, actorID: actorID, kind: .postApproved, now: now)
                // An approved opening post lists its thread (migration 8's trigger), an approved
                // reply joins its thread: announce either now, as on posting.
                if let threadID = try tx.scalar(Int64.self, "SELECT thread_id FROM posts WHERE id = ? AND position = 1", postID) {
                    try Notifications.recordThreadApproved(tx, threadID: threadID, postID: postID, now: now)
                } else {
                    try Notifications.recordReplyApproved(tx, postID: postID, now: now)
                }
            case .hide(let reason):
                try require(actor, .hide, .post(post), now: now)
                try checkMayHide(post)
                let reason = try checkedReason(reason, required: true)
                if hasAutomaticHideWording(reason) {
                    throw ModerationError.invalid(field: "reason", message: "Say why in your own words: that wording is kept for posts hidden by members’ flags")
                }
                try tx.run("""
                    UPDATE posts SET hidden = 1, hidden_reason = ?, hidden_by = ?, hidden_at = ?, held_for_approval = 0 WHERE id = ?
                    """, reason, actorID, now, postID)
                try closeFlags(tx, postID, status: "upheld", actorID: actorID, now: now)
                try appendLog(tx, actorID: actorID, .hidePost, target: "post", postID, reason: reason, now: now)
                try notifyAuthor(tx, postID: postID, actorID: actorID, kind: .postHidden, now: now)
            case .restore(let reason):
                try require(actor, .restore, .post(post), now: now)
                guard post.hidden else { throw ModerationError.invalid(field: "reason", message: "This post is not hidden") }
                try tx.run("UPDATE posts SET hidden = 0, hidden_reason = NULL, hidden_by = NULL, hidden_at = NULL WHERE id = ?", postID)
                try closeFlags(tx, postID, status: "dismissed", actorID: actorID, now: now)
                try appendLog(tx, actorID: actorID, .restorePost, target: "post", postID, reason: try checkedReason(reason, required: false), now: now)
                try notifyAuthor(tx, postID: postID, actorID: actorID, now: now)
            case .delete(let reason):
                try require(actor, .hide, .post(post), now: now)
                let position = try tx.scalar(Int64.self, "SELECT position FROM posts WHERE id = ?", postID) ?? 1
                guard position > 1 else {
                    throw ModerationError.invalid(field: "reason", message: "The opening post cannot be deleted; hide it instead")
                }
                let reason = try checkedReason(reason, required: true)
                // The log entry outlives the post (no foreign keys): it records the thread.
                try appendLog(tx, actorID: actorID, .rejectPost, target: "post", postID, reason: reason, now: now)
                // Its author hears of it (with the logged reason), as of every other decision:
                // a held reply turned down does not just vanish.
                try Notifications.recordPostDeleted(tx, postID: postID, actorID: actorID, logEntryID: tx.lastInsertedRowID, now: now)
                try tx.run("DELETE FROM posts WHERE id = ?", postID)
            }
        }
    }

    /// What approving or dismissing is refused with when the post changed after the queue was read.
    public static let changedSinceShown = "This post or its thread’s title was changed after you opened the queue: read it again below before you decide"

    /// `QueueItem.shown`: a fingerprint of a thread's title and a post's text.
    public static func shownFingerprint(threadTitle: String, bodyMarkdown: String) -> String {
        String(Digest.base64URL(Digest.sha256(Array((threadTitle + "\u{0}" + bodyMarkdown).utf8))).prefix(22))
    }

    /// The fingerprint of `postID` and its thread's title as stored now.
    static func currentFingerprint(_ conn: Connection, postID: Int64) throws -> String? {
        struct Shown: RowDecodable {
            let title: String, body: String
            init(row: Row) throws { title = try row["title"]; body = try row["body_markdown"] }
        }
        return try conn.queryOne(Shown.self, """
            SELECT t.title, p.body_markdown FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?
            """, postID).map { shownFingerprint(threadTitle: $0.title, bodyMarkdown: $0.body) }
    }

    /// What a held reply's "Hide" is refused with: it is approved or deleted in the queue.
    public static let heldPostCannotBeHidden = "This post is awaiting approval: approve it or delete it in the moderation queue"

    /// A post awaiting approval cannot be hidden (docs/visibility.md): only its author and the
    /// admins have seen it, and hiding takes it out of the queue, so its placeholder and author
    /// would show to every reader of its thread, which would count it. The exception is a post
    /// in a thread itself awaiting approval (its opening post, which cannot be deleted): hiding
    /// it is how a held thread is turned down, and the thread stays unseen (`threads.held`).
    /// Every way of hiding a post asks this.
    public static func mayHide(postHeld: Bool, threadHeld: Bool) -> Bool { !postHeld || threadHeld }

    static func mayHide(_ post: Resource.PostState) -> Bool { mayHide(postHeld: post.held, threadHeld: post.thread.held) }

    /// `mayHide`, as the refusal an admin's decision gets.
    static func checkMayHide(_ post: Resource.PostState) throws {
        guard mayHide(post) else { throw ModerationError.invalid(field: "reason", message: heldPostCannotBeHidden) }
    }

    /// Tells a post's author that a moderator acted on it: approved, hidden, or (`moderation`)
    /// otherwise; the notification says which post, the log says why.
    private static func notifyAuthor(_ tx: Connection, postID: Int64, actorID: Int64, kind: NotificationKind = .moderation,
                                     now: Date) throws {
        guard let threadID = try tx.scalar(Int64.self, "SELECT thread_id FROM posts WHERE id = ?", postID) else { return }
        try Notifications.recordModeration(tx, threadID: threadID, postID: postID, actorID: actorID, kind: kind, now: now)
    }

    // MARK: Threads

    public static func changeThread(_ store: Store, actor: Actor, threadID: Int64, _ change: ThreadChange, reason: String,
                                    now: Date = Date()) throws {
        try store.write { tx in
            guard let thread = try Resource.ThreadState.load(tx, id: threadID), let actorID = actor.userID else { throw ModerationError.notFound }
            let reason = try checkedReason(reason, required: false)
            let (policyAction, sql, action): (Action, String, ModerationAction) = switch change {
            case .lock: (.lockThread, "UPDATE threads SET locked = 1 WHERE id = ?", .lockThread)
            case .unlock: (.lockThread, "UPDATE threads SET locked = 0 WHERE id = ?", .unlockThread)
            case .pin: (.pinThread, "UPDATE threads SET pinned = 1 WHERE id = ?", .pinThread)
            case .unpin: (.pinThread, "UPDATE threads SET pinned = 0 WHERE id = ?", .unpinThread)
            case .hide: (.hide, "UPDATE threads SET hidden = 1, hidden_reason = ?2, hidden_by = ?3 WHERE id = ?1", .hideThread)
            case .restore: (.restore, "UPDATE threads SET hidden = 0, hidden_reason = NULL, hidden_by = NULL WHERE id = ?1", .restoreThread)
            }
            try require(actor, policyAction, .thread(thread), now: now)
            switch change {
            case .hide:
                guard !reason.isEmpty else { throw ModerationError.invalid(field: "reason", message: "Enter a reason") }
                try tx.run(sql, threadID, reason, actorID)
            default:
                try tx.run(sql, threadID)
            }
            try appendLog(tx, actorID: actorID, action, target: "thread", threadID, reason: reason, now: now)
        }
    }

    /// Moves a thread between the public network and a pathfinder's private space
    /// (`organisationSlug` empty: public; only an organisation with a space, `PrivateSpaces`).
    /// The log's reason records where it went.
    public static func moveThread(_ store: Store, actor: Actor, threadID: Int64, organisationSlug: String, reason: String,
                                  now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: false)
        try store.write { tx in
            guard let thread = try Resource.ThreadState.load(tx, id: threadID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .moveThread, .thread(thread), now: now)
            var organisationID: Int64?
            var destination = "the public network"
            if !organisationSlug.isEmpty {
                guard let id = try PrivateSpaces.id(tx, slug: organisationSlug) else {
                    throw ModerationError.invalid(field: "organisation", message: "Choose where to move the thread")
                }
                organisationID = id
                destination = "a private space"
            }
            guard organisationID != thread.organisationID else {
                throw ModerationError.invalid(field: "organisation", message: "The thread is already there")
            }
            try tx.run("UPDATE threads SET organisation_id = ? WHERE id = ?", organisationID, threadID)
            if let organisationID {
                // Mentors who cannot read the new space are no longer the thread's mentors (as
                // when their mentorship ends): only its own mentors stay linked.
                try tx.run("""
                    DELETE FROM thread_mentors WHERE thread_id = ?1 AND status <> 'declined'
                      AND NOT EXISTS (SELECT 1 FROM mentorships m WHERE m.mentor_id = thread_mentors.mentor_id
                                      AND m.organisation_id = ?2 AND m.ended_at IS NULL)
                    """, threadID, organisationID)
            }
            try appendLog(tx, actorID: actorID, .moveThread, target: "thread", threadID,
                          reason: "To \(destination)" + (reason.isEmpty ? "" : ": \(reason)"), now: now)
        }
    }

    /// Renames a thread (the slug follows, so old links redirect). The log shows the current
    /// title to those who can read the thread.
    public static func renameThread(_ store: Store, actor: Actor, threadID: Int64, title: String, reason: String,
                                    now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: false)
        let title = PostLimits.normalise(title)
        if let problem = PostLimits.titleProblem(title) { throw ModerationError.invalid(field: "title", message: problem.message) }
        try store.write { tx in
            guard let thread = try Resource.ThreadState.load(tx, id: threadID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .moveThread, .thread(thread), now: now)
            let oldTitle = try tx.scalar(String.self, "SELECT title FROM threads WHERE id = ?", threadID)
            try tx.run("UPDATE threads SET title = ?, slug = ? WHERE id = ?", title, Slug.make(title), threadID)
            // The old title is kept out of the reason, which everyone reads: the log shows it
            // only to those who may read the thread, as it shows the title (the thread may
            // later move to a private space).
            try appendLog(tx, actorID: actorID, .renameThread, target: "thread", threadID, reason: reason,
                          renamed: oldTitle.map { ($0, title) }, now: now)
        }
    }

    /// Sets slow mode: the least time between one member's replies in the thread (0 turns it off).
    public static func setSlowMode(_ store: Store, actor: Actor, threadID: Int64, seconds: Int, reason: String,
                                   now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: false)
        guard (0...86_400).contains(seconds) else {
            throw ModerationError.invalid(field: "seconds", message: "Choose an interval of up to a day")
        }
        try store.write { tx in
            guard let thread = try Resource.ThreadState.load(tx, id: threadID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .lockThread, .thread(thread), now: now)
            try tx.run("UPDATE threads SET slow_mode_seconds = ? WHERE id = ?", seconds, threadID)
            let what = seconds == 0 ? "Off" : "One reply every \(seconds / 60) minutes"
            try appendLog(tx, actorID: actorID, .slowModeThread, target: "thread", threadID,
                          reason: what + (reason.isEmpty ? "" : ": \(reason)"), now: now)
        }
    }

    /// For the reply service, in its transaction: how long `userID` must still wait before
    /// replying in a thread in slow mode, or nil when they may reply now. The refusal should
    /// say so ("This thread is in slow mode: you can reply again in N minutes").
    public static func slowModeWait(_ tx: Connection, threadID: Int64, userID: Int64, now: Date = Date()) throws -> TimeInterval? {
        guard let seconds = try tx.scalar(Int64.self, "SELECT slow_mode_seconds FROM threads WHERE id = ?", threadID), seconds > 0,
              let last = try tx.scalar(Date.self, "SELECT max(created_at) FROM posts WHERE thread_id = ? AND author_id = ?", threadID, userID)
        else { return nil }
        let wait = last.addingTimeInterval(TimeInterval(seconds)).timeIntervalSince(now)
        return wait > 0 ? wait : nil
    }

    /// Replaces a thread's topics (one to three). Policy: retagging is moving between topics.
    public static func retagThread(_ store: Store, actor: Actor, threadID: Int64, topicSlugs: [String], reason: String,
                                   now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: false)
        let slugs = Array(Set(topicSlugs)).sorted()
        guard (1...3).contains(slugs.count) else {
            throw ModerationError.invalid(field: "topics", message: "Choose one, two or three topics")
        }
        try store.write { tx in
            guard let thread = try Resource.ThreadState.load(tx, id: threadID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .moveThread, .thread(thread), now: now)
            var ids: [Int64] = []
            var names: [String] = []
            for slug in slugs {
                guard let topic = try tx.queryOne(TopicName.self, "SELECT id, name FROM topics WHERE slug = ?", slug) else {
                    throw ModerationError.invalid(field: "topics", message: "Choose topics from the list")
                }
                ids.append(topic.id)
                names.append(topic.name)
            }
            try tx.run("DELETE FROM thread_topics WHERE thread_id = ?", threadID)
            for id in ids { try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", threadID, id) }
            try appendLog(tx, actorID: actorID, .retagThread, target: "thread", threadID,
                          reason: topicsReason(names: names) + (reason.isEmpty ? "" : ": \(reason)"), now: now)
        }
    }

    /// A retag's reason: the topics by name ("Topics: Benefits, Housing"), not by slug.
    static func topicsReason(names: [String]) -> String {
        "Topics: " + names.sorted().joined(separator: ", ")
    }

    /// The same for topics given by slug (the author's retag, `Threads.editDetails`).
    public static func topicsReason(_ tx: Connection, slugs: [String]) throws -> String {
        topicsReason(names: try slugs.map { slug in try tx.scalar(String.self, "SELECT name FROM topics WHERE slug = ?", slug) ?? slug })
    }

    // MARK: Users

    /// Suspends an account until `until`: they can read, not write, and are told why.
    public static func suspend(_ store: Store, actor: Actor, userID: Int64, until: Date, reason: String, now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: true, limit: 500)
        guard until > now else { throw ModerationError.invalid(field: "until", message: "The end of the suspension must be in the future") }
        try store.write { tx in
            guard let role = try userRole(tx, userID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .suspendUser, .user(id: userID, role: role), now: now)
            try tx.run("UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE id = ?", until, reason, userID)
            try appendLog(tx, actorID: actorID, .suspendUser, target: "user", userID, reason: reason, now: now)
        }
    }

    public static func liftSuspension(_ store: Store, actor: Actor, userID: Int64, reason: String, now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: false)
        try store.write { tx in
            guard let role = try userRole(tx, userID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .suspendUser, .user(id: userID, role: role), now: now)
            try tx.run("UPDATE users SET suspended_until = NULL, suspension_reason = NULL WHERE id = ?", userID)
            try appendLog(tx, actorID: actorID, .unsuspendUser, target: "user", userID, reason: reason, now: now)
        }
    }

    public static func changeRole(_ store: Store, actor: Actor, userID: Int64, to newRole: Role, reason: String, now: Date = Date()) throws {
        let reason = try checkedReason(reason, required: false)
        try store.write { tx in
            guard let role = try userRole(tx, userID), let actorID = actor.userID else { throw ModerationError.notFound }
            try require(actor, .changeRole, .user(id: userID, role: role), now: now)
            try applyRoleChange(tx, userID: userID, from: role, to: newRole, actorID: actorID, reason: reason, now: now)
        }
    }

    /// A suspended account cannot become an admin: admins cannot be suspended, so the suspension
    /// could then be neither lifted nor served (every admin page refuses a suspended actor).
    /// Lift it first. Asked by every role change (`applyRoleChange`: the admin pages and
    /// `mutuals user role`) and by the admin page's preview.
    /// - Throws: `.invalid` on the role field, saying until when and what to do.
    static func refuseSuspendedAdmin(_ conn: Connection, userID: Int64, to newRole: Role, now: Date) throws {
        guard newRole == .admin,
              let until = try conn.scalar(Date.self, "SELECT suspended_until FROM users WHERE id = ? AND suspended_until > ?", userID, now)
        else { return }
        throw ModerationError.invalid(field: "role", message: "This account is suspended until \(Policy.suspensionEnd(until)): "
                                      + "lift the suspension before making them an admin")
    }

    /// How many active mentorships `applyRoleChange` to `newRole` would end: all of them
    /// unless the new role is mentor.
    static func mentorshipsEndedByRoleChange(_ conn: Connection, userID: Int64, to newRole: Role) throws -> Int {
        try organisationsLostByRoleChange(conn, userID: userID, to: newRole).count
    }

    /// The organisations whose private spaces `userID` stops reading if made `newRole`: those
    /// of their active mentorships, which end (by name).
    static func organisationsLostByRoleChange(_ conn: Connection, userID: Int64, to newRole: Role) throws -> [String] {
        guard newRole != .mentor else { return [] }
        return try conn.column(String.self, """
            SELECT o.name FROM mentorships m JOIN organisations o ON o.id = m.organisation_id
            WHERE m.mentor_id = ? AND m.ended_at IS NULL ORDER BY o.name
            """, userID)
    }

    /// How many threads `userID` is linked to as a mentor that `applyRoleChange` to `newRole`
    /// would take them off: all of them unless the new role is mentor.
    static func linksLostByRoleChange(_ conn: Connection, userID: Int64, to newRole: Role) throws -> Int {
        guard newRole != .mentor else { return 0 }
        return try conn.scalar(Int.self, "SELECT count(*) FROM thread_mentors WHERE mentor_id = ? AND status <> 'declined'", userID) ?? 0
    }

    /// Sets `userID`'s role inside the caller's write and logs it; when the new role is not
    /// mentor, every active mentorship of theirs ends now, each ending logged (issue 16: a
    /// demoted mentor kept reading the private spaces they mentored), and they are taken off
    /// the threads they were linked to (`linksLostByRoleChange`). The one role change: the
    /// admin users page (`changeRole`), the mentor admin page (`Mentors.changeRole`) and
    /// `mutuals user role` (`Accounts.setRole`) all come through here.
    /// - Parameter actorID: who made the change; the CLI logs it as the person themselves.
    static func applyRoleChange(_ tx: Connection, userID: Int64, from role: Role, to newRole: Role, actorID: Int64,
                                reason: String, now: Date) throws {
        try refuseSuspendedAdmin(tx, userID: userID, to: newRole, now: now)
        try tx.run("UPDATE users SET role = ? WHERE id = ?", newRole.rawValue, userID)
        if newRole != .mentor {
            try endMentorWork(tx, userID: userID, actorID: actorID, reason: "Role changed from \(role.rawValue) to \(newRole.rawValue)", now: now)
        }
        try appendLog(tx, actorID: actorID, .changeRole, target: "user", userID,
                      reason: "\(role.rawValue) to \(newRole.rawValue)" + (reason.isEmpty ? "" : ": \(reason)"), now: now)
    }

    /// `userID` is no longer anyone's mentor (made another role, or their account deleted):
    /// every active mentorship of theirs ends now, each ending logged with `reason`, and they are
    /// taken off every thread they were linked to, so no thread or ask page names them, no
    /// request counts as answered by them, and their queue is empty if they are made a mentor
    /// again (as their spaces are). Declined links stay: the asker's notification reads its note
    /// from them.
    static func endMentorWork(_ tx: Connection, userID: Int64, actorID: Int64, reason: String, now: Date) throws {
        for id in try tx.column(Int64.self, "SELECT id FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL ORDER BY id", userID) {
            try tx.run("UPDATE mentorships SET ended_at = max(started_at, ?) WHERE id = ?", now, id)
            try MentorLog.append(tx, actorID: actorID, action: .endMentorship, targetType: "mentorship", targetID: id, reason: reason, at: now)
        }
        try tx.run("DELETE FROM thread_mentors WHERE mentor_id = ? AND status <> 'declined'", userID)
    }

    // MARK: Settings

    /// An admin changes a setting the settings page offers to one of its `choices`.
    /// - Throws: `.notFound` for a setting the page does not offer, `.invalid` for another value.
    public static func setSetting(_ store: Store, actor: Actor, _ setting: Setting, to value: String, now: Date = Date()) throws {
        guard let allowed = setting.choices else { throw ModerationError.notFound }
        guard allowed.contains(value) else {
            throw ModerationError.invalid(field: setting.rawValue, message: "Choose one of the options")
        }
        try store.write { tx in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageSettings, .network, now: now)
            try setting.write(tx, value, now: now)
            try appendLog(tx, actorID: actorID, .changeSetting, target: "setting", 0,
                          reason: "\(setting.rawValue) = \(value)", now: now)
        }
        CachedSetting.settingsChanged()
    }

    /// Changes several settings at once (the settings page's one form): every value is checked
    /// first, so one refused value changes nothing; then each setting whose value differs is
    /// written with its own `change_setting` log entry, in one transaction.
    /// - Returns: the settings that changed, in `Setting.allCases` order.
    /// - Throws: `ModerationError.invalid` naming the first refused setting; `.notFound` for a
    ///   setting the page does not offer.
    @discardableResult
    public static func setSettings(_ store: Store, actor: Actor, _ values: [Setting: String], now: Date = Date()) throws -> [Setting] {
        for setting in Setting.allCases {
            guard let value = values[setting] else { continue }
            guard let allowed = setting.choices else { throw ModerationError.notFound }
            guard allowed.contains(value) else {
                throw ModerationError.invalid(field: setting.rawValue, message: "Choose one of the options")
            }
        }
        let changed = try store.write { tx -> [Setting] in
            guard let actorID = actor.userID else { throw ModerationError.denied("Sign in to do that") }
            try require(actor, .manageSettings, .network, now: now)
            var changed: [Setting] = []
            for setting in Setting.allCases {
                guard let value = values[setting], try setting.value(tx) != value else { continue }
                try setting.write(tx, value, now: now)
                try appendLog(tx, actorID: actorID, .changeSetting, target: "setting", 0,
                              reason: "\(setting.rawValue) = \(value)", now: now)
                changed.append(setting)
            }
            return changed
        }
        if !changed.isEmpty { CachedSetting.settingsChanged() }
        return changed
    }

    // MARK: Shared steps

    /// Appends one entry to the append-only log.
    static func appendLog(_ tx: Connection, actorID: Int64, _ action: ModerationAction, target: String, _ targetID: Int64,
                          reason: String, renamed: (from: String, to: String)? = nil, now: Date) throws {
        try appendLog(tx, actorID: actorID, action: action.rawValue, target: target, targetID, reason: reason,
                      renamed: renamed, now: now)
    }

    /// The one insert into the log: moderation actions above, mentor actions through `MentorLog`.
    /// `renamed`: a renamed thread's old and new titles, shown only to those who may read the thread.
    static func appendLog(_ tx: Connection, actorID: Int64, action: String, target: String, _ targetID: Int64,
                          reason: String, renamed: (from: String, to: String)? = nil, now: Date) throws {
        try tx.run("""
            INSERT INTO moderation_log(actor_id, action, target_type, target_id, reason, previous_title, renamed_to, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, actorID, action, target, targetID, reason, renamed?.from, renamed?.to, now)
    }

    @discardableResult
    static func closeFlags(_ tx: Connection, _ postID: Int64, status: String, actorID: Int64, now: Date) throws -> Int {
        try tx.run("""
            UPDATE flags SET status = ?, resolved_at = ?, resolved_by = ? WHERE post_id = ? AND status = 'open'
            """, status, now, actorID, postID)
        return tx.changes
    }

    static func require(_ actor: Actor, _ action: Action, _ resource: Resource, now: Date) throws {
        switch Policy.decide(actor, action, resource, now: now) {
        case .allowed: return
        case .denied(let message): throw ModerationError.denied(message)
        case .notFound: throw ModerationError.notFound
        }
    }

    static func checkedReason(_ reason: String, required: Bool, limit: Int = 500) throws -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if required, reason.isEmpty { throw ModerationError.invalid(field: "reason", message: "Enter a reason") }
        if reason.unicodeScalars.count > limit {
            throw ModerationError.invalid(field: "reason", message: "The reason must be \(limit) characters or fewer")
        }
        return reason
    }

    /// A new topic's or organisation's web address name, lowercased: 2 to 60 ASCII letters,
    /// digits and hyphens.
    static func checkedSlug(_ slug: String) throws -> String {
        let slug = slug.trimmingCharacters(in: .whitespaces).lowercased()
        guard (2...60).contains(slug.count), slug.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }) else {
            throw ModerationError.invalid(field: "slug", message: "Enter a web address name of 2 to 60 letters, numbers and hyphens")
        }
        return slug
    }

    static func userRole(_ conn: Connection, _ userID: Int64) throws -> Role? {
        try conn.scalar(String.self, "SELECT role FROM users WHERE id = ? AND deleted_at IS NULL", userID).flatMap(Role.init(rawValue:))
    }
}


/// A topic's id and name, as the log names it (topic names are public; slugs are not words).
private struct TopicName: RowDecodable {
    let id: Int64, name: String
    init(row: Row) throws { id = try row["id"]; name = try row["name"] }
}
