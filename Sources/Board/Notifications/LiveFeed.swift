import Database
import Foundation

/// What the live-update streams (`Web.LiveUpdates`, issue 8) read: the rows added since the
/// last look, and whether each stream's reader may still read what it would be sent.
///
/// Issue 16: a stream was authorised only when it opened, so it went on receiving a thread's
/// replies after the thread moved into a private space or was hidden, after a mentorship
/// ended, after sign-out, a password change or a suspension. Now every poll that found
/// something re-loads each of its readers once (`readers(_:)`) and asks `Policy` about every
/// post for every reader (`mayRead`); a reader whose session ended, or who is suspended, is
/// `.ended` and their streams close.
public struct LiveFeed: Sendable {
    let store: Store
    public let clock: Clock
    public let limits: AccountLimits

    public init(store: Store, clock: Clock = .system, limits: AccountLimits = AccountLimits()) {
        self.store = store
        self.clock = clock
        self.limits = limits
    }

    /// Who opened a stream: a signed-in session (and its user), or a visitor.
    public struct Reader: Hashable, Sendable {
        public let sessionID: Int64?
        public let userID: Int64?

        public init(sessionID: Int64?, userID: Int64?) {
            self.sessionID = sessionID
            self.userID = userID
        }

        public static let visitor = Reader(sessionID: nil, userID: nil)
    }

    /// A reader as they are now.
    public enum ReaderState: Sendable, Equatable {
        /// Still reading, as this actor (role, confirmed organisation and mentorships as stored now).
        case reading(Actor)
        /// The session ended (signed out, expired, ended from another device, revoked by a
        /// password change, the account deleted) or the account is suspended, or a visitor's
        /// after "require sign-in to read" was turned on: close the stream.
        case ended
    }

    /// A reply added since the last look, with the state `Policy` decides on.
    public struct NewPost: RowDecodable, Sendable {
        public let threadID: Int64
        public let post: PostView
        public let state: Resource.PostState

        public init(row: Row) throws {
            threadID = try row["thread_id"]
            post = try PostView(row: row)
            state = Resource.PostState(authorID: try row["post_author_id"], hidden: try row["post_hidden"],
                                       held: try row["post_held"], thread: try Resource.ThreadState(row: row))
        }
    }

    /// What was added since the last look.
    public struct Changes: Sendable {
        /// Replies readable now that were not before, by id (oldest first): new ones (at most 500)
        /// and ones approved since the last look (at most 500), each once.
        public var posts: [NewPost] = []
        /// New unread counts of the watched users who got notifications.
        public var unread: [(userID: Int64, count: Int)] = []
        /// A moderation or administration action was logged since the last look (a thread
        /// hidden or moved into a private space, a post hidden or deleted…): what a reader may
        /// read may have changed with no new notification, so unread counts are read again.
        /// Every change to what the one rule reads of threads and posts is such an action.
        public var moderated = false
        /// Where the next look starts: the newest post, release and notification seen.
        public var position: Position

        init(after position: Position) {
            self.position = position
        }
    }

    /// How far a watcher has looked: the newest post id, `post_releases` id (a post leaving the
    /// approval queue, migration 22), notification id and `moderation_log` id it has seen.
    public struct Position: Sendable, Equatable {
        public var post: Int64
        public var release: Int64
        public var notification: Int64
        public var moderation: Int64

        public init(post: Int64 = 0, release: Int64 = 0, notification: Int64 = 0, moderation: Int64 = 0) {
            self.post = post
            self.release = release
            self.notification = notification
            self.moderation = moderation
        }
    }

    /// The newest post, release, notification and log entry now (a watcher starts after them).
    public func latest() throws -> Position {
        try store.read { conn in
            Position(post: try conn.scalar(Int64.self, "SELECT max(id) FROM posts") ?? 0,
                     release: try conn.scalar(Int64.self, "SELECT max(id) FROM post_releases") ?? 0,
                     notification: try conn.scalar(Int64.self, "SELECT max(id) FROM notifications") ?? 0,
                     moderation: try conn.scalar(Int64.self, "SELECT max(id) FROM moderation_log") ?? 0)
        }
    }

    /// The unread count the notifications page shows (`Notifications.unreadCount`, the one rule).
    public func unreadCount(userID: Int64) throws -> Int {
        try store.read { try Notifications.unreadCount($0, userID: userID) }
    }

    /// The unread counts of `users` in one read, by the same rule: for users whose access may
    /// have changed without a new notification (a role change, a mentorship or membership ended).
    public func unreadCounts(_ users: Set<Int64>) throws -> [Int64: Int] {
        guard !users.isEmpty else { return [:] }
        return try store.read { conn in
            var counts: [Int64: Int] = [:]
            for user in users { counts[user] = try Notifications.unreadCount(conn, userID: user) }
            return counts
        }
    }

    /// What a stream sends of a post, and the state `Policy` decides on.
    static let postColumns = """
        p.id, p.position, u.handle AS author_handle, u.display_name AS author_name, u.role AS author_role,
        CASE WHEN u.organisation_confirmed = 1 THEN o.name END AS author_organisation, p.body_html, p.created_at,
        p.edited_at, p.hidden, p.deleted_by_author, p.author_id, p.held_for_approval,
        coalesce(p.hidden_reason, '') AS hidden_reason, p.thread_id AS thread_id,
        p.helpful_count, 0 AS helpful_mine,
        p.author_id AS post_author_id, p.hidden AS post_hidden, p.held_for_approval AS post_held,
        \(Resource.ThreadState.columns)
        """

