import Board
import Foundation
import HTTPServer

/// The word after an action (issue 18), shown only to the person who acted.
///
/// A handler that finishes an action redirects back to the page the person acted from with
/// `context.redirect(path, notice: .key)`, which adds `?notice=KEY.EXPIRES.MAC` (`Notice.path`);
/// the layout shows the key's fixed text in a GOV.UK notification banner at the top of the
/// main content (`notice-banner` partial). The MAC is HMAC-SHA256, cut to 12 bytes, of the key
/// (and of the record it names, for the users page) and the expiry, under the acting browser's
/// CSRF secret (`RequestContext.csrfSecret`: its session's, or signed out its pre-session
/// cookie's). `Notice.shown` reads it back: only a MAC that verifies under the *reading*
/// request's own secret, before its expiry (`Notice.lifetime`), shows anything; a forged,
/// expired or someone else's notice shows nothing and is no error. The MAC also covers the
/// page's path, so a notice says its words only on the page it was made for. So a link cannot
/// put official-looking words on another person's page, and only fixed texts can appear at all.
/// A notice about one post of a thread page (its `subject`) is shown at that post, where the
/// browser lands (`#post-N`), instead of at the top. Pages that show a notice are never kept by
/// the visitors' `PageCache`.
enum SiteNotice: String, CaseIterable, Sendable {
    case postWaits = "post-waits"
    case postApproved = "post-approved"
    case postHidden = "post-hidden"
    case postRestored = "post-restored"
    case flagsDismissed = "flags-dismissed"
    case postDeleted = "post-deleted"
    case ownPostDeleted = "own-post-deleted"
    case flagged
    case alreadyFlagged = "already-flagged"
    case flagHidPost = "flag-hid-post"
    case signedOut = "signed-out"
    case alreadySignedIn = "already-signed-in"
    case mentorshipStarted = "mentorship-started"
    case mentorshipEnded = "mentorship-ended"
    case roleChanged = "role-changed"
    case mentorsAsked = "mentors-asked"
    case adminsAskedForMentor = "admins-asked-for-mentor"
    case adminsAskedToFindMentor = "admins-asked-to-find-mentor"
    case adminsAlreadyAsked = "admins-already-asked"
    case profileSaved = "profile-saved"
    case briefingAdded = "briefing-added"
    case briefingSaved = "briefing-saved"
    case postSaved = "post-saved"
    case savedPostRemoved = "saved-post-removed"
    case declined
    case organisationConfirmed = "organisation-confirmed"
    case organisationDeclined = "organisation-declined"
    case accountDeleted = "account-deleted"
    case accountSaved = "account-saved"
    case passwordChanged = "password-changed"
    case sessionEnded = "session-ended"
    case emailLinkWait = "email-link-wait"
    case emailAlreadyConfirmed = "email-confirmed"
    // Their pages say these themselves: the account page names the address a link went to,
    // the settings page how many settings changed, the outbox the message (`Notice.subject`),
    // the notification settings page in its own banner.
    case emailLinkSent = "email-link-sent"
    case notificationSettingsSaved = "notification-settings-saved"
    case settingsSaved = "settings-saved"
    case messageRequeued = "message-requeued"
    case messageNotFailed = "message-not-failed"
    // On the thread page, after an action on it or one of its posts.
    case threadStarted = "thread-started"
    case replyPosted = "reply-posted"
    case postEdited = "post-edited"
    case postRestoredHere = "restored"
    case newThreadDraftDiscarded = "draft-discarded"
    case replyDraftDiscarded = "reply-draft-discarded"
    case threadDetailsSaved = "details"
    case helped
    case unhelped
    case answerAccepted = "answer-accepted"
    case answerCleared = "answer-cleared"
    case threadFollowed = "following"
    case threadMuted = "muted"
    case threadUnfollowed = "not-following"
    case topicFollowed = "topic-following"
    case topicUnfollowed = "topic-not-following"
    // The admin thread tools.
    case threadLocked = "locked"
    case threadUnlocked = "unlocked"
    case threadPinned = "pinned"
    case threadUnpinned = "unpinned"
    case threadHidden = "thread-hidden"
    case threadRestored = "thread-restored"
    case threadRenamed = "renamed"
    case threadMoved = "moved"
    case threadTopicsChanged = "topics-changed"
    case slowModeSet = "slow-mode"
    case slowModeOff = "slow-mode-off"
    // The users page says these itself, naming the user (`Notice.subject`) as they are now.
    case userSuspended = "suspended"
    case userLifted = "lifted"
    case userRoleChanged = "role"
    // Why the sign-in page was shown instead of the page asked for.
    case signInNeeded = "sign-in"
    case signInForSaved = "sign-in-saved"
    case signInForFollowing = "sign-in-following"
    case signInForNotifications = "sign-in-notifications"
    case signInForAccount = "sign-in-account"
    case signInForAdmin = "sign-in-admin"
    case stoppedFollowingThread = "stopped-following-thread"
    case stoppedFollowingTopic = "stopped-following-topic"
    case threadUnmuted = "thread-unmuted"
    case organisationDeclinedKept = "organisation-declined-kept"
    // The admin topics, organisations and invites pages.
    case topicCreated = "topic-created"
    case topicSaved = "topic-saved"
    case topicMoved = "topic-moved"
    case topicRetired = "topic-retired"
    case topicRestored = "topic-restored"
    case organisationCreated = "organisation-created"
    case organisationSaved = "organisation-saved"
    case inviteRevoked = "invite-revoked"
    /// The invites page says this itself, with the new invite's link once (`AdminRoutes.invites`).
    case inviteMade = "invite-made"

