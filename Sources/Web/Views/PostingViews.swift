import Board
import Foundation
import HTTPServer

/// A post as the edit and delete pages show it.
struct PostFormView: KeyedTemplateRenderable {
    var post: EditablePost
    var previewHTML: String?
    var backURL: String

    enum Key: String, CaseIterable, Sendable { case postID, threadTitle, backURL, previewHTML }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .postID: .int(Int(post.id))
        case .threadTitle: .text(post.threadTitle)
        case .backURL: .text(backURL)
        case .previewHTML: previewHTML.map { .html($0) }
        }
    }
}

/// The posting pages' templates (issue 5), looked up once at start.
struct PostingPages: Sendable {
    static let templateNames = ["thread-new", "thread-reply-form", "post-edit", "post-delete", "profile", "briefing-form", "thread-details"]

    let newThread: Template
    let editPost: Template
    let deletePost: Template
    let profile: Template
    let briefingForm: Template
    let threadDetails: Template

    init(_ templates: TemplateLibrary) throws {
        threadDetails = try templates.template("thread-details")
        newThread = try templates.template("thread-new")
        editPost = try templates.template("post-edit")
        deletePost = try templates.template("post-delete")
        profile = try templates.template("profile")
        briefingForm = try templates.template("briefing-form")
    }
}

/// A thread's title and topics, as its author (or an admin) may fix them.
struct ThreadDetailsView: KeyedTemplateRenderable {
    var details: Threads.Details
    var topics: [TopicChoice]
    var selected: Set<String>

    enum Key: String, CaseIterable, Sendable { case threadID, threadTitle, backURL, topicChoices }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .threadID: .int(Int(details.threadID))
        case .threadTitle: .text(details.title)
        case .backURL: .text(BoardPaths.thread(id: details.threadID, slug: details.slug))
        case .topicChoices:
            .list(topics.map { topic in
                ["slug": .text(topic.slug), "name": .text(topic.name), "checked": .bool(selected.contains(topic.slug))]
            })
        }
    }
}

/// The new-thread form: topics as checkboxes, the spaces the person may post in, a preview.
struct NewThreadView: KeyedTemplateRenderable {
    var topics: [TopicChoice]
    var selected: Set<String>
    var spaces: [Space]
    var selectedSpace: String
    var previewHTML: String?
    /// The briefing item the thread will be about (`?briefing=ID`), if any.
    var aboutTitle: String?
    /// The post will wait for an admin's approval (a new member's first post).
    var postWaits = false
    /// Who reads a public thread, per the reading setting (`Visibility.publicReaders`).
    var publicReaders: String
    /// When the draft the form was filled from was saved; nil when it was not filled from one.
    var draftSavedAt: Date?
    /// The person has a draft of a new thread kept: the form offers to discard it.
    var hasDraft = false

    enum Key: String, CaseIterable, Sendable {
        case topicChoices, aboutTitle, postWaits, publicReaders, draftSavedAt, hasSpaces, publicChecked
        case spaceChoices, previewHTML, hasDraft
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .topicChoices:
            .list(topics.map { topic in
                ["slug": .text(topic.slug), "name": .text(topic.name), "checked": .bool(selected.contains(topic.slug))]
            })
        case .aboutTitle: aboutTitle.map { .text($0) }
        case .postWaits: .bool(postWaits)
        case .publicReaders: .text(publicReaders)
        case .draftSavedAt: draftSavedAt.map { .text(DateText.humanWithTime($0)) }
        case .hasSpaces: .bool(!spaces.isEmpty)
        case .publicChecked: .bool(selectedSpace == "public" || !spaces.contains { String($0.id) == selectedSpace })
        case .spaceChoices:
            .list(spaces.map { space in
                ["id": .text(String(space.id)), "name": .text(space.name), "checked": .bool(String(space.id) == selectedSpace)]
            })
        case .previewHTML: previewHTML.map { .html($0) }
        case .hasDraft: .bool(hasDraft)
        }
    }
}

