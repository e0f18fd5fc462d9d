import Board
import Foundation
import Testing
import TestSupport

@Suite("mutuals mail list", .timeLimit(.minutes(2)))
struct MailListCommandTests {
    @Test func listsTheOutboxByState() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-mail-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let store = try Storage.openStore(dataDirectory: directory)
            defer { store.close() }
            let accounts = Accounts(store: store, hasher: TestNetwork.hasher)
            _ = try accounts.addUser(handle: "ann", email: "ann@example.org", displayName: nil, role: .member,
                                     password: "a long enough passphrase")
            #expect(try accounts.requestPasswordReset(email: "ann@example.org", address: "192.0.2.1") == .accepted)
        }
        let all = try runMutuals(["mail", "list", "--data", directory])
        #expect(all.status == 0)
        #expect(all.output.contains("1 queued, 0 sent, 0 failed, 0 dropped"))
        #expect(all.output.contains("queued\tpassword_reset\tann@example.org\tattempts 0"))
        // The link's token is not printed.
        #expect(!all.output.contains("token"))
        let failed = try runMutuals(["mail", "list", "--state", "failed", "--data", directory])
        #expect(failed.status == 0)
        #expect(!failed.output.contains("ann@example.org"))
        let wrong = try runMutuals(["mail", "list", "--state", "lost", "--data", directory])
        #expect(wrong.status != 0)
        #expect(wrong.output.contains("--state must be queued, failed, sent or dropped"))
    }

    @Test func serveRefusesARelayWithoutASenderOrAPublicAddress() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-mail-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let noSender = try runMutuals(["serve", "--smtp-host", "127.0.0.1", "--data", directory])
        #expect(noSender.status != 0)
        #expect(noSender.output.contains("--smtp-host needs --mail-from"))
        let noBase = try runMutuals(["serve", "--smtp-host", "127.0.0.1", "--mail-from", "network@example.org", "--data", directory])
        #expect(noBase.status != 0)
        #expect(noBase.output.contains("--smtp-host needs --base-url"))
    }
}
