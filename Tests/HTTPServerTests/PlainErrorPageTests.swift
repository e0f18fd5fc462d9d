import Testing
@testable import HTTPServer

/// The server's own fallback error page escapes its message with the one HTML escaper
/// (`HTMLByteEscaper`, the `HTMLEscaping` target), not one of its own.
@Suite struct PlainErrorPageTests {
    @Test func theMessageIsEscaped() {
        let response = Server.plainErrorPage(.badRequest, "<script>alert('x')</script> & \"more\"", nil)
        let page = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == .badRequest)
        #expect(page.contains("<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;</p>"))
        #expect(page.contains("<title>400 Bad Request</title>"))
        #expect(!page.contains("<script>"))
    }

    @Test func theRequestsReferenceIsShown() {
        var request = Request(method: .get, path: "/x", pathSegments: ["x"])
        #expect(!String(decoding: Server.plainErrorPage(.notFound, "Gone.", request).body, as: UTF8.self).contains("Reference"))
        request.requestID = 0x1f
        #expect(String(decoding: Server.plainErrorPage(.notFound, "Gone.", request).body, as: UTF8.self).contains("<p>Reference 1f</p>"))
    }
}
