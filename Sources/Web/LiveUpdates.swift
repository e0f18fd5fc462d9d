import Board
import Database
import Foundation
import HTTPServer
import Synchronization

/// Live updates over Server-Sent Events (issue 8): new replies on an open thread page
/// (`/t/{id}/live`, event `reply`, data: the post's server-rendered HTML) and the unread count
/// (`/notifications/live`, event `unread`, data: the number).
///
/// New posts and notifications are found by one watcher thread that reads the rows added since
/// its last look (two indexed range reads every `interval`), so every way of writing (the web
/// forms, the CLI, another process) reaches open pages without the writers knowing about
/// streams. The watcher runs only while at least one stream is open; an open stream holds no
/// worker thread, and the HTTP layer ends them on shutdown. Who may read a thread is checked
/// when its stream is opened.
final class LiveUpdates: Sendable {
    private struct State {
        var threadStreams: [Int64: [ObjectIdentifier: EventStream]] = [:]
        var userStreams: [Int64: [ObjectIdentifier: EventStream]] = [:]
        var watching = false
        var lastPostID: Int64 = 0
        var lastNotificationID: Int64 = 0
        var count: Int { threadStreams.values.reduce(0) { $0 + $1.count } + userStreams.values.reduce(0) { $0 + $1.count } }
    }

    private let state = Mutex(State())
    let store: Store
    let postTemplate: Template
    let interval: TimeInterval

    init(store: Store, postTemplate: Template, interval: TimeInterval = 0.25) {
        self.store = store
        self.postTemplate = postTemplate
        self.interval = interval
    }

    var openStreams: Int { state.withLock { $0.count } }

    /// A stream of `threadID`'s new replies (the caller has checked the viewer may read it).
    func threadStream(_ threadID: Int64) throws -> EventStream {
        let box = StreamBox()
        let stream = EventStream(onClose: { [weak self] in
            guard let key = box.key else { return }
            self?.state.withLock { _ = $0.threadStreams[threadID]?.removeValue(forKey: key) }
        })
        box.key = ObjectIdentifier(stream)
        // Registered before the watcher is (re)started, so a watcher deciding to stop sees it.
        state.withLock { $0.threadStreams[threadID, default: [:]][ObjectIdentifier(stream)] = stream }
        try start()
        return stream
    }

    /// A stream of `userID`'s unread count; the current count is sent first.
    func unreadStream(_ userID: Int64) throws -> EventStream {
        let box = StreamBox()
        let stream = EventStream(onClose: { [weak self] in
            guard let key = box.key else { return }
            self?.state.withLock { _ = $0.userStreams[userID]?.removeValue(forKey: key) }
        })
        box.key = ObjectIdentifier(stream)
        let count = try store.read { try Notifications.unreadCount($0, userID: userID) }
        _ = stream.send(event: "unread", data: String(count))
        state.withLock { $0.userStreams[userID, default: [:]][ObjectIdentifier(stream)] = stream }
        try start()
        return stream
    }

    /// Starts the watcher if it is not running, from the newest rows now.
    private func start() throws {
        let (posts, notifications) = try store.read { conn in
            (try conn.scalar(Int64.self, "SELECT max(id) FROM posts") ?? 0,
             try conn.scalar(Int64.self, "SELECT max(id) FROM notifications") ?? 0)
        }
        let begin = state.withLock { state -> Bool in
            guard !state.watching else { return false }
            state.watching = true
            state.lastPostID = posts
            state.lastNotificationID = notifications
            return true
        }
        guard begin else { return }
        Thread.detachNewThread { [self] in watch() }
    }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: interval)
            let stop = state.withLock { state -> Bool in
                if state.count == 0 { state.watching = false; return true }
                return false
            }
            if stop { return }
            do { try poll() } catch {
                // The store closed (shutdown) or failed: end every stream; pages fall back to reloading.
                let streams = state.withLock { state -> [EventStream] in
                    let all = state.threadStreams.values.flatMap(\.values) + state.userStreams.values.flatMap(\.values)
                    state.threadStreams = [:]; state.userStreams = [:]; state.watching = false
                    return all
                }
                streams.forEach { $0.finish() }
                return
            }
        }
    }

    struct NewPost: RowDecodable {
        let threadID: Int64
        let post: PostView
        init(row: Row) throws {
            post = try PostView(row: row)
            threadID = try row["thread_id"]
        }
    }

    /// Sends what was added since the last look.
    func poll() throws {
        let (afterPost, afterNotification, watchedUsers) = state.withLock {
            ($0.lastPostID, $0.lastNotificationID, Set($0.userStreams.filter { !$0.value.isEmpty }.keys))
        }
        let (posts, counts, lastNotification) = try store.read { conn -> ([NewPost], [(Int64, Int)], Int64) in
            let posts = try conn.query(NewPost.self, """
                SELECT p.id, p.position, u.handle AS author_handle, u.display_name AS author_name, u.role AS author_role,
                       o.name AS author_organisation, p.body_html, p.created_at,
                       p.edited_at, p.hidden, p.deleted_by_author, p.author_id, p.held_for_approval,
                       coalesce(p.hidden_reason, '') AS hidden_reason, p.thread_id
                FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN organisations o ON o.id = u.organisation_id
                WHERE p.id > ? AND p.held_for_approval = 0 AND p.hidden = 0
                ORDER BY p.id LIMIT 500
                """, afterPost)
            var counts: [(Int64, Int)] = []
            var last = afterNotification
            try conn.forEach("SELECT id, user_id FROM notifications WHERE id > ? ORDER BY id LIMIT 5000",
                             arguments: [afterNotification]) { row in
                let id: Int64 = try row["id"]
                let user: Int64 = try row["user_id"]
                last = max(last, id)
                if watchedUsers.contains(user), !counts.contains(where: { $0.0 == user }) { counts.append((user, 0)) }
            }
            for index in counts.indices {
                counts[index].1 = try Notifications.unreadCount(conn, userID: counts[index].0)
            }
            return (posts, counts, last)
        }
        let newLastPost = posts.last?.post.id
        let (threadTargets, userTargets) = state.withLock { state -> ([Int64: [EventStream]], [Int64: [EventStream]]) in
            if let newLastPost { state.lastPostID = max(state.lastPostID, newLastPost) }
            state.lastNotificationID = max(state.lastNotificationID, lastNotification)
            var threads: [Int64: [EventStream]] = [:]
            for post in posts { threads[post.threadID] = state.threadStreams[post.threadID].map { Array($0.values) } }
            var users: [Int64: [EventStream]] = [:]
            for (user, _) in counts { users[user] = state.userStreams[user].map { Array($0.values) } }
            return (threads, users)
        }
        for post in posts {
            guard let streams = threadTargets[post.threadID], !streams.isEmpty else { continue }
            let html = String(decoding: postTemplate.render(PostItemView(post: post.post, accepted: false)), as: UTF8.self)
            // One SSE data line per HTML line (the client joins them with newlines).
            for stream in streams { _ = stream.send(event: "reply", id: String(post.post.id), data: html) }
        }
        for (user, count) in counts {
            for stream in userTargets[user] ?? [] { _ = stream.send(event: "unread", data: String(count)) }
        }
    }
}

/// Holds a stream's key for its own `onClose` (set once, right after the stream is made).
private final class StreamBox: @unchecked Sendable {
    // @unchecked: written once before the stream is published to any other thread, then only read.
    var key: ObjectIdentifier?
}
