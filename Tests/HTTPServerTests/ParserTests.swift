import Testing
@testable import HTTPServer

/// Feeds bytes to a fresh connection state machine and reports what it decided.
enum Outcome: Equatable {
    case request(method: HTTPMethod, path: String, body: String)
    case rejected(Int)
    case incomplete
}

func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Outcome {
    parse(Array(text.utf8), limits: limits)
}

func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> Outcome {
    var state = ConnectionState(limits: limits, timeouts: HTTPTimeouts(), now: 0)
    let actions = bytes.withUnsafeBytes { state.receive($0, now: 1) }
    for action in actions {
        switch action {
        case .dispatch(let head, let body, _):
            return .request(method: head.method, path: head.path, body: String(decoding: body, as: UTF8.self))
        case .reject(let status, _):
            return .rejected(status.code)
        default:
            continue
        }
    }
    return .incomplete
}

func head(_ text: String) -> RequestHead? {
    let bytes = Array(text.utf8)
    let result = bytes.withUnsafeBufferPointer { RequestParser.parseHead($0, limits: HTTPLimits()) }
    if case .complete(let head, _) = result { return head }
    return nil
}

@Suite struct RequestLineTests {
    /// RFC 9112 §3: a request line already complete and malformed is answered at once, without
    /// waiting for the rest of the head (or the head timeout); a good one waits for its headers.
    @Test(arguments: ["GET /\r\n", "GET\r\n", "GET / HTTP/2.0\r\n", "GET / HTTP/1.1 extra\r\n", "GET /a#b HTTP/1.1\r\n"])
    func aCompleteMalformedRequestLineIsRejectedAtOnce(_ line: String) {
        guard case .rejected(let code) = parse(line) else {
            Issue.record("\(line.debugDescription) was not rejected")
            return
        }
        #expect([400, 505].contains(code))
    }

    @Test func aGoodRequestLineWaitsForItsHeaders() {
        #expect(parse("GET / HTTP/1.1\r\n") == .incomplete)
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\n") == .incomplete)
    }

