import ArgumentParser
import Board
import Foundation

/// `mutuals mail list [--state queued|failed|sent|dropped]`: the outbox from the shell, as
/// `/admin/outbox` shows it.
struct MailListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the mail outbox: queued messages in the order they will go, the others newest first.")
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "Only messages in this state: queued, failed, sent or dropped.") var state: String?
    @Option(name: .long, help: "At most this many messages.") var limit: Int = 100

    func validate() throws {
        if let state, OutboxItem.State(rawValue: state) == nil {
            throw ValidationError("--state must be queued, failed, sent or dropped")
        }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try Storage.openExistingNetwork(dataDirectory: dataOptions.data)
        defer { store.close() }
        let outbox = Network(store: store).outbox
        let items = try outbox.list(state: state.flatMap(OutboxItem.State.init(rawValue:)), limit: limit)
        let counts = try outbox.counts()
        print(OutboxItem.State.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        for line in Self.lines(items) { print(line) }
    }

    /// One line per message: id, state, kind, recipient, attempts, queued, next attempt or finish, last error.
    static func lines(_ items: [OutboxItem]) -> [String] {
        let iso = ISO8601DateFormatter()
        return items.map { item in
            let when = item.state == .queued ? "next \(iso.string(from: item.nextAttemptAt))"
                : item.finishedAt.map { "\(item.state.rawValue) \(iso.string(from: $0))" } ?? ""
            var line = "\(item.id)\t\(item.state.rawValue)\t\(item.kind.rawValue)\t\(item.toAddress)\tattempts \(item.attempts)"
                + "\tqueued \(iso.string(from: item.createdAt))\t\(when)"
            if let error = item.lastError { line += "\t\(error)" }
            return line
        }
    }
}

