import Database
import Foundation
import Testing
import TestSupport
@testable import Board
@testable import DemoContent

/// Runs the `mutuals` executable (built on first use) and returns its exit status and output.
func runMutuals(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try MutualsExecutable.url()
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite("mutuals migrate, demo, check, backup", .timeLimit(.minutes(2)))
struct CLITests {
    @Test func theStorageCommandsWorkEndToEnd() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let migrate = try runMutuals(["migrate", "--data", directory])
        #expect(migrate.status == 0)
        #expect(migrate.output.contains("from version 0 to \(Schema.migrations.count)"))
        #expect(try runMutuals(["migrate", "--data", directory]).output.contains("up to date"))

        let demo = try runMutuals(["demo", "--data", directory])
        #expect(demo.status == 0)
        for handle in ["sam_okafor", "helen_marsh", "network_admin"] {
            #expect(demo.output.contains(handle))
        }
        #expect(demo.output.components(separatedBy: "password: ").count == 4)
        let again = try runMutuals(["demo", "--data", directory])
        #expect(again.status != 0)
        #expect(again.output.contains("already has data"))

        let check = try runMutuals(["check", "--data", directory])
        #expect(check.status == 0)
        #expect(check.output.contains("ok"))

        let backupPath = directory + "/copy.sqlite3"
        let backup = try runMutuals(["backup", "--data", directory, "--to", backupPath])
        #expect(backup.status == 0)
        let copy = try Store(path: backupPath)
        let users = try copy.read { try $0.scalar(Int.self, "SELECT count(*) FROM users") }
        copy.close()
        #expect(users == Demo.people.count)

        // Break a foreign key behind the schema's back: check must say so and fail.
        let connection = try Connection(path: Storage.databasePath(dataDirectory: directory), role: .writer)
        try connection.execute("PRAGMA foreign_keys = OFF")
        try connection.run("UPDATE posts SET author_id = 999999 WHERE id = 1")
        let broken = try runMutuals(["check", "--data", directory])
        #expect(broken.status == 1)
        #expect(broken.output.contains("problem: foreign key: posts"))
    }

    @Test func checkRefusesAMissingDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try runMutuals(["check", "--data", directory])
        #expect(result.status != 0)
        #expect(result.output.contains("no database"))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    /// A --data that is a file, or cannot be made, is named (it was an NSCocoaErrorDomain dump).
    @Test func aDataFolderThatCannotBeUsedIsNamed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        let onAFile = try runMutuals(["migrate", "--data", file])
        #expect(onAFile.status != 0)
        #expect(onAFile.output.contains("Cannot use \(file) as the data folder (--data): it is a file, not a folder."), "\(onAFile.output)")
        let below = try runMutuals(["migrate", "--data", file + "/data"])
        #expect(below.status != 0)
        #expect(below.output.contains("Cannot use \(file)/data as the data folder (--data): it cannot be made"), "\(below.output)")
        #expect(!below.output.contains("NSCocoaErrorDomain"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a folder")
    }
}
