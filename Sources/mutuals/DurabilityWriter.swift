import ArgumentParser
import Database

/// Hidden: the child process of the durability test (see `DurabilityProbe`).
struct DurabilityWriter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_durability-writer",
        abstract: "Write rows concurrently, printing each acknowledged id (crash-test helper).",
        shouldDisplay: false)
    @Option(name: .long, help: "The database file to write to.")
    var path: String
    @Option(name: .long, help: "Concurrent writer threads.")
    var writers: Int = 8
    @Option(name: .long, help: "Stop after this many writes (default: until killed).")
    var limit: Int?

    func run() throws {
        try DurabilityProbe.run(path: path, writers: writers, limit: limit)
    }
}
