import Board
import Foundation
import HTTPServer
import Synchronization

/// Limits of the live-update streams. Each field says its default and what passing it does.
public struct LiveStreamLimits: Sendable, Equatable {
    /// Streams one signed-in session may hold open at once. Default 8; one more: 429 with `Retry-After`.
    public var perSession = 8
    /// Streams one client address (IPv4, or IPv6 /64, as sign-in counts them) may hold open.
    /// Default 32; one more: 429 with `Retry-After`. (`mutuals serve --streams-per-address`; the
    /// stream benchmark raises it to open 2,000 from one address.)
    public var perAddress = 32
    /// How long a stream lives; then the server ends it and the browser reconnects by itself
    /// after `reconnectDelay`, through every check a new stream passes. Default 300 s.
    public var maxLifetime: TimeInterval = 300
    /// The `retry:` field each stream starts with. Default 3 s.
    public var reconnectDelay: TimeInterval = 3
    /// A comment line (`: keep-alive`) goes to every stream this often; it is written under the
    /// server's write deadline (`HTTPTimeouts.write`), so a client that stops reading is closed.
    /// Default 20 s.
    public var heartbeatInterval: TimeInterval = 20
    /// Readers are re-checked on every poll that finds something, and at least this often
    /// otherwise (sign-out, a revoked session, a suspension end their streams). Default 2 s.
    public var readerCheckInterval: TimeInterval = 2
    /// How often the watcher looks for new rows. Default 0.25 s.
    public var pollInterval: TimeInterval = 0.25

    public init() {}
}

/// Live updates over Server-Sent Events (issue 8): new replies on an open thread page
/// (`/t/{id}/live`, event `reply`, data: the post's server-rendered HTML) and the unread count
/// (`/notifications/live`, event `unread`, data: the number).
///
/// New posts and notifications are found by one watcher thread that asks `LiveFeed` for the
/// rows added since its last look (indexed range reads every `pollInterval`), so every way
/// of writing (the web forms, the CLI, another process) reaches open pages without the writers
/// knowing about streams. A reply approved from the queue is older than the watcher's position
/// by id; it comes from the releases read beside the new posts (`LiveFeed.changes`), once. The
/// watcher runs only while at least one stream is open; an open stream holds no worker thread,
/// and the HTTP layer ends them on shutdown.
///
/// Issue 16: each stream remembers who opened it (`LiveFeed.Reader`) and from where. Before
/// anything is sent, the readers are loaded again (once each per poll) and every reply is put to
/// `Policy` for its reader; a reader who may no longer read the thread, whose session ended or
/// who was suspended has the stream closed. Streams are capped per session and per address and
/// end after `maxLifetime` (see `LiveStreamLimits`).
final class LiveUpdates: Sendable {
    private enum Topic: Hashable {
        case thread(Int64)
        case unread(userID: Int64)
    }

    private struct Subscription {
        let stream: EventStream
        let topic: Topic
        let reader: LiveFeed.Reader
        let address: String
        let openedAt: Date
    }

    private struct State {
        var subscriptions: [ObjectIdentifier: Subscription] = [:]
        var byTopic: [Topic: Set<ObjectIdentifier>] = [:]
        var perSession: [Int64: Int] = [:]
        var perAddress: [String: Int] = [:]
        var watching = false
        var position = LiveFeed.Position()
        var lastReaderCheck = Date.distantPast
        var lastHeartbeat = Date()
        /// Per user with an unread stream open: the actor at the last reader check and the
        /// count last sent. A changed actor (role, organisation, mentorships) may change what
        /// they may read, so their count is read again and sent if it moved.
        var unreadActors: [Int64: Actor] = [:]
        var unreadSent: [Int64: Int] = [:]

        mutating func remove(_ key: ObjectIdentifier) {
            guard let subscription = subscriptions.removeValue(forKey: key) else { return }
            byTopic[subscription.topic]?.remove(key)
            if byTopic[subscription.topic]?.isEmpty == true {
                byTopic[subscription.topic] = nil
                if case .unread(let user) = subscription.topic {
                    unreadActors[user] = nil
                    unreadSent[user] = nil
                }
            }
            if let session = subscription.reader.sessionID {
                perSession[session, default: 1] -= 1
                if perSession[session] == 0 { perSession[session] = nil }
            }
            perAddress[subscription.address, default: 1] -= 1
            if perAddress[subscription.address] == 0 { perAddress[subscription.address] = nil }
        }
    }

    private let state = Mutex(State())
    let feed: LiveFeed
    /// Renders each reply the way the thread page does, with no controls (`PostBlocks`).
    let posts: PostBlocks
    let limits: LiveStreamLimits

    init(feed: LiveFeed, posts: PostBlocks, limits: LiveStreamLimits = LiveStreamLimits()) {
        self.feed = feed
        self.posts = posts
        self.limits = limits
    }

    var openStreams: Int { state.withLock { $0.subscriptions.count } }

