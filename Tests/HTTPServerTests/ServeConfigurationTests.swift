import Dispatch
import Foundation
import Testing
import TestSupport

/// `mutuals serve` settings from MUTUALS_* variables and a JSON --config file (issue 17): the
/// precedence flag > environment > file > default, --check-config, and a start stopped by an
/// unknown key or a bad value, naming it and where it came from.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServeConfigurationTests {
    struct Outcome {
        let status: Int32
        let output: String
        /// The `--check-config` row of an option: value and source.
        func row(_ name: String) -> String? {
            output.split(separator: "\n").map(String.init).first { $0.hasPrefix(name + " ") }
                .map { $0.dropFirst(name.count).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        }
    }

    static var directories: [String] {
        ["--public", MutualsExecutable.packageRoot.appendingPathComponent("Public").path,
         "--templates", MutualsExecutable.packageRoot.appendingPathComponent("Templates").path]
    }

    /// Runs `mutuals serve ARGUMENTS` to its end with only `environment` (plus PATH) set.
    static func serve(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = try MutualsExecutable.url()
        process.arguments = ["serve"] + arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]) { a, _ in a }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // These runs end by themselves; one that starts serving by mistake is stopped.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        defer { watchdog.cancel() }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: text)
    }

    static func writeFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "mutuals-config-\(UUID().uuidString).json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func flagBeatsEnvironmentBeatsFileBeatsDefault() throws {
        let file = try Self.writeFile("""
            {"port": 9002, "host": "0.0.0.0", "no-tls": true, "max-body-bytes": 1000,
             "trusted-proxy": ["10.0.0.0/8", "192.168.0.0/16"], "access-log": "off"}
            """)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let outcome = try Self.serve(["--check-config", "--max-body-bytes", "4096"] + Self.directories, environment: [
            "MUTUALS_CONFIG": file,
            "MUTUALS_PORT": "9001",
            "MUTUALS_MAX_BODY_BYTES": "2048",
            "MUTUALS_HEAD_TIMEOUT": "7.5",
            "MUTUALS_SMTP_PASSWORD": "hunter2-secret",
        ])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.row("config") == "\(file) env MUTUALS_CONFIG")
        #expect(outcome.row("max-body-bytes") == "4096 flag")
        #expect(outcome.row("port") == "9001 env MUTUALS_PORT")
        #expect(outcome.row("head-timeout") == "7.5 env MUTUALS_HEAD_TIMEOUT")
        #expect(outcome.row("host") == "0.0.0.0 file \(file) (host)")
        #expect(outcome.row("no-tls") == "true file \(file) (no-tls)")
        #expect(outcome.row("trusted-proxy") == "10.0.0.0/8, 192.168.0.0/16 file \(file) (trusted-proxy)")
        #expect(outcome.row("idle-timeout") == "60.0 default")
        #expect(outcome.row("demo") == "false default")
        // The secret is known and said to be set, and its value is never printed.
        #expect(outcome.row("MUTUALS_SMTP_PASSWORD") == "(set, hidden) env")
        #expect(!outcome.output.contains("hunter2"))
        #expect(outcome.output.contains("The configuration is valid."))
    }

    @Test func environmentListsAndSwitches() throws {
        let outcome = try Self.serve(["--check-config"] + Self.directories, environment: [
            "MUTUALS_TRUSTED_PROXY": "127.0.0.1,fd00::/8",
            "MUTUALS_NO_TLS": "yes",
        ])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.row("trusted-proxy") == "127.0.0.1, fd00::/8 env MUTUALS_TRUSTED_PROXY")
        #expect(outcome.row("no-tls") == "true env MUTUALS_NO_TLS")
        // A switch set off in the environment beats the file that turns it on.
        let file = try Self.writeFile(#"{"no-tls": true}"#)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let off = try Self.serve(["--check-config", "--config", file] + Self.directories, environment: ["MUTUALS_NO_TLS": "false"])
        #expect(off.status == 0, "\(off.output)")
        #expect(off.row("no-tls") == "false env MUTUALS_NO_TLS")
        #expect(off.row("config") == "\(file) flag")
    }

    @Test(arguments: [
        (#"{"prot": 8443}"#, [String: String](), [#"Unknown key "prot""#, "Did you mean port?"]),
        (#"{"port": [1, 2]}"#, [:], [#"key "port""#, "takes one value"]),
        (#"{"port": {"number": 1}}"#, [:], [#"Key "port""#, "not an object"]),
        ("port = 8443\n", [:], ["is not valid JSON"]),
        (#"{"port": 70000}"#, [:], ["--port must be between 0 and 65535", #"--port was set by key "port" in"#]),
        (#"{"port": "many"}"#, [:], ["'many' is invalid for '--port", #"--port was set by key "port""#]),
        ("{}", ["MUTUALS_MAX_BODY_BYTE": "1"], ["MUTUALS_MAX_BODY_BYTE (environment) is not a setting", "Did you mean MUTUALS_MAX_BODY_BYTES?"]),
        ("{}", ["MUTUALS_NO_TLS": "maybe"], ["MUTUALS_NO_TLS (environment)", "give true or false"]),
        ("{}", ["MUTUALS_MAX_BODY_BYTES": "-5"], ["--max-body-bytes cannot be negative", "set by MUTUALS_MAX_BODY_BYTES in the environment"]),
        ("{}", ["MUTUALS_POST_CACHE_MB": "0"], ["--post-cache-mb must be at least 1", "set by MUTUALS_POST_CACHE_MB in the environment"]),
        (#"{"post-cache-mb": 99999999999}"#, [:], ["--post-cache-mb must be at most"]),
        ("{}", ["MUTUALS_TRUSTED_PROXY": "10.0.0.0/40"], ["--trusted-proxy", "prefix length", "MUTUALS_TRUSTED_PROXY"]),
    ])
    func aBadKeyOrValueStopsTheStartNamingIt(file text: String, environment: [String: String], messages: [String]) throws {
        let file = try Self.writeFile(text)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let data = NSTemporaryDirectory() + "mutuals-config-data-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let outcome = try Self.serve(["--config", file, "--data", data, "--http-port", "0"] + Self.directories,
                                     environment: environment)
        #expect(outcome.status != 0)
        for message in messages { #expect(outcome.output.contains(message), "\(outcome.output)") }
        #expect(!outcome.output.contains("serving"))
        // Stopped before anything was written.
        #expect(!FileManager.default.fileExists(atPath: data))
    }

    @Test func checkConfigRefusesAMissingFileAndABadCertificate() throws {
        let missing = try Self.serve(["--check-config"] + Self.directories, environment: ["MUTUALS_CONFIG": "/nonexistent/mutuals.json"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("Cannot read the configuration file /nonexistent/mutuals.json"))
        let file = try Self.writeFile("not a certificate")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let certificate = try Self.serve(["--check-config", "--tls-cert", file, "--tls-key", file] + Self.directories)
        #expect(certificate.status != 0)
        #expect(certificate.output.contains("--tls-cert/--tls-key"), "\(certificate.output)")
        #expect(!certificate.output.contains("The configuration is valid."))
    }

    /// The settings are not only printed: a server started from a file and the environment uses them.
    @Test func aServerStartsFromTheFileAndTheEnvironment() throws {
        let data = NSTemporaryDirectory() + "mutuals-config-data-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = try ServeCommandTests.freePort()
        let file = try Self.writeFile(#"{"no-tls": true, "port": 1, "data": "\#(data)"}"#)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try ServeCommandTests.RunningServer(arguments: ["--config", file], environment: ["MUTUALS_PORT": "\(port)"])
        _ = try server.waitFor("serving http://127.0.0.1:\(port)/")
        let client = try RawClient(port: port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(server.terminate() == 0)
        #expect(FileManager.default.fileExists(atPath: data + "/mutuals.sqlite3"))
    }

    /// An access log that cannot be written stops the start naming the option, and
    /// --check-config finds it (it said "valid", and the start failed on "open ... failed").
    @Test func anUnwritableAccessLogIsNamed() throws {
        let outcome = try Self.serve(["--check-config", "--access-log", "/nonexistent-mutuals-folder/access.log"] + Self.directories)
        #expect(outcome.status != 0)
        #expect(outcome.output.contains("--access-log: cannot write /nonexistent-mutuals-folder/access.log"), "\(outcome.output)")
        let fromEnvironment = try Self.serve(["--check-config"] + Self.directories,
                                             environment: ["MUTUALS_ACCESS_LOG": "/nonexistent-mutuals-folder/access.log"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.output.contains("--access-log was set by MUTUALS_ACCESS_LOG"), "\(fromEnvironment.output)")
    }

    /// The variables the deploy scripts read are not mistaken for misspelt settings: an operator
    /// who exported them for the certbot hook could not start the server.
    @Test func theDeployScriptsVariablesAreAllowed() throws {
        let outcome = try Self.serve(["--check-config"] + Self.directories,
                                     environment: ["MUTUALS_TLS_DIR": "/etc/mutuals/tls", "MUTUALS_USER": "mutuals"])
        #expect(outcome.status == 0, "\(outcome.output)")
    }

    /// Implicit TLS on the default port (587, the STARTTLS port) failed every message after the
    /// timeout; the start now asks for the port.
    @Test func implicitTLSWithoutAPortIsRefused() throws {
        let mail = ["--smtp-host", "smtp.example.org", "--mail-from", "network@example.org", "--base-url", "https://mutuals.example.org"]
        let refused = try Self.serve(["--check-config", "--smtp-tls", "tls"] + mail + Self.directories)
        #expect(refused.status != 0)
        #expect(refused.output.contains("--smtp-tls tls needs --smtp-port"), "\(refused.output)")
        let given = try Self.serve(["--check-config", "--smtp-tls", "tls", "--smtp-port", "465"] + mail + Self.directories)
        #expect(given.status == 0, "\(given.output)")
        let starttls = try Self.serve(["--check-config"] + mail + Self.directories)
        #expect(starttls.status == 0, "\(starttls.output)")
    }

    /// true or false for an option that takes a value is refused; it was read as 1 ("port": true
    /// started the server on port 1). Numbers and switches are read as before.
    @Test func aBooleanForAValueIsRefused() throws {
        let file = try Self.writeFile(#"{"port": true}"#)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let refused = try Self.serve(["--check-config", "--config", file] + Self.directories)
        #expect(refused.status != 0)
        #expect(refused.output.contains("Key \"port\" in \(file): --port takes a value, not true or false."), "\(refused.output)")
        let numbers = try Self.writeFile(#"{"port": 1, "no-tls": true, "http-port": 0}"#)
        defer { try? FileManager.default.removeItem(atPath: numbers) }
        let accepted = try Self.serve(["--check-config", "--config", numbers] + Self.directories)
        #expect(accepted.status == 0, "\(accepted.output)")
        #expect(accepted.row("port") == "1 file \(numbers) (port)")
    }

    /// An option whose type has no default shows the value used when it is not given.
    @Test func checkConfigShowsTheSMTPDefaults() throws {
        let outcome = try Self.serve(["--check-config"] + Self.directories)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.row("smtp-port") == "587 default")
        #expect(outcome.row("smtp-tls") == "starttls default")
        #expect(outcome.row("smtp-host") == "(not set) default")
        let given = try Self.serve(["--check-config", "--smtp-port", "465"] + Self.directories)
        #expect(given.row("smtp-port") == "465 flag")
        // The mail schedule showed "(not set)" while the summary and briefing went at 7, monday 8.
        #expect(outcome.row("daily-summary-hour") == "7 default")
        #expect(outcome.row("weekly-briefing-day") == "monday default")
        #expect(outcome.row("weekly-briefing-hour") == "8 default")
    }
}
