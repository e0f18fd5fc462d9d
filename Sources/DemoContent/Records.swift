import Board
import Database
import Foundation

/// Row-level inserts for the demo seed, the scale seed and tests' fixtures. Each one is a single
/// statement with bound parameters and checks no policy: the board's services write through their
/// own code, never through these.
extension Connection {
    public func insertOrganisation(slug: String, name: String, kind: String, description: String,
                                   website: String?, region: String, at date: Date) throws -> Int64 {
        try run("""
            INSERT INTO organisations(slug, name, kind, description, website, region, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, slug, name, kind, description, website, region, date)
        return lastInsertedRowID
    }

    public func insertUser(handle: String, displayName: String, email: String, passwordHash: String,
                           role: String, organisationID: Int64?, bio: String, at date: Date) throws -> Int64 {
        try run("""
            INSERT INTO users(handle, display_name, email, password_hash, role, organisation_id, bio, created_at, email_confirmed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?8)
            """, handle, displayName, email, passwordHash, role, organisationID, bio, date)
        return lastInsertedRowID
    }

    public func insertTopic(slug: String, name: String, description: String, position: Int) throws -> Int64 {
        try run("INSERT INTO topics(slug, name, description, position) VALUES (?, ?, ?, ?)",
                slug, name, description, position)
        return lastInsertedRowID
    }

    /// A new thread with its opening post (position 1) and its topics.
    /// - Returns: the thread's id and the opening post's id.
    public func insertThread(title: String, authorID: Int64, organisationID: Int64?, briefingItemID: Int64? = nil,
                             topicIDs: [Int64], body: String, at date: Date) throws -> (thread: Int64, post: Int64) {
        try run("""
            INSERT INTO threads(title, slug, author_id, organisation_id, briefing_item_id, created_at, last_activity_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, title, Slug.make(title), authorID, organisationID, briefingItemID, date, date)
        let threadID = lastInsertedRowID
        for topicID in topicIDs {
            try run("INSERT INTO thread_topics(thread_id, topic_id) VALUES (?, ?)", threadID, topicID)
        }
        let postID = try insertPost(threadID: threadID, authorID: authorID, body: body, at: date)
        return (threadID, postID)
    }

    /// A post at the end of `threadID`; the triggers update the thread's counters.
    public func insertPost(threadID: Int64, authorID: Int64, body: String, replyTo: Int64? = nil, at date: Date) throws -> Int64 {
        try run("""
            INSERT INTO posts(thread_id, author_id, position, reply_to_post_id, body_markdown, body_html, renderer_version, created_at)
            VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, ?4, ?5, ?6, ?7)
            """, threadID, authorID, replyTo, body, PlainTextRenderer.render(body), PlainTextRenderer.version, date)
        return lastInsertedRowID
    }
}
