import Foundation
import Testing
import TestSupport

/// RFC 9110 §9.3.2: HEAD answers with the head a GET would have had. A dynamic page's
/// `Content-Length` must agree with the GET's body (issue 17: the home page's sign-in link
/// carried `?next=` for GET only, 9 bytes apart).
@Suite(.serialized, .timeLimit(.minutes(1))) struct HeadRequestTests {
    @Test func headAndGetOfADynamicPageAgree() throws {
        try withTestSite(content: .demo) { site in
            for path in ["/", "/briefing", "/mentors", try site.publicThread().path, "/search?q=bond"] {
                let client = try site.client()
                defer { client.close() }
                try client.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let get = try client.readResponse()
                try client.send("HEAD \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let head = try client.readResponse(isHead: true)
                #expect(get.status == 200, "\(path)")
                #expect(head.status == 200, "\(path)")
                #expect(head.header("content-length") == String(get.body.count), "\(path)")
                #expect(head.body.isEmpty, "\(path)")
            }
        }
    }
}
