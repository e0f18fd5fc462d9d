import ArgumentParser
import Board

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to a file while the server keeps running, then check the copy.")
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "The file to write the backup to (replaced if it exists).")
    var to: String

    func run() throws {
        try Storage.backup(dataDirectory: dataOptions.data, to: to)
        print("Backup written to \(to) and checked.")
    }
}
