import ArgumentParser
import Board

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database's integrity and foreign keys; exits 1 on any problem.")
    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        let problems = try Storage.check(dataDirectory: dataOptions.data)
        guard problems.isEmpty else {
            for problem in problems { print("problem: \(problem)") }
            throw ExitCode.failure
        }
        print("ok")
    }
}
