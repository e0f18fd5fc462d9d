import ArgumentParser

/// The `mutuals` command: each subcommand parses its options and makes one call into a library.
@main
struct Mutuals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutuals",
        abstract: "Mutuals Network: a peer-support knowledge network for public-service mutuals.",
        subcommands: [Serve.self, Migrate.self, BackupCommand.self, Check.self, DemoCommand.self, DurabilityWriter.self]
    )
}

/// The data directory shared by every subcommand that touches stored data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding the database, TLS certificate and other state.")
    var data: String = "./data"
}
