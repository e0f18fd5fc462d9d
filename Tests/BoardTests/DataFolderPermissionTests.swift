import Database
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import Board

/// Issue 16, item 10: `mutuals migrate` made the data folder 0755 and the database 0644, so
/// every local user could read password hashes, TOTP secrets and private posts.
@Suite("data folder permissions", .serialized, .timeLimit(.minutes(2)))
struct DataFolderPermissionTests {
    func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : 0o7777
    }

    func everything(in directory: String) throws -> [String] {
        [directory] + (FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? [])
            .map { directory + "/" + $0 }
    }

    @Test func dataFolderIsPrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-modes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try runMutuals(["migrate", "--data", directory]).status == 0)
        #expect(try runMutuals(["demo", "--data", directory]).status == 0)
        let backup = directory + "/backup.sqlite3"
        #expect(try runMutuals(["backup", "--data", directory, "--to", backup]).status == 0)
        let paths = try everything(in: directory)
        #expect(paths.contains(backup))
        #expect(paths.contains { $0.hasSuffix(".sqlite3-wal") } || paths.contains { $0.hasSuffix(".sqlite3") })
        for path in paths {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            #expect(mode(path) == (isDirectory.boolValue ? 0o700 : 0o600), "\(path) is \(String(mode(path), radix: 8))")
        }
        #expect(try runMutuals(["check", "--data", directory]).status == 0)

        // Opened up behind its back (an older version, a copy, a hand-made folder): check fails
        // and says what to do; the next start tightens it again.
        chmod(directory, 0o755)
        chmod(Storage.databasePath(dataDirectory: directory), 0o644)
        let check = try runMutuals(["check", "--data", directory])
        #expect(check.status == 1)
        #expect(check.output.contains("mutuals.sqlite3 is 644, readable by others: run chmod 600"))
        #expect(check.output.contains("is 755, readable by others: run chmod 700"))
        #expect(try runMutuals(["migrate", "--data", directory]).status == 0)
        #expect(mode(directory) == 0o700)
        #expect(mode(Storage.databasePath(dataDirectory: directory)) == 0o600)
        #expect(try runMutuals(["check", "--data", directory]).status == 0)
    }

    @Test func openingTheStoreTightensAnOpenFolder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-modes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/old", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: directory + "/old/notes.txt", contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        chmod(directory, 0o755)
        let store = try Storage.openStore(dataDirectory: directory)
        store.close()
        #expect(try Storage.permissionProblems(dataDirectory: directory).isEmpty)
        #expect(mode(directory + "/old") == 0o700)
        #expect(mode(directory + "/old/notes.txt") == 0o600)
    }
}
