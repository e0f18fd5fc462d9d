import Database
import Foundation

/// What a reader does to a thread they can read.
public enum ThreadFollowing: Sendable {
    case follow, mute, unfollow
}

/// Following threads and topics, muting threads and bookmarks (issue 8). Each change is checked
/// against what the viewer may read; a thread, topic or post they cannot see answers nil.
public struct FollowingService: Sendable {
    let store: Store

    /// Follows, mutes or stops following a thread the viewer can read.
    /// - Returns: the thread's slug, or nil when there is no such thread for them.
    public func setThread(_ threadID: Int64, _ change: ThreadFollowing, viewer: Viewer, now: Date = Date()) throws -> String? {
        guard let userID = viewer.userID else { return nil }
        return try store.write { tx in
            guard let slug = try Bookmarks.readableThreadSlug(tx, threadID: threadID, viewer: viewer) else { return nil }
            switch change {
            case .follow: try Subscriptions.setThread(tx, userID: userID, threadID: threadID, muted: false, now: now)
            case .mute: try Subscriptions.setThread(tx, userID: userID, threadID: threadID, muted: true, now: now)
            case .unfollow: try Subscriptions.unfollowThread(tx, userID: userID, threadID: threadID)
            }
            return slug
        }
    }

    /// Follows or stops following a topic in use.
    /// - Returns: false when there is no such topic.
    public func setTopic(slug: String, following: Bool, userID: Int64, now: Date = Date()) throws -> Bool {
        try store.write { tx in
            guard let topicID = try TopicsService.activeID(tx, slug: slug) else { return false }
            if following {
                try Subscriptions.followTopic(tx, userID: userID, topicID: topicID, now: now)
            } else {
                try Subscriptions.unfollowTopic(tx, userID: userID, topicID: topicID)
            }
            return true
        }
    }

    /// Saves or removes a bookmark on a post the viewer can read.
    /// - Returns: false when there is no such post for them.
    public func setBookmark(postID: Int64, saved: Bool, viewer: Viewer, now: Date = Date()) throws -> Bool {
        guard let userID = viewer.userID else { return false }
        return try store.write { tx in
            guard try Bookmarks.readableThread(tx, postID: postID, viewer: viewer) != nil else { return false }
            if saved {
                try Subscriptions.bookmark(tx, userID: userID, postID: postID, now: now)
            } else {
                try Subscriptions.removeBookmark(tx, userID: userID, postID: postID)
            }
            return true
        }
    }

    public func followsTopic(userID: Int64, slug: String) throws -> Bool {
        try store.read { try Subscriptions.followsTopic($0, userID: userID, slug: slug) }
    }

    /// Whether `userID` follows (false), mutes (true) or neither (nil) the thread.
    public func threadState(userID: Int64, threadID: Int64) throws -> Bool? {
        try store.read { try Subscriptions.threadState($0, userID: userID, threadID: threadID) }
    }

    /// The posts of `threadID` that `userID` has saved.
    public func savedPostIDs(userID: Int64, threadID: Int64) throws -> Set<Int64> {
        try store.read { try Bookmarks.savedPostIDs($0, userID: userID, threadID: threadID) }
    }

    public func saved(viewer: Viewer) throws -> [SavedPost] {
        try store.read { try Bookmarks.saved($0, viewer: viewer) }
    }

    public func following(viewer: Viewer) throws -> [FollowedItem] {
        try store.read { try Bookmarks.following($0, viewer: viewer) }
    }
}
