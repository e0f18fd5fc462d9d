import HTTPServer

/// The word after an action (issue 18). A handler that finishes an action redirects back to the
/// page the person acted from with `?notice=KEY` (`SiteNotice.path`), and the layout shows the
/// text in a GOV.UK success banner at the top of the main content (`notice-banner` partial).
/// Only these fixed texts can appear, so the parameter cannot put words on the page. Pages
/// with their own `?done=` notices (the thread page's `ThreadNotice`, the users page) keep them.
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
    case mentorshipStarted = "mentorship-started"
    case mentorshipEnded = "mentorship-ended"
    case roleChanged = "role-changed"
    case mentorsAsked = "mentors-asked"
    case adminsAskedForMentor = "admins-asked-for-mentor"
    case profileSaved = "profile-saved"
    case briefingAdded = "briefing-added"
    case briefingSaved = "briefing-saved"
    case postSaved = "post-saved"
    case savedPostRemoved = "saved-post-removed"
    case declined
    case organisationConfirmed = "organisation-confirmed"
    case organisationDeclined = "organisation-declined"
    case organisationDeclinedKept = "organisation-declined-kept"

    var text: String {
        switch self {
        case .postWaits: "Your post has been sent. As you are new, an admin checks it before others can see it; the admins have been told, and you will get a notification when it is approved."
        case .postApproved: "Post approved. Everyone who can read the thread sees it now, and its author has been told."
        case .postHidden: "Post hidden. Readers see the reason in its place, and its author has been told."
        case .postRestored: "Post restored. Everyone who can read the thread can read it again, and its author has been told."
        case .flagsDismissed: "Flags dismissed. The post stays as it was."
        case .postDeleted: "Post deleted."
        case .ownPostDeleted: "Your post has been deleted. The thread shows that a post was removed by its author."
        case .flagged: "Thank you for flagging the post. An admin will look at it."
        case .alreadyFlagged: "You have already flagged this post. An admin will look at it."
        case .flagHidPost: "Thank you. Several members flagged this post, so it is hidden until an admin looks at it."
        case .signedOut: "You have signed out."
        case .mentorshipStarted: "Mentorship started. The mentor can now read the pathfinder’s private space."
        case .mentorshipEnded: "Mentorship ended."
        case .roleChanged: "Role changed."
        case .mentorsAsked: "Mentors asked. They have been told, and you will hear when they reply."
        case .adminsAskedForMentor: "The admins have been asked to link a mentor to your pathfinder. You will hear when they do."
        case .profileSaved: "Your mentor profile has been saved."
        case .briefingAdded: "Briefing item added."
        case .briefingSaved: "Briefing item saved."
        case .postSaved: "Post saved. You will find it under Saved posts on your account page."
        case .savedPostRemoved: "Post removed from your saved posts."
        case .declined: "Declined. The asker has been told."
        case .organisationConfirmed: "Membership confirmed. The member has been told and can now read the organisation’s private space."
        case .organisationDeclined: "Request declined. The member has been told."
        case .organisationDeclinedKept: "Request declined. The member has been told, and remains a member of the organisation they had before."
        }
    }

    /// `path` with `?notice=KEY` added before any `#fragment`.
    static func path(_ path: String, _ notice: SiteNotice) -> String {
        var base = Substring(path)
        var fragment: Substring = ""
        if let hash = path.firstIndex(of: "#") {
            base = path[..<hash]
            fragment = path[hash...]
        }
        return base + (base.contains("?") ? "&" : "?") + "notice=" + notice.rawValue + fragment
    }

    /// The notice a GET asks to show (`?notice=`), if it is one of ours.
    static func of(_ request: Request) -> SiteNotice? {
        guard request.method == .get || request.method == .head,
              let value = (try? request.queryItems())?.last(where: { $0.name == "notice" })?.value else { return nil }
        return SiteNotice(rawValue: value)
    }
}
