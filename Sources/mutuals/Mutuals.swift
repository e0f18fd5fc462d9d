import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `mutuals` command: each subcommand parses its options and makes one call into a library.
@main
struct Mutuals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutuals",
        abstract: "Mutuals Network: a peer-support knowledge network for public-service mutuals.",
        subcommands: [Serve.self, Migrate.self, BackupCommand.self, Check.self, DemoCommand.self, Rerender.self, UserCommand.self, InviteCommand.self, DurabilityWriter.self, MailCommand.self]
    )

    /// Everything the process creates (data folder, database, -wal, -shm, backups, TLS files) is
    /// the owner's only: set before any subcommand opens a file (issue 16, docs/security.md).
    static func main() {
        umask(0o077)
        var arguments = Array(CommandLine.arguments.dropFirst())
        // `serve` options may also come from MUTUALS_* variables and a --config file: they are
        // added to the command line here, so ArgumentParser checks every value (ServeSettings).
        var settings: ServeSettings?
        if arguments.first == "serve" {
            do {
                let resolved = try ServeSettings(arguments: Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
                arguments += resolved.addedArguments
                settings = resolved
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                Glibc.exit(ExitCode.validationFailure.rawValue)
            }
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            // Name the variable or file key behind a rejected value.
            if let note = settings?.note(forError: fullMessage(for: error)) {
                FileHandle.standardError.write(Data("\(fullMessage(for: error))\n\(note)\n".utf8))
                Glibc.exit(exitCode(for: error).rawValue)
            }
            exit(withError: error)
        }
        do {
            var command = command
            try command.run()
        } catch {
            exit(withError: error)
        }
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
