import Foundation
import Testing
import TestSupport
@testable import HTTPServer

/// Static files' conditional requests (RFC 9110 §13): If-Match and If-Unmodified-Since once
/// answered 200 whatever they said; they answer 412 Precondition Failed when false, evaluated
/// in §13.2.2's order.
@Suite struct ConditionalRequestTests {
    static let etag = "\"1a-5f5e100\""
    static let mtime = 1_000_000_000  // Sun, 09 Sep 2001 01:46:40 GMT
    static let before = "Thu, 01 Jan 2000 00:00:00 GMT"
    static let after = "Fri, 01 Jan 2010 00:00:00 GMT"

    func result(_ headers: [(String, String)]) -> StaticFiles.PreconditionResult {
        let request = Request(method: .get, path: "/static/site.css", pathSegments: ["static", "site.css"], headers: HTTPHeaders(headers))
        return StaticFiles.precondition(request, etag: Self.etag, mtime: Self.mtime)
    }

    @Test(arguments: [
        // No conditions.
        ([], StaticFiles.PreconditionResult.proceed),
        // If-Match: strong comparison; "*" matches an existing file; a weak tag never matches.
        ([("If-Match", etag)], .proceed),
        ([("If-Match", "\"nomatch\"")], .failed),
        ([("If-Match", "\"a\", \(etag)")], .proceed),
        ([("If-Match", "*")], .proceed),
        ([("If-Match", "W/\(etag)")], .failed),
        // If-Unmodified-Since: modified after the date → 412; an unparseable date is ignored.
        ([("If-Unmodified-Since", before)], .failed),
        ([("If-Unmodified-Since", after)], .proceed),
        ([("If-Unmodified-Since", "yesterday")], .proceed),
        // If-Match, when present, decides instead of If-Unmodified-Since.
        ([("If-Match", etag), ("If-Unmodified-Since", before)], .proceed),
        ([("If-Match", "\"nomatch\""), ("If-Unmodified-Since", after)], .failed),
        // A failed precondition wins over a matching If-None-Match.
        ([("If-Match", "\"nomatch\""), ("If-None-Match", etag)], .failed),
        ([("If-Unmodified-Since", before), ("If-None-Match", etag)], .failed),
        // If-None-Match: weak comparison; then If-Modified-Since only when it is absent.
        ([("If-None-Match", "W/\(etag)")], .notModified),
        ([("If-None-Match", "\"other\""), ("If-Modified-Since", after)], .proceed),
        ([("If-Match", etag), ("If-None-Match", etag)], .notModified),
        ([("If-Modified-Since", after)], .notModified),
        ([("If-Modified-Since", before)], .proceed),
    ] as [([(String, String)], StaticFiles.PreconditionResult)])
    func evaluatedInRFC9110Order(headers: [(String, String)], expected: StaticFiles.PreconditionResult) {
        #expect(result(headers) == expected)
    }

    /// Over a real socket: 412 for a false If-Match or If-Unmodified-Since, 200 for true ones.
    @Test func preconditionFailedOverTheWire() throws {
        let folder = try StaticFileTests.makeRoot()
        defer { folder.remove() }
        try withTestServer(router: try makeTestRouter(staticRoot: folder.file("public"))) { server in
            let client = try server.client()
            try client.send("GET /static/css/site.css HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try client.readResponse()
            let etag = try #require(first.header("ETag"))
            for (header, status) in [("If-Match: \"nomatch\"", 412), ("If-Unmodified-Since: Thu, 01 Jan 2000 00:00:00 GMT", 412),
                                     ("If-Match: \(etag)", 200), ("If-Unmodified-Since: \(try #require(first.header("Last-Modified")))", 200)] {
                try client.send("GET /static/css/site.css HTTP/1.1\r\nHost: x\r\n\(header)\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == status, "\(header)")
                if status == 412 { #expect(!response.text.contains("body{}"), "\(header)") }
            }
        }
    }
}
