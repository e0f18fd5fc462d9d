import Dispatch
import Foundation
import Testing
import HTTPServer
import TestSupport

/// A gate a handler waits on, so tests control exactly when a response is produced.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let entered = DispatchSemaphore(value: 0)
    func pass() {
        entered.signal()
        semaphore.wait()
    }
    func waitUntilEntered(timeout: Double = 5) -> Bool { entered.wait(timeout: .now() + timeout) == .success }
    func open(_ count: Int = 1) { for _ in 0..<count { semaphore.signal() } }
}

func makeTestRouter(gate: Gate = Gate(), staticRoot: String? = nil) throws -> Router {
    var builder = RouterBuilder()
    builder.get("/") { _ in Response.text("hello") }
    builder.get("/inline", execution: .reactor) { _ in Response.text("inline") }
    builder.post("/echo") { request in
        Response(status: .ok, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: request.body)
    }
    builder.get("/gate") { _ in
        gate.pass()
        return Response.text("through the gate")
    }
    builder.get("/q") { request in
        Response.text(try request.queryItems().map { "\($0.name)=\($0.value)" }.joined(separator: ";"))
    }
    builder.get("/boom") { _ in
        struct Boom: Error {}
        throw Boom()
    }
    builder.get("/huge") { _ in
        Response(status: .ok, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                 body: [UInt8](repeating: 0x61, count: 32 << 20))
    }
    builder.get("/teapot") { _ in throw HTTPError(HTTPStatus(418, "I'm a teapot"), "Short and stout.") }
    builder.get("/inject") { _ in
        Response(status: .ok, headers: HTTPHeaders([("X-Good", "yes"), ("X-Evil", "a\r\nSet-Cookie: owned=1")]), body: Array("ok".utf8))
    }
    if let staticRoot {
        let files = try StaticFiles(root: staticRoot)
        builder.get("/static/{path...}", execution: .reactor) { request in
            files.respond(to: request, segments: request.pathSegments.dropFirst())
        }
    }
    return try builder.build()
}