    /// The banner's text; nil for the notices their page words itself (the users page, the
    /// account page's address, the settings count, the outbox message, the new invite's link).
    var text: String? {
        switch self {
        case .postWaits: "Your post has been sent. As you are new, an admin checks it before others can see it; the admins have been told, and you will get a notification when it is approved."
        case .postApproved: "Post approved. Everyone who can read the thread sees it now, and its author has been told."
        case .postHidden: "Post hidden. Readers see the reason in its place, and its author has been told."
        case .postRestored: "Post restored. Everyone who can read the thread can read it again, and its author has been told."
        case .flagsDismissed: "Flags dismissed. The post stays as it was."
        case .postDeleted: "Post deleted."
        case .ownPostDeleted: "Your post has been deleted. The thread shows that a post was removed by its author."
        case .alreadySignedIn: "You are signed in, so no new account was made. To register another, sign out first."
        case .flagged: "Thank you for flagging the post. An admin will look at it."
        case .alreadyFlagged: "You have already flagged this post. An admin will look at it."
        case .flagHidPost: "Thank you. Several members flagged this post, so it is hidden until an admin looks at it."
        case .signedOut: "You have signed out."
        case .mentorshipStarted: "Mentorship started. The mentor can now read the pathfinder’s private space."
        case .mentorshipEnded: "Mentorship ended."
        case .roleChanged: "Role changed."
        case .mentorsAsked: "Mentors asked. They have been told, and you will hear when they reply."
        case .adminsAskedForMentor: "The admins have been asked to link a mentor to your pathfinder. You will hear when they do."
        case .adminsAskedToFindMentor: "The admins have been asked to find a mentor for this thread. You will get a notification when a mentor is linked to it."
        case .adminsAlreadyAsked: "You have already asked the admins about this thread, so they were not asked again (the Ask a mentor page says when). You will get a notification when a mentor is linked to it."
        case .profileSaved: "Your mentor profile has been saved."
        case .briefingAdded: "Briefing item added."
        case .briefingSaved: "Briefing item saved."
        case .postSaved: "Post saved. You will find it under Saved posts on your account page."
        case .savedPostRemoved: "Post removed from your saved posts."
        case .declined: "Declined. The asker has been told."
        case .organisationConfirmed: "Membership confirmed. The member has been told and can now read the organisation’s private space."
        case .organisationDeclined: "Request declined. The member has been told."
        case .accountDeleted: "Your account has been deleted, and you have been signed out."
        case .accountSaved: "Your changes have been saved."
        case .passwordChanged: "Your password has been changed and your other sessions have ended."
        case .sessionEnded: "That session has been signed out."
        case .emailLinkWait: "We sent a link less than a minute ago, or five today. Check your email, or try again later."
        case .emailAlreadyConfirmed: "Your email address is already confirmed."
        case .emailLinkSent, .settingsSaved, .messageRequeued, .messageNotFailed, .notificationSettingsSaved: nil
        case .threadStarted: "Your thread has been posted."
        case .replyPosted: "Reply posted."
        case .postEdited: "Your changes have been saved. Earlier versions stay in the post’s history."
        case .postRestoredHere: "Post restored. Everyone who can read this thread can read it again."
        case .newThreadDraftDiscarded: "Your draft has been discarded. The form is empty again."
        case .replyDraftDiscarded: "Your draft reply has been discarded. The reply box is empty again."
        case .threadDetailsSaved: "Title and topics saved."
        case .helped: "Marked as helpful. Thank you: marks help others find the most useful answers."
        case .unhelped: "Your helpful mark was taken back."
        case .answerAccepted: "Answer accepted. It is shown first to everyone who reads the thread."
        case .answerCleared: "The thread no longer has an accepted answer."
        case .threadFollowed: "You are following this thread. You will get a notification when someone replies."
        case .threadMuted: "Thread muted. You will not get notifications about it."
        case .threadUnfollowed: "You are no longer following this thread."
        case .topicFollowed: "You are following this topic. You will get a notification of new threads in it."
        case .topicUnfollowed: "You are no longer following this topic."
        case .threadLocked: "Thread locked. Members can no longer reply."
        case .threadUnlocked: "Thread unlocked. Members can reply again."
        case .threadPinned: "Thread pinned. It is shown at the top of its lists."
        case .threadUnpinned: "Thread unpinned."
        case .threadHidden: "Thread hidden. Only its author and admins can see it now."
        case .threadRestored: "Thread restored. Everyone who could read it can read it again."
        case .threadRenamed: "Thread renamed."
        case .threadMoved: "Thread moved. Who can read it now follows its new space."
        case .threadTopicsChanged: "Thread topics changed."
        case .slowModeSet: "Slow mode set. Members must wait between replies in this thread."
        case .slowModeOff: "Slow mode turned off."
        case .userSuspended, .userLifted, .userRoleChanged: nil
        case .signInNeeded: "You need to sign in to do that."
        case .signInForSaved: "Sign in to see your saved posts."
        case .signInForFollowing: "Sign in to see what you follow."
        case .signInForNotifications: "Sign in to see your notifications."
        case .signInForAccount: "Sign in to see your account."
        case .signInForAdmin: "Sign in as an admin to use the admin pages."
        case .stoppedFollowingThread: "You have stopped following the thread. Its new replies will not be in your notifications."
        case .stoppedFollowingTopic: "You have stopped following the topic. New threads in it will not be in your notifications."
        case .threadUnmuted: "Thread unmuted. Follow it again from the thread if you want its replies in your notifications."
        case .organisationDeclinedKept: "Request declined. The member has been told, and remains a member of the organisation they had before."
        case .topicCreated: "Topic created. Members can choose it for their threads."
        case .topicSaved: "Topic saved."
        case .topicMoved: "Topic moved. Lists of topics show the new order."
        case .topicRetired: "Topic retired. It can no longer be chosen for threads; Bring back undoes this."
        case .topicRestored: "Topic brought back. Members can choose it for their threads again."
        case .organisationCreated: "Organisation created."
        case .organisationSaved: "Organisation saved."
        case .inviteRevoked: "Invite revoked. Its link no longer works."
        case .inviteMade: nil
        }
    }

