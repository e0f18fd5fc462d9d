import Foundation

/// The one rule of who may read a thread and a post. Every read path asks it: the SQL
/// fragments below for queries (lists, pages, search, feeds, counts, notifications, streams),
/// and `mayRead` for single decisions (`Policy.decide(_, .read, _)`). `VisibilityRuleTests`
/// keeps the two equal over generated networks.
///
/// A **thread** may be read when all of these hold:
/// - **space**: it is public, or the reader is an admin, or a member of its organisation whose
///   membership an admin has confirmed, or a mentor (role `mentor` now, so a demoted mentor loses
///   it) with an active mentorship of that organisation;
/// - **approval**: its opening post is not awaiting approval (`threads.held`), or the reader
///   wrote it, or is an admin;
/// - **moderation**: it is not hidden, or the reader wrote it, or is an admin.
///
/// A **post's text** may be read when its thread may, and it is neither awaiting approval nor
/// hidden, or the reader wrote it, or is an admin. (Readers of the thread see that a hidden post
/// was there and why, not its text.)
///
/// Suspension does not change what an account may read: a suspended member keeps reading the
/// network and their own space while they may not write (`Policy.suspensionMessage` says so).
/// A deleted account reads nothing beyond what a visitor reads; it cannot sign in, and it is
/// never a recipient of anything.
///
/// Lists are narrower than the rule, never wider: they leave out hidden threads even for those
/// who may open them.
public enum Visibility {
    /// Who is reading, as SQL expressions (parameters or columns).
    struct ReaderSQL {
        /// The reader's confirmed organisation id, or NULL.
        let organisation: String
        /// 1 when the reader is an admin.
        let isAdmin: String
        /// The reader's user id, or NULL for a visitor.
        let user: String
        /// 1 when the reader currently has the mentor role.
        let isMentor: String
    }

    /// A reader given as statement parameters: `?1` confirmed organisation, `?2` is-admin, `?3` user id
    /// (`PageQueries.viewerArguments`). Whether `?3` is a mentor is read from `users`, so a role
    /// change counts at once.
    static let viewerParameters = ReaderSQL(
        organisation: "?1", isAdmin: "?2", user: "?3",
        isMentor: "EXISTS (SELECT 1 FROM users vr WHERE vr.id = ?3 AND vr.role = 'mentor' AND vr.deleted_at IS NULL)")

    /// A reader given as a `users` row aliased `alias` (a notification's recipient). An admin
    /// reads as one only while they may act as one (`Actor.actsAsAdminSQL`: where the instance
    /// requires two-factor for admins, not before they turn it on), as their requests do.
    static func userRow(_ alias: String) -> ReaderSQL {
        ReaderSQL(organisation: confirmedOrganisation(alias),
                  isAdmin: Actor.actsAsAdminSQL(alias), user: "\(alias).id", isMentor: "(\(alias).role = 'mentor')")
    }

    /// SQL: the organisation of the `users` row aliased `alias` once an admin has confirmed it,
    /// else NULL. The one answer to "which organisation is this person's": it opens a private
    /// space (`userRow`), and it is the only one others are shown or that anything is matched
    /// on (a mentor's card and headline, an organisation page's members' threads and linked
    /// mentors, a mentor's "from your pathfinder"). An organisation a person chose themselves
    /// waits for an admin (`Moderation.answerMembership`) and is theirs alone until then.
    static func confirmedOrganisation(_ alias: String) -> String {
        "(CASE WHEN \(alias).organisation_confirmed = 1 THEN \(alias).organisation_id END)"
    }

    /// SQL condition: the space of organisation `organisation` (an SQL expression; NULL for the
    /// public network) may be read by `reader`.
    static func spaceReadable(by reader: ReaderSQL, organisation o: String) -> String {
        """
        (\(o) IS NULL OR \(reader.isAdmin) OR \(o) = \(reader.organisation)
         OR (\(reader.isMentor) AND EXISTS (SELECT 1 FROM mentorships vm WHERE vm.mentor_id = \(reader.user)
               AND vm.organisation_id = \(o) AND vm.ended_at IS NULL)))
        """
    }

    /// SQL condition: thread `t` may be read by `reader`.
    static func threadReadable(by reader: ReaderSQL, thread t: String = "t") -> String {
        """
        (\(spaceReadable(by: reader, organisation: "\(t).organisation_id"))
         AND (\(t).held = 0 OR \(t).author_id = \(reader.user) OR \(reader.isAdmin))
         AND (\(t).hidden = 0 OR \(t).author_id = \(reader.user) OR \(reader.isAdmin)))
        """
    }

