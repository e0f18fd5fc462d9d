import Foundation
import Testing
import TestSupport
@testable import Database

/// The `mutuals` executable, built on first use.
func mutualsExecutable() throws -> URL {
    try MutualsExecutable.url()
}

@Suite("Durability: acknowledged writes survive SIGKILL", .serialized, .timeLimit(.minutes(2)))
struct DurabilityTests {
    @Test(arguments: [1, 8])
    func everyAcknowledgedWriteSurvivesSIGKILL(writers: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("durable.sqlite3")

        let process = Process()
        process.executableURL = try mutualsExecutable()
        process.arguments = ["_durability-writer", "--path", path, "--writers", String(writers)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // Collect acknowledgements for a while, then kill the writer mid-stream.
        var received = Data()
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
            if received.count(where: { $0 == UInt8(ascii: "\n") }) >= 400 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        received.append(output.fileHandleForReading.readDataToEndOfFile())
        #expect(process.terminationReason == .uncaughtSignal)

        // Only complete lines are acknowledgements.
        let text = String(decoding: received, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // the (possibly empty) fragment after the last newline
        let acknowledged = lines.compactMap { Int64($0) }
        #expect(acknowledged.count == lines.count)
        #expect(acknowledged.count >= 50, "the writer acknowledged too few writes to test anything")

        let store = try Store(path: path)
        defer { store.close() }
        #expect(try store.integrityProblems().isEmpty)
        let stored = Set(try store.read { try $0.column(Int64.self, "SELECT id FROM durability_probe") })
        let missing = acknowledged.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(10))")
    }
}