    /// The replies and notifications added after `position`, and whether an action was logged
    /// since: three indexed range reads and the log's newest id, in one snapshot.
    ///
    /// A post is followed by its id, so one approved after a watcher passed its id would never be
    /// sent: approvals are read from `post_releases` too, for posts at or before the position
    /// only (a later one is read by id, once it is not held), so no post comes twice.
    /// - Parameter watchedUsers: users with an unread-count stream open; only their counts are read.
    public func changes(after position: Position, watchedUsers: Set<Int64>) throws -> Changes {
        try store.read { conn in
            var changes = Changes(after: position)
            changes.posts = try conn.query(NewPost.self, """
                SELECT \(Self.postColumns)
                FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN organisations o ON o.id = u.organisation_id
                     JOIN threads t ON t.id = p.thread_id
                WHERE p.id > ? AND p.held_for_approval = 0 AND p.hidden = 0
                ORDER BY p.id LIMIT 500
                """, position.post)
            if let last = changes.posts.last { changes.position.post = last.post.id }
            var released: [NewPost] = []
            var releasesRead = 0
            try conn.forEach("""
                SELECT r.id AS release_id, \(Self.postColumns)
                FROM post_releases r JOIN posts p ON p.id = r.post_id JOIN users u ON u.id = p.author_id
                     LEFT JOIN organisations o ON o.id = u.organisation_id JOIN threads t ON t.id = p.thread_id
                WHERE r.id > ? AND p.id <= ? AND p.held_for_approval = 0 AND p.hidden = 0
                ORDER BY r.id LIMIT 500
                """, arguments: [position.release, position.post]) { row in
                releasesRead += 1
                changes.position.release = try row["release_id"]
                let post = try NewPost(row: row)
                if !released.contains(where: { $0.post.id == post.post.id }) { released.append(post) }
            }
            // Fewer than the limit: every release up to now is read (the others were of hidden
            // posts, or of posts the id scan reads).
            if releasesRead < 500 {
                changes.position.release = max(changes.position.release,
                                               try conn.scalar(Int64.self, "SELECT max(id) FROM post_releases") ?? 0)
            }
            if !released.isEmpty { changes.posts = (released + changes.posts).sorted { $0.post.id < $1.post.id } }
            var users: [Int64] = []
            try conn.forEach("SELECT id, user_id FROM notifications WHERE id > ? ORDER BY id LIMIT 5000",
                             arguments: [position.notification]) { row in
                let id: Int64 = try row["id"]
                let user: Int64 = try row["user_id"]
                changes.position.notification = max(changes.position.notification, id)
                if watchedUsers.contains(user), !users.contains(user) { users.append(user) }
            }
            for user in users {
                changes.unread.append((user, try Notifications.unreadCount(conn, userID: user)))
            }
            let logged = try conn.scalar(Int64.self, "SELECT max(id) FROM moderation_log") ?? 0
            if logged > position.moderation {
                changes.moderated = true
                changes.position.moderation = logged
            }
            return changes
        }
    }

    /// Each reader as they are now, loaded once each in one read: the session still valid (not
    /// ended, not expired, not idle past `sessionIdle`, not waiting for two-factor), the account
    /// not deleted or suspended, and the actor fresh (`Actor.load`: role, confirmed organisation,
    /// active mentorships).
    public func readers(_ readers: Set<Reader>) throws -> [Reader: ReaderState] {
        let now = clock.now()
        let idleCutoff = now.addingTimeInterval(-limits.sessionIdle)
        return try store.read { conn in
            var result: [Reader: ReaderState] = [:]
            let adminsNeedTwoFactor = try Setting.requireTwoFactorForAdmins.isOn(conn)
            // With "require sign-in to read" on, a visitor reads nothing: a stream opened before
            // it was turned on ends, as a new one would be refused (`ReadingGate`).
            let visitorsRead = try !Setting.requireSignInToRead.isOn(conn)
            for reader in readers {
                guard let sessionID = reader.sessionID else {
                    result[reader] = reader.userID == nil && visitorsRead ? .reading(.visitor) : .ended
                    continue
                }
                let owner = try conn.scalar(Int64.self, """
                    SELECT user_id FROM sessions
                     WHERE id = ? AND two_factor_pending = 0 AND expires_at > ? AND last_seen_at > ?
                    """, sessionID, now, idleCutoff)
                guard let owner, owner == reader.userID, let account = try Accounts.account(conn, id: owner),
                      !account.isSuspended(at: now) else {
                    result[reader] = .ended
                    continue
                }
                // As a request sees them (the two-factor rule included).
                result[reader] = .reading(try Actor.signedIn(conn, account: account, adminsNeedTwoFactor: adminsNeedTwoFactor))
            }
            return result
        }
    }

    /// Whether `actor` may be sent `post`: the one rule, on the post's and its thread's state now.
    public static func mayRead(_ actor: Actor, _ post: NewPost) -> Bool {
        Policy.decide(actor, .read, .post(post.state)).isAllowed
    }
}
