import Database
import Foundation

/// The kinds of notification, as stored in `notifications.kind`.
public enum NotificationKind: String, Sendable, CaseIterable {
    case reply, mention, accepted
    case newThreadInTopic = "new_thread_in_topic"
    /// To the thread's author: a mentor was linked to their thread.
    case mentorLinked = "mentor_linked"
    /// To the mentor: they were linked to a thread.
    case mentorRequested = "mentor_requested"
    case moderation
    /// To admins: a post waits for approval (issue 18).
    case postHeld = "post_held"
    /// To the author: a moderator approved their held post.
    case postApproved = "post_approved"
    /// To the author: a moderator hid their post.
    case postHidden = "post_hidden"
    /// To whoever asked a mentor to a thread: the mentor declined (with their note, if any).
    case mentorDeclined = "mentor_declined"
    /// To admins: a member asked to be confirmed as a member of an organisation.
    case organisationRequested = "organisation_requested"
    /// To the member: an admin confirmed their organisation.
    case organisationConfirmed = "organisation_confirmed"
    /// To the member: an admin did not confirm their organisation.
    case organisationDeclined = "organisation_declined"
    /// To admins: a member asked them to link a mentor to the pathfinder of a private thread.
    case mentorWanted = "mentor_wanted"

    /// The settings page's words for the kind.
    public var label: String {
        switch self {
        case .reply: "Replies in threads you started or follow"
        case .mention: "Someone mentions you (@your-handle)"
        case .accepted: "Your reply is accepted as the answer"
        case .newThreadInTopic: "New threads in topics you follow"
        case .mentorLinked: "A mentor is linked to your thread"
        case .mentorRequested: "You are linked to a thread as a mentor"
        case .moderation: "A moderator acts on your post"
        case .postHeld: "A post waits for approval (admins)"
        case .postApproved: "A moderator approves your post"
        case .postHidden: "A moderator hides your post"
        case .mentorDeclined: "A mentor you asked declines"
        case .organisationRequested: "A member asks to join an organisation (admins)"
        case .organisationConfirmed: "An admin confirms your organisation"
        case .organisationDeclined: "An admin does not confirm your organisation"
        case .mentorWanted: "A member asks for a mentor for their pathfinder (admins)"
        }
    }

    /// Kinds only admins receive, so the settings page offers them only to admins.
    public var isForAdmins: Bool { self == .postHeld || self == .organisationRequested || self == .mentorWanted }
}

/// One notification as the list shows it.
public struct NotificationItem: RowDecodable, Sendable {
    public let id: Int64
    public let kind: NotificationKind
    public let threadID: Int64?
    public let threadSlug: String?
    public let threadTitle: String?
    public let postID: Int64?
    public let postPosition: Int?
    public let actorName: String?
    /// A declining mentor's note to the asker (`mentor_declined`); empty otherwise.
    public let note: String
    /// The organisation the notification is about (`organisation_*`; for `mentor_wanted`, the
    /// thread's pathfinder), by name and slug.
    public let organisationName: String?
    public let organisationSlug: String?
    /// The mentor a member suggested (`mentor_wanted`), if they named one.
    public let mentorHandle: String?
    public let mentorName: String?
    /// For `organisation_declined`: the organisation the member is confirmed in now (the one
    /// they kept), or nil when they have none. Only the list reads it (not the mail's query).
    public let keptOrganisationName: String?
    public let createdAt: Date
    public let read: Bool
    /// A short plain-text excerpt of the post it is about (`Markdown.excerpt`), if any.
    public let excerpt: String?
    /// For a post a moderator deleted for good (`moderation`, no post): the reason they logged.
    public let deletionReason: String?

