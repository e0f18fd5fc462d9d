import ArgumentParser
import Board

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the database or bring its schema up to date.")
    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        let outcome = try Storage.migrate(dataDirectory: dataOptions.data)
        if outcome.from == outcome.to {
            print("Schema is up to date (version \(outcome.to)).")
        } else {
            print("Migrated schema from version \(outcome.from) to \(outcome.to).")
        }
    }
}
