import Foundation
import Logging
import Testing
import HTTPServer
import TestSupport

/// `--trusted-proxy` (issue 17): X-Forwarded-For is believed only from a trusted peer, and read
/// from the right up to the first hop that is not a trusted proxy.
@Suite struct TrustedProxiesTests {
    static func headers(_ values: String...) -> HTTPHeaders {
        HTTPHeaders(values.map { ("X-Forwarded-For", $0) })
    }

    @Test func parsesAddressesAndBlocks() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1", "0.0.0.0/0"])
        #expect(proxies.blocks.map(\.description) == ["10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32", "::1/128", "0.0.0.0/0"])
        // Host bits are cleared: 10.1.2.3/8 is the block 10.0.0.0/8.
        #expect(try TrustedProxies.Block("10.1.2.3/8").description == "10.0.0.0/8")
        #expect(try TrustedProxies.Block("172.16.0.0/12").contains(#require(IPAddress("172.31.255.255"))))
        #expect(try !TrustedProxies.Block("172.16.0.0/12").contains(#require(IPAddress("172.32.0.0"))))
        #expect(try TrustedProxies.Block("2001:db8::/32").contains(#require(IPAddress("2001:db8:ffff::1"))))
        #expect(try !TrustedProxies.Block("2001:db8::/32").contains(#require(IPAddress("10.0.0.1"))))
        // An IPv4-mapped IPv6 peer (a socket bound to ::) is the IPv4 address.
        #expect(try TrustedProxies.Block("127.0.0.0/8").contains(#require(IPAddress("::ffff:127.0.0.1"))))
    }

    @Test(arguments: ["", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0/8", "example.org", "10.0.0.0/8/8", "10.0.0.0/+8", "10.0.0.0/ 8"])
    func rejectsWhatIsNotABlock(_ entry: String) {
        #expect(throws: TrustedProxyError.self) { try TrustedProxies([entry]) }
    }

    @Test func trustNoneIgnoresTheHeader() {
        let none = TrustedProxies()
        #expect(none.clientAddress(peer: "127.0.0.1", headers: Self.headers("203.0.113.9")) == "127.0.0.1")
    }

    @Test func anUntrustedPeerIsTheClientWhateverItClaims() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8"])
        #expect(proxies.clientAddress(peer: "198.51.100.4", headers: Self.headers("203.0.113.9")) == "198.51.100.4")
    }

    @Test func theRightmostUntrustedHopIsTheClient() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
        // The client wrote a fake first hop; the proxies appended the real ones on the right.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("1.2.3.4, 203.0.113.9, 10.0.0.2")) == "203.0.113.9")
        // Several header fields are one list, in order.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("1.2.3.4", "203.0.113.9 ,10.0.0.2")) == "203.0.113.9")
        // Every hop trusted: the leftmost is as far as we can see.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("10.9.9.9, 10.0.0.2")) == "10.9.9.9")
        // No header: the proxy itself.
        #expect(proxies.clientAddress(peer: "10.0.0.2", headers: HTTPHeaders()) == "10.0.0.2")
        // IPv6 hops, written canonically.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("2001:DB8:0:0::7")) == "2001:db8::7")
    }

    @Test func aHopThatIsNotAnAddressIsNeverTheClient() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
        // Garbage to the left of the trusted chain: the last good hop stands.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("<script>, 10.0.0.2")) == "10.0.0.2")
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("unknown")) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", headers: Self.headers("")) == "127.0.0.1")
    }

    @Test func theProtocolIsBelievedOnlyFromATrustedPeer() throws {
        let proxies = try TrustedProxies(["127.0.0.1"])
        let https = HTTPHeaders([("X-Forwarded-Proto", "https")])
        #expect(proxies.forwardsHTTPS(peer: "127.0.0.1", headers: https))
        #expect(!proxies.forwardsHTTPS(peer: "198.51.100.4", headers: https))
        #expect(!TrustedProxies().forwardsHTTPS(peer: "127.0.0.1", headers: https))
        #expect(!proxies.forwardsHTTPS(peer: "127.0.0.1", headers: HTTPHeaders([("X-Forwarded-Proto", "http")])))
        #expect(!proxies.forwardsHTTPS(peer: "127.0.0.1", headers: HTTPHeaders()))
        // The nearest proxy's word counts.
        #expect(!proxies.forwardsHTTPS(peer: "127.0.0.1", headers: HTTPHeaders([("X-Forwarded-Proto", "https, http")])))
        #expect(proxies.forwardsHTTPS(peer: "127.0.0.1", headers: HTTPHeaders([("X-Forwarded-Proto", "http"), ("X-Forwarded-Proto", " HTTPS")])))
    }

    /// The real server: handlers and the access log see the forwarded client only through a
    /// trusted peer.
    @Test(arguments: [true, false])
    func theServerUsesTheRuleForHandlersAndTheAccessLog(trusted: Bool) throws {
        var builder = RouterBuilder()
        builder.get("/who") { request in Response.text("\(request.remoteAddress) secure=\(request.isSecure)") }
        let router = try builder.build()
        let logPath = NSTemporaryDirectory() + "mutuals-proxy-log-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let writer = try LineWriter.appending(to: logPath)
        try withTestServer(router: router, configure: { configuration in
            configuration.trustedProxies = trusted ? (try? TrustedProxies(["127.0.0.1"])) ?? TrustedProxies() : TrustedProxies()
            configuration.accessLog = Logger(label: "access") { _ in LineLogHandler(label: "access", writer: writer, includeLevel: false) }
        }) { server in
            let client = try server.client()
            try client.send("GET /who HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 192.0.2.1, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n")
            #expect(try client.readResponse().text == (trusted ? "203.0.113.9 secure=true" : "127.0.0.1 secure=false"))
        }
        writer.close()
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(log.contains((trusted ? "203.0.113.9" : "127.0.0.1") + " GET /who 200"), "\(log)")
        #expect(!log.contains("192.0.2.1"))
    }
}

