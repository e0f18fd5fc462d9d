import Database
import Foundation

/// One thing wrong with what someone typed, for a GOV.UK error summary and the inline message.
public struct FieldProblem: Sendable, Equatable {
    /// The form field's name: `title`, `body`, `topics`, `space`, `briefingItem`.
    public let field: String
    public let message: String
}

/// What was typed does not meet the limits; every problem found, in field order.
public struct PostValidationError: Error, Sendable, Equatable {
    public let problems: [FieldProblem]
}

/// Why a posting action was refused (beyond what was typed).
public enum PostingError: Error, Sendable, Equatable {
    case signInRequired
    case suspended
    /// The thread does not exist or the actor may not read it (the page answers 404).
    case threadNotFound
    /// The post does not exist, is not in the thread, or the actor may not read it.
    case postNotFound
    case threadLocked
    /// The actor may not post in that space (not a member of the organisation).
    case spaceNotAllowed
    /// Only the author may edit or delete a post; only the thread's author or an admin may accept an answer.
    case notPermitted
    /// The post was deleted by its author, or hidden, and cannot be changed or accepted.
    case postRemoved
    /// The opening post cannot be the answer to its own question.
    case cannotAcceptOpeningPost
    /// The thread is in slow mode and the actor replied too recently.
    case slowMode(secondsLeft: Int)
    /// `Policy` refused, with its reason.
    case refused(String)
}

/// Where a new thread lives.
public enum ThreadSpace: Sendable, Equatable {
    case network
    /// Private to the organisation, its linked mentors and admins.
    case organisation(Int64)
}

/// A new thread as typed.
public struct NewThread: Sendable {
    public var title: String
    public var body: String
    public var topicSlugs: [String]
    public var space: ThreadSpace
    public var briefingItemID: Int64?

    public init(title: String, body: String, topicSlugs: [String], space: ThreadSpace = .network, briefingItemID: Int64? = nil) {
        self.title = title
        self.body = body
        self.topicSlugs = topicSlugs
        self.space = space
        self.briefingItemID = briefingItemID
    }
}

/// The limits on what people type, checked after trimming and Unicode NFC normalisation.
/// Lengths are counted in Unicode scalars, as SQLite's `length()` in the schema's CHECKs counts.
public enum PostLimits {
    public static let titleLength = 8...150
    /// Issue 5's limit; migration 4 raised the schema's CHECKs (posts, revisions, drafts) to match.
    public static let bodyLength = 1...50_000
    public static let topicCount = 1...3

    /// `text` trimmed of surrounding whitespace and normalised to NFC.
    public static func normalise(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
    }

    /// 20000 → "20,000".
    static func grouped(_ number: Int) -> String {
        var digits = String(number)
        var result = ""
        while digits.count > 3 {
            result = "," + digits.suffix(3) + result
            digits.removeLast(3)
        }
        return digits + result
    }

    static func titleProblem(_ title: String) -> FieldProblem? {
        let length = title.unicodeScalars.count
        if length == 0 { return FieldProblem(field: "title", message: "Enter a title") }
        if length < titleLength.lowerBound {
            return FieldProblem(field: "title", message: "Title must be \(titleLength.lowerBound) characters or more")
        }
        if length > titleLength.upperBound {
            return FieldProblem(field: "title", message: "Title must be \(titleLength.upperBound) characters or fewer")
        }
        return nil
    }

    static func bodyProblem(_ body: String) -> FieldProblem? {
        let length = body.unicodeScalars.count
        if length < bodyLength.lowerBound { return FieldProblem(field: "body", message: "Enter your message") }
        if length > bodyLength.upperBound {
            return FieldProblem(field: "body", message: "Your message must be \(grouped(bodyLength.upperBound)) characters or fewer")
        }
        return nil
    }
}

