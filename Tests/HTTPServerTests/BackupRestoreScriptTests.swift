import Foundation
import Testing
import TestSupport

/// The deployment scripts in docs/deploy, run as an operator would (issue 17): nightly backups
/// of a served demo network with rotation, a restore into a fresh folder that then serves the
/// same thread, and upgrades: a database from a newer mutuals is refused.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BackupRestoreScriptTests {
    static let deploy = MutualsExecutable.packageRoot.appendingPathComponent("docs/deploy")
    static let knownTitle = "Tender asks for a £2m performance bond"

    struct Run {
        let status: Int32
        let output: String
    }

    /// Runs a script from docs/deploy with the built `mutuals` as $MUTUALS.
    static func script(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [deploy.appendingPathComponent(name).path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .merging(["MUTUALS": try MutualsExecutable.url().path]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: text)
    }

    /// Starts `mutuals serve` on `data` over plain HTTP; returns it and its port.
    static func serve(_ data: String, demo: Bool = false) throws -> (ServeCommandTests.RunningServer, Int) {
        let port = try ServeCommandTests.freePort()
        let server = try ServeCommandTests.RunningServer(arguments: ["--data", data, "--no-tls", "--port", "\(port)"] + (demo ? ["--demo"] : []))
        _ = try server.waitFor("serving http://127.0.0.1:\(port)/")
        return (server, port)
    }

    /// The first demo thread's page, following its redirect to the canonical address.
    static func readKnownThread(port: Int) throws -> ClientResponse {
        var path = "/t/1"
        for _ in 0..<3 {
            let client = try RawClient(port: port)
            try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let response = try client.readResponse()
            guard (300..<400).contains(response.status), let location = response.header("Location") else { return response }
            path = location
        }
        throw ClientError.malformed("too many redirects from /t/1")
    }

    @Test func aNightlyBackupRestoresIntoAFreshFolderThatServesTheSameThread() throws {
        let root = NSTemporaryDirectory() + "mutuals-restore-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        let backups = root + "/backups"

        // A served demo network, backed up three times while it runs; two are kept.
        let (server, port) = try Self.serve(data, demo: true)
        let original = try Self.readKnownThread(port: port)
        #expect(original.status == 200)
        #expect(original.text.contains(Self.knownTitle))
        for _ in 0..<3 {
            let backup = try Self.script("backup.sh", [data, backups], environment: ["KEEP": "2"])
            #expect(backup.status == 0, "\(backup.output)")
        }
        #expect(server.terminate() == 0)
        let kept = try FileManager.default.contentsOfDirectory(atPath: backups).sorted()
        #expect(kept.count == 2, "\(kept)")
        #expect(kept.allSatisfy { $0.hasPrefix("mutuals-") && $0.hasSuffix(".sqlite3") })
        let newest = backups + "/" + (kept.last ?? "")

        // Restore into a fresh folder: migrated, checked, then served.
        let restored = root + "/restored"
        let restore = try Self.script("restore.sh", [newest, restored])
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.output.contains("ok"))
        let (again, againPort) = try Self.serve(restored)
        let page = try Self.readKnownThread(port: againPort)
        #expect(page.status == 200)
        #expect(page.text.contains(Self.knownTitle))
        #expect(again.terminate() == 0)

        // A restore never writes over a folder that has something in it.
        let refused = try Self.script("restore.sh", [newest, restored])
        #expect(refused.status != 0)
        #expect(refused.output.contains("is not empty"))
        let missing = try Self.script("restore.sh", [root + "/no-such-backup", root + "/other"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("cannot read the backup"))
    }

    /// Upgrading: a database written by a newer mutuals is refused by serve and by restore,
    /// with a message saying so, and the file is left as it was.
    @Test func aDatabaseFromANewerVersionIsRefused() throws {
        let root = NSTemporaryDirectory() + "mutuals-newer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        let (server, _) = try Self.serve(data)
        #expect(server.terminate() == 0)
        let database = data + "/mutuals.sqlite3"
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 9999'); c.commit(); c.close()", database]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(sqlite.terminationStatus == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))

        let refused = try ServeCommandTests.RunningServer(arguments: ["--data", data, "--no-tls", "--port", "0"])
        refused.process.waitUntilExit()
        #expect(refused.process.terminationStatus != 0)
        let output = String(decoding: refused.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("schema version 9999"), "\(output)")
        #expect(output.contains("written by a newer mutuals"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)

        let restore = try Self.script("restore.sh", [database, root + "/restored"])
        #expect(restore.status != 0)
        #expect(restore.output.contains("written by a newer mutuals"), "\(restore.output)")
    }
}