    @Test func simpleGet() {
        #expect(parse("GET /a/b?c=d HTTP/1.1\r\nHost: x\r\n\r\n") == .request(method: .get, path: "/a/b", body: ""))
        let h = head("GET /a/b?c=d HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(h?.query == "c=d")
        #expect(h?.pathSegments == ["a", "b"])
        #expect(h?.keepAlive == true)
    }

    @Test func leadingEmptyLineIsIgnored() {
        // RFC 9112 §2.2
        #expect(parse("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == .request(method: .get, path: "/", body: ""))
    }

    @Test(arguments: [
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",        // two spaces
        "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",        // trailing space
        "GET /\r\nHost: x\r\n\r\n",                  // HTTP/0.9 style
        "GET / HTTP/1.10\r\nHost: x\r\n\r\n",
        "GET / HTTP/A.1\r\nHost: x\r\n\r\n",
        "GET / http/1.1\r\nHost: x\r\n\r\n",
        "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
        " GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ])
    func malformedRequestLinesAre400(_ text: String) {
        let outcome = parse(text + (text.hasSuffix("\r\n\r\n") ? "" : "Host: x\r\n\r\n"))
        #expect(outcome == .rejected(400))
    }

    @Test func unknownMethodIs501() {
        #expect(parse("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n") == .rejected(501))
        #expect(parse("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org\r\n\r\n") == .rejected(501))
    }

    @Test func http2VersionIs505() {
        #expect(parse("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == .rejected(505))
    }

    @Test func http10WithoutHostIsAccepted() {
        let h = head("GET / HTTP/1.0\r\n\r\n")
        #expect(h?.version == .http10)
        #expect(h?.keepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.keepAlive == true)
    }

    @Test func connectionCloseIsHonoured() {
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?.keepAlive == false)
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n")?.keepAlive == false)
    }

    @Test func absoluteFormTakesItsAuthority() {
        let h = head("GET http://example.org:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        #expect(h?.host == "example.org:8080")
        #expect(h?.path == "/p/q")
        #expect(h?.query == "x=1")
        #expect(head("GET https://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n")?.path == "/")
        #expect(parse("GET http://user@example.org/ HTTP/1.1\r\nHost: x\r\n\r\n") == .rejected(400))
    }

    @Test func asteriskOnlyForOptions() {
        #expect(head("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")?.isAsteriskForm == true)
        #expect(parse("GET * HTTP/1.1\r\nHost: x\r\n\r\n") == .rejected(400))
    }

    @Test(arguments: ["GET example.org HTTP/1.1", "GET /a#frag HTTP/1.1", "GET /\u{7F} HTTP/1.1", "GET /é HTTP/1.1"])
    func invalidTargetsAre400(_ line: String) {
        #expect(parse(line + "\r\nHost: x\r\n\r\n") == .rejected(400))
    }

    @Test func invalidPercentEncodingInPathIs400() {
        #expect(parse("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n") == .rejected(400))
        #expect(parse("GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n") == .rejected(400))
        #expect(parse("GET /a%ff HTTP/1.1\r\nHost: x\r\n\r\n") == .rejected(400))  // not UTF-8
        #expect(head("GET /a%20b/%2F HTTP/1.1\r\nHost: x\r\n\r\n")?.pathSegments == ["a b", "/"])
    }
}

@Suite struct HeaderFieldTests {
    @Test func obsFoldIs400() {
        // RFC 9112 §5.2
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tc\r\n\r\n") == .rejected(400))
    }

    @Test func whitespaceBeforeColonIs400() {
        // RFC 9112 §5.1
        #expect(parse("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length\t: 0\r\n\r\n") == .rejected(400))
    }

    @Test func bareCRIs400() {
        #expect(parse("GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\rHost: x\r\n\r\n") == .rejected(400))
    }

    @Test func bareLFIs400() {
        #expect(parse("GET / HTTP/1.1\nHost: x\n\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n") == .rejected(400))
    }

    @Test(arguments: [0x00, 0x01, 0x08, 0x0B, 0x1F, 0x7F] as [UInt8])
    func controlBytesInValuesAre400(_ byte: UInt8) {
        var bytes = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Test: a".utf8)
        bytes.append(byte)
        bytes += Array("b\r\n\r\n".utf8)
        #expect(parse(bytes) == .rejected(400))
    }

    @Test func tabAndObsTextInValuesAreAccepted() {
        var bytes = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Test: a\tb".utf8)
        bytes += [0xC3, 0xA9]
        bytes += Array("\r\n\r\n".utf8)
        #expect(parse(bytes) == .request(method: .get, path: "/", body: ""))
    }

    @Test func invalidHeaderNamesAre400() {
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\nBad(Name): y\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\n: y\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n") == .rejected(400))
    }

    @Test func valuesAreTrimmedAndNamesCaseInsensitive() {
        let h = head("GET / HTTP/1.1\r\nHOST:   x  \r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n")
        #expect(h?.headers["host"] == "x")
        #expect(h?.headers["Host"] == "x")
        #expect(h?.headers.values("X-DUP") == ["1", "2"])
    }

    @Test func hostRules() {
        #expect(parse("GET / HTTP/1.1\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == .rejected(400))
        #expect(parse("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == .rejected(400))
        #expect(head("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n")?.host == "[::1]:8443")
    }

    @Test func unsupportedExpectationIs417() {
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx") == .rejected(417))
    }
}

@Suite struct FramingTests {
    @Test func contentLengthBody() {
        #expect(parse("POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello") == .request(method: .post, path: "/f", body: "hello"))
        #expect(parse("POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel") == .incomplete)
    }

    @Test func identicalContentLengthsAreOneLength() {
        // RFC 9110 §8.6 allows a list of identical values.
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\nab") == .request(method: .post, path: "/", body: "ab"))
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab") == .request(method: .post, path: "/", body: "ab"))
    }

    @Test(arguments: [
        "Content-Length: 2\r\nContent-Length: 3",
        "Content-Length: 2, 3",
        "Content-Length: -1",
        "Content-Length: +2",
        "Content-Length: 0x2",
        "Content-Length: 2 2",
        "Content-Length: ",
        "Content-Length: 1e3",
        "Content-Length: 99999999999999999999999",
    ])
    func badContentLengthIs400(_ field: String) {
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\n\(field)\r\n\r\nab") == .rejected(400))
    }

    @Test func contentLengthWithTransferEncodingIs400() {
        // RFC 9112 §6.1: a smuggling vector.
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == .rejected(400))
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n") == .rejected(400))
    }

    @Test(arguments: [
        "Transfer-Encoding: identity",
        "Transfer-Encoding: chunked, identity",
        "Transfer-Encoding: xchunked",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip",
        "Transfer-Encoding: chunked, chunked",
        "Transfer-Encoding: ",
        "Transfer-Encoding: chunked,",
    ])
    func transferEncodingNotFinallyChunkedIs400(_ field: String) {
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\n\(field)\r\n\r\n0\r\n\r\n") == .rejected(400))
    }

    @Test func otherCodingsBeforeChunkedAre501() {
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n") == .rejected(501))
    }

    @Test func transferEncodingInHTTP10Is400() {
        #expect(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == .rejected(400))
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() {
        let request = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; ext\r\n world\r\n0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n"
        #expect(parse(request) == .request(method: .post, path: "/c", body: "hello world"))
    }

    @Test func chunkedBodyFedOneByteAtATime() {
        let text = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n"
        var state = ConnectionState(limits: HTTPLimits(), timeouts: HTTPTimeouts(), now: 0)
        var body: String?
        for byte in Array(text.utf8) {
            for action in [byte].withUnsafeBytes({ state.receive($0, now: 1) }) {
                if case .dispatch(_, let b, _) = action { body = String(decoding: b, as: UTF8.self) }
            }
        }
        #expect(body == "0123456789")
    }

    @Test(arguments: [
        "x\r\nab\r\n0\r\n\r\n",              // not hex
        "\r\nab\r\n0\r\n\r\n",               // empty size
        "-2\r\nab\r\n0\r\n\r\n",
        "2\r\nabc\r\n0\r\n\r\n",             // data longer than size
        "2\r\nab0\r\n\r\n",                  // missing CRLF after data
        "2\nab\r\n0\r\n\r\n",                // bare LF after size
        "2\r\nab\r\n0\r\n\n",                // bare LF at end
        "1000000000000000\r\n",              // 16 hex digits: overflow guard
        "2 x\r\nab\r\n0\r\n\r\n",            // junk after size whitespace
        "2;a\u{01}\r\nab\r\n0\r\n\r\n",      // control in extension
        "0\r\n Folded: trailer\r\n\r\n",     // obs-fold in trailer
    ])
    func invalidChunksAre400(_ body: String) {
        let outcome = parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        #expect(outcome == .rejected(400))
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: HTTPTimeouts(), now: 0)
        let actions = Array("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)
            .withUnsafeBytes { state.receive($0, now: 1) }
        guard case .send(let bytes)? = actions.first else {
            Issue.record("expected a 100 Continue, got \(actions)")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func pipelinedRequestsAreDispatchedOneAtATime() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: HTTPTimeouts(), now: 0)
        let text = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
        let first = Array(text.utf8).withUnsafeBytes { state.receive($0, now: 1) }
        #expect(first.count == 1)
        guard case .dispatch(let h1, _, _)? = first.first else { Issue.record("no dispatch"); return }
        #expect(h1.path == "/1")
        let second = state.responseQueued(keepAlive: true, now: 2)
        guard case .dispatch(let h2, _, _)? = second.first else { Issue.record("no second dispatch"); return }
        #expect(h2.path == "/2")
    }
}

@Suite struct LimitTests {
    static let limits: HTTPLimits = {
        var l = HTTPLimits()
        l.maxHeaderBytes = 1024
        l.maxURILength = 256
        l.maxHeaderCount = 10
        l.maxBodyBytes = 100
        return l
    }()

    @Test(arguments: [255, 256, 257])
    func uriLimit(_ length: Int) {
        let target = "/" + String(repeating: "a", count: length - 1)
        let outcome = parse("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n", limits: Self.limits)
        if length <= 256 {
            #expect(outcome == .request(method: .get, path: target, body: ""))
        } else {
            #expect(outcome == .rejected(414))
        }
    }

    @Test func hugeURIWithoutLineEndIs414() {
        #expect(parse("GET /" + String(repeating: "a", count: 2000), limits: Self.limits) == .rejected(414))
    }

    @Test(arguments: [9, 10, 11])
    func headerCountLimit(_ count: Int) {
        // Host plus count-1 more fields.
        let fields = (1..<count).map { "X-\($0): v\r\n" }.joined()
        let outcome = parse("GET / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n", limits: Self.limits)
        #expect(outcome == (count <= 10 ? .request(method: .get, path: "/", body: "") : .rejected(431)))
    }

    @Test(arguments: [1023, 1024, 1025])
    func headerBytesLimit(_ total: Int) {
        let prefix = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: "
        let pad = String(repeating: "p", count: total - prefix.utf8.count - 4)
        let text = prefix + pad + "\r\n\r\n"
        #expect(text.utf8.count == total)
        let outcome = parse(text, limits: Self.limits)
        #expect(outcome == (total <= 1024 ? .request(method: .get, path: "/", body: "") : .rejected(431)))
    }

    @Test func unterminatedHeadOverLimitIs431() {
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + String(repeating: "p", count: 2000), limits: Self.limits) == .rejected(431))
    }

    @Test(arguments: [99, 100, 101])
    func declaredBodyLimit(_ length: Int) {
        let body = String(repeating: "b", count: length)
        let outcome = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(length)\r\n\r\n\(body)", limits: Self.limits)
        #expect(outcome == (length <= 100 ? .request(method: .post, path: "/", body: body) : .rejected(413)))
    }

    @Test func declaredBodyOverLimitIsRefusedBeforeItArrives() {
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", limits: Self.limits) == .rejected(413))
    }

    @Test func chunkedBodyOverLimitIs413() {
        let chunk = String(repeating: "c", count: 60)
        let text = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3c\r\n\(chunk)\r\n3c\r\n\(chunk)\r\n0\r\n\r\n"
        #expect(parse(text, limits: Self.limits) == .rejected(413))
    }
}

@Suite struct TimeoutTests {
    static let timeouts: HTTPTimeouts = {
        var t = HTTPTimeouts()
        t.head = 1
        t.body = 2
        t.idle = 3
        t.write = 4
        return t
    }()
    let second: UInt64 = 1_000_000_000

