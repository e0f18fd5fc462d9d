import ArgumentParser
import Board
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `mutuals user add | role | reset-password`.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add users, change their role, reset their password.",
        subcommands: [Add.self, SetRole.self, ResetPassword.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from standard input when it is not a terminal; otherwise one is generated and printed.")
        @OptionGroup var dataOptions: DataOptions
        @Option(name: .long, help: "Handle: 3–30 of a-z, 0-9 and _.") var handle: String
        @Option(name: .long, help: "Email address.") var email: String
        @Option(name: .long, help: "Display name (default: the handle).") var name: String?
        @Option(name: .long, help: "admin, mentor or member.") var role: String = "member"

        func run() throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be admin, mentor or member") }
            let (password, generated) = try UserCommand.passwordFromStandardInput()
            let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
            defer { store.close() }
            switch try Accounts(store: store).addUser(handle: handle, email: email, displayName: name, role: role, password: password) {
            case .added(let account):
                print("Added \(account.role.rawValue) \(account.handle) <\(account.email)>.")
                if generated { print("Password: \(password)") }
            case .invalid(let errors):
                throw ValidationError(errors.map(\.message).joined(separator: "; "))
            }
        }
    }

    struct SetRole: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "role", abstract: "Change a user's role.")
        @OptionGroup var dataOptions: DataOptions
        @Argument(help: "The user's handle.") var handle: String
        @Argument(help: "admin, mentor or member.") var role: String

        func run() throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("ROLE must be admin, mentor or member") }
            let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
            defer { store.close() }
            guard try Accounts(store: store).setRole(handle: handle, role) else { throw ValidationError("There is no user \(handle).") }
            print("\(handle) is now \(role.rawValue).")
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
            guard let account = try accounts.account(handle: handle) else { throw ValidationError("There is no user \(handle).") }
            if !generated, let problem = PasswordRules.problem(with: password, handle: account.handle, email: account.email) {
                throw ValidationError(problem)
            }
            try accounts.setPassword(userID: account.id, password)
            print("Password of \(account.handle) reset; every session ended.")
            if generated { print("Password: \(password)") }
        }
    }

    /// The first line of standard input when it is not a terminal; otherwise a generated password.
    static func passwordFromStandardInput() throws -> (String, generated: Bool) {
        if isatty(0) == 1 { return (try SecureRandom.password(length: 20), true) }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("Standard input is not a terminal but gave no password.")
        }
        return (line, false)
    }
}
