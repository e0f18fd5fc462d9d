import ArgumentParser

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server.")
    @OptionGroup var dataOptions: DataOptions
    func run() throws {}
}