func shortTimeouts(_ configuration: inout ServerConfiguration) {
    configuration.timeouts.head = 0.4
    configuration.timeouts.body = 0.4
    configuration.timeouts.idle = 0.4
    configuration.timeouts.write = 1
    configuration.timeouts.linger = 0.5
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct EndToEndTests {
    @Test(arguments: [false, true])
    func keepAliveServesManyRequestsOnOneConnection(tls: Bool) throws {
        try withTestServer(router: try makeTestRouter(), tls: tls) { server in
            let client = try server.client()
            for _ in 0..<5 {
                try client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.header("Connection") == nil)
                #expect(response.header("Date") != nil)
                #expect(response.header("Server") == nil)
                #expect(response.header("Content-Length") == "5")
                #expect((response.header("Strict-Transport-Security") != nil) == tls)
            }
        }
    }

    @Test(arguments: [false, true])
    func pipelinedRequestsAreAnsweredInOrder(tls: Bool) throws {
        let gate = Gate()
        try withTestServer(router: try makeTestRouter(gate: gate), tls: tls) { server in
            let client = try server.client()
            try client.send(
                "GET /gate HTTP/1.1\r\nHost: x\r\n\r\nGET /inline HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcdGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(gate.waitUntilEntered())
            gate.open()
            #expect(try client.readResponse().text == "through the gate")
            #expect(try client.readResponse().text == "inline")
            #expect(try client.readResponse().text == "abcd")
            #expect(try client.readResponse().text == "hello")
        }
    }

    /// Requests in separate TLS records that arrive together: OpenSSL reads ahead, so the later
    /// records can sit in its buffer, where epoll cannot see them (`SSL_has_pending`).
    @Test func requestsInSeparateTLSRecordsArrivingTogetherAreAnswered() throws {
        let gate = Gate()
        try withTestServer(router: try makeTestRouter(gate: gate), tls: true) { server in
            let client = try server.client()
            try client.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            try client.send("GET /inline HTTP/1.1\r\nHost: x\r\n\r\n")
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(gate.waitUntilEntered())
            usleep(50_000)  // the later records reach the server while the first request waits
            gate.open()
            #expect(try client.readResponse().text == "through the gate")
            #expect(try client.readResponse().text == "inline")
            #expect(try client.readResponse().text == "hello")
            for _ in 0..<3 { try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n") }
            for _ in 0..<3 { #expect(try client.readResponse().text == "hello") }
        }
    }

    @Test func connectionCloseIsHonoured() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let client = try server.client()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.header("Connection") == "close")
            #expect(client.isClosedByServer())
        }
    }

    @Test func http10ClosesUnlessKeepAliveAsked() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let a = try server.client()
            try a.send("GET / HTTP/1.0\r\n\r\n")
            #expect(try a.readResponse().status == 200)
            #expect(a.isClosedByServer())
            let b = try server.client()
            try b.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try b.readResponse().header("Connection") == "keep-alive")
            try b.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try b.readResponse().status == 200)
        }
    }

    @Test func headHasGetsHeadersAndNoBody() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let client = try server.client()
            try client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try client.readResponse(isHead: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "5")
            let get = try client.readResponse()
            #expect(get.text == "hello")  // proves no body bytes followed the HEAD response
        }
    }

    @Test func optionsAndMethodErrors() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let client = try server.client()
            try client.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
            let star = try client.readResponse()
            #expect(star.status == 204)
            #expect(star.header("Allow") == "GET, HEAD, POST, OPTIONS")
            try client.send("DELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n")
            let notAllowed = try client.readResponse()
            #expect(notAllowed.status == 405)
            #expect(notAllowed.header("Allow") == "POST, OPTIONS")
            try client.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 404)
            try client.send("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
            let unknown = try client.readResponse()
            #expect(unknown.status == 501)
            #expect(client.isClosedByServer())
        }
    }

    @Test func absoluteFormIsAccepted() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let client = try server.client()
            try client.send("GET http://localhost/q?a=1&a=2&b=x+y HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try client.readResponse().text == "a=1;a=2;b=x y")
            try client.send("GET /q?a=%zz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try client.readResponse().status == 400)
        }
    }

    @Test func limitsAnswerWithTheirStatusAndClose() throws {
        try withTestServer(router: try makeTestRouter(), configure: { c in
            c.limits.maxURILength = 100
            c.limits.maxHeaderBytes = 2048
            c.limits.maxHeaderCount = 20
            c.limits.maxBodyBytes = 1000
        }) { server in
            let cases: [(String, Int)] = [
                ("GET /" + String(repeating: "u", count: 200) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "h", count: 3000) + "\r\n\r\n", 431),
                ("GET / HTTP/1.1\r\nHost: x\r\n" + (0..<25).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
                ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413),
                ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
                ("GET / HTTP/1.1\r\nHost: x\r\nFolded: a\r\n b\r\n\r\n", 400),
                ("GET / HTTP/1.1\r\n\r\n", 400),
            ]
            for (request, status) in cases {
                let client = try server.client()
                try client.send(request)
                let response = try client.readResponse()
                #expect(response.status == status, "\(request.prefix(60))")
                #expect(response.header("Connection") == "close")
                #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(!response.body.isEmpty)
                #expect(client.isClosedByServer())
            }
            // Still serving.
            let client = try server.client()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func smuggledRequestIsNeverAnswered() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let client = try server.client()
            // A CL.TE attack: a front end honouring Content-Length would forward the smuggled GET.
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "0\r\n\r\nGET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
            let all = String(decoding: try client.readUntilClose(), as: UTF8.self)
            #expect(all.hasPrefix("HTTP/1.1 400 "))
            #expect(all.components(separatedBy: "HTTP/1.1 ").count == 2)  // exactly one response
        }
    }

    @Test func expectContinue() throws {
        try withTestServer(router: try makeTestRouter(), configure: { $0.limits.maxBodyBytes = 100 }) { server in
            let client = try server.client()
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let interim = try client.readResponse()
            #expect(interim.rawHead == "HTTP/1.1 100 Continue")
            try client.send("hello")
            #expect(try client.readResponse().text == "hello")

            let refused = try server.client()
            try refused.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n")
            #expect(try refused.readResponse().status == 413)
        }
    }

    @Test func chunkedRequestBody() throws {
        try withTestServer(router: try makeTestRouter(), tls: true) { server in
            let client = try server.client()
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nMutu\r\n4\r\nals!\r\n0\r\nT: 1\r\n\r\n")
            #expect(try client.readResponse().text == "Mutuals!")
        }
    }

    @Test func headTimeoutCutsOffDribblingClient() throws {
        try withTestServer(router: try makeTestRouter(), configure: shortTimeouts) { server in
            let client = try server.client()
            let started = Date()
            var closed = false
            for byte in Array("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "z"), count: 100) {
                do { try client.send([byte]) } catch { closed = true; break }
                usleep(20_000)
                if Date().timeIntervalSince(started) > 3 { break }
            }
            let rest = String(decoding: (try? client.readUntilClose()) ?? [], as: UTF8.self)
            #expect(closed || rest.contains("408") || client.isClosedByServer(within: 1))
            #expect(Date().timeIntervalSince(started) < 3)
        }
    }

    @Test func silentAndIdleConnectionsAreClosed() throws {
        try withTestServer(router: try makeTestRouter(), configure: shortTimeouts) { server in
            let silent = try server.client()
            #expect(silent.isClosedByServer(within: 3))
            let idle = try server.client()
            try idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try idle.readResponse().status == 200)
            #expect(idle.isClosedByServer(within: 3))
        }
    }

    @Test func slowBodyGets408() throws {
        try withTestServer(router: try makeTestRouter(), configure: shortTimeouts) { server in
            let client = try server.client()
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a little")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(client.isClosedByServer())
        }
    }

    /// TLS records are gathered and sent together (`mutuals_gather_new`): a response of many
    /// records arrives whole and in order, also to a client that stops reading for a while, so
    /// the socket fills and the server holds records back to send later; the connection goes on.
    @Test func manyRecordResponsesReachASlowReaderWhole() throws {
        try withTestServer(router: try makeTestRouter(), tls: true) { server in
            let client = try server.client()
            // An echo of 200 KB of varied bytes (13 records), in order.
            let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            try client.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
            let echoed = try client.readResponse()
            #expect(echoed.status == 200)
            #expect(echoed.body == body)
            // 32 MB, not read at first: the socket fills and the server must hold records back.
            try client.send("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")
            usleep(300_000)
            let head = try client.readHead()
            #expect(head.header("Content-Length") == String(32 << 20))
            var received = 0
            var wrong = false
            while received < 32 << 20 {
                guard let piece = try client.readSome() else { break }
                received += piece.count
                wrong = wrong || piece.contains { $0 != 0x61 }
                usleep(500)  // slower than the server: the socket stays full to the end
            }
            #expect(received == 32 << 20)
            #expect(!wrong)
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test(arguments: [false, true])
    func clientThatDoesNotReadIsCutOffByTheWriteTimeout(tls: Bool) throws {
        try withTestServer(router: try makeTestRouter(), tls: tls, configure: shortTimeouts) { server in
            let client = try server.client()
            var size: Int32 = 4096
            setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            try client.send("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")
            sleep(3)  // never reading: the server's 1 s write deadline passes
            let other = try server.client()
            try other.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try other.readResponse().text == "hello")
            // The server aborted the connection: what the client can still read ends (with a
            // reset) well short of the 32 MB body.
            client.setTimeout(5)
            var received = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = recv(client.fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                received += n
            }
            #expect(received < 32 << 20)
        }
    }

    @Test func slowHandlerDoesNotDelayOtherConnections() throws {
        let gate = Gate()
        try withTestServer(router: try makeTestRouter(gate: gate), tls: true) { server in
            let slow = try server.client()
            try slow.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(gate.waitUntilEntered())
            // While the slow handler holds its worker, others are answered.
            for _ in 0..<3 {
                let other = try server.client()
                try other.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try other.readResponse().text == "hello")
            }
            gate.open()
            #expect(try slow.readResponse().text == "through the gate")
        }
    }

    @Test func stalledHandshakesDoNotBlockOthers() throws {
        try withTestServer(router: try makeTestRouter(), tls: true) { server in
            // 500 clients that send half a ClientHello and stall.
            var stalled: [RawClient] = []
            let halfHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(repeating: 0x42, count: 40)
            for _ in 0..<500 {
                let raw = try RawClient(port: server.port, tls: false)
                try raw.send(halfHello)
                stalled.append(raw)
            }
            let client = try server.client()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
            #expect(stalled.count == 500)
        }
    }

    @Test func plainHTTPOnTheTLSPortIsClosed() throws {
        try withTestServer(router: try makeTestRouter(), tls: true) { server in
            let raw = try RawClient(port: server.port, tls: false)
            try raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(raw.isClosedByServer())
            let client = try server.client()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func tlsOnThePlainPortIsRefused() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let raw = try RawClient(port: server.port, tls: false)
            try raw.send([0x16, 0x03, 0x01, 0x00, 0xF4, 0x01, 0x00, 0x00, 0xF0, 0x03, 0x03])
            let all = String(decoding: try raw.readUntilClose(), as: UTF8.self)
            #expect(all.hasPrefix("HTTP/1.1 400 "))
        }
    }

    @Test func tlsProperties() throws {
        try withTestServer(router: try makeTestRouter(), tls: true) { server in
            let client = try server.client()
            #expect(client.alpnProtocol == "http/1.1")
            #expect(client.tlsVersion == "TLSv1.3")
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.header("Strict-Transport-Security")?.hasPrefix("max-age=") == true)

            // TLS 1.2 works, with a forward-secret AEAD suite.
            let tls12 = try RawClient(port: server.port, tls: true, maxTLSVersion: 0x0303)
            #expect(tls12.tlsVersion == "TLSv1.2")
            let cipher = tls12.cipher ?? ""
            #expect(cipher.hasPrefix("ECDHE-") && (cipher.contains("GCM") || cipher.contains("CHACHA20")))

            // TLS 1.1 is refused.
            #expect(throws: ClientError.self) { try RawClient(port: server.port, tls: true, maxTLSVersion: 0x0302) }

            // A client offering only h2 still gets HTTP/1.1, without ALPN.
            let h2Only = try server.client(alpn: ["h2"])
            #expect(h2Only.alpnProtocol == nil)
        }
    }

    @Test(arguments: [0x0303, 0x0304] as [Int32])
    func tlsSessionResumption(version: Int32) throws {
        try withTestServer(router: try makeTestRouter(), tls: true) { server in
            let first = try RawClient(port: server.port, tls: true, maxTLSVersion: version)
            try first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try first.readResponse()  // TLS 1.3 tickets arrive after the handshake
            let session = try #require(first.session)
            let second = try RawClient(port: server.port, tls: true, session: session, maxTLSVersion: version)
            #expect(second.sessionReused)
            try second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try second.readResponse().status == 200)
        }
    }

    @Test func fullQueueAnswers503WithRetryAfter() throws {
        let gate = Gate()
        try withTestServer(router: try makeTestRouter(gate: gate), configure: { c in
            c.workerThreads = 1
            c.queueDepth = 1
        }) { server in
            let busy = try server.client()
            try busy.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(gate.waitUntilEntered())
            let queued = try server.client()
            try queued.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            usleep(100_000)
            let refused = try server.client()
            try refused.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try refused.readResponse()
            #expect(response.status == 503)
            #expect(response.header("Retry-After") == "1")
            // Inline routes still answer while the pool is full.
            try refused.send("GET /inline HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try refused.readResponse().text == "inline")
            gate.open(2)
            #expect(try busy.readResponse().status == 200)
            #expect(try queued.readResponse().status == 200)
        }
    }

    @Test func handlerErrorsBecomeErrorPages() throws {
        try withTestServer(router: try makeTestRouter()) { server in
            let client = try server.client()
            try client.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
            let boom = try client.readResponse()
            #expect(boom.status == 500)
            #expect(boom.text.contains("reference"))
            try client.send("GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n")
            let teapot = try client.readResponse()
            #expect(teapot.status == 418)
            #expect(teapot.text.contains("Short and stout."))
            try client.send("GET /inject HTTP/1.1\r\nHost: x\r\n\r\n")
            let injected = try client.readResponse()
            #expect(injected.header("X-Good") == "yes")
            #expect(injected.header("X-Evil") == nil)
            #expect(injected.header("Set-Cookie") == nil)
        }
    }

    @Test func gracefulShutdownFinishesInFlightRequest() throws {
        let gate = Gate()
        let router = try makeTestRouter(gate: gate)
        var configuration = ServerConfiguration(listeners: [ListenerConfiguration(port: 0, router: router)])
        configuration.reactorThreads = 1
        configuration.shutdownGracePeriod = 10
        let server = Server(configuration: configuration)
        try server.start()
        let port = server.boundPorts[0]
        let inFlight = try RawClient(port: port)
        try inFlight.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(gate.waitUntilEntered())
        let idle = try RawClient(port: port)
        try idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 200)

        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            server.shutdown()
            done.signal()
        }
        #expect(idle.isClosedByServer(within: 3))  // idle connections close at once
        #expect(done.wait(timeout: .now() + 0.3) == .timedOut)  // still waiting for the handler
        #expect(throws: ClientError.self) { try RawClient(port: port) }  // no longer accepting
        gate.open()
        let response = try inFlight.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(done.wait(timeout: .now() + 5) == .success)
    }
}

