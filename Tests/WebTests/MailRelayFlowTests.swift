import Board
import Foundation
import Mail
import Synchronization
import Testing
import TestSupport
import Web

/// aiosmtpd on loopback (Tests/MailRelay/smtp_server.py, the Mail tests' relay), for one test.
final class LoopbackRelay {
    static let scripts = MutualsExecutable.packageRoot.path + "/Tests/MailRelay"
    static let isAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import aiosmtpd"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    let port: Int
    let directory: String
    private let process: Process
    /// Held open: the relay stops when its standard input ends (so it never outlives the test).
    private let input = Pipe()

    init() throws {
        directory = NSTemporaryDirectory() + "mutuals-relay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scripts + "/smtp_server.py", "--out", directory, "--security", "none"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = input
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: directory)
            throw TestNetworkError("smtp_server.py did not start: \(text)")
        }
        self.port = port
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var transport: SMTPTransport {
        get throws { try SMTPTransport(configuration: SMTPConfiguration(host: "127.0.0.1", port: port, security: .none)) }
    }

    /// Each accepted message, in order, as Python's `email` package reads it: (to, subject, text part).
    func received() throws -> [(to: String, subject: String, text: String)] {
        var messages: [(String, String, String)] = []
        var index = 1
        while FileManager.default.fileExists(atPath: "\(directory)/\(index).eml") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import email, email.policy, json, sys
                m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
                print(json.dumps([m['To'].addresses[0].addr_spec, str(m['Subject']), m.get_body(preferencelist=('plain',)).get_content()]))
                """, "\(directory)/\(index).eml"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let fields = try JSONDecoder().decode([String].self, from: data)
            messages.append((fields[0], fields[1], fields[2]))
            index += 1
        }
        return messages
    }

    /// The site path of the link starting `prefix` in the last message to `address`.
    func link(to address: String, _ prefix: String) throws -> String? {
        guard let text = try received().last(where: { $0.to == address })?.text,
              let start = text.range(of: prefix) else { return nil }
        return String(text[start.lowerBound...].prefix { !$0.isWhitespace })
    }
}

/// A transport the test points at one relay, then another: the messages go through the real
/// SMTP client either way.
final class SwitchableRelay: MailTransport {
    let current = Mutex<SMTPTransport?>(nil)

    func deliver(_ message: MailMessage) throws(MailDeliveryError) {
        guard let transport = current.withLock({ $0 }) else { throw .temporary("no relay") }
        try transport.deliver(message)
    }
}

extension TestSite {
    func relaySender(_ transport: any MailTransport) throws -> OutboxSender {
        let network = Network(accounts: self.network.accounts)
        let site = MailSite(baseURL: "https://127.0.0.1:\(port)", from: MailAddress("network@example.org", displayName: "Mutuals Network"))
        let composers = try MailComposition.composers(templatesDirectory: TestNetwork.siteFiles.templatesDirectory, network: network, site: site)
        return network.outboxSender(composers: composers, transport: transport)
    }
}

@Suite("Mail through a real SMTP relay", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: LoopbackRelay.isAvailable, "python3 with aiosmtpd is not installed (pip install aiosmtpd)"))
struct MailRelayFlowTests {
    @Test func registerThenConfirmThroughTheMailedLink() throws {
        try withTestSite(registration: .open) { site in
            let relay = try LoopbackRelay()
            let browser = site.browser()
            try site.register(browser, handle: "newcomer")
            #expect(try site.relaySender(try relay.transport).deliverDue().count == 1)
            let link = try #require(try relay.link(to: "newcomer@example.org", "/confirm-email/"))
            let follower = site.browser()
            #expect(try follower.get(link).text.contains("Confirm newcomer@example.org"))
            #expect(try follower.post(link, []).text.contains("newcomer@example.org is confirmed"))
            #expect(try browser.get("/account").text.contains("<strong>confirmed</strong>"))
        }
    }

    @Test func forgotPasswordThenResetThenSignIn() throws {
        try withTestSite { site in
            _ = try site.network.member(handle: "ann")
            let old = try site.signedIn("ann", landingOn: "/account")
            let relay = try LoopbackRelay()
            let visitor = site.browser()
            try visitor.get("/forgot-password")
            #expect(try visitor.post("/forgot-password", [("email", "ann@example.org")]).status == 303)
            try site.relaySender(try relay.transport).deliverDue()
            let received = try relay.received()
            #expect(received.map(\.subject) == ["Reset your Mutuals Network password"])
            let link = try #require(try relay.link(to: "ann@example.org", "/reset-password/"))
            try visitor.get(link)
            #expect(try visitor.post(link, [("newPassword", "a brand new passphrase")]).header("location") == "/sign-in?reset=1")
            #expect(try old.get("/account").status == 303)  // the old session is gone
            #expect(try site.signIn(visitor, "ann", TestNetwork.password).status == 422)
            #expect(try site.signIn(visitor, "ann", "a brand new passphrase").status == 303)
        }
    }

    @Test func relayDownThenBackDeliversEachMessageOnceInOrder() throws {
        let clock = TestClock.wall()
        try withTestSite(clock: clock) { site in
            let people = try ["ann", "bob", "cat", "dan"].map { try site.network.member(handle: $0) }
            for person in people {
                try site.store.write { try $0.run("UPDATE users SET email_confirmed_at = 1 WHERE id = ?", person.id) }
                #expect(try site.network.accounts.requestPasswordReset(email: "\(person.handle)@example.org", address: "192.0.2.1") == .accepted)
            }
            // (A second link to ann would replace her first, whose message would then be dropped.)
            // Down: nothing listens on the relay's port (a real refused connection).
            let deadPort = try { try LoopbackRelay().port }()  // the relay is gone when this returns
            let switchable = SwitchableRelay()
            switchable.current.withLock { $0 = try? SMTPTransport(configuration: SMTPConfiguration(host: "127.0.0.1", port: deadPort, security: .none)) }
            let sender = try site.relaySender(switchable)
            for _ in 0..<3 {
                let outcomes = try sender.deliverDue()
                #expect(outcomes.count == 1)
                guard case .retrying = outcomes.first else { Issue.record("expected a retry, got \(outcomes)"); break }
                clock.advance(61)
            }
            // Back; and the server restarted meanwhile: a new sender finds the queue as it was.
            let relay = try LoopbackRelay()
            switchable.current.withLock { $0 = try? relay.transport }
            clock.advance(600)
            let restarted = try site.relaySender(switchable)
            let outcomes = try restarted.deliverDue()
            #expect(outcomes.count == 4)
            #expect(try restarted.deliverDue().isEmpty)
            #expect(try sender.deliverDue().isEmpty)
            let received = try relay.received()
            #expect(received.map(\.to) == ["ann@example.org", "bob@example.org", "cat@example.org", "dan@example.org"])
            #expect(Set(received.map(\.text)).count == 4)
        }
    }
}
