import Board
import Database
import Foundation
import HTTPServer

/// A person's public profile (`/u/{handle}`): name, role badge, organisation (once confirmed),
/// bio, and their recent posts in public threads. Private-space posts never appear here.
struct ProfilePage: TemplateRenderable {
    struct Person: RowDecodable {
        let id: Int64
        let handle: String
        let displayName: String
        let role: String
        let bio: String
        let organisationName: String?
        let organisationSlug: String?
        init(row: Row) throws {
            id = try row["id"]
            handle = try row["handle"]
            displayName = try row["display_name"]
            role = try row["role"]
            bio = try row["bio"]
            organisationName = try row["organisation_name"]
            organisationSlug = try row["organisation_slug"]
        }
    }

    struct RecentPost: RowDecodable {
        let postID: Int64
        let position: Int
        let threadID: Int64
        let threadTitle: String
        let threadSlug: String
        let createdAt: Date
        init(row: Row) throws {
            postID = try row["post_id"]
            position = try row["position"]
            threadID = try row["thread_id"]
            threadTitle = try row["thread_title"]
            threadSlug = try row["thread_slug"]
            createdAt = try row["created_at"]
        }
    }

    let person: Person
    let posts: [RecentPost]

    static func load(_ conn: Connection, handle: String) throws -> ProfilePage? {
        guard let person = try conn.queryOne(Person.self, """
            SELECT u.id, u.handle, u.display_name, u.role, u.bio,
                   CASE WHEN u.organisation_confirmed = 1 THEN o.name END AS organisation_name,
                   CASE WHEN u.organisation_confirmed = 1 THEN o.slug END AS organisation_slug
            FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id
            WHERE u.handle = ? AND u.deleted_at IS NULL
            """, handle) else { return nil }
        let posts = try conn.query(RecentPost.self, """
            SELECT p.id AS post_id, p.position, t.id AS thread_id, t.title AS thread_title, t.slug AS thread_slug, p.created_at
            FROM posts p JOIN threads t ON t.id = p.thread_id
            WHERE p.author_id = ? AND t.organisation_id IS NULL AND t.hidden = 0 AND t.held = 0
              AND p.hidden = 0 AND p.deleted_by_author = 0 AND p.held_for_approval = 0
            ORDER BY p.created_at DESC, p.id DESC LIMIT 20
            """, person.id)
        return ProfilePage(person: person, posts: posts)
    }

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "displayName": .text(person.displayName)
        case "handle": .text(person.handle)
        case "badge": person.role == "member" ? nil : .text(person.role == "admin" ? "Admin" : "Mentor")
        case "role": .text(person.role)
        case "bio": person.bio.isEmpty ? nil : .text(person.bio)
        case "organisation":
            person.organisationName.map { name in
                ["name": .text(name), "url": .text(BoardPaths.organisation(person.organisationSlug ?? ""))]
            }
        case "posts":
            .list(posts.map { post in
                let page = (post.position - 1) / PageQueries.postsPerPage + 1
                let base = BoardPaths.thread(id: post.threadID, slug: post.threadSlug)
                let url = (page == 1 ? base : base + "?page=\(page)") + "#post-\(post.postID)"
                return ["title": .text(post.threadTitle), "url": .text(url), "startedThread": .bool(post.position == 1),
                        "createdISO": .text(DateText.iso(post.createdAt)), "createdText": .text(DateText.human(post.createdAt))]
            })
        default: nil
        }
    }
}