    public init(row: Row) throws {
        id = try row["id"]
        let kind: String = try row["kind"]
        self.kind = NotificationKind(rawValue: kind) ?? .reply
        threadID = try row["thread_id"]
        threadSlug = try row["thread_slug"]
        threadTitle = try row["thread_title"]
        postID = try row["post_id"]
        postPosition = try row["post_position"]
        actorName = try row["actor_name"]
        let note: String? = try row["note"]
        self.note = note ?? ""
        organisationName = try row["organisation_name"]
        organisationSlug = try row["organisation_slug"]
        mentorHandle = try row["mentor_handle"]
        mentorName = try row["mentor_name"]
        keptOrganisationName = (0..<row.columnCount).contains { row.columnName($0) == "kept_organisation_name" }
            ? try row["kept_organisation_name"] : nil
        createdAt = try row["created_at"]
        read = try row["read"]
        let markdown: String? = try row["post_markdown"]
        excerpt = markdown.map { Markdown.excerpt($0) }.flatMap { $0.isEmpty ? nil : $0 }
        deletionReason = try row["deletion_reason"]
    }
}

/// Records notifications inside the write transaction of the action that causes them, and reads
/// them back. Every recording function notifies only people who may read the thread (checked in
/// the SQL, from the recipient's organisation, role and mentorships), never the actor, never
/// someone who turned the kind off, and never about a thread they muted.
///
/// Posting code calls: `recordThreadStarted` (Threads.create), `recordReply` (Threads.reply),
/// `recordAnswerAccepted` (Threads.acceptAnswer); mentor linking calls `recordMentorLinked`;
/// moderation calls `recordModeration` — each from within its own `store.write`.
public enum Notifications {
    /// The recipient `r.user_id` may read thread `?1`: the one visibility rule (`Visibility`).
    static let recipientMayRead = """
        EXISTS (SELECT 1 FROM threads t JOIN users u ON u.id = r.user_id
                WHERE t.id = ?1 AND \(Visibility.threadReadableByRecipient))
        """
    /// The recipient has not muted thread `?1`.
    static let notMuted = """
        NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = r.user_id AND s.thread_id = ?1 AND s.muted = 1)
        """

    /// The handles a post mentions (`@handle`), at most 20, without duplicates.
    public static func mentionedHandles(in body: String) -> [String] {
        var handles: [String] = []
        let scalars = Array(body.unicodeScalars)
        var index = 0
        while index < scalars.count {
            defer { index += 1 }
            guard scalars[index] == "@" else { continue }
            if index > 0, isHandleScalar(scalars[index - 1]) { continue }  // an e-mail address
            var end = index + 1
            while end < scalars.count, isHandleScalar(scalars[end]) { end += 1 }
            let length = end - index - 1
            if (2...30).contains(length) {
                let handle = String(String.UnicodeScalarView(scalars[(index + 1)..<end])).lowercased()
                if !handles.contains(handle) { handles.append(handle) }
                if handles.count == 20 { break }
            }
            index = end - 1
        }
        return handles
    }

