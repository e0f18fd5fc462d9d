import Database
import Foundation

/// Row-level inserts shared by the demo seed, the scale seed and tests. Each one is a single
/// statement with bound parameters; the policy checks belong to the services that call them.
extension Connection {
    func insertOrganisation(slug: String, name: String, kind: String, description: String,
                            website: String?, region: String, at date: Date) throws -> Int64 {
        try run("""
            INSERT INTO organisations(slug, name, kind, description, website, region, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, slug, name, kind, description, website, region, date)
        return lastInsertedRowID
    }

    func insertUser(handle: String, displayName: String, email: String, passwordHash: String,
                    role: String, organisationID: Int64?, bio: String, at date: Date) throws -> Int64 {
        try run("""
            INSERT INTO users(handle, display_name, email, password_hash, role, organisation_id, bio, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, handle, displayName, email, passwordHash, role, organisationID, bio, date)
        return lastInsertedRowID
    }

    func insertTopic(slug: String, name: String, description: String, position: Int) throws -> Int64 {
        try run("INSERT INTO topics(slug, name, description, position) VALUES (?, ?, ?, ?)",
                slug, name, description, position)
        return lastInsertedRowID
    }

    /// A new thread with its opening post (position 1) and its topics.
    /// - Returns: the thread's id and the opening post's id.
    func insertThread(title: String, authorID: Int64, organisationID: Int64?, briefingItemID: Int64? = nil,
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
    func insertPost(threadID: Int64, authorID: Int64, body: String, replyTo: Int64? = nil, at date: Date) throws -> Int64 {
        try run("""
            INSERT INTO posts(thread_id, author_id, position, reply_to_post_id, body_markdown, body_html, renderer_version, created_at)
            VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, ?4, ?5, ?6, ?7)
            """, threadID, authorID, replyTo, body, PlainTextRenderer.render(body), PlainTextRenderer.version, date)
        return lastInsertedRowID
    }
}

/// URL slugs: lower-case ASCII letters and digits joined by single hyphens, at most 80 long.
public enum Slug {
    public static func make(_ text: String, maximumLength: Int = 80) -> String {
        var slug = ""
        var pendingHyphen = false
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        for scalar in folded.unicodeScalars {
            let isWordCharacter = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if isWordCharacter {
                if pendingHyphen && !slug.isEmpty { slug.append("-") }
                pendingHyphen = false
                if slug.count >= maximumLength { break }
                slug.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "thread" : String(slug.prefix(maximumLength))
    }
}
