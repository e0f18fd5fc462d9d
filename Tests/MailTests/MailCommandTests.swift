import Foundation
import Testing
import TestSupport

/// `mutuals mail test` as an operator runs it, against aiosmtpd on loopback.
@Suite(.serialized, .enabled(if: PythonSMTP.isAvailable, PythonSMTP.skipReason), .timeLimit(.minutes(10)))
struct MailCommandTests {
    /// Runs the executable; returns its exit status and what it printed.
    static func mutuals(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try MutualsExecutable.url()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MUTUALS_") }
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func sendsATestMessageOverSTARTTLSWithAPasswordFile() throws {
        let server = try SMTPTestServer(security: .starttls, auth: "ANY")
        let passwordFile = server.outDirectory + "-password"
        try "s3cret pass\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let result = try Self.mutuals([
            "mail", "test", "--to", "helen@example.org", "--smtp-host", "127.0.0.1", "--smtp-port", "\(server.port)",
            "--smtp-tls", "starttls", "--smtp-user", "mailer", "--smtp-password-file", passwordFile,
            "--smtp-ca-file", TestRelayCertificate.files.certificatePath,
            "--mail-from", "Mutuals Network <network@example.org>",
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("Sent a test message to helen@example.org"))
        let received = try server.received()
        #expect(received.count == 1)
        #expect(received.first?.tls == true)
        #expect(received.first?.authenticated == true)
        #expect(received.first?.mail_from == "network@example.org")
        let parsed = try PythonSMTP.parse(try #require(received.first).bytes)
        #expect(parsed.from?.display_name == "Mutuals Network")
        #expect(parsed.subject == "Mutuals Network: test message")
    }

    @Test func readsTheSettingsFromTheEnvironment() throws {
        let server = try SMTPTestServer(security: .tls, auth: "LOGIN")
        let result = try Self.mutuals(["mail", "test", "--to", "helen@example.org"], environment: [
            "MUTUALS_SMTP_HOST": "localhost", "MUTUALS_SMTP_PORT": "\(server.port)", "MUTUALS_SMTP_TLS": "tls",
            "MUTUALS_SMTP_USER": "mailer", "MUTUALS_SMTP_PASSWORD": "s3cret pass",
            "MUTUALS_SMTP_CA_FILE": TestRelayCertificate.files.certificatePath, "MUTUALS_MAIL_FROM": "network@example.org",
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(try server.received().first?.authenticated == true)
    }

    @Test func failuresSayWhy() throws {
        let noHost = try Self.mutuals(["mail", "test", "--to", "helen@example.org", "--mail-from", "network@example.org"])
        #expect(noHost.status != 0)
        #expect(noHost.output.contains("--smtp-host"))

        let plaintextPassword = try Self.mutuals([
            "mail", "test", "--to", "helen@example.org", "--mail-from", "network@example.org",
            "--smtp-host", "smtp.example.org", "--smtp-tls", "none", "--smtp-user", "mailer",
        ], environment: ["MUTUALS_SMTP_PASSWORD": "pw"])
        #expect(plaintextPassword.status != 0)
        #expect(plaintextPassword.output.contains("without TLS"))

        let server = try SMTPTestServer(rcptReply: "550 5.1.1 No such user")
        let refused = try Self.mutuals([
            "mail", "test", "--to", "nobody@example.org", "--mail-from", "network@example.org",
            "--smtp-host", "127.0.0.1", "--smtp-port", "\(server.port)", "--smtp-tls", "none",
        ])
        #expect(refused.status == 69)  // EX_UNAVAILABLE: the relay refused, not a usage error
        #expect(refused.output.contains("550"))
        #expect(!refused.output.contains("Usage:"))

        // The password is never a flag that `ps` would show.
        let flag = try Self.mutuals(["mail", "test", "--to", "a@b.org", "--smtp-password", "pw"])
        #expect(flag.status != 0)
    }
}