/// The posting flows: start a thread, reply, edit (keeping revisions), delete your own post,
/// mark the answer. Each checks its rules and writes in one transaction; bodies are rendered by
/// `Markdown` and stored with its version.
public enum Threads {
    /// Whether a new thread may be about briefing item `id`: it exists and is not retired. The
    /// one rule for starting a thread about an item, and for restoring one a draft kept.
    static func isOpenBriefingItem(_ conn: Connection, _ id: Int64) throws -> Bool {
        try conn.scalar(Int.self, "SELECT count(*) FROM briefing_items WHERE id = ? AND retired = 0", id) != 0
    }

    /// A thread's title and topics as its author (or an admin) may change them.
    public struct Details: Sendable, Equatable {
        public let threadID: Int64
        public let title: String
        public let slug: String
        public let topicSlugs: [String]
    }

    /// The title and topics of a thread `actor` may change (Policy `.editThread`).
    /// - Throws: `PostingError.threadNotFound` when they may not read it, `.refused` otherwise.
    public static func details(_ conn: Connection, actor: Actor, threadID: Int64) throws -> Details {
        guard let state = try Resource.ThreadState.load(conn, id: threadID) else { throw PostingError.threadNotFound }
        switch Policy.decide(actor, .editThread, .thread(state)) {
        case .allowed: break
        case .notFound: throw PostingError.threadNotFound
        case .denied(let reason): throw PostingError.refused(reason)
        }
        struct Row2: RowDecodable {
            let title: String, slug: String
            init(row: Row) throws { title = try row["title"]; slug = try row["slug"] }
        }
        guard let thread = try conn.queryOne(Row2.self, "SELECT title, slug FROM threads WHERE id = ?", threadID) else {
            throw PostingError.threadNotFound
        }
        let topics = try conn.column(String.self, """
            SELECT tp.slug FROM thread_topics tt JOIN topics tp ON tp.id = tt.topic_id WHERE tt.thread_id = ? ORDER BY tp.position, tp.name
            """, threadID)
        return Details(threadID: threadID, title: thread.title, slug: thread.slug, topicSlugs: topics)
    }

