import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// The `mutuals` command: each subcommand parses its options and makes one call into a library.
@main
struct Mutuals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutuals",
        abstract: "Mutuals Network: a peer-support knowledge network for public-service mutuals.",
        subcommands: [Serve.self, Migrate.self, BackupCommand.self, Check.self, DemoCommand.self, Rerender.self, UserCommand.self, InviteCommand.self, DurabilityWriter.self, MailCommands.self]
    )

    /// Everything the process creates (data folder, database, -wal, -shm, backups, TLS files) is
    /// the owner's only: set before any subcommand opens a file (issue 16, docs/security.md).
    static func main() {
        umask(0o077)
        main(nil)
    }
}

/// The data directory shared by every subcommand that touches stored data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding the database, TLS certificate and other state.")
    var data: String = "./data"
}

/// Writes a line to standard output at once (unbuffered), so a supervisor or test reading a
/// pipe sees the banner while the server runs.
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, bytes.count - offset) }
        if n <= 0 { return }
        offset += n
    }
}
