import Board
import Database
import HTTPServer

/// The posting pages' templates (issue 5), looked up once at start.
struct PostingPages: Sendable {
    static let templateNames = ["thread-new", "thread-reply-form", "post-edit", "post-delete", "profile", "briefing-form"]

    let newThread: Template
    let editPost: Template
    let deletePost: Template
    let profile: Template
    let briefingForm: Template

    init(_ templates: TemplateLibrary) throws {
        newThread = try templates.template("thread-new")
        editPost = try templates.template("post-edit")
        deletePost = try templates.template("post-delete")
        profile = try templates.template("profile")
        briefingForm = try templates.template("briefing-form")
    }
}

struct TopicChoice: RowDecodable, Sendable {
    let slug: String
    let name: String
    init(row: Row) throws {
        slug = try row["slug"]
        name = try row["name"]
    }
}

struct SpaceChoice: RowDecodable, Sendable {
    let id: Int64
    let name: String
    init(row: Row) throws {
        id = try row["id"]
        name = try row["name"]
    }
}

/// The new-thread form: topics as checkboxes, the spaces the person may post in, a preview.
struct NewThreadView: TemplateRenderable {
    var topics: [TopicChoice]
    var selected: Set<String>
    var spaces: [SpaceChoice]
    var selectedSpace: String
    var previewHTML: String?
    /// The briefing item the thread will be about (`?briefing=ID`), if any.
    var aboutTitle: String?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "topicChoices":
            .list(topics.map { topic in
                ["slug": .text(topic.slug), "name": .text(topic.name), "checked": .bool(selected.contains(topic.slug))]
            })
        case "aboutTitle": aboutTitle.map { .text($0) }
        case "hasSpaces": .bool(!spaces.isEmpty)
        case "publicChecked": .bool(selectedSpace == "public" || !spaces.contains { String($0.id) == selectedSpace })
        case "spaceChoices":
            .list(spaces.map { space in
                ["id": .text(String(space.id)), "name": .text(space.name), "checked": .bool(String(space.id) == selectedSpace)]
            })
        case "previewHTML": previewHTML.map { .html($0) }
        default: nil
        }
    }
}

/// The thread page with what the reply form needs: whether the viewer may reply, a preview.
/// Replies go at the end, so the form is on the last page only; earlier pages link to it.
struct ReplyFormView: TemplateRenderable {
    var thread: ThreadView
    /// Follow/mute buttons and the live-update hook, for signed-in readers of the last page.
    var follow: ThreadFollowView?
    var signedIn: Bool
    var refusal: String?
    var previewHTML: String?
    var viewerHandle: String?
    /// The thread's author or an admin: may mark (or change) the accepted answer.
    var mayAccept: Bool
    var isAdmin: Bool

    init(thread: ThreadView, ctx: RequestContext, state: Resource.ThreadState, previewHTML: String?) {
        self.thread = thread
        signedIn = ctx.account != nil
        viewerHandle = ctx.account?.handle
        isAdmin = ctx.actor.isAdmin
        mayAccept = ctx.account.map { $0.handle == thread.page.thread.authorHandle || ctx.actor.isAdmin } ?? false
        if case .denied(let reason) = Policy.decide(ctx.actor, .reply, .thread(state)) { refusal = reason } else { refusal = nil }
        self.previewHTML = previewHTML
    }

    private var mayReply: Bool { signedIn && refusal == nil }
    private var onLastPage: Bool { thread.page.page == thread.page.pageCount }
    /// The last page, where the reply form is.
    private var replyPagePath: String { thread.pagePath(thread.page.pageCount) }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "replyForm": .bool(mayReply && onLastPage)
        case "mayReply": .bool(mayReply)
        case "replyURL": mayReply && !onLastPage ? .text(replyPagePath + "#reply-heading") : nil
        case "follow": follow.map { .object($0) }
        case "signInToReply": .bool(!signedIn)
        case "replyRefusal": signedIn ? refusal.map { .text($0) } : nil
        case "replyAction": .text("/t/\(thread.page.thread.id)/reply")
        case "previewHTML": previewHTML.map { .html($0) }
        case "signInURL": .text(ReturnPath.signInURL(returningTo: replyPagePath + "#reply-heading"))
        case "briefingNoteURL":
            isAdmin && thread.page.thread.organisationID == nil && thread.page.acceptedPostID != nil
                ? .text("/t/\(thread.page.thread.id)/briefing-note") : nil
        case "posts":
            .list(thread.page.posts.map { post in
                .object(PostActionsView(item: PostItemView(post: post, accepted: post.id == thread.page.acceptedPostID, viewer: thread.viewer),
                                        own: post.authorHandle == viewerHandle && !post.hidden && !post.deletedByAuthor,
                                        mayAccept: mayAccept && post.position > 1 && !post.hidden && !post.deletedByAuthor,
                                        threadID: thread.page.thread.id, replyPagePath: replyPagePath))
            })
        default: thread.templateValue(for: key)
        }
    }
}

/// A post on the thread page with the actions the viewer may take on it.
struct PostActionsView: TemplateRenderable {
    var item: PostItemView
    var own: Bool
    var mayAccept: Bool
    var threadID: Int64
    /// The thread's last page, where the reply form is (`/t/ID-slug` or `/t/ID-slug?page=N`).
    var replyPagePath: String

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "own": .bool(own)
        case "mayAccept": .bool(mayAccept)
        case "acceptAction": .text("/t/\(threadID)/accept")
        case "quoteURL": .text(replyPagePath + (replyPagePath.contains("?") ? "&" : "?") + "quote=\(item.post.id)#reply-heading")
        case "canQuote": .bool(!item.post.hidden && !item.post.deletedByAuthor)
        default: item.templateValue(for: key)
        }
    }
}
