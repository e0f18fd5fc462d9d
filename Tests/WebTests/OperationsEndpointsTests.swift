import Database
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Board
@testable import Web

/// `/healthz` and `/metrics` on the real site (issue 17).
@Suite(.serialized, .timeLimit(.minutes(1))) struct OperationsEndpointsTests {
    @Test func healthIsOKOnAFreshNetwork() throws {
        try withTestSite { site in
            let health = try site.get("/healthz")
            #expect(health.status == 200)
            #expect(health.text == "ok\n")
            #expect(health.header("Cache-Control") == "no-store")
        }
    }

    /// A real SQLITE_FULL on the writer (the file may not grow: `max_page_count`, as when the
    /// disk is full) turns /healthz to 503 with SQLite's reason; a write that commits once
    /// there is room turns it back.
    @Test func healthSaysWhyTheWriterFailsAndRecovers() throws {
        try withTestSite { site in
            try site.store.write { try $0.execute("CREATE TABLE filler(body BLOB)") }
            try site.store.writeWithoutTransaction { try $0.execute("PRAGMA max_page_count = 1") }
            let error = #expect(throws: DatabaseError.self) {
                try site.store.write { try $0.run("INSERT INTO filler VALUES (zeroblob(200000))") }
            }
            #expect(error?.isStorageFailure == true)
            let failing = try site.get("/healthz")
            #expect(failing.status == 503)
            #expect(failing.text == "unavailable\nwriter: database or disk is full\n")

            try site.store.writeWithoutTransaction { try $0.execute("PRAGMA max_page_count = 1073741823") }
            try site.accounts.setRegistrationMode(.open)  // any write that commits
            #expect(try site.get("/healthz").status == 200)
        }
    }

    /// Without a metrics renderer (tests, or a build that serves none) /metrics is the
    /// ordinary not-found page, request reference included.
    @Test func metricsWithoutARendererIsTheNotFoundPage() throws {
        try withTestSite { site in
            let response = try site.get("/metrics")
            #expect(response.status == 404)
            let id = try #require(response.header("X-Request-Id"))
            #expect(response.text.contains("Page not found"))
            #expect(response.text.contains("Reference \(id)"))
        }
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("::ffff:127.0.0.1", true),
        ("10.0.0.1", false), ("192.168.1.20", false), ("::ffff:10.0.0.1", false), ("2001:db8::1", false),
        ("127.0.0", false), ("1127.0.0.1", false), ("", false), ("unknown", false),
    ])
    func loopbackAddresses(address: String, loopback: Bool) {
        #expect(MetricsAccess.isLoopback(address) == loopback)
    }

    @Test func theMetricsRule() {
        let token = "s3cret-token-0123456789"
        // Loopback, directly: yes. Through a proxy on the same host: only with the token.
        #expect(MetricsAccess.allows(remoteAddress: "127.0.0.1", authorization: nil, forwarded: false, token: nil))
        #expect(!MetricsAccess.allows(remoteAddress: "127.0.0.1", authorization: nil, forwarded: true, token: token))
        #expect(MetricsAccess.allows(remoteAddress: "127.0.0.1", authorization: "Bearer \(token)", forwarded: true, token: token))
        // Elsewhere: the exact token, as a bearer token.
        #expect(MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: "Bearer \(token)", forwarded: false, token: token))
        #expect(!MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: "Bearer \(token)x", forwarded: false, token: token))
        #expect(!MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: "Bearer s3cret", forwarded: false, token: token))
        #expect(!MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: "Basic \(token)", forwarded: false, token: token))
        #expect(!MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: nil, forwarded: false, token: token))
        // No token configured: an empty bearer never matches.
        #expect(!MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: "Bearer ", forwarded: false, token: nil))
        #expect(!MetricsAccess.allows(remoteAddress: "203.0.113.9", authorization: "Bearer ", forwarded: false, token: ""))
    }

    @Test func constantTimeComparison() {
        #expect(MetricsAccess.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!MetricsAccess.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!MetricsAccess.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!MetricsAccess.constantTimeEquals([], Array("a".utf8)))
        #expect(MetricsAccess.constantTimeEquals([], []))
    }
}
