import Foundation
import Logging
import Testing
@testable import HTTPServer
import TestSupport

/// Request ids, the JSON access log, reopening the log file, and the process memory figures.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ObservabilityTests {
    /// A server whose access log is JSON lines in a file, for `body`; returns the log's lines.
    func withJSONAccessLog(_ body: (TestServer) throws -> Void) throws -> [[String: Any]] {
        let path = NSTemporaryDirectory() + "mutuals-access-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LineWriter.appending(to: path)
        try withTestServer(router: try makeTestRouter(), configure: {
            $0.accessLogFormat = .json
            $0.accessLog = Logger(label: "access") { _ in LineLogHandler(label: "access", writer: writer, includeLevel: false, stamped: false) }
        }, body)
        writer.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test func everyJSONLineCarriesTheRequestIdOfTheResponseAndItsErrorPage() throws {
        var boomID = "", missingID = "", helloID = ""
        let lines = try withJSONAccessLog { server in
            let client = try server.client()
            try client.send("GET /boom HTTP/1.1\r\nHost: x\r\nUser-Agent: probe \"1\"\r\n\r\n")
            let boom = try client.readResponse()
            #expect(boom.status == 500)
            boomID = try #require(boom.header("X-Request-Id"))
            #expect(boom.text.contains("quote reference \(boomID)."))
            try client.send("GET /nowhere?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
            let missing = try client.readResponse()
            #expect(missing.status == 404)
            missingID = try #require(missing.header("X-Request-Id"))
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            helloID = try #require(try client.readResponse().header("X-Request-Id"))
        }
        #expect(Set([boomID, missingID, helloID]).count == 3)
        let byID = Dictionary(uniqueKeysWithValues: lines.map { ($0["request_id"] as? String ?? "", $0) })
        let boom = try #require(byID[boomID])
        #expect(boom["status"] as? Int == 500)
        #expect(boom["route"] as? String == "/boom")
        #expect(boom["method"] as? String == "GET")
        #expect(boom["user_agent"] as? String == "probe \"1\"")
        #expect(boom["client"] as? String == "127.0.0.1")
        #expect((boom["time"] as? String)?.hasSuffix("Z") == true)
        #expect(boom["duration_ms"] is Double || boom["duration_ms"] is Int)
        let missing = try #require(byID[missingID])
        #expect(missing["route"] as? String == "unmatched")
        #expect(missing["path"] as? String == "/nowhere")
        #expect(missing["user_agent"] is NSNull)
        #expect(byID[helloID]?["route"] as? String == "/")
    }

    @Test func aRequestRefusedBeforeRoutingIsLoggedWithItsId() throws {
        var id = ""
        let lines = try withJSONAccessLog { server in
            let client = try server.client()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n")
            let refused = try client.readResponse()
            #expect(refused.status == 400)
            id = try #require(refused.header("X-Request-Id"))
        }
        let line = try #require(lines.first { $0["request_id"] as? String == id })
        #expect(line["status"] as? Int == 400)
        #expect(line["method"] is NSNull)
        #expect(line["route"] as? String == "unmatched")
    }

    @Test(arguments: [(UInt64(0), "0"), (1, "1"), (0xabc, "abc"), (1 << 56 | 5, "100000000000005"), (.max, "ffffffffffffffff")])
    func requestIdsAreWrittenAsStringRadix16Spells(id: UInt64, hex: String) {
        var bytes: [UInt8] = []
        ResponseSerializer.appendHex(id, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == hex)
        #expect(String(id, radix: 16) == hex)
    }

    @Test func jsonStringsEscapeQuotesBackslashesAndControls() {
        var bytes: [UInt8] = []
        AccessLogLine.appendJSONString("a\"b\\c\u{1}\té", into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\u0001\u0009é""#)
    }

    /// logrotate renames the file and sends SIGUSR1; `reopen` starts a new file at the path.
    @Test func reopenStartsANewFileAfterARename() throws {
        let directory = NSTemporaryDirectory() + "mutuals-reopen-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try LineWriter.appending(to: directory + "/access.log")
        writer.write("first", stamped: false)
        writer.flush()
        try FileManager.default.moveItem(atPath: directory + "/access.log", toPath: directory + "/access.log.1")
        writer.write("second", stamped: false)
        try writer.reopen()  // "second" was buffered: it goes to the old file before the switch
        writer.write("third", stamped: false)
        writer.close()
        #expect(try String(contentsOfFile: directory + "/access.log.1", encoding: .utf8) == "first\nsecond\n")
        #expect(try String(contentsOfFile: directory + "/access.log", encoding: .utf8) == "third\n")
    }

    @Test func statusFiguresAreReadInBytes() {
        let status = """
            Name:\tmutuals
            VmPeak:\t  900000 kB
            VmRSS:\t   42000 kB
            RssAnon:\t    7000 kB
            RssFile:\t   35000 kB
            RssShmem:\t       0 kB
            """
        #expect(ProcessMemory.parseStatus(status) == ProcessMemory(residentBytes: 42000 * 1024, anonymousBytes: 7000 * 1024, fileBytes: 35000 * 1024))
        #expect(ProcessMemory.current().anonymousBytes > 0)
        #expect(ProcessMemory.current().residentBytes >= ProcessMemory.current().anonymousBytes)
    }

    @Test func mappedBytesCountOnlyTheNamedFiles() {
        let smaps = """
            7f0000000000-7f0040000000 r--s 00000000 08:01 123 /data/mutuals.sqlite3
            Size:            1048576 kB
            Rss:                 120 kB
            Pss:                 120 kB
            7f0040000000-7f0040008000 rw-s 00000000 08:01 124 /data/mutuals.sqlite3-shm
            Size:                 32 kB
            Rss:                  32 kB
            7f0050000000-7f0050100000 r-xp 00000000 08:01 125 /usr/lib/libsqlite3.so.0
            Size:               1024 kB
            Rss:                 900 kB
            7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]
            Rss:                  16 kB

            """
        let paths: Set<String> = ["/data/mutuals.sqlite3", "/data/mutuals.sqlite3-shm"]
        #expect(ProcessMemory.parseSmaps(Array(smaps.utf8), paths: paths) == (120 + 32) * 1024)
    }
}
