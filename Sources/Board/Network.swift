import Database
import Foundation

/// The board as the layers above see it: one service per capability, each owning its SQL, its
/// transaction, its policy decision and its moderation-log entry. `Web` holds a `Network` and
/// never a connection; `mutuals` builds it from the opened store.
public final class Network: Sendable {
    /// The store the services share; nothing above Board sees it.
    let store: Store
    public let accounts: Accounts
    public let reading: ReadingService
    public let topics: TopicsService
    public let posting: PostingService
    public let drafts: DraftsService
    public let briefing: BriefingService
    public let settings: SettingsService
    public let invites: InvitesService
    public let mentors: MentorService
    public let following: FollowingService
    public let notifications: NotificationService
    public let search: SearchService
    /// "This helped" marks on posts (issue 18).
    public let helpful: HelpfulService
    /// What each member has seen of each thread ("new since your last visit").
    public let visits: VisitsService
    public let moderation: ModerationService
    /// What open pages hear of as it happens (live updates), checked against each reader.
    public let live: LiveFeed
    /// The mail outbox for admins (`/admin/outbox`, `mutuals mail list`).
    public let outbox: OutboxService
    /// Notification mail choices, the daily summary, the weekly briefing and unsubscribing (issue 15).
    public let mailDigest: MailDigestService

    /// Moves whenever anything stored may have changed: every commit of this process (counted
    /// before the writing request is answered) and, once `watchOtherProcesses` runs, other
    /// processes' commits within a quarter of a second. Page caches key on it.
    public var contentVersion: UInt64 { store.changeCount }

    /// Runs `body` with every read the services make on this thread in one read transaction on
    /// one reader connection (`Store.readScope`): what one page reads is one snapshot, and costs
    /// one transaction instead of one per service call. A write on this thread ends the
    /// transaction first, so later reads see it. For one request at most, never a long wait.
    public func readScope<T>(_ body: () throws -> T) rethrows -> T {
        try store.readScope(body)
    }

    /// What the store's readers have run (connections lent, transactions, statements), for
    /// tests that count what a page costs.
    public var readerStatistics: ReaderStatistics { store.readerStatistics }

    /// Makes `contentVersion` notice writes by other processes (`mutuals user role` while serving).
    public func watchOtherProcesses() throws {
        try store.watchOtherProcesses()
    }

    /// - Parameters:
    ///   - hasher, clock, limits: as for `Accounts` (tests inject a cheaper hasher, a clock and tighter limits).
    public convenience init(store: Store, hasher: PasswordHasher = .standard, clock: Clock = .system,
                            limits: AccountLimits = AccountLimits()) {
        self.init(accounts: Accounts(store: store, hasher: hasher, clock: clock, limits: limits))
    }

    /// The network around an account service built by the caller; every service shares its
    /// store and clock.
    public init(accounts: Accounts) {
        let store = accounts.store
        let clock = accounts.clock
        self.store = store
        self.accounts = accounts
        let topicDirectory = KeptUntilChange<TopicDirectory>(lifetime: 10)
        reading = ReadingService(store: store, topicDirectory: topicDirectory)
        topics = TopicsService(store: store, directory: topicDirectory)
        drafts = DraftsService(store: store)
        posting = PostingService(store: store, accounts: accounts, drafts: drafts)
        briefing = BriefingService(store: store)
        settings = SettingsService(store: store, clock: clock)
        invites = InvitesService(store: store, accounts: accounts)
        mentors = MentorService(store: store, clock: clock)
        following = FollowingService(store: store)
        notifications = NotificationService(store: store)
        search = SearchService(store: store)
        helpful = HelpfulService(store: store)
        visits = VisitsService(store: store)
        moderation = ModerationService(store: store, clock: clock)
        live = LiveFeed(store: store, clock: clock, limits: accounts.limits)
        outbox = OutboxService(store: store, clock: clock)
        mailDigest = MailDigestService(store: store, clock: clock)
    }
}
