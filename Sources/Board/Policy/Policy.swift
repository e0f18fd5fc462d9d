import Database
import Foundation

/// Who is acting, as the policy sees them.
public struct Actor: Sendable, Equatable {
    public let userID: Int64?
    public let role: Role?
    /// The organisation whose private space the actor belongs to (confirmed membership only).
    public let organisationID: Int64?
    /// Organisations the actor actively mentors (mentorships not ended).
    public let mentoredOrganisations: Set<Int64>
    public let suspendedUntil: Date?
    public let suspensionReason: String?
    /// An admin acting with a member's powers until they turn on two-factor sign-in, which the
    /// instance requires of admins (`Actor.signedIn`): refusals of admin actions say so.
    public let adminWithoutTwoFactor: Bool

    public init(userID: Int64?, role: Role?, organisationID: Int64? = nil, mentoredOrganisations: Set<Int64> = [],
                suspendedUntil: Date? = nil, suspensionReason: String? = nil, adminWithoutTwoFactor: Bool = false) {
        self.userID = userID
        self.role = role
        self.organisationID = organisationID
        self.mentoredOrganisations = mentoredOrganisations
        self.suspendedUntil = suspendedUntil
        self.suspensionReason = suspensionReason
        self.adminWithoutTwoFactor = adminWithoutTwoFactor
    }

    /// Someone not signed in.
    public static let visitor = Actor(userID: nil, role: nil)

    public var isSignedIn: Bool { userID != nil }
    public var isAdmin: Bool { role == .admin }
    public var isMentor: Bool { role == .mentor }

    public func isSuspended(at now: Date) -> Bool { suspendedUntil.map { $0 > now } ?? false }

    /// The viewer the page queries take (privacy in the SQL) for this actor.
    public var viewer: Viewer {
        Viewer(userID: userID, organisationID: organisationID, isAdmin: isAdmin)
    }

    /// Loads the actor for a signed-in account: its active mentorships included.
    public static func load(_ conn: Connection, account: Account) throws -> Actor {
        let mentored = account.role == .mentor
            ? Set(try conn.column(Int64.self, "SELECT organisation_id FROM mentorships WHERE mentor_id = ? AND ended_at IS NULL", account.id))
            : []
        return Actor(userID: account.id, role: account.role, organisationID: account.memberOrganisationID,
                     mentoredOrganisations: mentored, suspendedUntil: account.suspendedUntil,
                     suspensionReason: account.suspensionReason)
    }
}

/// What a policy question is about. Threads and posts carry the state the rules look at.
public enum Resource: Sendable, Equatable {
    public struct ThreadState: Sendable, Equatable {
        public var authorID: Int64
        /// nil: public to the network; otherwise private to that organisation.
        public var organisationID: Int64?
        public var locked: Bool
        public var hidden: Bool
        /// The opening post awaits approval (`threads.held`).
        public var held: Bool
        /// Turned down: held, and an admin hid its opening post instead of approving it
        /// (`Moderation.mayHide`), so it stays unlisted, its reason shown to its author.
        public var turnedDown: Bool

        public init(authorID: Int64, organisationID: Int64? = nil, locked: Bool = false, hidden: Bool = false,
                    held: Bool = false, turnedDown: Bool = false) {
            self.authorID = authorID
            self.organisationID = organisationID
            self.locked = locked
            self.hidden = hidden
            self.held = held
            self.turnedDown = turnedDown
        }
    }

    public struct PostState: Sendable, Equatable {
        public var authorID: Int64
        public var hidden: Bool
        /// Awaiting an admin's approval.
        public var held: Bool
        public var thread: ThreadState

        public init(authorID: Int64, hidden: Bool = false, held: Bool = false, thread: ThreadState) {
            self.authorID = authorID
            self.hidden = hidden
            self.held = held
            self.thread = thread
        }
    }

    /// The network as a whole (start a public thread, manage topics, invites, settings).
    case network
    /// An organisation's private space (start a private thread there, link a mentor to it).
    case organisation(Int64)
    case thread(ThreadState)
    case post(PostState)
    /// Another user (suspend, change role).
    case user(id: Int64, role: Role)
}

/// Everything someone may try to do.
public enum Action: String, Sendable, CaseIterable {
    case read
    case startThread
    case reply
    case editPost
    case deletePost
    /// Fix a thread's title and topics: its author, or an admin.
    case editThread
    /// Say "This helped" about someone else's post.
    case markHelpful
    case flag
    case hide
    case restore
    case lockThread
    case pinThread
    case moveThread
    case suspendUser
    case changeRole
    case linkMentor
    case requestMentor
    /// Mark (or change) a thread's accepted answer: its author, or an admin.
    case acceptAnswer
    case manageTopics
    case manageBriefing
    case manageOrganisations
    case makeInvites
    case manageSettings
    case viewModerationQueue
}

