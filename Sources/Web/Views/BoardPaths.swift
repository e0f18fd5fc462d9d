import Board
import Foundation
import HTTPServer

/// Paths of the board's pages, in one place.
enum BoardPaths {
    static func thread(id: Int64, slug: String) -> String { "/t/\(id)-\(slug)" }
    static func topic(_ slug: String) -> String { "/topics/\(slug)" }
    static func organisation(_ slug: String) -> String { "/o/\(slug)" }
    static func user(_ handle: String) -> String { "/u/\(handle.lowercased())" }
    /// A post's or thread's author's profile; nil for a deleted account (`Accounts.isFormerMember`),
    /// which has none, so the name is shown without a link.
    static func author(_ handle: String) -> String? { Accounts.isFormerMember(handle: handle) ? nil : user(handle) }
    /// A mentor's profile; nil for a deleted account (no profile), as `author`.
    static func mentor(_ handle: String) -> String? { Accounts.isFormerMember(handle: handle) ? nil : "/mentors/\(handle)" }
}
