import ArgumentParser
import Board
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `mutuals user add | role | reset-password | reset-two-factor`.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add users, change their role, reset their password or their two-factor sign-in.",
        subcommands: [Add.self, SetRole.self, ResetPassword.self, ResetTwoFactor.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from standard input when it is not a terminal; otherwise one is generated and printed.")
        @OptionGroup var dataOptions: DataOptions
        @Option(name: .long, help: "Handle: 3–30 of a-z, 0-9 and _.") var handle: String
        @Option(name: .long, help: "Email address.") var email: String
        @Option(name: .long, help: "Display name (default: the handle).") var name: String?
        @Option(name: .long, help: "admin, mentor or member.") var role: String = "member"

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be admin, mentor or member, not \(role)") }
        }

        func run() throws {
            let role = Role(rawValue: role) ?? .member
            let (password, generated) = try UserCommand.passwordFromStandardInput()
            let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
            defer { store.close() }
            switch try Accounts(store: store).addUser(handle: handle, email: email, displayName: name, role: role, password: password) {
            case .added(let account):
                print("Added \(account.role.rawValue) \(account.handle) <\(account.email)>.")
                if generated { print("Password: \(password)") }
            case .invalid(let errors):
                throw CommandFailure(errors.map(\.message).joined(separator: "; ") + ". Nothing was changed.")
            }
        }
    }

    struct SetRole: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "role", abstract: "Change a user's role.")
        @OptionGroup var dataOptions: DataOptions
        @Argument(help: "The user's handle.") var handle: String
        @Argument(help: "admin, mentor or member.") var role: String

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("ROLE must be admin, mentor or member, not \(role)") }
        }

        func run() throws {
            let role = Role(rawValue: role) ?? .member
            let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
            defer { store.close() }
            let accounts = Accounts(store: store)
            let found: Bool
            do {
                found = try accounts.setRole(handle: handle, role)
            } catch ModerationError.invalid(_, let message) {
                // A suspended account cannot become an admin (`Moderation.refuseSuspendedAdmin`).
                throw CommandFailure(message + ". Nothing was changed.")
            }
            guard found else { throw CommandFailure("There is no user \(handle). Nothing was changed.") }
            print("\(handle) is now \(role.rawValue).")
            if try !accounts.hasAdmin() {
                print("The network has no admin now: nobody can make invites or moderate. Make one with `mutuals user role HANDLE admin`.")
            }
        }
    }

    struct ResetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password (from standard input, or generated and printed) and end the user's sessions.")
        @OptionGroup var dataOptions: DataOptions
        @Argument(help: "The user's handle.") var handle: String

        func run() throws {
            let (password, generated) = try UserCommand.passwordFromStandardInput()
            let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
            defer { store.close() }
            let accounts = Accounts(store: store)
            guard let account = try accounts.account(handle: handle) else { throw CommandFailure("There is no user \(handle). Nothing was changed.") }
            if !generated, let problem = PasswordRules.problem(with: password, handle: account.handle, email: account.email) {
                throw CommandFailure(problem + ". Nothing was changed.")
            }
            try accounts.setPassword(userID: account.id, password)
            print("Password of \(account.handle) reset; every session ended.")
            if generated { print("Password: \(password)") }
        }
    }

    struct ResetTwoFactor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-two-factor",
            abstract: "Turn two-factor sign-in off for a user who lost their authenticator app and recovery codes, and end their sessions.",
            discussion: "Check first that the request comes from the account's owner: afterwards the password alone signs in.")
        @OptionGroup var dataOptions: DataOptions
        @Argument(help: "The user's handle.") var handle: String

        func run() throws {
            let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
            defer { store.close() }
            let accounts = Accounts(store: store)
            guard let account = try accounts.account(handle: handle) else { throw CommandFailure("There is no user \(handle). Nothing was changed.") }
            guard try accounts.resetTwoFactor(userID: account.id) else {
                print("Two-factor sign-in is not on for \(account.handle). Nothing was changed.")
                return
            }
            print("Two-factor sign-in of \(account.handle) turned off; every session ended. They sign in with their password, "
                  + "and can turn it on again under Your account.")
        }
    }

    /// The first line of standard input when it is not a terminal; otherwise a generated password.
    static func passwordFromStandardInput() throws -> (String, generated: Bool) {
        if isatty(0) == 1 { return (try SecureRandom.password(length: 20), true) }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure("Standard input is not a terminal but gave no password. Nothing was changed.")
        }
        return (line, false)
    }
}

/// A command that could not do its work although its arguments were well formed (an unknown
/// handle, a refused value). ArgumentParser prints "Error: " and the message, without the
/// root command's usage lines a `ValidationError` thrown from `run()` gets, and exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
