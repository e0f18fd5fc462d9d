import Dispatch
import Foundation
import HTTPServer
import Testing
import TestSupport

/// Drives the real `mutuals serve` binary: certificate on first start and reuse, the HTTPS and
/// redirect ports, and a clean exit on SIGTERM.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServeCommandTests {
    static var packageRoot: URL { MutualsExecutable.packageRoot }

    /// A port that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    final class RunningServer {
        let process = Process()
        let output = Pipe()
        var lines: [String] = []
        private var pending = ""
        private var seen = 0

        init(arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = try MutualsExecutable.url()
            if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            process.arguments = ["serve"] + arguments + [
                "--public", ServeCommandTests.packageRoot.appendingPathComponent("Public").path,
                "--templates", ServeCommandTests.packageRoot.appendingPathComponent("Templates").path,
            ]
            process.standardOutput = output
            process.standardError = output
            try process.run()
        }

        /// A test that failed before `terminate()` leaves no server running.
        deinit {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }

        /// Reads output until a line contains `marker`.
        func waitFor(_ marker: String) throws -> String {
            // availableData blocks; a watchdog ends the process if the line never comes.
            let process = self.process
            let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
            defer { watchdog.cancel() }
            while seen < lines.count {
                seen += 1
                if lines[seen - 1].contains(marker) { return lines[seen - 1] }
            }
            let handle = output.fileHandleForReading
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let data = handle.availableData
                if data.isEmpty { break }
                pending += String(decoding: data, as: UTF8.self)
                while let newline = pending.firstIndex(of: "\n") {
                    let line = String(pending[..<newline])
                    pending = String(pending[pending.index(after: newline)...])
                    lines.append(line)
                }
                while seen < lines.count {
                    seen += 1
                    if lines[seen - 1].contains(marker) { return lines[seen - 1] }
                }
            }
            throw ClientError.malformed("no line with \(marker) in \(lines)")
        }

        func terminate() -> Int32 {
            process.terminate()  // SIGTERM
            process.waitUntilExit()
            pending += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            lines += pending.split(separator: "\n").map(String.init)
            pending = ""
            return process.terminationStatus
        }
    }

    @Test func servesHTTPSWithADevelopmentCertificateAndStopsCleanly() throws {
        let data = NSTemporaryDirectory() + "mutuals-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = try Self.freePort()
        let httpPort = try Self.freePort()
        let first = try RunningServer(arguments: ["--data", data, "--port", "\(port)", "--http-port", "\(httpPort)"])
        let made = try first.waitFor("SHA-256")
        _ = try first.waitFor("serving https://127.0.0.1:\(port)/")
        #expect(first.lines.contains { $0.contains("Made a self-signed development certificate") })
        let fingerprint = made.components(separatedBy: "fingerprint ").last ?? ""
        #expect(fingerprint.count == 95)  // 32 bytes as colon-separated hex

        let client = try RawClient(port: port, tls: true)
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let health = try client.readResponse()
        #expect(health.status == 200)
        #expect(health.text == "ok\n")
        #expect(health.header("Strict-Transport-Security") != nil)
        #expect(health.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)

        let plain = try RawClient(port: httpPort)
        try plain.send("POST /t/1?x=y HTTP/1.1\r\nHost: localhost:\(httpPort)\r\nContent-Length: 0\r\n\r\n")
        let redirect = try plain.readResponse()
        #expect(redirect.status == 308)
        #expect(redirect.header("Location") == "https://localhost:\(port)/t/1?x=y")

        // Request ids are unique within a run: the redirect port's reactor is number 0 too, and
        // its first id was "1", the same as the main port's first.
        let healthID = try #require(health.header("X-Request-Id"))
        let redirectID = try #require(redirect.header("X-Request-Id"))
        #expect(healthID != redirectID)
        #expect(redirectID.hasPrefix("ff"))

        #expect(first.terminate() == 0)
        #expect(first.lines.contains { $0.contains("GET /healthz 200") })  // the access log

        // The second start reuses the certificate.
        let second = try RunningServer(arguments: ["--data", data, "--port", "\(port)", "--http-port", "0"])
        let reused = try second.waitFor("SHA-256")
        #expect(reused.hasSuffix(fingerprint))
        #expect(second.lines.contains { $0.contains("Using the self-signed development certificate") })
        _ = try second.waitFor("serving")
        #expect(second.terminate() == 0)
    }

    /// A first start without --demo leaves a network nobody can sign in to or be invited to;
    /// the banner says how to add the first admin, and stops saying it once there is one.
    @Test func aNetworkWithoutAnAdminSaysHowToAddTheFirst() throws {
        let data = NSTemporaryDirectory() + "mutuals-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = try Self.freePort()
        let first = try RunningServer(arguments: ["--data", data, "--port", "\(port)", "--no-tls"])
        _ = try first.waitFor("serving http://")
        #expect(first.lines.contains { $0.contains("This network has no admin yet") })
        #expect(first.lines.contains { $0.contains("mutuals user add --data \(data) --handle HANDLE --email ADDRESS --role admin") })

        let add = Process()
        add.executableURL = try MutualsExecutable.url()
        add.arguments = ["user", "add", "--data", data, "--handle", "chief", "--email", "chief@example.org", "--role", "admin"]
        let input = Pipe()
        add.standardInput = input
        add.standardOutput = FileHandle.nullDevice
        try add.run()
        input.fileHandleForWriting.write(Data("a very long admin passphrase\n".utf8))
        try input.fileHandleForWriting.close()
        add.waitUntilExit()
        #expect(add.terminationStatus == 0)
        #expect(first.terminate() == 0)

        let second = try RunningServer(arguments: ["--data", data, "--port", "\(port)", "--no-tls"])
        _ = try second.waitFor("serving http://")
        #expect(!second.lines.contains { $0.contains("no admin") })
        #expect(second.terminate() == 0)

        // --demo on a database with accounts seeds nothing, and says how to get a password back.
        let third = try RunningServer(arguments: ["--data", data, "--port", "\(port)", "--no-tls", "--demo"])
        _ = try third.waitFor("serving http://")
        #expect(third.lines.contains { $0.contains("--demo left it as it is") && $0.contains("mutuals user reset-password --data \(data) HANDLE") })
        #expect(third.terminate() == 0)
    }

    @Test func plainModeAndBadArguments() throws {
        let data = NSTemporaryDirectory() + "mutuals-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = try Self.freePort()
        let server = try RunningServer(arguments: ["--data", data, "--port", "\(port)", "--no-tls"])
        _ = try server.waitFor("serving http://127.0.0.1:\(port)/")
        let client = try RawClient(port: port)
        try client.send("GET /static/site.css HTTP/1.1\r\nHost: x\r\n\r\n")
        let css = try client.readResponse()
        #expect(css.status == 200)
        #expect(css.header("Content-Type") == "text/css; charset=utf-8")
        #expect(css.header("Strict-Transport-Security") == nil)
        #expect(server.terminate() == 0)

        let bad = try RunningServer(arguments: ["--tls-cert", "/nonexistent.pem"])
        bad.process.waitUntilExit()
        #expect(bad.process.terminationStatus != 0)
    }

    /// Started from a directory without Templates/ and Public/, `serve --demo` says which
    /// directory it looked in and stops before it writes anything (it used to seed the demo and
    /// print its passwords first).
    @Test func aMissingTemplatesDirectoryStopsTheStartBeforeAnythingIsWritten() throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let process = Process()
        process.executableURL = try MutualsExecutable.url()
        process.arguments = ["serve", "--demo", "--data", "data", "--port", String(try Self.freePort()), "--http-port", "0"]
        process.currentDirectoryURL = elsewhere
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("--templates: no directory at \(elsewhere.standardizedFileURL.path)/Templates"), "\(text)")
        #expect(!text.contains("password:"))
        #expect(!FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("data").path))
    }

    /// A port already served (the HTTPS port, or the redirect's) refuses the start with a clear
    /// message before anything is written: the data directory it named does not exist afterwards
    /// (it used to be made, with the database and a certificate, before the port was tried).
    @Test(arguments: [false, true]) func aServedPortRefusesTheStartLeavingNoTrace(redirectPortServed: Bool) throws {
        let first = Server(configuration: ServerConfiguration(listeners: [ListenerConfiguration(host: "127.0.0.1", port: 0, router: try makeTestRouter())]))
        try first.start()
        defer { first.shutdown() }
        let served = first.boundPorts[0]
        let data = NSTemporaryDirectory() + "mutuals-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let ports = redirectPortServed ? ["--port", String(try Self.freePort()), "--http-port", String(served)]
                                       : ["--port", String(served), "--http-port", "0"]
        let second = try RunningServer(arguments: ["--data", data] + ports)
        let text = String(decoding: second.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus != 0)
        #expect(text.contains("127.0.0.1:\(served) is already in use"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: data))
    }
}
