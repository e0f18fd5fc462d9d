import Board
import Foundation
import HTTPServer

/// Paths of the board's pages, in one place.
enum BoardPaths {
    static func thread(id: Int64, slug: String) -> String { "/t/\(id)-\(slug)" }
    static func topic(_ slug: String) -> String { "/topics/\(slug)" }
    static func organisation(_ slug: String) -> String { "/o/\(slug)" }
    static func user(_ handle: String) -> String { "/u/\(handle.lowercased())" }
}
