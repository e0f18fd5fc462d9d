import Foundation

/// A browser-like client over `RawClient`: keeps cookies (honouring `Max-Age=0`), sends the
/// `Origin` a browser would, and fills the CSRF token from the last page it read.
public final class BrowserClient {
    public let port: Int
    public let tls: Bool
    public var userAgent: String
    /// name → value.
    public private(set) var cookies: [String: String] = [:]
    /// The hidden `csrf` field of the last HTML page read.
    public private(set) var csrfToken: String?
    public private(set) var lastResponse: ClientResponse?

    public init(port: Int, tls: Bool = true, userAgent: String = "BrowserClient/1.0") {
        self.port = port
        self.tls = tls
        self.userAgent = userAgent
    }

    public var origin: String { (tls ? "https" : "http") + "://127.0.0.1:\(port)" }

    @discardableResult
    public func get(_ path: String, headers: [(String, String)] = []) throws -> ClientResponse {
        try send("GET", path, body: nil, extraHeaders: headers)
    }

    /// POSTs a form. The CSRF token of the last page is added unless `csrf` is given (pass ""
    /// to send none); `origin` overrides the Origin header (nil sends none); `headers` are sent
    /// too (a `Referer`).
    @discardableResult
    public func post(_ path: String, _ fields: [(String, String)], csrf: String? = nil,
                     origin: String?? = .none, headers extra: [(String, String)] = []) throws -> ClientResponse {
        var all = fields
        let token = csrf ?? csrfToken ?? ""
        if !token.isEmpty { all.append(("csrf", token)) }
        let body = all.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        switch origin {
        case .none: headers.append(("Origin", self.origin))
        case .some(.some(let value)): headers.append(("Origin", value))
        case .some(.none): break
        }
        return try send("POST", path, body: Array(body.utf8), extraHeaders: headers + extra)
    }

    /// Follows a 303/302 `Location` with a GET, as a browser does: without its `#fragment`,
    /// which never goes on the wire (RFC 9110 §7.1).
    @discardableResult
    public func follow(_ response: ClientResponse) throws -> ClientResponse {
        guard let location = response.header("location") else { return response }
        return try get(String(location.prefix { $0 != "#" }))
    }

    public func cookie(_ name: String) -> String? { cookies[name] }

    public func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    /// The kept-alive connection, as a browser keeps one: fewer TLS handshakes under load.
    private var connection: RawClient?

    deinit { connection?.close() }

    private func send(_ method: String, _ path: String, body: [UInt8]?, extraHeaders: [(String, String)]) throws -> ClientResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: \(userAgent)\r\n"
        if !cookies.isEmpty {
            head += "Cookie: " + cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") + "\r\n"
        }
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + (body ?? [])
        let response = try exchange(bytes, idempotent: method == "GET")
        if response.header("connection")?.lowercased() == "close" {
            connection?.close()
            connection = nil
        }
        for value in response.headers("set-cookie") { store(setCookie: value) }
        if response.header("content-type")?.hasPrefix("text/html") == true, let token = Self.csrfField(in: response.text) {
            csrfToken = token
        }
        lastResponse = response
        return response
    }

    /// Sends on the kept-alive connection, or a fresh one when it was closed. A request is sent
    /// again only when it cannot have reached the server (or is a GET): a blocking socket call in
    /// a test process can be interrupted by a signal (SIGCHLD from the CLI tests' children).
    private func exchange(_ bytes: [UInt8], idempotent: Bool) throws -> ClientResponse {
        if let reused = connection {
            do {
                try reused.send(bytes)
            } catch {
                return try exchangeOnFreshConnection(bytes, idempotent: idempotent)
            }
            do {
                return try reused.readResponse()
            } catch where idempotent {
                return try exchangeOnFreshConnection(bytes, idempotent: idempotent)
            }
        }
        return try exchangeOnFreshConnection(bytes, idempotent: idempotent)
    }

    private func exchangeOnFreshConnection(_ bytes: [UInt8], idempotent: Bool) throws -> ClientResponse {
        connection?.close()
        connection = nil
        var attempt = 0
        while true {
            attempt += 1
            let fresh: RawClient
            do {
                fresh = try RawClient(port: port, tls: tls)
            } catch where attempt < 3 {
                continue
            }
            connection = fresh
            try fresh.send(bytes)
            do {
                return try fresh.readResponse()
            } catch where idempotent && attempt < 3 {
                fresh.close()
                connection = nil
            }
        }
    }

    private func store(setCookie: String) {
        let parts = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let eq = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<eq])
        let value = String(pair[pair.index(after: eq)...])
        if parts.contains(where: { $0.lowercased() == "max-age=0" }) || value.isEmpty {
            cookies[name] = nil
        } else {
            cookies[name] = value
        }
    }

    static func csrfField(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
