import ArgumentParser
import Board

struct Rerender: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-render every post stored with an older Markdown renderer version.")
    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
        defer { store.close() }
        let count = try Markdown.rerenderOutdated(store)
        print("Re-rendered \(count) post\(count == 1 ? "" : "s") to renderer version \(Markdown.version).")
    }
}