    /// SQL condition: post `p` (whose thread is already known readable) may have its text read.
    static func postTextReadable(by reader: ReaderSQL, post p: String = "p") -> String {
        """
        ((\(p).held_for_approval = 0 AND \(p).hidden = 0) OR \(p).author_id = \(reader.user) OR \(reader.isAdmin))
        """
    }

    /// SQL condition: post `p` (whose thread is already known readable) is listed on its
    /// thread's page: a post awaiting approval is listed to its author and admins alone.
    static func postListed(by reader: ReaderSQL, post p: String = "p") -> String {
        "(\(p).held_for_approval = 0 OR \(p).author_id = \(reader.user) OR \(reader.isAdmin))"
    }

    /// The page reader's condition on the space of `organisation` (parameters ?1–?3).
    static func spaceReadableByViewer(organisation: String) -> String {
        spaceReadable(by: viewerParameters, organisation: organisation)
    }
    /// The page reader's condition on thread `t` (parameters ?1–?3).
    static let threadReadableByViewer = threadReadable(by: viewerParameters)
    /// The page reader's condition on post `p`'s text (parameters ?1–?3).
    static let postTextReadableByViewer = postTextReadable(by: viewerParameters)
    /// The page reader's condition on post `p`'s place in the thread's list (parameters ?1–?3).
    static func postListedByViewer(post p: String = "p") -> String { postListed(by: viewerParameters, post: p) }
    /// Recipient `u` may read thread `t`; `u` must not be deleted.
    static let threadReadableByRecipient = "(u.deleted_at IS NULL AND \(threadReadable(by: userRow("u"))))"

    /// The same rule for one decision: may `reader` read `thread`?
    public static func mayRead(_ reader: Actor, _ thread: Resource.ThreadState) -> Bool {
        if let organisation = thread.organisationID, !belongsToSpace(reader, organisation) { return false }
        return mayReadInSpace(held: thread.held, hidden: thread.hidden, authorID: thread.authorID,
                              userID: reader.userID, isAdmin: reader.isAdmin)
    }

    /// The approval and moderation parts of the rule: may a reader who may read the thread's
    /// space (always, for a public thread) read it?
    public static func mayReadInSpace(held: Bool, hidden: Bool, authorID: Int64, userID: Int64?, isAdmin: Bool) -> Bool {
        let isAuthor = userID != nil && userID == authorID
        if held, !(isAuthor || isAdmin) { return false }
        if hidden, !(isAuthor || isAdmin) { return false }
        return true
    }

    /// The space part of the rule: an admin, a confirmed member of the organisation, or someone
    /// who is a mentor now with an active mentorship of it. (`Actor.load` fills
    /// `organisationID` only when confirmed and `mentoredOrganisations` only for mentors.)
    public static func belongsToSpace(_ reader: Actor, _ organisationID: Int64) -> Bool {
        reader.isAdmin || reader.organisationID == organisationID
            || (reader.isMentor && reader.mentoredOrganisations.contains(organisationID))
    }

    /// Who may read a thread in the public network, in the compose form's words: with "require
    /// sign-in to read" on (`Setting.requireSignInToRead`), every signed-in member; otherwise
    /// anyone on the web, signed in or not.
    public static func publicReaders(signInRequired: Bool) -> String {
        signInRequired ? "Every signed-in member of the network" : "Anyone, including people who are not signed in"
    }

    /// May `reader` read `post`'s text? Its thread must be readable too.
    public static func mayReadText(_ reader: Actor, _ post: Resource.PostState) -> Bool {
        guard mayRead(reader, post.thread) else { return false }
        return postTextReadable(held: post.held, hidden: post.hidden, authorID: post.authorID,
                                userID: reader.userID, isAdmin: reader.isAdmin)
    }

    /// The post part of the text rule (`postTextReadable(by:post:)` in Swift) for a post whose
    /// thread the reader (`userID`, nil for a visitor) may read: one neither held nor hidden, or
    /// their own, or any to an admin. The thread page applies it to posts kept as stored.
    public static func postTextReadable(held: Bool, hidden: Bool, authorID: Int64, userID: Int64?, isAdmin: Bool) -> Bool {
        (!held && !hidden) || isAdmin || (userID != nil && userID == authorID)
    }

    /// `postListed(by:post:)` in Swift, for a post of a thread the reader may read.
    public static func postListed(held: Bool, authorID: Int64, userID: Int64?, isAdmin: Bool) -> Bool {
        !held || isAdmin || (userID != nil && userID == authorID)
    }
}
