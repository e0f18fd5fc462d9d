import Testing
@testable import HTTPServer

@Suite struct RouterTests {
    func makeRouter() throws -> Router {
        var builder = RouterBuilder()
        let named: (String) -> Handler = { name in { _ in Response.text(name) } }
        builder.get("/", named("home"))
        builder.get("/t/{id:int}", named("thread-int"))
        builder.get("/t/new", named("thread-new"))
        builder.get("/t/{slug}", named("thread-slug"))
        builder.post("/t/{id:int}", named("thread-post"))
        builder.get("/static/{path...}", named("static"))
        builder.get("/o/{org}/members", named("members"))
        return try builder.build()
    }

    func name(_ match: Router.Match) -> String? {
        guard case .found(let route, _) = match, let response = try? route.handler(Request(method: .get, path: "/", pathSegments: [])) else { return nil }
        return String(decoding: response.body, as: UTF8.self)
    }

    @Test func literalsBeatParameters() throws {
        let router = try makeRouter()
        #expect(name(router.match(.get, ["t", "new"])) == "thread-new")
        #expect(name(router.match(.get, ["t", "42"])) == "thread-int")
        #expect(name(router.match(.get, ["t", "hello"])) == "thread-slug")
        #expect(name(router.match(.get, [])) == "home")
    }

    @Test func typedParametersAreExtracted() throws {
        let router = try makeRouter()
        guard case .found(_, let parameters) = router.match(.get, ["t", "42"]) else { Issue.record("no match"); return }
        #expect(parameters.int("id") == 42)
        guard case .found(_, let p2) = router.match(.get, ["o", "tri-borough", "members"]) else { Issue.record("no match"); return }
        #expect(p2["org"] == "tri-borough")
    }

    @Test func restParameterTakesTheRest() throws {
        let router = try makeRouter()
        guard case .found(_, let parameters) = router.match(.get, ["static", "css", "site.css"]) else { Issue.record("no match"); return }
        #expect(parameters["path"] == "css/site.css")
        if case .found = router.match(.get, ["static"]) { Issue.record("rest needs at least one segment") }
    }

    @Test func methodNotAllowedListsAllow() throws {
        let router = try makeRouter()
        guard case .methodNotAllowed(let allow) = router.match(.delete, ["t", "42"]) else { Issue.record("expected 405"); return }
        #expect(allow == [.get, .head, .post, .options])
        if case .notFound = router.match(.get, ["nowhere"]) {} else { Issue.record("expected 404") }
        #expect(name(router.match(.head, [])) == "home")
    }

    @Test func duplicateRoutesFailAtBuild() {
        var builder = RouterBuilder()
        builder.get("/a/{x}") { _ in Response() }
        builder.get("/a/{y}") { _ in Response() }
        #expect(throws: RouterBuilder.BuildError.self) { try builder.build() }
    }

    @Test(arguments: ["no-slash", "/a/{rest...}/b", "/a/x{y}", "/a/{y:float}"])
    func invalidPatternsFailAtBuild(_ pattern: String) {
        var builder = RouterBuilder()
        builder.get(pattern) { _ in Response() }
        #expect(throws: RouterBuilder.BuildError.self) { try builder.build() }
    }
}