/// `mutuals serve --no-tls --trusted-proxy` behind a (simulated) TLS-terminating proxy: a form
/// sent through it passes the same-origin check, and the access log names the real client.
@Suite(.serialized, .timeLimit(.minutes(2))) struct TrustedProxyServeTests {
    static let proxyHeaders = "Host: forum.example.org\r\nX-Forwarded-For: 198.51.100.20, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"

    /// Signs in with a wrong password through the proxy; returns the response.
    static func signInThroughProxy(port: Int, proto: String = "https") throws -> ClientResponse {
        let headers = proxyHeaders.replacingOccurrences(of: "X-Forwarded-Proto: https", with: "X-Forwarded-Proto: \(proto)")
        let client = try RawClient(port: port)
        try client.send("GET /sign-in HTTP/1.1\r\n\(headers)\r\n")
        let form = try client.readResponse()
        #expect(form.status == 200)
        let cookies = form.headers("Set-Cookie").compactMap { $0.split(separator: ";").first.map(String.init) }
        guard let start = form.text.range(of: "name=\"csrf\" value=\"") else { throw ClientError.malformed("no csrf field") }
        let token = String(form.text[start.upperBound...].prefix { $0 != "\"" })
        let body = "identifier=member&password=wrong-password&csrf=\(token)"
        try client.send("POST /sign-in HTTP/1.1\r\n\(headers)Origin: https://forum.example.org\r\nCookie: \(cookies.joined(separator: "; "))\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        return try client.readResponse()
    }

    @Test func formsAndTheAccessLogWorkBehindATrustedProxy() throws {
        let data = NSTemporaryDirectory() + "mutuals-proxy-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = try ServeCommandTests.freePort()
        let server = try ServeCommandTests.RunningServer(arguments: [
            "--data", data, "--no-tls", "--port", "\(port)", "--trusted-proxy", "127.0.0.1",
        ])
        _ = try server.waitFor("serving http://127.0.0.1:\(port)/")
        let refused = try Self.signInThroughProxy(port: port)
        // The same-origin check passed (https:// from X-Forwarded-Proto); the password did not.
        #expect(!refused.text.contains("could not be checked"), "\(refused.status)")
        #expect(refused.status != 403)
        // Without the protocol header, the https:// Origin is another origin, as before.
        #expect(try Self.signInThroughProxy(port: port, proto: "http").status == 403)
        #expect(server.terminate() == 0)
        #expect(server.lines.contains { $0.contains(" 203.0.113.7 POST /sign-in ") }, "\(server.lines)")
        #expect(!server.lines.contains { $0.contains("198.51.100.20") })
    }
}