    /// Its author (or an admin) fixes a thread's title and topics: not while it is locked or
    /// hidden (Policy `.editThread`). Each change is logged as an admin's rename or retag is
    /// (`rename_thread`, `retag_thread`; "By its author" when the author made it), in the same
    /// transaction; the slug follows the title, so old links redirect.
    /// - Returns: the thread's slug afterwards.
    /// - Throws: `PostValidationError` for what was typed, `PostingError` when refused.
    @discardableResult
    public static func editDetails(_ store: Store, by actor: Actor, threadID: Int64, title: String, topicSlugs: [String],
                                   now: Date = Date()) throws -> String {
        let title = PostLimits.normalise(title)
        var slugs: [String] = []
        for slug in topicSlugs where !slugs.contains(slug) { slugs.append(slug) }
        var problems: [FieldProblem] = []
        if let problem = PostLimits.titleProblem(title) { problems.append(problem) }
        if slugs.count < PostLimits.topicCount.lowerBound {
            problems.append(FieldProblem(field: "topics", message: "Select at least one topic"))
        } else if slugs.count > PostLimits.topicCount.upperBound {
            problems.append(FieldProblem(field: "topics", message: "Select no more than \(PostLimits.topicCount.upperBound) topics"))
        }
        let knownProblems = problems
        let chosen = slugs
        return try store.write { tx in
            guard let actorID = actor.userID else { throw PostingError.signInRequired }
            let before = try details(tx, actor: actor, threadID: threadID)
            var problems = knownProblems
            var topicIDs: [Int64] = []
            for slug in chosen {
                if let id = try tx.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ? AND retired = 0", slug) {
                    topicIDs.append(id)
                } else if before.topicSlugs.contains(slug), let id = try tx.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ?", slug) {
                    topicIDs.append(id)  // a retired topic the thread already has may stay
                } else if !problems.contains(where: { $0.field == "topics" }) {
                    problems.append(FieldProblem(field: "topics", message: "Select topics from the list"))
                }
            }
            if !problems.isEmpty { throw PostValidationError(problems: problems) }
            let authorID = try tx.scalar(Int64.self, "SELECT author_id FROM threads WHERE id = ?", threadID)
            let reason = actorID == authorID ? "By its author" : ""
            var slug = before.slug
            if title != before.title {
                slug = Slug.make(title)
                try tx.run("UPDATE threads SET title = ?, slug = ? WHERE id = ?", title, slug, threadID)
                try Moderation.appendLog(tx, actorID: actorID, .renameThread, target: "thread", threadID, reason: reason,
                                         renamed: (before.title, title), now: now)
            }
            if Set(chosen) != Set(before.topicSlugs) {
                try tx.run("DELETE FROM thread_topics WHERE thread_id = ?", threadID)
                for id in topicIDs { try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", threadID, id) }
                try Moderation.appendLog(tx, actorID: actorID, .retagThread, target: "thread", threadID,
                                         reason: try Moderation.topicsReason(tx, slugs: chosen) + (reason.isEmpty ? "" : ": \(reason)"), now: now)
            }
            return slug
        }
    }

    /// Starts a thread with its opening post.
    /// - Returns: the new thread's id and the opening post's id.
    /// - Throws: `PostValidationError` for what was typed; `PostingError` for who is asking.
    @discardableResult
    public static func create(_ store: Store, by actor: Viewer, _ draft: NewThread, now: Date = Date()) throws -> (thread: Int64, post: Int64) {
        guard let userID = actor.userID else { throw PostingError.signInRequired }
        let title = PostLimits.normalise(draft.title)
        let body = PostLimits.normalise(draft.body)
        var slugs: [String] = []
        for slug in draft.topicSlugs where !slugs.contains(slug) { slugs.append(slug) }
        var problems: [FieldProblem] = []
        if let problem = PostLimits.titleProblem(title) { problems.append(problem) }
        if let problem = PostLimits.bodyProblem(body) { problems.append(problem) }
        if slugs.count < PostLimits.topicCount.lowerBound {
            problems.append(FieldProblem(field: "topics", message: "Select at least one topic"))
        } else if slugs.count > PostLimits.topicCount.upperBound {
            problems.append(FieldProblem(field: "topics", message: "Select no more than \(PostLimits.topicCount.upperBound) topics"))
        }
        let html = Markdown.render(body)
        let topicSlugs = slugs
        let briefingItemID = draft.briefingItemID
        let organisationID: Int64? = if case .organisation(let id) = draft.space { id } else { nil }
        let knownProblems = problems
        return try store.write { tx in
            try checkMayPost(tx, userID: userID, now: now)
            var problems = knownProblems
            var topicIDs: [Int64] = []
            for slug in topicSlugs {
                if let id = try tx.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ? AND retired = 0", slug) {
                    topicIDs.append(id)
                } else if !problems.contains(where: { $0.field == "topics" }) {
                    problems.append(FieldProblem(field: "topics", message: "Select topics from the list"))
                }
            }
            if let briefingItemID, try !isOpenBriefingItem(tx, briefingItemID) {
                problems.append(FieldProblem(field: "briefingItem", message: "Select a briefing item from the list"))
            }
            // A private space takes threads from those who may read it: the organisation's
            // members, its linked mentors and admins.
            if let organisationID {
                guard try PrivateSpaces.exists(tx, id: organisationID),
                      try PageQueries.canReadSpace(tx, organisationID: organisationID, viewer: actor) else {
                    throw PostingError.spaceNotAllowed
                }
            }
            if !problems.isEmpty { throw PostValidationError(problems: problems) }
            if let earlier = try sameThreadSent(tx, authorID: userID, title: title, body: body, organisationID: organisationID, now: now) {
                return earlier
            }
            try tx.run("""
                INSERT INTO threads(title, slug, author_id, organisation_id, briefing_item_id, created_at, last_activity_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, title, Slug.make(title), userID, organisationID, briefingItemID, now, now)
            let threadID = tx.lastInsertedRowID
            for topicID in topicIDs {
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", threadID, topicID)
            }
            let postID = try insertPost(tx, threadID: threadID, authorID: userID, markdown: body, html: html, replyTo: nil, at: now)
            try Notifications.recordThreadStarted(tx, threadID: threadID, postID: postID, authorID: userID, body: body, now: now)  // issue 8
            return (threadID, postID)
        }
    }

    /// Adds a reply at the end of a thread the actor may read.
    /// - Parameter replyTo: the post being answered or quoted; it must be in the same thread and
    ///   its text one the actor may read (`Visibility`), or the reply is refused (`.postNotFound`).
    /// - Returns: the new post's id.
    @discardableResult
    public static func reply(_ store: Store, by actor: Viewer, threadID: Int64, body: String, replyTo: Int64? = nil,
                             now: Date = Date()) throws -> Int64 {
        guard let userID = actor.userID else { throw PostingError.signInRequired }
        let body = PostLimits.normalise(body)
        if let problem = PostLimits.bodyProblem(body) { throw PostValidationError(problems: [problem]) }
        let html = Markdown.render(body)
        return try store.write { tx in
            try checkMayPost(tx, userID: userID, now: now)
            // Privacy in the query (the one visibility rule); then the reply rule itself, the one
            // the thread page's form was offered by (`Policy.replyRefusal`), on the thread as it is now.
            guard try tx.scalar(Int.self, "SELECT 1 FROM threads t WHERE t.id = ?4 AND \(PageQueries.visible)",
                                arguments: PageQueries.viewerArguments(actor) + [threadID]) != nil,
                  let thread = try Resource.ThreadState.load(tx, id: threadID) else { throw PostingError.threadNotFound }
            if let refusal = Policy.replyRefusal(thread, byAdmin: actor.isAdmin) { throw PostingError.refused(refusal) }
            // Before slow mode: the second of a double submit would be refused by the first.
            if let earlier = try sameReplySent(tx, threadID: threadID, authorID: userID, body: body, now: now) { return earlier }
            if !actor.isAdmin, let wait = try Moderation.slowModeWait(tx, threadID: threadID, userID: userID, now: now) {
                throw PostingError.slowMode(secondsLeft: Int(wait.rounded(.up)))
            }
            // The post answered must be in this thread and one the replier may read (the one
            // rule): not someone else's post held for approval, nor a hidden one (admins excepted).
            if let replyTo, try tx.scalar(Int.self, """
                SELECT count(*) FROM posts p WHERE p.id = ?4 AND p.thread_id = ?5 AND \(Visibility.postTextReadableByViewer)
                """, arguments: PageQueries.viewerArguments(actor) + [replyTo, threadID]) == 0 {
                throw PostingError.postNotFound
            }
            let postID = try insertPost(tx, threadID: threadID, authorID: userID, markdown: body, html: html, replyTo: replyTo, at: now)
            try Notifications.recordReply(tx, threadID: threadID, postID: postID, authorID: userID, body: body, now: now)  // issue 8
            return postID
        }
    }

    /// Changes the text of the actor's own post, keeping the previous text as a revision.
    /// An edit that changes nothing is not recorded.
    public static func edit(_ store: Store, by actor: Viewer, postID: Int64, body: String, now: Date = Date()) throws {
        guard let userID = actor.userID else { throw PostingError.signInRequired }
        let body = PostLimits.normalise(body)
        if let problem = PostLimits.bodyProblem(body) { throw PostValidationError(problems: [problem]) }
        let html = Markdown.render(body)
        try store.write { tx in
            try checkMayPost(tx, userID: userID, now: now)
            let post = try readablePost(tx, postID: postID, actor: actor)
            guard post.authorID == userID else { throw PostingError.notPermitted }
            guard !post.removed else { throw PostingError.postRemoved }
            if post.locked && !actor.isAdmin { throw PostingError.threadLocked }
            guard post.markdown != body else { return }
            try tx.run("INSERT INTO post_revisions(post_id, body_markdown, edited_by, created_at) VALUES (?, ?, ?, ?)",
                       postID, post.markdown, userID, now)
            try tx.run("UPDATE posts SET body_markdown = ?, body_html = ?, renderer_version = ?, edited_at = ? WHERE id = ?",
                       body, html, Markdown.version, now, postID)
        }
    }

    /// Deletes the actor's own post: it stays in place as a "deleted by its author" placeholder
    /// (its text kept for moderators), and stops being the accepted answer.
    public static func deleteOwn(_ store: Store, by actor: Viewer, postID: Int64) throws {
        guard let userID = actor.userID else { throw PostingError.signInRequired }
        try store.write { tx in
            let post = try readablePost(tx, postID: postID, actor: actor)
            guard post.authorID == userID else { throw PostingError.notPermitted }
            guard !post.deleted else { return }
            // The rule the page's Delete link was offered by (Policy `.deletePost`: not hidden,
            // not in a locked thread, not while suspended), asked here too, whoever calls.
            guard let account = try Accounts.account(tx, id: userID),
                  let state = try Resource.PostState.load(tx, id: postID) else { throw PostingError.postNotFound }
            switch Policy.decide(try Actor.load(tx, account: account), .deletePost, .post(state)) {
            case .allowed: break
            case .notFound: throw PostingError.postNotFound
            case .denied(let reason): throw PostingError.refused(reason)
            }
            try tx.run("UPDATE posts SET deleted_by_author = 1 WHERE id = ?", postID)
            try tx.run("UPDATE threads SET accepted_post_id = NULL WHERE id = ? AND accepted_post_id = ?", post.threadID, postID)
        }
    }

    /// Marks `postID` as the reply that answered the thread (nil clears it). Allowed to the
    /// thread's author and admins; the answer can be changed.
    public static func acceptAnswer(_ store: Store, by actor: Viewer, threadID: Int64, postID: Int64?) throws {
        guard let userID = actor.userID else { throw PostingError.signInRequired }
        try store.write { tx in
            // Marking an answer changes the thread: a suspended account may not (issue 16, 11a).
            try checkMayPost(tx, userID: userID, now: Date())
            guard let authorID = try tx.scalar(Int64.self, """
                SELECT t.author_id FROM threads t WHERE t.id = ?4 AND t.hidden = 0 AND \(PageQueries.visible)
                """, arguments: PageQueries.viewerArguments(actor) + [threadID]) else { throw PostingError.threadNotFound }
            guard authorID == userID || actor.isAdmin else { throw PostingError.notPermitted }
            if let postID {
                let post = try readablePost(tx, postID: postID, actor: actor)
                guard post.threadID == threadID else { throw PostingError.postNotFound }
                guard post.position > 1 else { throw PostingError.cannotAcceptOpeningPost }
                guard !post.removed else { throw PostingError.postRemoved }
            }
            try tx.run("UPDATE threads SET accepted_post_id = ? WHERE id = ?", postID, threadID)
            if let postID { try Notifications.recordAnswerAccepted(tx, threadID: threadID, postID: postID, actorID: userID, now: Date()) }  // issue 8
        }
    }

    /// The previous texts of a post the viewer may read, oldest first.
    public static func revisions(_ conn: Connection, postID: Int64, viewer: Viewer) throws -> [PostRevision] {
        _ = try readablePost(conn, postID: postID, actor: viewer)
        return try conn.query(PostRevision.self, """
            SELECT r.id, r.body_markdown, u.display_name AS edited_by, r.created_at FROM post_revisions r
            JOIN users u ON u.id = r.edited_by WHERE r.post_id = ? ORDER BY r.id
            """, postID)
    }

    /// The text of post `postID` in thread `threadID` to quote in a reply, with its author's name:
    /// only a post whose text the viewer may read (the one rule), not removed by its author or a moderator.
    public static func quote(_ conn: Connection, postID: Int64, threadID: Int64, viewer: Viewer) throws -> QuotedPost? {
        try conn.queryOne(QuotedPost.self, """
            SELECT p.body_markdown AS markdown, u.display_name AS author_name
            FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id
            WHERE p.id = ?4 AND p.thread_id = ?5 AND p.hidden = 0 AND p.deleted_by_author = 0
              AND \(PageQueries.visible) AND \(Visibility.postTextReadableByViewer)
            """, arguments: PageQueries.viewerArguments(viewer) + [postID, threadID])
    }

    // MARK: Shared steps

    /// How long a form sent again counts as the same submission (`sameReplySent`, `sameThreadSent`).
    public static let resubmitWindow: TimeInterval = 10 * 60

    /// The author's newest post in the thread when it holds exactly `body` and was written in
    /// the last `resubmitWindow` and not deleted: the same reply sent again (a double click on
    /// "Post reply", a form re-sent after a slow answer or a reload), which is answered with
    /// the first instead of a copy. Nobody posts the same words twice in a row on purpose.
    static func sameReplySent(_ tx: Connection, threadID: Int64, authorID: Int64, body: String, now: Date) throws -> Int64? {
        try tx.scalar(Int64.self, """
            SELECT id FROM posts
            WHERE id = (SELECT id FROM posts WHERE author_id = ?2 AND created_at > ?4 AND thread_id = ?1 ORDER BY id DESC LIMIT 1)
              AND body_markdown = ?3 AND deleted_by_author = 0
            """, threadID, authorID, body, now.addingTimeInterval(-resubmitWindow))
    }

    /// `sameReplySent` for a new thread: the author's newest thread, started in the last
    /// `resubmitWindow` in the same space with the same title and opening words, and its
    /// opening post not deleted.
    static func sameThreadSent(_ tx: Connection, authorID: Int64, title: String, body: String, organisationID: Int64?,
                               now: Date) throws -> (thread: Int64, post: Int64)? {
        struct Earlier: RowDecodable {
            let thread: Int64, post: Int64
            init(row: Row) throws { thread = try row["thread_id"]; post = try row["post_id"] }
        }
        return try tx.queryOne(Earlier.self, """
            SELECT t.id AS thread_id, p.id AS post_id FROM threads t JOIN posts p ON p.thread_id = t.id AND p.position = 1
            WHERE t.id = (SELECT id FROM threads WHERE author_id = ?1 AND created_at > ?5 ORDER BY id DESC LIMIT 1)
              AND t.title = ?2 AND p.body_markdown = ?3 AND t.organisation_id IS ?4 AND p.deleted_by_author = 0
            """, authorID, title, body, organisationID, now.addingTimeInterval(-resubmitWindow)).map { ($0.thread, $0.post) }
    }

    static func insertPost(_ tx: Connection, threadID: Int64, authorID: Int64, markdown: String, html: String,
                           replyTo: Int64?, at date: Date) throws -> Int64 {
        try tx.run("""
            INSERT INTO posts(thread_id, author_id, position, reply_to_post_id, body_markdown, body_html, renderer_version, created_at)
            VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, ?4, ?5, ?6, ?7)
            """, threadID, authorID, replyTo, markdown, html, Markdown.version, date)
        let postID = tx.lastInsertedRowID
        // When the instance holds new accounts' first posts, this one waits for an admin.
        _ = try Moderation.holdIfNewAuthor(tx, postID: postID, authorID: authorID, now: date)
        return postID
    }

    /// Refuses accounts that are suspended or deleted.
    static func checkMayPost(_ tx: Connection, userID: Int64, now: Date) throws {
        struct Standing: RowDecodable {
            let suspendedUntil: Date?, deletedAt: Date?
            init(row: Row) throws { suspendedUntil = try row["suspended_until"]; deletedAt = try row["deleted_at"] }
        }
        guard let standing = try tx.queryOne(Standing.self, "SELECT suspended_until, deleted_at FROM users WHERE id = ?", userID),
              standing.deletedAt == nil else { throw PostingError.signInRequired }
        if let until = standing.suspendedUntil, until > now { throw PostingError.suspended }
    }

    struct ReadablePost: RowDecodable {
        let threadID: Int64, authorID: Int64, position: Int, markdown: String, hidden: Bool, deleted: Bool, locked: Bool
        var removed: Bool { hidden || deleted }
        init(row: Row) throws {
            threadID = try row["thread_id"]
            authorID = try row["author_id"]
            position = try row["position"]
            markdown = try row["body_markdown"]
            hidden = try row["hidden"]
            deleted = try row["deleted_by_author"]
            locked = try row["locked"]
        }
    }

    /// A post whose text the actor may read (the one rule, `Visibility`), or `PostingError.postNotFound`.
    static func readablePost(_ conn: Connection, postID: Int64, actor: Viewer) throws -> ReadablePost {
        guard let post = try conn.queryOne(ReadablePost.self, """
            SELECT p.thread_id, p.author_id, p.position, p.body_markdown, p.hidden, p.deleted_by_author, t.locked
            FROM posts p JOIN threads t ON t.id = p.thread_id
            WHERE p.id = ?4 AND \(PageQueries.visible) AND \(Visibility.postTextReadableByViewer)
            """, arguments: PageQueries.viewerArguments(actor) + [postID]) else { throw PostingError.postNotFound }
        return post
    }
}

/// A post's text and author, to quote in a reply.
public struct QuotedPost: RowDecodable, Sendable {
    public let markdown: String
    public let authorName: String

    public init(row: Row) throws {
        markdown = try row["markdown"]
        authorName = try row["author_name"]
    }
}

/// An earlier text of a post.
public struct PostRevision: RowDecodable, Sendable {
    public let id: Int64
    public let bodyMarkdown: String
    public let editedBy: String
    public let createdAt: Date

    public init(row: Row) throws {
        id = try row["id"]
        bodyMarkdown = try row["body_markdown"]
        editedBy = try row["edited_by"]
        createdAt = try row["created_at"]
    }
}

/// A post's edit history as its revisions page shows it.
public struct PostHistory: Sendable {
    public let postID: Int64
    public let thread: ThreadLink
    public let position: Int
    public let authorName: String
    /// The text as it is now.
    public let currentMarkdown: String
    public let editedAt: Date?
    /// Earlier texts, oldest first.
    public let revisions: [PostRevision]
}

extension PageQueries {
    /// The history of a post the viewer may read, or nil. A post deleted by its author or hidden
    /// by a moderator has no public history.
    public static func postHistory(_ conn: Connection, postID: Int64, viewer: Viewer) throws -> PostHistory? {
        struct Head: RowDecodable {
            let threadID: Int64, title: String, slug: String, position: Int, author: String, markdown: String, editedAt: Date?
            init(row: Row) throws {
                threadID = try row["thread_id"]; title = try row["title"]; slug = try row["slug"]; position = try row["position"]
                author = try row["author_name"]; markdown = try row["body_markdown"]; editedAt = try row["edited_at"]
            }
        }
        guard let head = try conn.queryOne(Head.self, """
            SELECT t.id AS thread_id, t.title, t.slug, p.position, u.display_name AS author_name, p.body_markdown, p.edited_at
            FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id
            WHERE p.id = ?4 AND p.hidden = 0 AND p.deleted_by_author = 0 AND p.held_for_approval = 0
              AND t.hidden = 0 AND \(visible)
            """, arguments: viewerArguments(viewer) + [postID]) else { return nil }
        let revisions = try Threads.revisions(conn, postID: postID, viewer: viewer)
        return PostHistory(postID: postID, thread: ThreadLink(id: head.threadID, title: head.title, slug: head.slug),
                           position: head.position, authorName: head.author, currentMarkdown: head.markdown,
                           editedAt: head.editedAt, revisions: revisions)
    }
}