/// The thread page with what the reply form needs: whether the viewer may reply, a preview.
/// Replies go at the end, so the form is on the last page only; earlier pages link to it.
///
/// A class: the renderer asks the page's model for each name through its protocol, and as a
/// struct of 576 bytes it was copied whole (`memcpy`) for each of the ~44 asks of a page
/// (docs/PERFORMANCE.md, sixteenth round).
final class ReplyFormView: KeyedTemplateRenderable {
    let thread: ThreadView
    /// Follow/mute buttons and the live-update hook, for signed-in readers of the last page.
    let follow: ThreadFollowView?
    let signedIn: Bool
    let refusal: String?
    let previewHTML: String?
    let viewerHandle: String?
    /// The thread's author or an admin: may mark (or change) the accepted answer.
    let mayAccept: Bool
    let isAdmin: Bool
    /// The posts on this page the signed-in reader has saved; nil for a visitor (no Save controls).
    let savedPostIDs: Set<Int64>?
    /// The reply will wait for an admin's approval (a new member's first post).
    let postWaits: Bool
    /// When the draft the reply box was filled from was saved; nil when it was not filled from one.
    let draftSavedAt: Date?
    /// The reader has a draft reply here (restored, or just kept by a preview or a refusal): the
    /// form offers "Discard draft", which works without JavaScript.
    let hasDraft: Bool
    /// The newest post the reader had seen before this visit: later ones are marked new.
    let seenBefore: Int64?
    /// What this reader may do here: the same `Policy` answers the handlers ask (issue 18).
    let capabilities: ThreadCapabilities

    /// The posts' kept markup (`PostBlocks`), and the token their forms carry.
    let blocks: PostBlocks
    let csrfToken: String

    init(thread: ThreadView, blocks: PostBlocks, ctx: RequestContext, state: Resource.ThreadState, previewHTML: String?,
         follow: ThreadFollowView? = nil, savedPostIDs: Set<Int64>? = nil, postWaits: Bool = false,
         draftSavedAt: Date? = nil, hasDraft: Bool = false, seenBefore: Int64? = nil) {
        self.thread = thread
        self.blocks = blocks
        csrfToken = ctx.csrfToken
        capabilities = ThreadCapabilities(ctx.actor, thread: state)
        signedIn = ctx.account != nil
        viewerHandle = ctx.account?.handle
        isAdmin = ctx.actor.isAdmin
        mayAccept = capabilities.acceptAnswer
        if case .denied(let reason) = capabilities.reply { refusal = reason } else { refusal = nil }
        self.previewHTML = previewHTML
        self.follow = follow
        self.savedPostIDs = savedPostIDs
        self.postWaits = postWaits
        self.draftSavedAt = draftSavedAt
        self.hasDraft = hasDraft
        self.seenBefore = seenBefore
        // A word about one of this page's posts (reply, edit, save, flag, "This helped") is said
        // at that post, where the browser lands (`#post-N`), not at the top of a long page.
        if let notice = ctx.notice, let subject = notice.subject, let text = notice.key.text,
           thread.page.posts.contains(where: { $0.id == subject }) {
            postNotice = (subject, text)
        } else {
            postNotice = nil
        }
    }

    /// The notice said at one post, and the post.
    private let postNotice: (post: Int64, text: String)?

    private var mayReply: Bool { signedIn && capabilities.reply.isAllowed }

    /// What this reader may do to each of `posts`, in order.
    private func capabilities(_ posts: [PostView]) -> [PostCapabilities] {
        capabilities.posts(posts.map { post in
            ThreadCapabilities.PostFacts(authorID: post.authorID, hidden: post.hidden, held: post.heldForApproval,
                                         removed: post.deletedByAuthor, opening: post.position == 1)
        })
    }
    private var onLastPage: Bool { thread.page.page == thread.page.pageCount }
    /// The last page, where the reply form is.
    private var replyPagePath: String { thread.pagePath(thread.page.pageCount) }