    /// A success (green, "Success") or, for the sign-in reasons, an important notice ("Important").
    var isSuccess: Bool {
        switch self {
        case .signInNeeded, .signInForSaved, .signInForFollowing, .signInForNotifications, .signInForAccount, .signInForAdmin,
             .emailLinkWait, .emailAlreadyConfirmed, .messageNotFailed: false
        default: true
        }
    }

    /// Why a visitor sent to sign in from `path` (a GET's path and query, or nil) is there.
    static func signInReason(for path: String?) -> SiteNotice {
        guard let path else { return .signInNeeded }
        let bare = path.prefix { $0 != "?" && $0 != "#" }
        func under(_ prefix: String) -> Bool { bare == prefix || bare.hasPrefix(prefix + "/") }
        if under("/saved") { return .signInForSaved }
        if under("/following") { return .signInForFollowing }
        if under("/notifications") { return .signInForNotifications }
        if under("/account") { return .signInForAccount }
        if under("/admin") { return .signInForAdmin }
        return .signInNeeded
    }
}

/// One notice to show: its fixed text's key and, for the users page, the user it is about.
/// `path` builds the redirect target and `shown` reads it back: the one rule for every notice.
struct Notice: Equatable, Sendable {
    let key: SiteNotice
    /// The record the text names (the users page: the user acted on), read when it is shown.
    var subject: Int64? = nil