/// The answer, with what the page should say.
public enum Decision: Sendable, Equatable {
    case allowed
    /// Not allowed; show 403 with the reason (for a suspended user, why and until when).
    case denied(String)
    /// The thing must not even be known to exist: answer 404 (a private thread to an outsider).
    case notFound

    public var isAllowed: Bool { self == .allowed }
}

/// The one place deciding whether an actor may do an action to a resource. Every handler asks
/// it (and the queries enforce the same privacy in SQL for lists); no template or route
/// decides on its own. Each rule is a named predicate below.
public enum Policy {
    /// Why a thread awaiting approval cannot have mentors asked to it yet (its page says it too).
    public static let mentorsAfterApproval = "You can ask a mentor once an admin has approved your question"

    public static func decide(_ actor: Actor, _ action: Action, _ resource: Resource, now: Date = Date()) -> Decision {
        // Privacy first (the one rule, `Visibility`): what an actor cannot read does not exist for them.
        if let thread = resource.thread, !canSee(actor, thread) { return .notFound }
        if case .post(let post) = resource, !Visibility.mayReadText(actor, post) { return .notFound }

        if action == .read { return .allowed }
        guard actor.isSignedIn else { return .denied("Sign in to do that") }
        if isWrite(action), actor.isSuspended(at: now) { return .denied(suspensionMessage(actor)) }

        switch (action, resource) {
        case (.startThread, .network):
            return .allowed
        case (.startThread, .organisation(let id)):
            return belongsToSpace(actor, id) ? .allowed : .denied("Only members of that organisation, its mentors and admins can post there")
        case (.reply, .thread(let thread)):
            return replyRefusal(thread, byAdmin: isAdmin(actor)).map { .denied($0) } ?? .allowed
        case (.editPost, .post(let post)), (.deletePost, .post(let post)):
            // Everyone changes only their own posts, admins too (they hide others' instead):
            // the posting services refuse anything else, so Policy must not offer it.
            guard isOwn(actor, post.authorID) else { return .denied("You can only change your own posts") }
            if post.hidden { return .denied("This post has been hidden by a moderator") }
            if post.thread.locked, !isAdmin(actor) { return .denied("This thread is locked, so its posts cannot be changed") }
            return .allowed
        case (.editThread, .thread(let thread)):
            if isAdmin(actor) { return .allowed }
            guard isOwn(actor, thread.authorID) else { return .denied("Only the person who started a thread can change its title and topics") }
            if thread.locked { return .denied("This thread is locked, so its title and topics cannot be changed") }
            if thread.hidden { return .denied("This thread has been hidden by a moderator") }
            return .allowed
        case (.markHelpful, .post(let post)):
            if isOwn(actor, post.authorID) { return .denied("You cannot mark your own post as helpful") }
            if post.hidden || post.held { return .denied("This post cannot be marked while it is hidden or awaiting approval") }
            return .allowed
        case (.flag, .post(let post)):
            if isOwn(actor, post.authorID) { return .denied("You cannot flag your own post") }
            return post.hidden ? .denied("This post is already hidden by a moderator") : .allowed
        case (.requestMentor, .thread(let thread)):
            guard isOwn(actor, thread.authorID) || isAdmin(actor) else { return .denied("Only the person who asked can request a mentor") }
            // A mentor cannot read a held or hidden thread, so would never hear of it.
            if thread.held { return .denied(Policy.mentorsAfterApproval) }
            return thread.hidden ? .denied("This thread has been hidden by a moderator") : .allowed
        case (.acceptAnswer, .thread(let thread)):
            guard isOwn(actor, thread.authorID) || isAdmin(actor) else { return .denied("Only the person who asked can mark the answer") }
            return thread.hidden ? .denied("This thread has been hidden by a moderator") : .allowed
        case (.hide, .post), (.restore, .post), (.hide, .thread), (.restore, .thread),
             (.lockThread, .thread), (.pinThread, .thread), (.moveThread, .thread),
             (.linkMentor, .thread), (.linkMentor, .organisation),
             (.manageTopics, .network), (.manageBriefing, .network), (.manageOrganisations, .network),
             (.makeInvites, .network), (.manageSettings, .network), (.viewModerationQueue, .network):
            return isAdmin(actor) ? .allowed : .denied(adminsOnly(actor))
        case (.suspendUser, .user(let id, let role)), (.changeRole, .user(let id, let role)):
            guard isAdmin(actor) else { return .denied(adminsOnly(actor)) }
            if actor.userID == id { return .denied("You cannot do that to your own account") }
            if action == .suspendUser, role == .admin { return .denied("An admin cannot be suspended; change their role first") }
            return .allowed
        default:
            return .denied("That cannot be done here")
        }
    }