    static func isHandleScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
    }

    static func jsonArray(_ handles: [String]) -> String {
        // Handles hold only ASCII letters, digits and underscores: nothing to escape.
        "[" + handles.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    /// A new thread: its author follows it; followers of its topics hear about it. While its
    /// opening post awaits approval nobody else may read it, so nobody hears (`recipientMayRead`);
    /// `Moderation.decide` calls `recordThreadApproved` when an admin approves it.
    public static func recordThreadStarted(_ tx: Connection, threadID: Int64, postID: Int64, authorID: Int64,
                                           body: String, now: Date) throws {
        try Subscriptions.follow(tx, userID: authorID, threadID: threadID, now: now)
        try announceThread(tx, threadID: threadID, postID: postID, authorID: authorID, body: body, now: now)
    }

    /// A thread held for approval has been approved: those its opening post mentions and the
    /// followers of its topics hear about it now, as they would have when it was started.
    public static func recordThreadApproved(_ tx: Connection, threadID: Int64, postID: Int64, now: Date) throws {
        struct Opening: RowDecodable {
            let authorID: Int64, markdown: String
            init(row: Row) throws { authorID = try row["author_id"]; markdown = try row["body_markdown"] }
        }
        guard let post = try tx.queryOne(Opening.self, """
            SELECT author_id, body_markdown FROM posts WHERE id = ? AND thread_id = ? AND position = 1
            """, postID, threadID) else { return }
        try announceThread(tx, threadID: threadID, postID: postID, authorID: post.authorID, body: post.markdown, now: now)
    }

    /// Mentions and `new_thread_in_topic` for a thread's opening post.
    static func announceThread(_ tx: Connection, threadID: Int64, postID: Int64, authorID: Int64,
                               body: String, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        let mentions = jsonArray(mentionedHandles(in: body))
        try recordMentions(tx, threadID: threadID, postID: postID, authorID: authorID, mentions: mentions, now: now)
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, 'new_thread_in_topic', ?1, ?2, ?3, ?4
            FROM (SELECT DISTINCT s.user_id FROM subscriptions s JOIN thread_topics tt ON tt.topic_id = s.topic_id
                  WHERE tt.thread_id = ?1 AND s.muted = 0) r
            WHERE r.user_id <> ?3
              AND r.user_id NOT IN (SELECT id FROM users WHERE handle IN (SELECT value FROM json_each(?5)))
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'new_thread_in_topic')
              AND \(recipientMayRead)
            """, threadID, postID, authorID, now, mentions)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// A reply: its author follows the thread; those it mentions, the thread's author and its
    /// followers hear about it. A reply held for approval reaches nobody yet (nobody else may
    /// read it): `Moderation.decide` calls `recordReplyApproved` when an admin approves it.
    public static func recordReply(_ tx: Connection, threadID: Int64, postID: Int64, authorID: Int64,
                                   body: String, now: Date) throws {
        try Subscriptions.follow(tx, userID: authorID, threadID: threadID, now: now)
        guard try tx.scalar(Bool.self, "SELECT held_for_approval FROM posts WHERE id = ?", postID) != true else { return }
        try announceReply(tx, threadID: threadID, postID: postID, authorID: authorID, body: body, now: now)
    }

    /// A reply held for approval has been approved: those it mentions, the thread's author and
    /// its followers hear about it now, as they would have when it was written.
    public static func recordReplyApproved(_ tx: Connection, postID: Int64, now: Date) throws {
        struct Reply: RowDecodable {
            let threadID: Int64, authorID: Int64, markdown: String
            init(row: Row) throws { threadID = try row["thread_id"]; authorID = try row["author_id"]; markdown = try row["body_markdown"] }
        }
        guard let reply = try tx.queryOne(Reply.self, """
            SELECT thread_id, author_id, body_markdown FROM posts WHERE id = ? AND position > 1
            """, postID) else { return }
        try announceReply(tx, threadID: reply.threadID, postID: postID, authorID: reply.authorID, body: reply.markdown, now: now)
    }

    /// Mentions and `reply` notifications for a reply.
    static func announceReply(_ tx: Connection, threadID: Int64, postID: Int64, authorID: Int64,
                              body: String, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        let mentions = jsonArray(mentionedHandles(in: body))
        try recordMentions(tx, threadID: threadID, postID: postID, authorID: authorID, mentions: mentions, now: now)
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, 'reply', ?1, ?2, ?3, ?4
            FROM (SELECT user_id FROM subscriptions WHERE thread_id = ?1 AND muted = 0
                  UNION SELECT author_id FROM threads WHERE id = ?1) r
            WHERE r.user_id <> ?3
              AND r.user_id NOT IN (SELECT id FROM users WHERE handle IN (SELECT value FROM json_each(?5)))
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'reply')
              AND \(notMuted) AND \(recipientMayRead)
            """, threadID, postID, authorID, now, mentions)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    static func recordMentions(_ tx: Connection, threadID: Int64, postID: Int64, authorID: Int64,
                               mentions: String, now: Date) throws {
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, 'mention', ?1, ?2, ?3, ?4
            FROM (SELECT id AS user_id FROM users WHERE handle IN (SELECT value FROM json_each(?5))) r
            WHERE r.user_id <> ?3
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'mention')
              AND \(recipientMayRead)
            """, threadID, postID, authorID, now, mentions)
    }

    /// The author of `postID` hears that it was accepted as the answer (by `actorID`).
    public static func recordAnswerAccepted(_ tx: Connection, threadID: Int64, postID: Int64, actorID: Int64, now: Date) throws {
        try recordToPostAuthor(tx, kind: .accepted, threadID: threadID, postID: postID, actorID: actorID, now: now)
    }

    /// A moderator (`actorID`) acted on `postID`: its author hears about it, as `kind`
    /// (`postApproved`, `postHidden`, or `moderation` for other decisions).
    public static func recordModeration(_ tx: Connection, threadID: Int64, postID: Int64, actorID: Int64,
                                        kind: NotificationKind = .moderation, now: Date) throws {
        try recordToPostAuthor(tx, kind: kind, threadID: threadID, postID: postID, actorID: actorID, now: now)
    }

    /// A moderator (`actorID`) is deleting `postID` for good: its author hears about it, as
    /// `moderation` with no post (the notification outlives it) and the log entry `logEntryID`
    /// as its subject, so the list can say why. Call before the post is deleted.
    static func recordPostDeleted(_ tx: Connection, postID: Int64, actorID: Int64, logEntryID: Int64, now: Date) throws {
        guard let threadID = try tx.scalar(Int64.self, "SELECT thread_id FROM posts WHERE id = ?", postID) else { return }
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at, subject_id)
            SELECT r.user_id, 'moderation', ?1, NULL, ?3, ?4, ?5
            FROM (SELECT author_id AS user_id FROM posts WHERE id = ?2) r
            WHERE r.user_id <> ?3
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'moderation')
              AND \(recipientMayRead)
            """, threadID, postID, actorID, now, logEntryID)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// `postID` by `authorID` waits for approval: every admin hears about it (admins may read
    /// held posts under the one rule, which `recipientMayRead` still checks).
    public static func recordPostHeld(_ tx: Connection, postID: Int64, authorID: Int64, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        guard let threadID = try tx.scalar(Int64.self, "SELECT thread_id FROM posts WHERE id = ?", postID) else { return }
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, 'post_held', ?1, ?2, ?3, ?4
            FROM (SELECT id AS user_id FROM users WHERE role = 'admin' AND deleted_at IS NULL) r
            WHERE r.user_id <> ?3
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'post_held')
              AND \(recipientMayRead)
            """, threadID, postID, authorID, now)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// `mentorID` declined `threadID`: whoever asked them (the thread's author or an admin)
    /// hears about it, with the mentor's note (read from `thread_mentors` when listed), if they
    /// may still read the thread.
    public static func recordMentorDeclined(_ tx: Connection, threadID: Int64, mentorID: Int64, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, 'mentor_declined', ?1, NULL, ?2, ?3
            FROM (SELECT coalesce(tm.requested_by, t.author_id) AS user_id FROM thread_mentors tm
                  JOIN threads t ON t.id = tm.thread_id WHERE tm.thread_id = ?1 AND tm.mentor_id = ?2) r
            WHERE r.user_id <> ?2
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'mentor_declined')
              AND \(recipientMayRead)
            """, threadID, mentorID, now)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// `memberID` asked to be confirmed as a member of their (new) organisation: every admin
    /// hears about it. No thread is involved, so the one visibility rule has nothing to check;
    /// who may confirm is `Policy`'s `manageOrganisations` (admins).
    public static func recordOrganisationRequested(_ tx: Connection, memberID: Int64, organisationID: Int64, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at, subject_id)
            SELECT r.user_id, 'organisation_requested', NULL, NULL, ?1, ?2, ?3
            FROM (SELECT id AS user_id FROM users WHERE role = 'admin' AND deleted_at IS NULL) r
            WHERE r.user_id <> ?1
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'organisation_requested')
            """, memberID, now, organisationID)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// `askerID` asked the admins to link a mentor (`mentorID`, or any) to the pathfinder of the
    /// private thread `threadID`: every admin who may read the thread hears about it.
    public static func recordMentorWanted(_ tx: Connection, threadID: Int64, askerID: Int64, mentorID: Int64?, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at, subject_id)
            SELECT r.user_id, 'mentor_wanted', ?1, NULL, ?2, ?3, ?4
            FROM (SELECT id AS user_id FROM users WHERE role = 'admin' AND deleted_at IS NULL) r
            WHERE r.user_id <> ?2
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = 'mentor_wanted')
              AND \(recipientMayRead)
            """, threadID, askerID, now, mentorID)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// An admin (`actorID`) answered `memberID`'s organisation request: the member hears which way.
    public static func recordOrganisationDecided(_ tx: Connection, memberID: Int64, organisationID: Int64, confirmed: Bool,
                                                 actorID: Int64, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        let kind: NotificationKind = confirmed ? .organisationConfirmed : .organisationDeclined
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at, subject_id)
            SELECT ?1, ?2, NULL, NULL, ?3, ?4, ?5
            WHERE ?1 <> ?3 AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = ?1 AND ns.kind = ?2)
              AND EXISTS (SELECT 1 FROM users WHERE id = ?1 AND deleted_at IS NULL)
            """, memberID, kind.rawValue, actorID, now, organisationID)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    static func recordToPostAuthor(_ tx: Connection, kind: NotificationKind, threadID: Int64, postID: Int64,
                                   actorID: Int64, now: Date) throws {
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, ?5, ?1, ?2, ?3, ?4
            FROM (SELECT author_id AS user_id FROM posts WHERE id = ?2 AND thread_id = ?1) r
            WHERE r.user_id <> ?3
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = ?5)
              AND \(recipientMayRead)
            """, threadID, postID, actorID, now, kind.rawValue)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    /// `mentorID` was linked to `threadID` by `actorID`: the thread's author and the mentor hear about it.
    public static func recordMentorLinked(_ tx: Connection, threadID: Int64, mentorID: Int64, actorID: Int64, now: Date) throws {
        try adminWorkDone(tx, .mentorForThread(threadID), now: now)
        let mark = try NotificationMail.mark(tx)  // issue 15: mail in the same transaction
        try tx.run("""
            INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at)
            SELECT r.user_id, r.kind, ?1, NULL, ?3, ?4
            FROM (SELECT author_id AS user_id, 'mentor_linked' AS kind FROM threads WHERE id = ?1
                  UNION SELECT ?2, 'mentor_requested') r
            WHERE r.user_id <> ?3
              AND NOT EXISTS (SELECT 1 FROM notification_settings ns WHERE ns.user_id = r.user_id AND ns.kind = r.kind)
              AND \(recipientMayRead)
            """, threadID, mentorID, actorID, now)
        try NotificationMail.queueImmediate(tx, since: mark, now: now)
    }

    // MARK: admin work done

    /// Work that waits for an admin, as the admins' notifications of it name it.
    public enum AdminWork: Sendable, Equatable {
        /// A post held for approval (`post_held`), decided on in the queue.
        case post(Int64)
        /// A member's organisation request (`organisation_requested`), answered or withdrawn.
        case membership(userID: Int64)
        /// A request to link a mentor (`mentor_wanted`) about this thread: a mentor was linked to it.
        case mentorForThread(Int64)
        /// Requests to link a mentor (`mentor_wanted`) about threads of this organisation: a
        /// mentorship with it started.
        case mentorForOrganisation(Int64)
    }

    /// The one place that marks work done for every admin (issue 18): each action that
    /// resolves it calls this in its write transaction, so the notifications stop counting as
    /// new for all admins, not only for the one who acted.
    public static func adminWorkDone(_ tx: Connection, _ work: AdminWork, now: Date) throws {
        let unread = "UPDATE notifications SET read_at = ?1 WHERE read_at IS NULL AND "
        switch work {
        case .post(let postID):
            try tx.run(unread + "kind = 'post_held' AND post_id = ?2", now, postID)
        case .membership(let userID):
            try tx.run(unread + "kind = 'organisation_requested' AND actor_id = ?2", now, userID)
        case .mentorForThread(let threadID):
            try tx.run(unread + "kind = 'mentor_wanted' AND thread_id = ?2", now, threadID)
        case .mentorForOrganisation(let organisationID):
            try tx.run(unread + """
                kind = 'mentor_wanted' AND thread_id IN (SELECT id FROM threads WHERE organisation_id = ?2)
                """, now, organisationID)
        }
    }

    // MARK: reading and marking

    /// Notification `n` (joined to its recipient `u`) is about something `u` may read now: the one
    /// visibility rule applied when the list is read, not only when the notification was made,
    /// since access can end (a thread moved into a private space or hidden, a mentorship ended, a
    /// role changed, a post held or hidden).
    ///
    /// A notification of a role's work is for the role's holders only (`stillTheirWork`): a
    /// mentor made a member again no longer hears they were linked to a thread (they were taken
    /// off it, `Moderation.applyRoleChange`), and an admin made a member no longer sees held
    /// posts, membership requests or mentor requests, in the list, the count or the mail.
    static let stillReadable = """
        (n.thread_id IS NULL OR EXISTS (SELECT 1 FROM threads t WHERE t.id = n.thread_id
                                        AND \(Visibility.threadReadableByRecipient)))
        AND (n.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p WHERE p.id = n.post_id
                                          AND \(Visibility.postTextReadable(by: Visibility.userRow("u")))))
        AND \(stillTheirWork)
        """

    /// Notification `n` (recipient `u`) about a role's work is still for them: "you were linked
    /// as a mentor" while they are a mentor still linked to the thread (or who declined it);
    /// the admins' kinds while they may act as an admin (not, where two-factor is required,
    /// before they turn it on: their requests act as a member's).
    static let stillTheirWork = """
        (n.kind <> 'mentor_requested' OR (u.role = 'mentor' AND EXISTS (SELECT 1 FROM thread_mentors tm
                                          WHERE tm.thread_id = n.thread_id AND tm.mentor_id = n.user_id)))
        AND (n.kind NOT IN (\(adminKinds)) OR \(Actor.actsAsAdminSQL("u")))
        """

    /// For a `moderation` notification about a post deleted for good (`recordPostDeleted`: no
    /// post, the log entry as subject), the reason logged; NULL otherwise.
    static let deletionReason = """
        CASE WHEN n.kind = 'moderation' AND n.post_id IS NULL AND n.subject_id IS NOT NULL
             THEN (SELECT ml.reason FROM moderation_log ml WHERE ml.id = n.subject_id AND ml.action = 'reject_post') END
        """

    /// The kinds only admins are sent.
    static let adminKinds = [NotificationKind.postHeld, .organisationRequested, .mentorWanted]
        .map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// Unread notifications of `userID` that they may still read.
    public static func unreadCount(_ conn: Connection, userID: Int64) throws -> Int {
        try conn.scalar(Int.self, """
            SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
            WHERE n.user_id = ?1 AND n.read_at IS NULL AND \(stillReadable)
            """, userID) ?? 0
    }

    /// The newest notifications of `userID` about threads and posts they may still read.
    public static func list(_ conn: Connection, userID: Int64, limit: Int = 50) throws -> [NotificationItem] {
        try conn.query(NotificationItem.self, """
            SELECT n.id, n.kind, n.thread_id, t.slug AS thread_slug, t.title AS thread_title, n.post_id,
                   p.position AS post_position, a.display_name AS actor_name, n.created_at, n.read_at IS NOT NULL AS read,
                   CASE n.kind WHEN 'mentor_declined' THEN (SELECT tm.decline_note FROM thread_mentors tm
                                   WHERE tm.thread_id = n.thread_id AND tm.mentor_id = n.actor_id) END AS note,
                   o.name AS organisation_name, o.slug AS organisation_slug,
                   sm.handle AS mentor_handle, sm.display_name AS mentor_name,
                   CASE WHEN p.deleted_by_author = 0 THEN p.body_markdown END AS post_markdown,
                   \(deletionReason) AS deletion_reason,
                   CASE WHEN n.kind = 'organisation_declined' AND u.organisation_confirmed = 1
                        THEN (SELECT name FROM organisations WHERE id = u.organisation_id) END AS kept_organisation_name
            FROM notifications n
            JOIN users u ON u.id = n.user_id
            LEFT JOIN threads t ON t.id = n.thread_id
            LEFT JOIN posts p ON p.id = n.post_id
            LEFT JOIN users a ON a.id = n.actor_id
            LEFT JOIN organisations o ON o.id = CASE WHEN n.kind LIKE 'organisation_%' THEN n.subject_id
                                                     WHEN n.kind = 'mentor_wanted' THEN t.organisation_id END
            LEFT JOIN users sm ON sm.id = n.subject_id AND n.kind = 'mentor_wanted' AND sm.role = 'mentor'
            WHERE n.user_id = ?1 AND \(stillReadable)
            ORDER BY n.created_at DESC, n.id DESC LIMIT ?2
            """, userID, limit)
    }

    /// Marks one of `userID`'s notifications read; false when it is not theirs.
    @discardableResult
    public static func markRead(_ tx: Connection, userID: Int64, id: Int64, now: Date) throws -> Bool {
        try tx.run("UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", now, id, userID)
        return try tx.scalar(Int.self, "SELECT count(*) FROM notifications WHERE id = ? AND user_id = ?", id, userID) == 1
    }

    /// `userID` opened thread `threadID` and saw the posts `shownPostIDs`: their notifications
    /// about those posts, and those about the thread itself (a mentor linked), are read.
    /// - Returns: how many were marked.
    @discardableResult
    public static func markReadOnOpening(_ tx: Connection, userID: Int64, threadID: Int64, shownPostIDs: [Int64], now: Date) throws -> Int {
        let ids = "[" + shownPostIDs.map(String.init).joined(separator: ",") + "]"
        try tx.run("""
            UPDATE notifications SET read_at = ?1
            WHERE user_id = ?2 AND read_at IS NULL AND thread_id = ?3
              AND (post_id IS NULL OR post_id IN (SELECT value FROM json_each(?4)))
            """, now, userID, threadID, ids)
        return tx.changes
    }

    public static func markAllRead(_ tx: Connection, userID: Int64, now: Date) throws {
        try tx.run("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", now, userID)
    }

    /// The kinds `userID` has turned off.
    public static func disabledKinds(_ conn: Connection, userID: Int64) throws -> Set<NotificationKind> {
        Set(try conn.column(String.self, "SELECT kind FROM notification_settings WHERE user_id = ?", userID)
            .compactMap(NotificationKind.init(rawValue:)))
    }

    /// Turns on exactly `enabled` kinds for `userID`.
    public static func setEnabledKinds(_ tx: Connection, userID: Int64, enabled: Set<NotificationKind>) throws {
        try tx.run("DELETE FROM notification_settings WHERE user_id = ?", userID)
        for kind in NotificationKind.allCases where !enabled.contains(kind) {
            try tx.run("INSERT INTO notification_settings(user_id, kind) VALUES (?, ?)", userID, kind.rawValue)
        }
    }
}
