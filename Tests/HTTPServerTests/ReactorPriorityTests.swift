import Foundation
import Testing
import TestSupport

@testable import HTTPServer

/// Reactor threads lower their own priority (`ServerConfiguration.reactorNiceness`), so a
/// reactor woken by a request does not preempt the worker that is running.
@Suite struct ReactorPriorityTests {
    /// The nice value (field 19 of /proc/self/task/TID/stat) of each thread named `prefix…`.
    private func niceValues(ofThreadsNamed prefix: String) throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                  stat[stat.index(after: open)..<close].hasPrefix(prefix) else { return nil }
            // After "pid (comm)": state is field 3, nice field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
    }

    @Test func reactorThreadsRunBelowTheProcessesPriority() throws {
        let base = Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        // Near 19 the two values would meet at the cap, and the default's threads would pass
        // for this server's.
        try #require(base + 7 < 19, "the tests run at nice \(base): too close to 19 to tell 7 steps from 10")
        // 7: a value no other test's server uses (the default is 10), so the threads found
        // with it are this server's.
        try withTestServer(router: try makeTestRouter(), configure: { $0.reactorNiceness = 7 }) { server in
            let client = try server.client()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
            let reactors = try niceValues(ofThreadsNamed: "mutuals-io")
            #expect(reactors.filter { $0 == base + 7 }.count >= 2)  // the test server has two reactors
            // Workers keep the process's own priority.
            #expect(try niceValues(ofThreadsNamed: "mutuals-w").allSatisfy { $0 == base })
        }
    }
}
