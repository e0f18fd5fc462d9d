import Database
import DemoContent
import Foundation
@testable import Board

/// A fresh data directory with a migrated store, removed afterwards.
func withBoardStore(migrateTo version: Int? = nil, _ body: (Store, String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-boardtests-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store: Store
    if let version {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: Storage.databasePath(dataDirectory: directory), configuration: Storage.boardConfiguration())
        try store.writeWithoutTransaction { try Schema.migrator.migrate($0, upTo: version) }
    } else {
        store = try Storage.openStore(dataDirectory: directory)
    }
    defer { store.close() }
    try body(store, directory)
}

/// Fixture factories with defaults, each one insert.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_326_153_600)

    static func organisation(_ tx: Connection, slug: String = "test-pathfinder", kind: String = "pathfinder") throws -> Int64 {
        try tx.insertOrganisation(slug: slug, name: "Test \(slug)", kind: kind, description: "", website: nil,
                                  region: "Test", at: now)
    }

    static func user(_ tx: Connection, handle: String = "member", role: String = "member", organisation: Int64? = nil) throws -> Int64 {
        try tx.insertUser(handle: handle, displayName: handle.capitalized, email: "\(handle)@example.org",
                          passwordHash: "!", role: role, organisationID: organisation, bio: "", at: now)
    }

    static func topic(_ tx: Connection, slug: String = "capital-and-finance", position: Int = 1) throws -> Int64 {
        try tx.insertTopic(slug: slug, name: slug.replacingOccurrences(of: "-", with: " ").capitalized,
                           description: "", position: position)
    }

    static func thread(_ tx: Connection, author: Int64, in organisation: Int64? = nil, topics: [Int64],
                       title: String = "How did you handle the bond?", body: String = "Opening post",
                       at date: Date = now) throws -> (thread: Int64, post: Int64) {
        try tx.insertThread(title: title, authorID: author, organisationID: organisation, topicIDs: topics, body: body, at: date)
    }
}

/// Runs `body` on `count` threads at once and waits for all of them.
func concurrentlyRun(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            body(index)
            group.leave()
        }.start()
    }
    group.wait()
}
