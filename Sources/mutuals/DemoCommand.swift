import ArgumentParser
import Board
import DemoContent

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seed a new database with the demo network; prints the demo accounts' passwords.")
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "Also add this many synthetic posts (for benchmarks).")
    var scale: Int?

    func validate() throws {
        if let scale, scale < 1 { throw ValidationError("--scale must be at least 1") }
    }

    func run() throws {
        let store = try Storage.openStore(dataDirectory: dataOptions.data)
        defer { store.close() }
        let accounts = try Demo.seed(store)
        print("Demo network seeded. Sign in as:")
        for account in accounts {
            print("  \(account.role.padding(toLength: 7, withPad: " ", startingAt: 0)) \(account.handle)  password: \(account.password)")
        }
        if let scale {
            let report = try ScaleSeed.seed(store, posts: scale) { print("  … \($0)") }
            print("Added \(report.posts) posts in \(report.threads) threads by \(report.users) users "
                + "(\(report.organisations) more organisations) in \(String(format: "%.1f", report.seconds)) s.")
        }
    }
}