    /// A stream of `threadID`'s new replies for `reader` (the caller has checked that the reader
    /// may read the thread now; each reply is checked again before it is sent).
    /// - Parameter address: the client's address, for the per-address cap.
    /// - Throws: `HTTPError` 429 beyond a cap.
    func threadStream(_ threadID: Int64, reader: LiveFeed.Reader, address: String) throws -> EventStream {
        try open(.thread(threadID), reader: reader, address: address, first: nil)
    }

    /// A stream of the reader's unread count; the current count is sent first.
    func unreadStream(reader: LiveFeed.Reader, address: String) throws -> EventStream {
        guard let userID = reader.userID else { throw HTTPError(.unauthorized, "Sign in to see your notifications.") }
        let count = try feed.unreadCount(userID: userID)
        let stream = try open(.unread(userID: userID), reader: reader, address: address, first: ("unread", String(count)))
        state.withLock { $0.unreadSent[userID] = count }
        return stream
    }

    private func open(_ topic: Topic, reader: LiveFeed.Reader, address: String, first: (event: String, data: String)?) throws -> EventStream {
        let addressKey = SignInThrottle.addressKey(address)
        let box = StreamBox()
        let stream = EventStream(onClose: { [weak self] in
            guard let key = box.key else { return }
            self?.state.withLock { $0.remove(key) }
        })
        box.key = ObjectIdentifier(stream)
        let limits = self.limits
        // Queued before the stream is registered, so they are its first bytes whatever the watcher sends.
        stream.sendRetry(milliseconds: Int(limits.reconnectDelay * 1000))
        if let first { stream.send(event: first.event, data: first.data) }
        // Counted and registered under one lock, so parallel requests cannot pass a cap together.
        let admitted = state.withLock { state -> Bool in
            if state.perAddress[addressKey, default: 0] >= limits.perAddress { return false }
            if let session = reader.sessionID, state.perSession[session, default: 0] >= limits.perSession { return false }
            state.subscriptions[ObjectIdentifier(stream)] = Subscription(stream: stream, topic: topic, reader: reader,
                                                                         address: addressKey, openedAt: Date())
            state.byTopic[topic, default: []].insert(ObjectIdentifier(stream))
            if let session = reader.sessionID { state.perSession[session, default: 0] += 1 }
            state.perAddress[addressKey, default: 0] += 1
            return true
        }
        guard admitted else {
            throw HTTPError(.tooManyRequests, "Too many live updates are open from here. Close some pages and try again.",
                            headers: HTTPHeaders([("Retry-After", String(max(1, Int(limits.reconnectDelay * 10))))]))
        }
        do {
            try start()
        } catch {
            state.withLock { $0.remove(ObjectIdentifier(stream)) }
            throw error
        }
        return stream
    }

