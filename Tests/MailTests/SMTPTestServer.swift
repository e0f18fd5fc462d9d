import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Python and aiosmtpd, found once per test process. CI installs both (.ci/run,
/// Tests/requirements-mail.txt); elsewhere the SMTP suites are skipped with this reason.
enum PythonSMTP {
    /// Tests/MailRelay: outside the test target, so SwiftPM does not ask what the .py files are.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("MailRelay").path

    static let isAvailable: Bool = {
        (try? run(["python3", "-c", "import aiosmtpd"]).status) == 0
    }()

    static let skipReason: Comment = "python3 with aiosmtpd is not installed (pip install -r Tests/requirements-mail.txt)"

    /// Runs a command to completion; returns its exit status and standard output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// The message parsed by Python's `email` package, as parse_message.py reports it.
    static func parse(_ bytes: [UInt8]) throws -> ParsedMessage {
        let path = NSTemporaryDirectory() + "mutuals-mail-\(UUID().uuidString).eml"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run(["python3", directory + "/parse_message.py", path])
        #expect(result.status == 0)
        return try JSONDecoder().decode(ParsedMessage.self, from: result.output)
    }
}

struct ParsedMessage: Decodable {
    struct Mailbox: Decodable {
        var display_name: String?
        var addr_spec: String?
        var count: Int
    }
    struct Part: Decodable {
        var content_type: String
        var charset: String?
        var transfer_encoding: String?
        var content: String
    }
    var content_type: String
    var subject: String?
    var from: Mailbox?
    var to: Mailbox?
    var message_id: String?
    var in_reply_to: String?
    var references: String?
    var date: String?
    var mime_version: String?
    var list_unsubscribe: String?
    var list_unsubscribe_post: String?
    var header_names: [String]
    var parts: [Part]
    var defects: [String]
    var max_line: Int
    var bare_lf: Bool
    var bare_cr: Bool
}

/// What the test relay wrote for one accepted message.
struct ReceivedMessage: Decodable {
    var mail_from: String
    var rcpt_tos: [String]
    var tls: Bool
    var authenticated: Bool
    var helo: String?
    var bytes: [UInt8] = []

    enum CodingKeys: String, CodingKey { case mail_from, rcpt_tos, tls, authenticated, helo }
}

/// aiosmtpd on 127.0.0.1 (Tests/MailRelay/smtp_server.py), started for one test and killed at the end.
final class SMTPTestServer {
    enum Security: String { case none, starttls, tls }

    let port: Int
    let outDirectory: String
    private let process: Process
    /// Our end of the server's stdin: closing it (or our exit) stops the server.
    private let stdin = Pipe()

    init(security: Security = .none, auth: String? = nil, host: String = "127.0.0.1",
         rcptReply: String? = nil, dataReply: String? = nil,
         certificate: (cert: String, key: String)? = nil) throws {
        outDirectory = NSTemporaryDirectory() + "mutuals-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        var arguments = ["python3", PythonSMTP.directory + "/smtp_server.py", "--out", outDirectory,
                         "--host", host, "--security", security.rawValue]
        if security != .none {
            let files = certificate ?? (TestRelayCertificate.files.certificatePath, TestRelayCertificate.files.privateKeyPath)
            arguments += ["--cert", files.cert, "--key", files.key]
        }
        if let auth { arguments += ["--auth", auth] }
        if let rcptReply { arguments += ["--rcpt-reply", rcptReply] }
        if let dataReply { arguments += ["--data-reply", dataReply] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = stdin
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: outDirectory)
            throw error
        }
        // The first line is "PORT <n>"; reading blocks until the server listens (or exits).
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: outDirectory)
            throw SMTPTestServerError(description: "smtp_server.py did not start: \(text)")
        }
        self.port = port
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        // SIGKILL: the test runner's threads block SIGTERM, and the child inherits the mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: outDirectory)
    }

    /// The messages accepted so far, in order.
    func received() throws -> [ReceivedMessage] {
        var messages: [ReceivedMessage] = []
        var index = 1
        while FileManager.default.fileExists(atPath: "\(outDirectory)/\(index).eml") {
            let meta = try Data(contentsOf: URL(fileURLWithPath: "\(outDirectory)/\(index).json"))
            var message = try JSONDecoder().decode(ReceivedMessage.self, from: meta)
            message.bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(outDirectory)/\(index).eml")))
            messages.append(message)
            index += 1
        }
        return messages
    }
}

struct SMTPTestServerError: Error, CustomStringConvertible {
    var description: String
}
