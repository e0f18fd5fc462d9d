import Board
import Foundation
import HTTPServer

/// Following threads and topics, muting threads, bookmarks and `/saved`, `/following` (issue 8).
/// Every POST passes `app.checkedForm` and ends in a redirect back to the page it came from
/// (`back`, a local path) or a sensible default.
struct FollowingRoutes: RouteCollection {
    let app: AppContext
    var following: FollowingService { app.network.following }

    func register(on routes: inout Routes) throws {
        routes.post("/t/{id:int}/follow", followThread)
        routes.post("/topics/{slug}/follow", followTopic)
        routes.post("/p/{id:int}/bookmark", bookmark)
        routes.get("/saved", saved)
        routes.get("/following", followed)
    }

    func followThread(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        // CSRF before anything else, so a forged request learns nothing (not even whether the thread exists).
        guard case .valid(let items) = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
        let threadID = try request.id()
        let change: ThreadFollowing? = switch items["action"] {
        case "follow": .follow
        case "mute": .mute
        case "unfollow", "unmute": .unfollow
        default: nil
        }
        guard let change else {
            guard try app.network.reading.readableThreadSlug(id: threadID, viewer: context.viewer) != nil else { throw HTTPError.notFound }
            throw Self.unrecognised
        }
        guard let slug = try following.setThread(threadID, change, viewer: context.viewer) else { throw HTTPError.notFound }
        if items["back"] == "/following", change == .unfollow {
            return context.redirect("/following", notice: items["action"] == "unmute" ? .threadUnmuted : .stoppedFollowingThread)
        }
        let notice: SiteNotice = switch change {
        case .follow: .threadFollowed
        case .mute: .threadMuted
        case .unfollow: items["action"] == "unmute" ? .threadUnmuted : .threadUnfollowed
        }
        return context.redirect(Self.back(items, default: BoardPaths.thread(id: threadID, slug: slug)), notice: notice)
    }

    func followTopic(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard let userID = context.account?.id else { return context.signInRedirect() }
        guard case .valid(let items) = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
        let slug = request.parameters["slug"] ?? ""
        guard items["action"] == "follow" || items["action"] == "unfollow" else {
            guard try app.network.topics.id(slug: slug) != nil else { throw HTTPError.notFound }
            throw Self.unrecognised
        }
        guard try following.setTopic(slug: slug, following: items["action"] == "follow", userID: userID) else { throw HTTPError.notFound }
        if items["back"] == "/following", items["action"] == "unfollow" { return context.redirect("/following", notice: .stoppedFollowingTopic) }
        return context.redirect(Self.back(items, default: BoardPaths.topic(slug)), notice: items["action"] == "follow" ? .topicFollowed : .topicUnfollowed)
    }

    func bookmark(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        guard case .valid(let items) = try app.checkedForm(request, context) else { throw HTTPError(.forbidden, CSRF.resubmitMessage) }
        let postID = try request.id()
        guard items["action"] == "save" || items["action"] == "remove" else {
            guard try app.network.reading.canRead(postID: postID, viewer: context.viewer) else { throw HTTPError.notFound }
            throw Self.unrecognised
        }
        guard try following.setBookmark(postID: postID, saved: items["action"] == "save", viewer: context.viewer) else {
            throw HTTPError.notFound
        }
        if items["from"] == "thread" {
            return context.redirect(try app.postPath(postID), notice: items["action"] == "save" ? .postSaved : .savedPostRemoved, subject: postID)
        }
        let notice: SiteNotice = items["action"] == "save" ? .postSaved : .savedPostRemoved
        return context.redirect(Self.back(items, default: "/saved"), notice: notice)
    }

    func saved(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        let saved = try following.saved(viewer: context.viewer)
        return context.finish(app.pages.notifications.saved.response(InLayout(SavedView(posts: saved), context)))
    }

    func followed(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        guard context.account != nil else { return context.signInRedirect() }
        let items = try following.following(viewer: context.viewer)
        return context.finish(app.pages.notifications.following.response(InLayout(FollowingView(items: items), context)))
    }

    static let unrecognised = HTTPError(.badRequest, "That action is not recognised.")

    /// `back` when it is a local path (`ReturnPath.validated`), else `fallback`: never an open redirect.
    static func back(_ items: [FormItem], default fallback: String) -> String {
        ReturnPath.validated(items["back"]) ?? fallback
    }
}