extension EndToEndTests {
    /// SO_REUSEPORT spreads connections across our reactors; it must not let a second server
    /// (started twice, or a stale one) quietly share the port and take half the connections.
    @Test func aSecondServerOnTheSamePortRefusesToStart() throws {
        let router = try makeTestRouter(gate: Gate())
        var configuration = ServerConfiguration(listeners: [ListenerConfiguration(port: 0, router: router)])
        configuration.reactorThreads = 2
        let first = Server(configuration: configuration)
        try first.start()
        defer { first.shutdown() }
        let port = first.boundPorts[0]

        var again = ServerConfiguration(listeners: [ListenerConfiguration(host: "127.0.0.1", port: port, router: router)])
        again.reactorThreads = 2
        let second = Server(configuration: again)
        #expect {
            try second.start()
        } throws: { error in
            "\(error)".contains("127.0.0.1:\(port) is already in use")
        }
        // The first still answers every connection.
        for _ in 0..<8 {
            let client = try RawClient(port: port)
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        // And once it has stopped, the port can be taken again.
        first.shutdown()
        let third = Server(configuration: again)
        try third.start()
        #expect(third.boundPorts == [port])
        third.shutdown()
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct StaticFileTests {
    /// A static root (`folder.file("public")`) with a secret and links out of it beside it in
    /// `folder`; the caller removes `folder`.
    static func makeRoot() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory("mutuals-static")
        let base = folder.path
        let root = folder.file("public")
        try FileManager.default.createDirectory(atPath: root + "/css", withIntermediateDirectories: true)
        try "body{}".write(toFile: root + "/css/site.css", atomically: true, encoding: .utf8)
        try "hidden".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        try "TOP SECRET".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape.txt", withDestinationPath: base + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: base)
        return folder
    }

    @Test func servesWithValidatorsAnd304() throws {
        let folder = try Self.makeRoot()
        defer { folder.remove() }
        try withTestServer(router: try makeTestRouter(staticRoot: folder.file("public"))) { server in
            let client = try server.client()
            try client.send("GET /static/css/site.css HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "body{}")
            #expect(response.header("Content-Type") == "text/css; charset=utf-8")
            #expect(response.header("Cache-Control") == "public, max-age=3600")
            let etag = try #require(response.header("ETag"))
            let lastModified = try #require(response.header("Last-Modified"))
            try client.send("GET /static/css/site.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\", \(etag)\r\n\r\n")
            let notModified = try client.readResponse()
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)
            #expect(notModified.header("ETag") == etag)
            try client.send("GET /static/css/site.css HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: \(lastModified)\r\n\r\n")
            #expect(try client.readResponse().status == 304)
            try client.send("GET /static/css/site.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"other\"\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test(arguments: [
        "/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/%2E%2E/secret.txt",
        "/static/css/..%2f..%2fsecret.txt", "/static/..%2fsecret.txt", "/static/%2fetc%2fpasswd",
        "/static/css%5c..%5c..%5csecret.txt", "/static/escape.txt", "/static/up/secret.txt",
        "/static/.env", "/static/css/site.css%00.png", "/static/./css/site.css", "/static//etc/passwd",
        "/static/css/", "/static/css",
    ])
    func traversalNeverEscapes(path: String) throws {
        let folder = try Self.makeRoot()
        defer { folder.remove() }
        try withTestServer(router: try makeTestRouter(staticRoot: folder.file("public"))) { server in
            let client = try server.client()
            try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 404 || response.status == 400, "\(path) → \(response.status)")
            #expect(!response.text.contains("TOP SECRET"))
            #expect(!response.text.contains("hidden"))
        }
    }
}