    /// Starts the watcher if it is not running, from the newest rows now.
    private func start() throws {
        let latest = try feed.latest()
        let begin = state.withLock { state -> Bool in
            guard !state.watching else { return false }
            state.watching = true
            state.position = latest
            state.lastReaderCheck = .distantPast
            state.lastHeartbeat = Date()
            return true
        }
        guard begin else { return }
        Thread.detachNewThread { [self] in watch() }
    }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: limits.pollInterval)
            let stop = state.withLock { state -> Bool in
                if state.subscriptions.isEmpty { state.watching = false; return true }
                return false
            }
            if stop { return }
            do { try poll() } catch {
                // The store closed (shutdown) or failed: end every stream; pages fall back to reloading.
                let streams = state.withLock { state -> [EventStream] in
                    let all = state.subscriptions.values.map(\.stream)
                    state = State()
                    return all
                }
                streams.forEach { $0.finish() }
                return
            }
        }
    }

    /// Sends what was added since the last look to the readers who may still read it, ends the
    /// streams of readers who are gone, and sends heartbeats when due.
    func poll() throws {
        let now = Date()
        let (position, watchedUsers) = state.withLock { state in
            (state.position,
             Set(state.byTopic.keys.compactMap { topic -> Int64? in if case .unread(let user) = topic { user } else { nil } }))
        }
        let changes = try feed.changes(after: position, watchedUsers: watchedUsers)
        let hasEvents = !changes.posts.isEmpty || !changes.unread.isEmpty || changes.moderated
        let limits = self.limits
        let (subscriptions, check, heartbeat) = state.withLock { state -> ([ObjectIdentifier: Subscription], Bool, Bool) in
            // Only this thread polls, so the position it read from is still the state's.
            state.position = changes.position
            let check = hasEvents || now.timeIntervalSince(state.lastReaderCheck) >= limits.readerCheckInterval
            if check { state.lastReaderCheck = now }
            let heartbeat = now.timeIntervalSince(state.lastHeartbeat) >= limits.heartbeatInterval
            if heartbeat { state.lastHeartbeat = now }
            return (check || heartbeat ? state.subscriptions : [:], check, heartbeat)
        }
        if check {
            var live: [ObjectIdentifier: Subscription] = [:]
            for (key, subscription) in subscriptions {
                if now.timeIntervalSince(subscription.openedAt) >= limits.maxLifetime {
                    subscription.stream.finish()  // the browser reconnects after `retry`
                } else {
                    live[key] = subscription
                }
            }
            let readers = try feed.readers(Set(live.values.map(\.reader)))
            var actors: [LiveFeed.Reader: Actor] = [:]
            for (key, subscription) in live {
                guard case .reading(let actor)? = readers[subscription.reader] else {
                    subscription.stream.finish()
                    live[key] = nil
                    continue
                }
                actors[subscription.reader] = actor
            }
            deliver(changes, to: live, as: actors)
            try sendRecountedUnread(live, as: actors, after: changes)
        }
        if heartbeat {
            for subscription in subscriptions.values { subscription.stream.sendHeartbeat() }
        }
    }

    /// Sends each reply to the thread's streams whose reader may read it (and closes the others),
    /// and each unread count to its user's streams.
    private func deliver(_ changes: LiveFeed.Changes, to subscriptions: [ObjectIdentifier: Subscription],
                         as actors: [LiveFeed.Reader: Actor]) {
        guard !changes.posts.isEmpty || !changes.unread.isEmpty else { return }
        var byTopic: [Topic: [Subscription]] = [:]
        for subscription in subscriptions.values { byTopic[subscription.topic, default: []].append(subscription) }
        for post in changes.posts {
            guard let streams = byTopic[.thread(post.threadID)], !streams.isEmpty else { continue }
            var html: String?
            for subscription in streams where subscription.stream.isOpen {
                guard let actor = actors[subscription.reader], LiveFeed.mayRead(actor, post) else {
                    // The thread moved out of this reader's reach (a private space, hidden, a
                    // mentorship ended): the stream ends, as the page would now be a 404.
                    subscription.stream.finish()
                    continue
                }
                // As a visitor sees it, with no controls: the same for every reader it is sent to.
                let rendered = html ?? posts.render(PostBlock(post.post, accepted: false, viewer: .visitor, may: nil, threadID: post.threadID,
                                                              replyPagePath: ""), csrfToken: "")
                html = rendered
                // One SSE data line per HTML line (the client joins them with newlines).
                subscription.stream.send(event: "reply", id: String(post.post.id), data: rendered)
            }
        }
        for (user, count) in changes.unread {
            for subscription in byTopic[.unread(userID: user)] ?? [] {
                subscription.stream.send(event: "unread", data: String(count))
            }
        }
    }
}

extension LiveUpdates {
    /// After a reader check: the unread count, read again, of each watched user whose actor
    /// changed since the last check or who is seen for the first time (a demotion, a
    /// mentorship or membership ended or begun), and of every watched user after a moderation
    /// action (a thread hidden or moved into a private space, a post hidden or deleted),
    /// sent when it differs from the count last sent. A count sent with this poll's new
    /// notifications is noted first, so it is not sent twice.
    private func sendRecountedUnread(_ subscriptions: [ObjectIdentifier: Subscription], as actors: [LiveFeed.Reader: Actor],
                                     after changes: LiveFeed.Changes) throws {
        var current: [Int64: Actor] = [:]
        var streams: [Int64: [EventStream]] = [:]
        for subscription in subscriptions.values {
            guard case .unread(let user) = subscription.topic, let actor = actors[subscription.reader] else { continue }
            current[user] = actor
            streams[user, default: []].append(subscription.stream)
        }
        let changed = state.withLock { state -> Set<Int64> in
            for (user, count) in changes.unread { state.unreadSent[user] = count }
            var changed: Set<Int64> = changes.moderated ? Set(current.keys) : []
            for (user, actor) in current {
                // First seen: the count was sent when the stream opened, maybe by an actor changed since.
                if state.unreadActors[user] != actor { changed.insert(user) }
                state.unreadActors[user] = actor
            }
            return changed
        }
        guard !changed.isEmpty else { return }
        let counts = try feed.unreadCounts(changed)
        let moved = state.withLock { state -> [(Int64, Int)] in
            var moved: [(Int64, Int)] = []
            for (user, count) in counts where state.unreadSent[user] != count {
                state.unreadSent[user] = count
                moved.append((user, count))
            }
            return moved
        }
        for (user, count) in moved {
            for stream in streams[user] ?? [] where stream.isOpen { stream.send(event: "unread", data: String(count)) }
        }
    }
}

/// Holds a stream's key for its own `onClose` (set once, right after the stream is made).
private final class StreamBox: @unchecked Sendable {
    // @unchecked: written once before the stream is published to any other thread, then only read.
    var key: ObjectIdentifier?
}

extension RequestContext {
    /// Who a live stream opened by this request belongs to.
    var liveReader: LiveFeed.Reader {
        LiveFeed.Reader(sessionID: session?.sessionID, userID: account?.id)
    }
}