    /// The page's posts, each with what this reader may do to it (`PostBlocks`).
    private var postsHTML: TemplateValue {
        let replyPagePath = replyPagePath  // once, not once per post
        let viewer = thread.viewer
        let threadID = thread.page.thread.id
        let acceptedPostID = thread.page.acceptedPostID
        let posts = thread.page.posts
        return blocks.value(zip(posts, capabilities(posts)).map { post, may in
            return PostBlock(post, accepted: post.id == acceptedPostID, viewer: viewer, may: may, threadID: threadID,
                             replyPagePath: replyPagePath, saved: may.save ? savedPostIDs.map { $0.contains(post.id) } : nil,
                             isNew: post.authorHandle != viewerHandle && (seenBefore.map { post.id > $0 } ?? false),
                             notice: postNotice?.post == post.id ? postNotice?.text : nil)
        }, csrfToken: csrfToken)
    }

    enum Key: String, CaseIterable, Sendable {
        case replyForm, mayReply, replyURL, follow, signInToReply, replyRefusal, restriction, mayAskMentor, askMentorLater
        case replyAction, previewHTML, signInURL, briefingNoteURL, postWaits, draftSavedAt, hasDraft, draftThread, firstNewURL
        case threadToolsURL, siteNotice, detailsURL, postsHTML
    }
    static let templateKeys = TemplateKeys(Key.self, including: ThreadView.templateKeys)

    /// What a thread turned down while awaiting approval says where "Ask a mentor" would be.
    static let turnedDown = "An admin turned this question down, so it is not listed for others and no mentor can be asked to it; "
        + "the reason is shown on it"

    /// A thread awaiting approval whose opening post an admin hid: how a held thread is turned down.
    var turnedDown: Bool { thread.page.state.held && thread.page.posts.contains { $0.position == 1 && $0.hidden } }

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .replyForm: .bool(mayReply && onLastPage)
        case .mayReply: .bool(mayReply)
        case .replyURL: mayReply && !onLastPage ? .text(replyPagePath + "#reply-heading") : nil
        case .follow: follow.map { .object($0) }
        case .signInToReply: .bool(!signedIn)
        // A suspended reader is told once, at the top (`restriction`), with a short word here.
        case .replyRefusal:
            signedIn ? (capabilities.restriction != nil ? .text("You cannot reply while your account is suspended.") : refusal.map { .text($0) }) : nil
        case .restriction: capabilities.restriction.map { .text($0) }
        case .mayAskMentor: .bool(capabilities.requestMentor)
        // The asker (or an admin) of a thread awaiting approval, not suspended: when asking becomes possible.
        // Once its opening post is hidden (turned down), no approval is coming: said so instead.
        case .askMentorLater:
            thread.page.state.held && capabilities.restriction == nil && (isAdmin || viewerHandle == thread.page.thread.authorHandle)
                ? .text(turnedDown ? Self.turnedDown : Policy.mentorsAfterApproval) : nil
        case .replyAction: .text("/t/\(thread.page.thread.id)/reply")
        case .previewHTML: previewHTML.map { .html($0) }
        case .signInURL: .text(ReturnPath.signInURL(returningTo: replyPagePath + "#reply-heading"))
        case .briefingNoteURL:
            isAdmin && thread.page.thread.organisationID == nil && thread.page.acceptedPostID != nil
                ? .text("/t/\(thread.page.thread.id)/briefing-note") : nil
        case .postWaits: .bool(postWaits)
        case .draftSavedAt: draftSavedAt.map { .text(DateText.humanWithTime($0)) }
        case .hasDraft: .bool(hasDraft || draftSavedAt != nil)
        case .draftThread: .text(String(thread.page.thread.id))
        case .firstNewURL:
            // New as the posts' own marks count it (`isNew`): the reader's own replies are not.
            seenBefore.flatMap { seen in thread.page.posts.first { $0.id > seen && $0.authorHandle != viewerHandle } }
                .map { .text("#post-\($0.id)") }
        case .threadToolsURL: isAdmin ? .text("/admin/threads/\(thread.page.thread.id)") : nil
        // Said at the post instead (`postNotice`): the layout's banner stays empty.
        case .siteNotice: postNotice != nil ? .bool(false) : nil
        case .detailsURL:
            capabilities.editThread ? .text("/t/\(thread.page.thread.id)/details") : nil
        case .postsHTML: postsHTML
        }
    }

    func templateValue(passedOn slot: Int32, to part: Int) -> TemplateValue? {
        thread.templateValue(slot: slot)
    }
}

