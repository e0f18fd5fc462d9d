import Foundation
import Testing
import TestSupport

/// The real `mutuals serve`: /metrics with its families and route patterns, the JSON access log
/// with request ids, SIGUSR1 reopening the log, and the bearer token from another address.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ServeObservabilityTests {
    typealias RunningServer = ServeCommandTests.RunningServer

    /// One request on a fresh connection to `address` (any IPv4 address, not only loopback).
    static func get(_ path: String, address: String = "127.0.0.1", port: Int, headers: [String] = []) throws -> (status: Int, head: String, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = UInt16(port).bigEndian
        socketAddress.sin_addr.s_addr = inet_addr(address)
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ClientError.connect(errno) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = (["GET \(path) HTTP/1.1", "Host: test", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, head, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    static func header(_ name: String, in head: String) -> String? {
        head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    /// This machine's first IPv4 address that is not loopback, if it has one.
    static let outsideAddress: String? = {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                var inAddress = $0.pointee.sin_addr
                _ = inet_ntop(AF_INET, &inAddress, &text, socklen_t(text.count))
            }
            let string = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !string.hasPrefix("127.") { return string }
        }
        return nil
    }()

    static func jsonLines(_ path: String) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    @Test func metricsJSONAccessLogAndReopenOnSIGUSR1() throws {
        let data = NSTemporaryDirectory() + "mutuals-observe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let log = data + "/access.log"
        let port = try ServeCommandTests.freePort()
        let server = try RunningServer(arguments: [
            "--data", data, "--no-tls", "--port", "\(port)", "--demo",
            "--access-log", log, "--access-log-format", "json",
        ])
        defer { if server.process.isRunning { _ = server.terminate() } }
        _ = try server.waitFor("serving http://127.0.0.1:\(port)/")

        #expect(try Self.get("/t/123-some-slug", port: port).status != 0)
        #expect(try Self.get("/healthz", port: port).body == "ok\n")
        #expect(try Self.get("/static/site.css", port: port).status == 200)
        let missing = try Self.get("/no/such/page", port: port)
        #expect(missing.status == 404)
        let missingID = try #require(Self.header("X-Request-Id", in: missing.head))
        #expect(missing.body.contains("Reference \(missingID)"))

        // Failed sign-ins until the throttle refuses one (three are free).
        let browser = BrowserClient(port: port, tls: false)
        var throttled = false
        for _ in 0..<8 where !throttled {
            _ = try browser.get("/sign-in")
            throttled = try browser.post("/sign-in", [("identifier", "nobody_here"), ("password", "a wrong password")]).status == 429
        }
        #expect(throttled)

        let metrics = try Self.get("/metrics", port: port)
        #expect(metrics.status == 200)
        #expect(Self.header("Content-Type", in: metrics.head)?.hasPrefix("text/plain; version=0.0.4") == true)
        for family in [
            #"mutuals_http_requests_total{route="/t/{idslug}",method="GET",status=""#,
            #"mutuals_http_requests_total{route="/static/{path...}",method="GET",status="200"}"#,
            #"mutuals_http_requests_total{route="unmatched",method="GET",status="404"}"#,
            #"mutuals_http_request_duration_seconds_bucket{route="/healthz",le="0.001"}"#,
            #"mutuals_http_open_connections{transport="plain"}"#,
            "mutuals_tls_handshakes_total", "mutuals_tls_handshake_failures_total",
            "mutuals_http_worker_queue_depth", "mutuals_http_busy_rejections_total",
            "mutuals_db_write_batch_size_bucket", "mutuals_db_commit_duration_seconds_bucket",
            "mutuals_db_file_bytes", "mutuals_db_wal_bytes",
            "mutuals_process_resident_bytes", "mutuals_process_resident_anonymous_bytes",
            "mutuals_process_resident_file_bytes", "mutuals_process_database_mapped_bytes",
            #"mutuals_signin_throttled_total{step="password"} 1"#,
        ] {
            #expect(metrics.body.contains(family), "no \(family)")
        }
        // Label values are route patterns, never what the client typed.
        #expect(!metrics.body.contains("some-slug"))
        #expect(!metrics.body.contains("/no/such/page"))

        // The JSON log: every line parses, and the 404's line has the id its page showed.
        var lines: [[String: Any]] = []
        for _ in 0..<100 where !lines.contains(where: { $0["request_id"] as? String == missingID }) {
            usleep(50_000)  // the log is flushed every 100 ms
            lines = try Self.jsonLines(log)
        }
        let line = try #require(lines.first { $0["request_id"] as? String == missingID })
        #expect(line["status"] as? Int == 404)
        #expect(line["path"] as? String == "/no/such/page")
        #expect(line["route"] as? String == "unmatched")
        #expect(lines.contains { $0["route"] as? String == "/t/{idslug}" && $0["path"] as? String == "/t/123-some-slug" })

        // logrotate: rename, SIGUSR1, and the next requests land in a new file at the path.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        kill(server.process.processIdentifier, SIGUSR1)
        var fresh: [[String: Any]] = []
        for _ in 0..<100 where fresh.isEmpty {
            _ = try Self.get("/healthz", port: port)
            usleep(50_000)
            fresh = try Self.jsonLines(log)
        }
        #expect(fresh.first?["route"] as? String == "/healthz")
        #expect(try Self.jsonLines(log + ".1").contains { $0["request_id"] as? String == missingID })
        #expect(server.process.isRunning)
        #expect(server.terminate() == 0)
    }

    /// From another address /metrics is the ordinary 404 unless the bearer token matches.
    @Test(.enabled(if: outsideAddress != nil, "needs a non-loopback IPv4 address"))
    func metricsFromAnotherAddressNeedsTheToken() throws {
        let outside = try #require(Self.outsideAddress)
        let data = NSTemporaryDirectory() + "mutuals-observe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let token = "metrics-\(UUID().uuidString)"
        try (token + "\n").write(toFile: data + "/metrics-token", atomically: true, encoding: .utf8)
        let port = try ServeCommandTests.freePort()
        let server = try RunningServer(arguments: [
            "--data", data, "--no-tls", "--host", "0.0.0.0", "--port", "\(port)", "--access-log", "off",
            "--metrics-token-file", data + "/metrics-token",
        ])
        defer { if server.process.isRunning { _ = server.terminate() } }
        _ = try server.waitFor("serving http://0.0.0.0:\(port)/")

        let anonymous = try Self.get("/metrics", address: outside, port: port)
        #expect(anonymous.status == 404)
        #expect(anonymous.body.contains("Page not found"))
        #expect(try Self.get("/metrics", address: outside, port: port, headers: ["Authorization: Bearer wrong-\(token)"]).status == 404)
        #expect(try Self.get("/metrics", address: outside, port: port, headers: ["Authorization: Basic \(token)"]).status == 404)
        let bearer = try Self.get("/metrics", address: outside, port: port, headers: ["Authorization: Bearer \(token)"])
        #expect(bearer.status == 200)
        #expect(bearer.body.contains("mutuals_http_requests_total"))
        // Loopback needs no token, unless the request came through a proxy.
        #expect(try Self.get("/metrics", port: port).status == 200)
        #expect(try Self.get("/metrics", port: port, headers: ["X-Forwarded-For: 198.51.100.7"]).status == 404)
        #expect(server.terminate() == 0)
    }

    @Test func badObservabilityOptionsStopTheStart() throws {
        let data = NSTemporaryDirectory() + "mutuals-observe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let format = try RunningServer(arguments: ["--data", data, "--access-log-format", "xml"])
        _ = try format.waitFor("--access-log-format must be text or json")
        format.process.waitUntilExit()
        #expect(format.process.terminationStatus != 0)
        let token = try RunningServer(arguments: ["--data", data, "--metrics-token-file", data + "/none"])
        _ = try token.waitFor("--metrics-token-file: cannot read")
        token.process.waitUntilExit()
        #expect(token.process.terminationStatus != 0)
    }
}