    init(_ key: SiteNotice, subject: Int64? = nil) {
        self.key = key
        self.subject = subject
    }

    static let parameter = "notice"
    /// Seconds a notice link shows its banner: long enough to land and reload, short enough
    /// that an old link copied from the address bar says nothing.
    static let lifetime: TimeInterval = 600
    /// Bytes of HMAC-SHA256 kept: 96 bits, which no one can guess online.
    static let macLength = 12

    /// `path` with this notice, signed for the browser whose CSRF secret is `secret`, as its
    /// `notice` parameter (any notice already there is dropped), before any `#fragment`.
    func path(_ path: String, secret: [UInt8], now: Date) -> String {
        var base = Substring(path)
        var fragment: Substring = ""
        if let hash = path.firstIndex(of: "#") {
            base = path[..<hash]
            fragment = path[hash...]
        }
        var query: [Substring] = []
        if let mark = base.firstIndex(of: "?") {
            query = base[base.index(after: mark)...].split(separator: "&").filter { !$0.hasPrefix(Self.parameter + "=") }
            base = base[..<mark]
        }
        let expires = Int64(now.timeIntervalSince1970 + Self.lifetime)
        let fields = [key.rawValue] + (subject.map { [String($0)] } ?? []) + [String(expires)]
        let value = fields.joined(separator: ".") + "." + Self.mac(fields, page: String(base), secret: secret)
        query.append(Substring(Self.parameter + "=" + value))
        return base + "?" + query.joined(separator: "&") + fragment
    }

    /// The notice a GET (or HEAD) asks to show, when it was made for the browser whose secret is
    /// `secret` and has not expired; nil otherwise, and nil is never an error.
    static func shown(in request: Request, secret: [UInt8], now: Date) -> Notice? {
        guard request.method == .get || request.method == .head,
              let value = (try? request.queryItems())?.last(where: { $0.name == parameter })?.value else { return nil }
        return verified(value, page: request.path, secret: secret, now: now)
    }

    /// `value` (`KEY[.SUBJECT].EXPIRES.MAC`) read back on `page` (the path it was made for, as
    /// sent, without the query), or nil when it does not verify.
    static func verified(_ value: String, page: String, secret: [UInt8], now: Date) -> Notice? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 4, let key = SiteNotice(rawValue: parts[0]),
              let expires = Int64(parts[parts.count - 2]), Double(expires) > now.timeIntervalSince1970,
              let sent = Digest.fromBase64URL(parts[parts.count - 1]),
              let expected = Digest.fromBase64URL(mac(Array(parts.dropLast()), page: page, secret: secret)),
              Digest.constantTimeEquals(sent, expected)
        else { return nil }
        guard parts.count == 4 else { return Notice(key) }
        guard let subject = Int64(parts[1]) else { return nil }
        return Notice(key, subject: subject)
    }

    /// base64url of the first `macLength` bytes of HMAC-SHA256("notice" ‖ NUL ‖ page ‖ NUL ‖
    /// fields joined by NUL): a notice says its words only on the page it was made for.
    private static func mac(_ fields: [String], page: String, secret: [UInt8]) -> String {
        let message = Array((["notice", page] + fields).joined(separator: "\u{0}").utf8)
        return Digest.base64URL(Array(Digest.hmacSHA256(key: secret, message: message).prefix(macLength)))
    }
}

extension RequestContext {
    /// A 303 to `path` that says `notice` there, to this browser only (`Notice`).
    func redirect(_ path: String, notice: SiteNotice, subject: Int64? = nil) -> Response {
        redirect(Notice(notice, subject: subject).path(path, secret: csrfSecret, now: now))
    }
}

extension AppContext {
    /// A 303 to `path` that says `notice` there to a browser that has just signed out (or
    /// deleted its account): signed with its pre-session secret, which it keeps (or is given
    /// now), since the session's is gone.
    func signedOutRedirect(_ request: Request, _ context: RequestContext, to path: String, notice: SiteNotice) throws -> Response {
        guard context.session != nil else { return context.redirect(path, notice: notice) }
        let presession = try CSRF.presession(for: request, cookies: context.cookies)
        var response = context.finish(.redirect(to: Notice(notice).path(path, secret: CSRF.secret(binding: presession.token), now: context.now)))
        if let cookie = presession.setCookie { response.headers.add("Set-Cookie", cookie) }
        return response
    }
}
