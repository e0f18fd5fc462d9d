import Foundation

/// What one viewer may do on the network as a whole, for pages that offer it (home, welcome,
/// topic pages). Every answer comes from `Policy.decide`, the function the action's handler
/// asks too, so a page never offers what its POST would refuse (issue 18).
public struct ViewerCapabilities: Sendable, Equatable {
    /// "Start a thread", "Ask a question", "Ask in this topic" (`Action.startThread` on the network).
    public let startThread: Bool
    /// For a suspended account, the one line a page shows where its actions would be; nil otherwise.
    public let restriction: String?

    public init(_ actor: Actor, now: Date = Date()) {
        startThread = Policy.decide(actor, .startThread, .network, now: now).isAllowed
        restriction = actor.isSuspended(at: now) ? Policy.suspensionNotice(actor) : nil
    }
}

/// What one viewer may do to one thread, and to each of its posts. The thread page's view
/// takes these; the handlers ask `Policy.decide` with the same action and state.
public struct ThreadCapabilities: Sendable, Equatable {
    public let reply: Decision
    /// Change the title and topics (`Action.editThread`).
    public let editThread: Bool
    /// "Ask a mentor" (`Action.requestMentor`): the thread's author, or an admin.
    public let requestMentor: Bool
    /// Mark or change the accepted answer (`Action.acceptAnswer`).
    public let acceptAnswer: Bool
    /// Follow or mute the thread: a reading aid, kept while suspended (`Policy.mayKeepReadingAids`).
    public let follow: Bool
    /// For a suspended account, the one line the page shows instead of the actions; nil otherwise.
    public let restriction: String?

    let actor: Actor
    let thread: Resource.ThreadState
    let now: Date

    public init(_ actor: Actor, thread: Resource.ThreadState, now: Date = Date()) {
        self.actor = actor
        self.thread = thread
        self.now = now
        reply = Policy.decide(actor, .reply, .thread(thread), now: now)
        editThread = Policy.decide(actor, .editThread, .thread(thread), now: now).isAllowed
        requestMentor = Policy.decide(actor, .requestMentor, .thread(thread), now: now).isAllowed
        acceptAnswer = Policy.decide(actor, .acceptAnswer, .thread(thread), now: now).isAllowed
        follow = Policy.mayKeepReadingAids(actor) && Policy.decide(actor, .read, .thread(thread), now: now).isAllowed
        restriction = actor.isSuspended(at: now) ? Policy.suspensionNotice(actor) : nil
    }

    /// `post(...)` for each of a page's posts, in order. `Policy` reads a post's author only as
    /// whether it is the viewer (`Policy.isOwn`), so posts alike in that and in their four flags
    /// get the same answer: it is asked once for each of those (at most 32), not once a post
    /// (six `Policy.decide`s each, ~2,000 instructions a post on the thread page).
    public func posts(_ posts: [PostFacts]) -> [PostCapabilities] {
        var asked = [PostCapabilities?](repeating: nil, count: 32)
        return posts.map { post in
            let kind = (Policy.isOwn(actor, post.authorID) ? 1 : 0) | (post.hidden ? 2 : 0) | (post.held ? 4 : 0)
                | (post.removed ? 8 : 0) | (post.opening ? 16 : 0)
            if let known = asked[kind] { return known }
            let answer = self.post(authorID: post.authorID, hidden: post.hidden, held: post.held, removed: post.removed, opening: post.opening)
            asked[kind] = answer
            return answer
        }
    }

    /// What `post(...)` reads of a post.
    public struct PostFacts: Sendable {
        public let authorID: Int64
        public let hidden: Bool, held: Bool, removed: Bool, opening: Bool

        public init(authorID: Int64, hidden: Bool, held: Bool, removed: Bool, opening: Bool) {
            self.authorID = authorID
            self.hidden = hidden
            self.held = held
            self.removed = removed
            self.opening = opening
        }
    }

    /// What the viewer may do to a post of this thread.
    /// - Parameters:
    ///   - authorID: the post's author.
    ///   - hidden: hidden by a moderator.
    ///   - held: awaiting approval.
    ///   - removed: deleted by its author (nothing is left to change, flag, mark or save).
    ///   - opening: the thread's opening post (it cannot be the accepted answer).
    public func post(authorID: Int64, hidden: Bool, held: Bool, removed: Bool, opening: Bool) -> PostCapabilities {
        let state = Resource.PostState(authorID: authorID, hidden: hidden, held: held, thread: thread)
        func may(_ action: Action) -> Bool { !removed && Policy.decide(actor, action, .post(state), now: now).isAllowed }
        let readable = Policy.decide(actor, .read, .post(state), now: now).isAllowed
        return PostCapabilities(
            edit: may(.editPost), delete: may(.deletePost), flag: may(.flag),
            markHelpful: may(.markHelpful), restore: hidden && !removed && Policy.decide(actor, .restore, .post(state), now: now).isAllowed,
            hide: !hidden && !removed && Moderation.mayHide(postHeld: held, threadHeld: thread.held)
                && Policy.decide(actor, .hide, .post(state), now: now).isAllowed,
            accept: acceptAnswer && !opening && !hidden && !removed,
            quote: reply.isAllowed && readable && !hidden && !removed,
            save: Policy.mayKeepReadingAids(actor) && readable && !removed)
    }
}

/// What one viewer may do to one post (see `ThreadCapabilities.post`).
public struct PostCapabilities: Sendable, Equatable {
    public let edit: Bool
    public let delete: Bool
    public let flag: Bool
    /// "This helped".
    public let markHelpful: Bool
    public let restore: Bool
    /// Hide it, with a reason (an admin, from the thread page; `Moderation.decide`'s `.hide`
    /// asks the same: Policy, and `Moderation.mayHide` for a post awaiting approval).
    public let hide: Bool
    /// Mark as (or unmark) the accepted answer.
    public let accept: Bool
    /// Quote it in a reply (replying is allowed and its text is readable).
    public let quote: Bool
    /// Save it: a reading aid, kept while suspended.
    public let save: Bool
}
