import ArgumentParser
import Board

/// `mutuals invite --role R [--organisation SLUG]`: prints an invite link.
struct InviteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite",
        abstract: "Make an invite link (made in the name of the first admin).")
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "admin, mentor or member.") var role: String = "member"
    @Option(name: .long, help: "Bind the invite to this organisation (its slug).") var organisation: String?
    @Option(name: .long, help: "How many accounts it can create.") var uses: Int = 1
    @Option(name: .long, help: "Days it stays valid.") var days: Int = 14
    @Option(name: .long, help: "The site's address, for the link (env MUTUALS_BASE_URL, as serve reads it; default https://localhost:8443).")
    var baseURL: String?

    /// `--base-url`, or the variable the server's mail links use, or the development address.
    var address: String { baseURL ?? SMTPOptions.environment("MUTUALS_BASE_URL") ?? "https://localhost:8443" }

    func validate() throws {
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be admin, mentor or member, not \(role)") }
        guard (1...365).contains(days) else { throw ValidationError("--days must be between 1 and 365") }
        guard (1...10_000).contains(uses) else { throw ValidationError("--uses must be between 1 and 10000") }
        guard address.hasPrefix("https://") || address.hasPrefix("http://") else {
            throw ValidationError("--base-url must start with https:// (the site's public address), not \(address)")
        }
    }

    func run() throws {
        let role = Role(rawValue: role) ?? .member
        let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
        defer { store.close() }
        let code: String
        do {
            code = try Accounts(store: store).createInvite(role: role, organisationSlug: organisation, createdBy: nil,
                                                           validFor: Double(days) * 86_400, maxUses: uses)
        } catch ModerationError.invalid(let field, _) where field == "organisation" {
            throw CommandFailure("There is no organisation with the slug \(organisation ?? ""). Nothing was changed.")
        } catch ModerationError.invalid(_, let message) {
            throw CommandFailure(message + ". Nothing was changed.")
        } catch let error as Accounts.InviteError {
            throw CommandFailure(error.description)
        }
        let base = address.hasSuffix("/") ? String(address.dropLast()) : address
        print("\(base)/register?invite=\(code)")
    }
}
