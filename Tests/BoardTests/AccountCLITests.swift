import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Runs `mutuals` with `input` on standard input (a pipe, so not a terminal).
func runMutuals(_ arguments: [String], input: String, environment: [String: String?] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try MutualsExecutable.url()
    process.arguments = arguments
    var variables = ProcessInfo.processInfo.environment
    for (name, value) in environment { variables[name] = value }
    process.environment = variables
    let output = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = stdin
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite("mutuals user and invite", .serialized, .timeLimit(.minutes(2)))
struct AccountCLITests {
    @Test func userAddRoleResetPasswordAndInvite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-cli-acct-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A --data with no database (mistyped, or forgotten: ./data) is refused, and nothing is
        // made there: these commands once made a new empty database and added the admin to it.
        for arguments in [["user", "add", "--handle", "chief", "--email", "chief@example.org", "--role", "admin"],
                          ["user", "role", "chief", "admin"], ["user", "reset-password", "chief"],
                          ["invite", "--role", "member"], ["mail", "list"], ["rerender"]] {
            let refused = try runMutuals(arguments + ["--data", directory], input: "a very long admin passphrase\n")
            #expect(refused.status != 0, "\(arguments)")
            #expect(refused.output.contains("There is no database at \(directory)/mutuals.sqlite3. Check --data"), "\(refused.output)")
            #expect(!FileManager.default.fileExists(atPath: directory), "\(arguments)")
        }
        #expect(try runMutuals(["migrate", "--data", directory], input: "").status == 0)

        let noAdmin = try runMutuals(["invite", "--data", directory, "--role", "member"], input: "")
        #expect(noAdmin.status != 0)
        #expect(noAdmin.output.contains("add one first"))

        let add = try runMutuals(["user", "add", "--data", directory, "--handle", "chief", "--email", "chief@example.org", "--role", "admin"],
                                 input: "a very long admin passphrase\n")
        #expect(add.status == 0, "\(add.output)")
        #expect(add.output.contains("Added admin chief <chief@example.org>."))
        #expect(!add.output.contains("Password:"))

        let weak = try runMutuals(["user", "add", "--data", directory, "--handle", "weakling", "--email", "w@example.org"], input: "password1234\n")
        #expect(weak.status != 0)
        #expect(weak.output.contains("too common"))

        let duplicate = try runMutuals(["user", "add", "--data", directory, "--handle", "chief", "--email", "x@example.org"], input: "another long passphrase\n")
        #expect(duplicate.status != 0)

        let member = try runMutuals(["user", "add", "--data", directory, "--handle", "helper", "--email", "helper@example.org"],
                                    input: "orchard lantern velvet\n")
        #expect(member.status == 0)
        let role = try runMutuals(["user", "role", "--data", directory, "helper", "mentor"], input: "")
        #expect(role.status == 0)
        #expect(role.output.contains("helper is now mentor."))
        // Errors name the problem under the command's own usage, never the root's ("mutuals <subcommand>").
        let nobody = try runMutuals(["user", "role", "--data", directory, "nobody", "mentor"], input: "")
        #expect(nobody.status != 0)
        #expect(nobody.output.contains("There is no user nobody. Nothing was changed."), "\(nobody.output)")
        let emperor = try runMutuals(["user", "role", "--data", directory, "helper", "emperor"], input: "")
        #expect(emperor.status != 0)
        #expect(emperor.output.contains("ROLE must be admin, mentor or member, not emperor"))
        #expect(emperor.output.contains("Usage: mutuals user role"), "\(emperor.output)")
        let badHandle = try runMutuals(["user", "add", "--data", directory, "--handle", "Ann", "--email", "ann@example.org"],
                                       input: "orchard lantern velvet\n")
        #expect(badHandle.status != 0)
        #expect(badHandle.output.contains("Nothing was changed."), "\(badHandle.output)")
        for output in [nobody.output, emperor.output, badHandle.output] {
            #expect(!output.contains("mutuals <subcommand>"), "\(output)")
        }
        #expect(try runMutuals(["user", "reset-password", "--data", directory, "nobody"], input: "a brand new passphrase\n")
            .output.contains("There is no user nobody."))

        let store = try Storage.openStore(dataDirectory: directory)
        let accounts = Accounts(store: store)
        let helperID = try #require(try accounts.account(handle: "helper")).id
        #expect(try accounts.account(handle: "helper")?.role == .mentor)
        _ = try accounts.startSession(userID: helperID, userAgent: "test")
        // A suspended account is not made an admin from the command line either: the suspension
        // could then be neither served nor lifted (admins cannot be suspended).
        try store.write { try $0.run("UPDATE users SET suspended_until = ?, suspension_reason = 'Spam' WHERE id = ?",
                                     Date().addingTimeInterval(86_400), helperID) }
        store.close()
        let suspendedAdmin = try runMutuals(["user", "role", "--data", directory, "helper", "admin"], input: "")
        #expect(suspendedAdmin.status != 0)
        #expect(suspendedAdmin.output.contains("lift the suspension before making them an admin. Nothing was changed."), "\(suspendedAdmin.output)")
        let reopened = try Storage.openStore(dataDirectory: directory)
        #expect(try Accounts(store: reopened).account(handle: "helper")?.role == .mentor)
        try reopened.write { try $0.run("UPDATE users SET suspended_until = NULL, suspension_reason = NULL WHERE id = ?", helperID) }
        reopened.close()

        let reset = try runMutuals(["user", "reset-password", "--data", directory, "helper"], input: "a brand new passphrase\n")
        #expect(reset.status == 0, "\(reset.output)")
        let after = try Storage.openStore(dataDirectory: directory)
        defer { after.close() }
        let afterAccounts = Accounts(store: after)
        #expect(try after.read { try $0.scalar(Int.self, "SELECT count(*) FROM sessions WHERE user_id = ?", helperID) } == 0)
        guard case .signedIn = try afterAccounts.signIn(identifier: "helper", password: "a brand new passphrase", address: "t", userAgent: "t") else {
            Issue.record("the reset password does not sign in")
            return
        }

        try after.write { tx in
            try tx.run("INSERT INTO organisations(slug, name, kind, created_at) VALUES ('central-surrey', 'Central Surrey Health', 'pathfinder', 0)")
        }
        // Demoting the only admin is allowed (the shell can promote again) but said.
        let demoted = try runMutuals(["user", "role", "--data", directory, "chief", "member"], input: "")
        #expect(demoted.output.contains("The network has no admin now"), "\(demoted.output)")
        let promoted = try runMutuals(["user", "role", "--data", directory, "chief", "admin"], input: "")
        #expect(promoted.status == 0)
        #expect(!promoted.output.contains("no admin"))

        let unknownOrganisation = try runMutuals(["invite", "--data", directory, "--organisation", "nowhere"], input: "")
        #expect(unknownOrganisation.status != 0)
        #expect(unknownOrganisation.output.contains("There is no organisation with the slug nowhere."), "\(unknownOrganisation.output)")
        let notAURL = try runMutuals(["invite", "--data", directory, "--base-url", "forum.example.org"], input: "")
        #expect(notAURL.status != 0)
        #expect(notAURL.output.contains("--base-url must start with https://"), "\(notAURL.output)")
        #expect(try after.read { try $0.scalar(Int.self, "SELECT count(*) FROM invites") } == 0)

        let invite = try runMutuals(["invite", "--data", directory, "--role", "mentor", "--organisation", "central-surrey",
                                     "--base-url", "https://mutuals.example/"], input: "")
        #expect(invite.status == 0, "\(invite.output)")
        let link = invite.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(link.hasPrefix("https://mutuals.example/register?invite="))
        let code = String(link.dropFirst("https://mutuals.example/register?invite=".count))
        let found = try #require(try afterAccounts.invite(code: code))
        #expect(found.role == .mentor)
        #expect(found.organisationID != nil)
        let defaultBase = try runMutuals(["invite", "--data", directory], input: "", environment: ["MUTUALS_BASE_URL": nil])
        #expect(defaultBase.output.hasPrefix("https://localhost:8443/register?invite="))
        // The variable the server reads for its links, as `serve` reads it; --base-url wins.
        let fromEnvironment = try runMutuals(["invite", "--data", directory], input: "",
                                             environment: ["MUTUALS_BASE_URL": "https://network.example.org/"])
        #expect(fromEnvironment.output.hasPrefix("https://network.example.org/register?invite="), "\(fromEnvironment.output)")
        let flagWins = try runMutuals(["invite", "--data", directory, "--base-url", "https://other.example"], input: "",
                                      environment: ["MUTUALS_BASE_URL": "https://network.example.org"])
        #expect(flagWins.output.hasPrefix("https://other.example/register?invite="), "\(flagWins.output)")
        #expect(try runMutuals(["invite", "--data", directory, "--organisation", "nowhere"], input: "").status != 0)
    }

    /// Someone who lost both their authenticator app and their recovery codes had no way back
    /// in: nothing, not even the operator's shell, could turn two-factor off without the
    /// password and a code. `mutuals user reset-two-factor` does, and ends their sessions.
    @Test func resetTwoFactorTurnsItOffAndEndsTheSessions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-cli-2fa-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try runMutuals(["migrate", "--data", directory], input: "").status == 0)
        #expect(try runMutuals(["user", "add", "--data", directory, "--handle", "locked_out", "--email", "lo@example.org"],
                               input: "orchard lantern velvet\n").status == 0)

        let store = try Storage.openStore(dataDirectory: directory)
        let accounts = Accounts(store: store)
        let userID = try #require(try accounts.account(handle: "locked_out")).id
        let secret = try accounts.beginTwoFactorSetup(userID: userID)
        #expect(!secret.isEmpty)
        try store.write { tx in
            try tx.run("UPDATE users SET totp_enabled_at = 1 WHERE id = ?", userID)
            try tx.run("INSERT INTO recovery_codes(user_id, code_hash) VALUES (?, zeroblob(32))", userID)
        }
        _ = try accounts.startSession(userID: userID, userAgent: "phone")
        guard case .twoFactorRequired = try accounts.signIn(identifier: "locked_out", password: "orchard lantern velvet",
                                                            address: "t", userAgent: "t") else {
            Issue.record("two-factor is not on")
            return
        }
        store.close()

        #expect(try runMutuals(["user", "reset-two-factor", "--data", directory, "nobody"], input: "").output.contains("There is no user nobody."))
        let reset = try runMutuals(["user", "reset-two-factor", "--data", directory, "locked_out"], input: "")
        #expect(reset.status == 0, "\(reset.output)")
        #expect(reset.output.contains("Two-factor sign-in of locked_out turned off; every session ended."))

        let after = try Storage.openStore(dataDirectory: directory)
        defer { after.close() }
        #expect(try after.read { try $0.scalar(Int.self, "SELECT count(*) FROM sessions WHERE user_id = ?", userID) } == 0)
        #expect(try after.read { try $0.scalar(Int.self, "SELECT count(*) FROM recovery_codes WHERE user_id = ?", userID) } == 0)
        guard case .signedIn = try Accounts(store: after).signIn(identifier: "locked_out", password: "orchard lantern velvet",
                                                                 address: "t", userAgent: "t") else {
            Issue.record("the password alone does not sign in")
            return
        }
        let again = try runMutuals(["user", "reset-two-factor", "--data", directory, "locked_out"], input: "")
        #expect(again.status == 0)
        #expect(again.output.contains("Two-factor sign-in is not on for locked_out. Nothing was changed."))
    }
}
