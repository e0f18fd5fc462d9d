import Board
import Foundation
import HTTPServer

/// A person's public profile (`/u/{handle}`): name, role badge, organisation (once confirmed),
/// bio, and their recent posts in public threads. Private-space posts never appear here.
struct ProfilePage: TemplateRenderable {
    let profile: Profile

    func templateValue(for key: String) -> TemplateValue? {
        let person = profile.person
        switch key {
        case "displayName": return .text(person.displayName)
        case "handle": return .text(person.handle)
        case "badge": return person.role == "member" ? nil : .text(person.role == "admin" ? "Admin" : "Mentor")
        case "role": return .text(person.role)
        case "bio": return person.bio.isEmpty ? nil : .text(person.bio)
        case "organisation":
            return person.organisationName.map { name in
                ["name": .text(name), "url": .text(BoardPaths.organisation(person.organisationSlug ?? ""))]
            }
        case "posts":
            return .list(profile.posts.map { post in
                let page = (post.position - 1) / PageQueries.postsPerPage + 1
                let base = BoardPaths.thread(id: post.threadID, slug: post.threadSlug)
                let url = (page == 1 ? base : base + "?page=\(page)") + "#post-\(post.postID)"
                return ["title": .text(post.threadTitle), "url": .text(url), "startedThread": .bool(post.position == 1),
                        "createdISO": .text(DateText.iso(post.createdAt)), "createdText": .text(DateText.human(post.createdAt))]
            })
        default: return nil
        }
    }
}
