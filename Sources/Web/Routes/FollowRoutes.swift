import Board
import Foundation
import HTTPServer

/// Following threads and topics, muting threads, bookmarks and `/saved`, `/following` (issue 8).
/// Registered from `NotificationRoutes.register`. Every POST passes `app.checkedForm` and ends
/// in a redirect back to the page it came from (`back`, a local path) or a sensible default.
enum FollowRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        router.post("/t/{id:int}/follow") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return NotificationRoutes.redirect("/sign-in", context) }
            // CSRF before anything else, so a forged request learns nothing (not even whether the thread exists).
            guard case .valid(let items) = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            guard let threadID = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let viewer = context.viewer
            guard let slug = try app.store.read({ try Bookmarks.readableThreadSlug($0, threadID: threadID, viewer: viewer) }) else {
                throw HTTPError.notFound
            }
            let threadPath = BoardPaths.thread(id: threadID, slug: slug)
            let now = Date()
            switch items["action"] {
            case "follow": try app.store.write { try Subscriptions.setThread($0, userID: userID, threadID: threadID, muted: false, now: now) }
            case "mute": try app.store.write { try Subscriptions.setThread($0, userID: userID, threadID: threadID, muted: true, now: now) }
            case "unfollow", "unmute": try app.store.write { try Subscriptions.unfollowThread($0, userID: userID, threadID: threadID) }
            default: throw HTTPError(.badRequest, "That action is not recognised.")
            }
            return NotificationRoutes.redirect(back(items, default: threadPath), context)
        }

        router.post("/topics/{slug}/follow") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return NotificationRoutes.redirect("/sign-in", context) }
            guard case .valid(let items) = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            let slug = request.parameters["slug"] ?? ""
            guard let topicID = try app.store.read({ try $0.scalar(Int64.self, "SELECT id FROM topics WHERE slug = ? AND retired = 0", slug) }) else {
                throw HTTPError.notFound
            }
            let now = Date()
            switch items["action"] {
            case "follow": try app.store.write { try Subscriptions.followTopic($0, userID: userID, topicID: topicID, now: now) }
            case "unfollow": try app.store.write { try Subscriptions.unfollowTopic($0, userID: userID, topicID: topicID) }
            default: throw HTTPError(.badRequest, "That action is not recognised.")
            }
            return NotificationRoutes.redirect(back(items, default: BoardPaths.topic(slug)), context)
        }

        router.post("/p/{id:int}/bookmark") { request in
            let context = try app.requestContext(for: request)
            guard let userID = context.account?.id else { return NotificationRoutes.redirect("/sign-in", context) }
            guard case .valid(let items) = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
            guard let postID = request.parameters.int("id").map(Int64.init) else { throw HTTPError.notFound }
            let viewer = context.viewer
            guard try app.store.read({ try Bookmarks.readableThread($0, postID: postID, viewer: viewer) }) != nil else {
                throw HTTPError.notFound
            }
            let now = Date()
            switch items["action"] {
            case "save": try app.store.write { try Subscriptions.bookmark($0, userID: userID, postID: postID, now: now) }
            case "remove": try app.store.write { try Subscriptions.removeBookmark($0, userID: userID, postID: postID) }
            default: throw HTTPError(.badRequest, "That action is not recognised.")
            }
            return NotificationRoutes.redirect(back(items, default: "/saved"), context)
        }

        router.get("/saved") { request in
            let context = try app.requestContext(for: request)
            guard context.account != nil else { return PostingRoutes.signInRedirect(context) }
            let viewer = context.viewer
            let saved = try app.store.read { try Bookmarks.saved($0, viewer: viewer) }
            return context.finish(app.pages.notifications.saved.response(InLayout(SavedView(posts: saved), context)))
        }

        router.get("/following") { request in
            let context = try app.requestContext(for: request)
            guard context.account != nil else { return PostingRoutes.signInRedirect(context) }
            let viewer = context.viewer
            let items = try app.store.read { try Bookmarks.following($0, viewer: viewer) }
            return context.finish(app.pages.notifications.following.response(InLayout(FollowingView(items: items), context)))
        }
    }

    /// `back` when it is a local path (`ReturnPath.validated`), else `fallback`: never an open redirect.
    static func back(_ items: [FormItem], default fallback: String) -> String {
        ReturnPath.validated(items["back"]) ?? fallback
    }
}

/// The thread page's follow / mute buttons (`Templates/thread-follow.mustache`): the board's
/// `ThreadView` answers `follow` with `.object(ThreadFollowView(...))` for a signed-in reader.
struct ThreadFollowView: TemplateRenderable {
    var threadID: Int64
    /// nil: not following; false: following; true: muted.
    var state: Bool?
    var csrfToken: String

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "followURL": .text("/t/\(threadID)/follow")
        case "following": .bool(state == false)
        case "muted": .bool(state == true)
        case "notFollowing": .bool(state == nil)
        case "streamURL": .text("/t/\(threadID)/live")
        case "csrfToken": .text(csrfToken)
        default: nil
        }
    }
}

struct SavedView: TemplateRenderable {
    var posts: [SavedPost]
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "saved":
            .list(posts.map { post in
                let page = (post.position - 1) / PageQueries.postsPerPage + 1
                return [
                    "url": .text(BoardPaths.thread(id: post.threadID, slug: post.threadSlug) + (page > 1 ? "?page=\(page)" : "") + "#post-\(post.postID)"),
                    "title": .text(post.threadTitle), "authorName": .text(post.authorName),
                    "excerpt": .text(post.excerpt + (post.excerpt.count >= 200 ? "…" : "")),
                    "bookmarkURL": .text("/p/\(post.postID)/bookmark"),
                ]
            })
        default: nil
        }
    }
}

struct FollowingView: TemplateRenderable {
    var items: [FollowedItem]
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "topics":
            .list(items.filter(\.isTopic).map { ["url": .text(BoardPaths.topic($0.slug)), "name": .text($0.title),
                                                 "followURL": .text("/topics/\($0.slug)/follow")] })
        case "threads":
            .list(items.filter { !$0.isTopic }.map { ["url": .text(BoardPaths.thread(id: $0.id, slug: $0.slug)), "title": .text($0.title),
                                                      "muted": .bool($0.muted), "followURL": .text("/t/\($0.id)/follow")] })
        default: nil
        }
    }
}