    @Test func silentConnectionIsClosedAtHeadDeadline() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        #expect(state.timerFired(now: second - 1).isEmpty)
        let actions = state.timerFired(now: second)
        guard case .closeNow? = actions.first else { Issue.record("\(actions)"); return }
    }

    @Test func dribblingClientIsCutOffByTheHeadDeadlineNotKeptAlive() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        var now: UInt64 = 0
        for byte in Array("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) {
            now += second / 50
            _ = [byte].withUnsafeBytes { state.receive($0, now: now) }
        }
        #expect(state.deadline == second)  // from the first byte, never extended
        let actions = state.timerFired(now: second)
        guard case .reject(let status, _)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(status.code == 408)
    }

    @Test func slowBodyIsCutOffAtBodyDeadline() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        _ = Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab".utf8).withUnsafeBytes { state.receive($0, now: 10) }
        #expect(state.deadline == 10 + 2 * second)
        let actions = state.timerFired(now: 10 + 2 * second)
        guard case .reject(let status, _)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(status.code == 408)
    }

    @Test func keptAliveConnectionGetsIdleDeadlineThenHeadDeadline() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        _ = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { state.receive($0, now: 5) }
        #expect(state.deadline == nil)  // a handler's time is not the client's fault
        _ = state.responseQueued(keepAlive: true, now: 100)
        #expect(state.deadline == 100 + 3 * second)
        _ = Array("G".utf8).withUnsafeBytes { state.receive($0, now: 200) }
        #expect(state.deadline == 200 + second)
    }

    @Test func blockedOutputGetsWriteDeadline() {
        var state = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        _ = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { state.receive($0, now: 5) }
        _ = state.responseQueued(keepAlive: true, now: 10)
        state.outputBlocked(now: 10)
        #expect(state.deadline == 10 + 4 * second)
        #expect(!state.wantsRead)
        guard case .closeNow? = state.timerFired(now: 10 + 4 * second).first else { Issue.record("no close"); return }
    }

    @Test func drainingClosesIdleConnectionsOnly() {
        var idle = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        _ = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { idle.receive($0, now: 5) }
        _ = idle.responseQueued(keepAlive: true, now: 10)
        guard case .closeNow? = idle.startDraining(now: 20).first else { Issue.record("idle not closed"); return }
        var busy = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        _ = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { busy.receive($0, now: 5) }
        #expect(busy.startDraining().isEmpty)
        #expect(busy.keepAlive(responseAsksClose: false) == false)
    }

    @Test func drainingGivesAConnectionThatSentNothingYetAMoment() {
        var timeouts = Self.timeouts
        timeouts.head = 10
        var fresh = ConnectionState(limits: HTTPLimits(), timeouts: timeouts, now: 0)
        let start = 2 * second
        #expect(fresh.startDraining(now: start).isEmpty)
        #expect(fresh.deadline == start + second)
        guard case .closeNow? = fresh.timerFired(now: start + second).first else { Issue.record("not closed after a moment"); return }
    }

    @Test func drainingKeepsAConnectionWhoseRequestIsUnread() {
        // The client sent its request just before SIGTERM; the reactor has not read it yet.
        var fresh = ConnectionState(limits: HTTPLimits(), timeouts: Self.timeouts, now: 0)
        #expect(fresh.startDraining(unreadInput: true).isEmpty)
        _ = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { fresh.receive($0, now: 5) }
        #expect(fresh.keepAlive(responseAsksClose: false) == false)
    }
}