    // MARK: Named predicates

    public static func isAdmin(_ actor: Actor) -> Bool { actor.isAdmin }

    /// Why an admin action is refused: to an admin who has not turned on the two-factor sign-in
    /// the instance requires, what to do (they would otherwise read "Only admins can do that").
    public static func adminsOnly(_ actor: Actor) -> String {
        actor.adminWithoutTwoFactor
            ? "This network requires admins to use two-factor sign-in. Turn it on (Your account, Two-factor sign-in) to use the admin pages"
            : "Only admins can do that"
    }

    public static func isOwn(_ actor: Actor, _ authorID: Int64) -> Bool { actor.userID == authorID }

    /// Why someone who may read `thread` may not reply to it, or nil: hidden; locked, or turned
    /// down while awaiting approval, except for an admin (who may still answer its author).
    /// The one rule of `.reply` past privacy and suspension: `decide` asks it for the thread
    /// page's form (`ThreadCapabilities.reply`) and the reply route, and `Threads.reply` again
    /// inside the write that adds the reply, against the thread as it is then.
    public static func replyRefusal(_ thread: Resource.ThreadState, byAdmin: Bool) -> String? {
        if thread.hidden { return "This thread has been hidden by a moderator" }
        if byAdmin { return nil }
        if thread.locked { return "This thread is locked, so no one can reply" }
        if thread.turnedDown { return turnedDownNoReplies }
        return nil
    }

    /// Why a thread turned down while awaiting approval takes no replies (but an admin's).
    public static let turnedDownNoReplies = "An admin turned this question down, so it takes no replies"

    /// A member of the organisation (confirmed), a mentor actively linked to it, or an admin.
    public static func belongsToSpace(_ actor: Actor, _ organisationID: Int64) -> Bool {
        Visibility.belongsToSpace(actor, organisationID)
    }

    /// Whether the thread exists for the actor: the one visibility rule (`Visibility.mayRead`).
    public static func canSee(_ actor: Actor, _ thread: Resource.ThreadState) -> Bool {
        Visibility.mayRead(actor, thread)
    }

    public static func canPost(_ actor: Actor, now: Date = Date()) -> Bool {
        decide(actor, .startThread, .network, now: now).isAllowed
    }

    public static func canReply(_ actor: Actor, to thread: Resource.ThreadState, now: Date = Date()) -> Bool {
        decide(actor, .reply, .thread(thread), now: now).isAllowed
    }

    public static func canEdit(_ actor: Actor, _ post: Resource.PostState, now: Date = Date()) -> Bool {
        decide(actor, .editPost, .post(post), now: now).isAllowed
    }

    /// Following a thread or topic and saving a post change only the reader's own lists, so
    /// they count as reading: any signed-in reader may, a suspended one too (docs/visibility.md).
    public static func mayKeepReadingAids(_ actor: Actor) -> Bool { actor.isSignedIn }

    /// Everything but reading changes something, so a suspended account may do none of it.
    static func isWrite(_ action: Action) -> Bool { action != .read }

    /// "Your account is suspended until 3 March 2026 at 14:00 UTC: reason."
    public static func suspensionMessage(_ actor: Actor) -> String {
        guard let until = actor.suspendedUntil else { return "Your account is suspended" }
        let reason = actor.suspensionReason.map { ": \($0)" } ?? ""
        return "Your account is suspended until \(suspensionEnd(until))\(reason). You can still read the network"
    }

    /// The one line a page shows where a suspended account's actions would be (issue 18):
    /// "Your account is suspended until 3 March 2026 at 14:00 UTC, so you cannot post, reply,
    /// flag or mark posts. Reason: spam. You can still read, follow and save."
    public static func suspensionNotice(_ actor: Actor) -> String {
        let until = actor.suspendedUntil.map { " until \(suspensionEnd($0))" } ?? ""
        let reason = actor.suspensionReason.flatMap { $0.isEmpty ? nil : " Reason: \($0.hasSuffix(".") ? $0 : $0 + ".")" } ?? ""
        return "Your account is suspended\(until), so you cannot post, reply, flag or mark posts.\(reason) You can still read, follow threads and save posts."
    }

    static func suspensionEnd(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMMM yyyy 'at' HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}

extension Resource {
    /// The thread whose privacy governs this resource, if any.
    var thread: ThreadState? {
        switch self {
        case .thread(let thread): thread
        case .post(let post): post.thread
        default: nil
        }
    }
}