@Suite struct FormAndCookieTests {
    @Test func formDecoding() throws {
        let items = try FormDecoder.decode("a=1&b=hello+world&a=2&c=%C3%A9&d&=e&f=")
        #expect(items == [FormItem("a", "1"), FormItem("b", "hello world"), FormItem("a", "2"), FormItem("c", "é"),
                          FormItem("d", ""), FormItem("", "e"), FormItem("f", "")])
        #expect(items.all("a") == ["1", "2"])
        #expect(items["b"] == "hello world")
    }

    @Test(arguments: ["a=%", "a=%2", "a=%zz", "%g1=b", "a=%FF"])
    func invalidEscapesAre400(_ text: String) {
        #expect(throws: HTTPError.self) { try FormDecoder.decode(text) }
        do { _ = try FormDecoder.decode(text) } catch { #expect(error.status.code == 400) }
    }

    @Test func encodeRoundTrips() throws {
        let original = "Capital & finance: £10m? 100% \"yes\" / no"
        let encoded = FormDecoder.encode(original)
        #expect(try FormDecoder.decode("k=" + encoded) == [FormItem("k", original)])
    }

    @Test func requestFormRequiresFormContentType() throws {
        var request = Request(method: .post, path: "/", pathSegments: [], body: Array("a=1".utf8))
        request.headers.add("content-type", "application/json")
        #expect(throws: HTTPError(.unsupportedMediaType, "This form must be sent as application/x-www-form-urlencoded.")) {
            try request.formItems()
        }
        request.headers.set("content-type", "application/x-www-form-urlencoded; charset=UTF-8")
        #expect(try request.formItems() == [FormItem("a", "1")])
    }

    @Test func cookies() {
        let cookies = CookieParser.parse(["a=1; b=\"two\";c=3", "broken; d = 4 ; =x; e"])
        #expect(cookies.map(\.name) == ["a", "b", "c", "d"])
        #expect(cookies.map(\.value) == ["1", "two", "3", "4"])
    }

    /// `Request.cookie` finds the first cookie of that name across the headers, by the same
    /// rules as the full parse (spaces, quotes, malformed pieces skipped, names exact).
    @Test func oneCookieByName() {
        var request = Request(method: .get, path: "/", pathSegments: [])
        request.headers.add("Cookie", "broken; =x; session = \"abc\" ;theme=dark")
        request.headers.add("cookie", "session=second; late=\t1\t")
        #expect(request.cookie("session") == "abc")
        #expect(request.cookie("theme") == "dark")
        #expect(request.cookie("late") == "1")
        #expect(request.cookie("Session") == nil)
        #expect(request.cookie("broken") == nil)
        #expect(request.cookie("") == nil)
        #expect(request.cookie("x") == nil)
        for name in ["session", "theme", "late", "none"] {
            #expect(request.cookie(name) == request.cookies.first { $0.name == name }?.value)
        }
        #expect(CookieParser.parse(["q=\"\"; r=\"; s=\"x"]).map(\.value) == ["", "\"", "\"x"])
    }

    /// Percent-decoding: escapes in either case, UTF-8 checked, malformed escapes refused, `+`
    /// only as a form's space; a String and a Substring decode alike.
    @Test func percentDecoding() {
        #expect(PercentDecoding.decode("/t/12-plain") == "/t/12-plain")
        #expect(PercentDecoding.decode("a%2Fb%2fc") == "a/b/c")
        #expect(PercentDecoding.decode("caf%C3%A9") == "café")
        #expect(PercentDecoding.decode("a+b") == "a+b")
        #expect(PercentDecoding.decode("a+b%20c", plusAsSpace: true) == "a b c")
        for malformed in ["%", "%4", "ab%", "%zz", "%4g", "%FF", "%C3"] {
            #expect(PercentDecoding.decode(malformed) == nil, "\(malformed)")
        }
        let whole = "x=caf%C3%A9&y=%ZZ"
        let value = whole.split(separator: "&")[0].dropFirst(2)
        #expect(PercentDecoding.decode(value) == "café")
        #expect(PercentDecoding.decode(whole.split(separator: "&")[1].dropFirst(2)) == nil)
        #expect(PercentDecoding.decode("") == "")
    }

    /// `Accept-Encoding` as RFC 9110 §12.5.3 reads it: gzip (or x-gzip), else `*`, each with a
    /// q-value above 0; names in any case, spaces and tabs around items and parameters.
    @Test(arguments: [
        ("gzip", true), ("GZIP", true), ("gzip, deflate, br, zstd", true), ("deflate, gzip;q=0.5", true),
        ("x-gzip", true), ("br,gzip", true), (" \tgzip \t, br", true), ("gzip ; q=1", true), ("gzip;Q=0.001", true),
        ("gzip;q=0", false), ("gzip; q=0.000", false), ("gzip;q=0, *", false), ("*", true), ("*;q=0", false),
        ("br;q=1, *;q=0.1", true), ("identity", false), ("", false), ("deflate, br", false), ("gzipx", false),
        ("gzip;q=nonsense", true), ("gzip;level=1;q=0", false), (",,gzip,,", true), ("*, gzip;q=0", false),
    ])
    func acceptEncodingIsRead(header: String, accepts: Bool) {
        let request = Request(method: .get, path: "/", pathSegments: [], headers: HTTPHeaders([("Accept-Encoding", header)]))
        #expect(Compression.acceptsGzip(request) == accepts, "\(header)")
        #expect(!Compression.acceptsGzip(Request(method: .get, path: "/", pathSegments: [])))
    }

    /// What may be compressed: text types in any case, not a `no-transform` response; `Vary`
    /// names Accept-Encoding once.
    @Test func compressibleResponses() {
        #expect(Compression.isCompressible(contentType: "text/html; charset=utf-8"))
        #expect(Compression.isCompressible(contentType: "TEXT/CSS"))
        #expect(Compression.isCompressible(contentType: " text/plain"))
        #expect(Compression.isCompressible(contentType: "application/atom+xml; charset=utf-8"))
        #expect(!Compression.isCompressible(contentType: "image/png"))
        #expect(!Compression.isCompressible(contentType: "tex"))
        #expect(Compression.isCompressible(contentType: "Text/Html"))
        #expect(!Compression.isCompressible(contentType: "text"))
        #expect(!Compression.isCompressible(contentType: "textile/x"))
        #expect(!Compression.isCompressible(contentType: "TEXT\\x"))
        var response = Response(status: .ok, body: Array(repeating: UInt8(ascii: "a"), count: 2048))
        response.headers.set("Content-Type", "text/html; charset=utf-8")
        #expect(Compression.mayCompress(response))
        response.headers.set("Cache-Control", "private, No-Transform")
        #expect(!Compression.mayCompress(response))
        response.headers.set("Cache-Control", "no-store")
        #expect(Compression.mayCompress(response))
        var headers = HTTPHeaders()
        headers.set("Vary", "Cookie, ACCEPT-ENCODING")
        Compression.addVary(to: &headers)
        #expect(headers["vary"] == "Cookie, ACCEPT-ENCODING")
        headers.set("Vary", "Cookie")
        Compression.addVary(to: &headers)
        #expect(headers["vary"] == "Cookie, Accept-Encoding")
    }

    @Test func queryItems() throws {
        let request = Request(method: .get, path: "/s", pathSegments: ["s"], query: "q=mutual+support&page=2")
        #expect(try request.queryItems()["q"] == "mutual support")
        let bad = Request(method: .get, path: "/s", pathSegments: ["s"], query: "q=%%")
        #expect(throws: HTTPError.self) { try bad.queryItems() }
    }

    @Test func httpDateRoundTrip() {
        #expect(HTTPDate.format(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
    }
}
