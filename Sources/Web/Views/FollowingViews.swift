import Board
import Foundation
import HTTPServer

/// The thread page's follow / mute buttons (`Templates/thread-follow.mustache`): the board's
/// `ThreadView` answers `follow` with `.object(ThreadFollowView(...))` for a signed-in reader.
struct ThreadFollowView: KeyedTemplateRenderable {
    var threadID: Int64
    /// nil: not following; false: following; true: muted.
    var state: Bool?
    var csrfToken: String

    enum Key: String, CaseIterable, Sendable { case followURL, following, muted, notFollowing, streamURL, csrfToken }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .followURL: .text("/t/\(threadID)/follow")
        case .following: .bool(state == false)
        case .muted: .bool(state == true)
        case .notFollowing: .bool(state == nil)
        case .streamURL: .text("/t/\(threadID)/live")
        case .csrfToken: .text(csrfToken)
        }
    }
}

struct SavedView: KeyedTemplateRenderable {
    var posts: [SavedPost]

    /// The words of a saved post's first 200 characters of Markdown on one line, without its
    /// markup or what it quotes (`Markdown.excerpt`); "…" when the post goes on.
    static func excerpt(_ markdownStart: String) -> String {
        let text = Markdown.excerpt(markdownStart, limit: 160)
        return markdownStart.count >= 200 && !text.hasSuffix("…") ? text + "…" : text
    }
    enum Key: String, CaseIterable, Sendable { case saved, hasSaved }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .hasSaved: .bool(!posts.isEmpty)
        case .saved:
            .list(posts.map { post in
                let page = (post.position - 1) / PageQueries.postsPerPage + 1
                return [
                    "url": .text(BoardPaths.thread(id: post.threadID, slug: post.threadSlug) + (page > 1 ? "?page=\(page)" : "") + "#post-\(post.postID)"),
                    "title": .text(post.threadTitle), "authorName": .text(post.authorName),
                    "excerpt": .text(Self.excerpt(post.excerpt)),
                    "bookmarkURL": .text("/p/\(post.postID)/bookmark"),
                ]
            })
        }
    }
}

struct FollowingView: KeyedTemplateRenderable {
    var items: [FollowedItem]
    enum Key: String, CaseIterable, Sendable { case topics, hasTopics, threads, hasThreads }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .hasTopics: .bool(items.contains(where: \.isTopic))
        case .hasThreads: .bool(items.contains { !$0.isTopic })
        case .topics:
            .list(items.filter(\.isTopic).map { ["url": .text(BoardPaths.topic($0.slug)), "name": .text($0.title),
                                                 "followURL": .text("/topics/\($0.slug)/follow")] })
        case .threads:
            .list(items.filter { !$0.isTopic }.map { ["url": .text(BoardPaths.thread(id: $0.id, slug: $0.slug)), "title": .text($0.title),
                                                      "muted": .bool($0.muted), "followURL": .text("/t/\($0.id)/follow")] })
        }
    }
}
