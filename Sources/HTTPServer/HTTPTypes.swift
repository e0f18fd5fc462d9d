/// A request method. Methods we know route normally; any other token is answered 501.
public enum HTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    case patch = "PATCH"
    case options = "OPTIONS"

    init?(bytes: UnsafeBufferPointer<UInt8>) {
        // Fast path for the common methods without building a String.
        switch bytes.count {
        case 3 where bytes[0] == 0x47 && bytes[1] == 0x45 && bytes[2] == 0x54: self = .get
        case 3 where bytes[0] == 0x50 && bytes[1] == 0x55 && bytes[2] == 0x54: self = .put
        case 4 where bytes[0] == 0x50 && bytes[1] == 0x4F && bytes[2] == 0x53 && bytes[3] == 0x54: self = .post
        case 4 where bytes[0] == 0x48 && bytes[1] == 0x45 && bytes[2] == 0x41 && bytes[3] == 0x44: self = .head
        default:
            guard let method = HTTPMethod(rawValue: String(decoding: bytes, as: UTF8.self)) else { return nil }
            self = method
        }
    }
}

/// A response status with its reason phrase.
public struct HTTPStatus: Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let reason: String

    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code) \(reason)" }

    public static let `continue` = HTTPStatus(100, "Continue")
    public static let ok = HTTPStatus(200, "OK")
    public static let created = HTTPStatus(201, "Created")
    public static let noContent = HTTPStatus(204, "No Content")
    public static let movedPermanently = HTTPStatus(301, "Moved Permanently")
    public static let found = HTTPStatus(302, "Found")
    public static let seeOther = HTTPStatus(303, "See Other")
    public static let notModified = HTTPStatus(304, "Not Modified")
    public static let temporaryRedirect = HTTPStatus(307, "Temporary Redirect")
    public static let permanentRedirect = HTTPStatus(308, "Permanent Redirect")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let forbidden = HTTPStatus(403, "Forbidden")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let requestTimeout = HTTPStatus(408, "Request Timeout")
    public static let conflict = HTTPStatus(409, "Conflict")
    public static let gone = HTTPStatus(410, "Gone")
    public static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    public static let uriTooLong = HTTPStatus(414, "URI Too Long")
    public static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    public static let expectationFailed = HTTPStatus(417, "Expectation Failed")
    public static let unprocessableContent = HTTPStatus(422, "Unprocessable Content")
    public static let tooManyRequests = HTTPStatus(429, "Too Many Requests")
    public static let requestHeaderFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    public static let httpVersionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")

    /// Whether a response with this status carries no body (RFC 9110 §6.4.1).
    var forbidsBody: Bool { code < 200 || code == 204 || code == 304 }
}

/// Header fields in the order received, with case-insensitive lookup. Never a dictionary: a
/// dictionary hides duplicates, and duplicates are exactly what smuggling attacks use.
///
/// A field added here whose name is not an RFC 9110 token, or whose value holds CR, LF, NUL or
/// another control byte, is dropped: no handler can split a response or inject a header.
public struct HTTPHeaders: Sendable, Sequence {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public private(set) var fields: [Field] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        fields.reserveCapacity(pairs.count)
        for (name, value) in pairs { add(name, value) }
    }

    /// Whether a field may be written as given (RFC 9110 §5.1, §5.5).
    public static func isValid(name: String, value: String) -> Bool {
        !name.isEmpty && HTTPSyntax.allBytes(name, HTTPSyntax.isTokenByte)
            && HTTPSyntax.allBytes(value, HTTPSyntax.isFieldValueByte)
    }

    /// Appends a field the parser has already validated.
    mutating func appendValidated(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    public mutating func add(_ name: String, _ value: String) {
        guard Self.isValid(name: name, value: value) else { return }
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field of this name with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The first value of the named field.
    public subscript(name: String) -> String? {
        for field in fields where asciiCaseInsensitiveEquals(field.name, name) {
            return field.value
        }
        return nil
    }

    public func values(_ name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }
}

/// Compares two strings ignoring ASCII case, without allocating.
@inlinable
public func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    guard a.utf8.count == b.utf8.count else { return false }
    var a = a
    var b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            guard x.count == y.count else { return false }
            for i in 0..<x.count {
                let p = x[i], q = y[i]
                if p == q { continue }
                let lp = (p >= 0x41 && p <= 0x5A) ? p | 0x20 : p
                let lq = (q >= 0x41 && q <= 0x5A) ? q | 0x20 : q
                if lp != lq { return false }
            }
            return true
        }
    }
}

/// A parsed request, as handlers see it.
public struct Request: Sendable {
    public var method: HTTPMethod
    /// The request target's path as sent (still percent-encoded).
    public var path: String
    /// The path's segments, percent-decoded.
    public var pathSegments: [String]
    /// The raw query string (without `?`), if any.
    public var query: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var version: HTTPVersion
    /// The authority the client addressed (Host header, or the absolute-form target's).
    public var host: String
    /// Whether the request arrived over TLS.
    public var isSecure: Bool
    /// The client's address, as text: the peer's, or, when the peer is a trusted proxy, the one
    /// its X-Forwarded-For names (`TrustedProxies`, the one place this is decided).
    public var remoteAddress: String
    /// Route parameters filled in by the router.
    public var parameters: Parameters = Parameters()
    /// The server's id for this request: in the `X-Request-Id` header, the access log and error
    /// pages (`reference`). 0 for requests built outside the server.
    public var requestID: UInt64 = 0

    /// `requestID` as people quote it: lowercase hexadecimal.
    public var reference: String { String(requestID, radix: 16) }

    public init(
        method: HTTPMethod, path: String, pathSegments: [String], query: String? = nil,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], version: HTTPVersion = .http11,
        host: String = "localhost", isSecure: Bool = false, remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.path = path
        self.pathSegments = pathSegments
        self.query = query
        self.headers = headers
        self.body = body
        self.version = version
        self.host = host
        self.isSecure = isSecure
        self.remoteAddress = remoteAddress
    }

    /// The query's name/value pairs, in order, repeated keys kept.
    /// - Throws: `HTTPError.badRequest` on an invalid percent escape or invalid UTF-8.
    public func queryItems() throws(HTTPError) -> [FormItem] {
        guard let query else { return [] }
        return try FormDecoder.decode(query)
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    /// - Throws: `HTTPError` 415 when the body is of another type, 400 when it is malformed.
    public func formItems() throws(HTTPError) -> [FormItem] {
        if let type = headers["content-type"] {
            let mediaType = type.split(separator: ";", maxSplits: 1).first.map {
                $0.trimmingASCIISpaces().lowercased()
            }
            guard mediaType == "application/x-www-form-urlencoded" else {
                throw HTTPError(.unsupportedMediaType, "This form must be sent as application/x-www-form-urlencoded.")
            }
        }
        return try FormDecoder.decode(String(decoding: body, as: UTF8.self), validatingBytes: body)
    }

    /// The cookies the client sent, in order.
    public var cookies: [Cookie] { CookieParser.parse(headers.values("cookie")) }

    public func cookie(_ name: String) -> String? {
        for field in headers.fields where asciiCaseInsensitiveEquals(field.name, "cookie") {
            if let value = CookieParser.value(named: name, in: field.value) { return value }
        }
        return nil
    }
}

public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11
}

/// A route's named parameters, in order.
public struct Parameters: Sendable {
    var pairs: [(String, String)] = []
    /// A rest parameter's segments, joined only when asked for.
    var rest: (name: String, segments: ArraySlice<String>)?

    public init() {}

    public subscript(name: String) -> String? {
        if let rest, rest.name == name { return rest.segments.joined(separator: "/") }
        return pairs.first { $0.0 == name }?.1
    }

    /// An integer parameter; nil when absent or not a decimal integer.
    public func int(_ name: String) -> Int? {
        self[name].flatMap { Int($0) }
    }

    /// The decoded segments a `{name...}` parameter matched.
    public func segments(_ name: String) -> ArraySlice<String>? {
        guard let rest, rest.name == name else { return nil }
        return rest.segments
    }

    mutating func append(_ name: String, _ value: String) {
        pairs.append((name, value))
    }
}

/// A response: status, ordered headers and a body of bytes.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    /// The body, after `headroom` spare bytes.
    private(set) var storage: [UInt8]
    /// Bytes at the start of `storage` that are not the body: room the reactor may write the
    /// head into, so the body goes out from the array it was made in, not copied after a head
    /// (`init(status:headers:bodyAfter:in:)`). 0 for most responses.
    private(set) var headroom = 0
    /// When set, `body` is ignored and the response streams: see `EventStream`.
    public var stream: EventStream?
    /// Stretches of the body whose deflate form is kept, in order (`KeptDeflate`): gzip splices
    /// them in instead of compressing them again. Set with the body it describes; a new body
    /// drops them.
    public private(set) var keptDeflates: [KeptDeflateSpan] = []

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        storage = body
    }

    /// A response whose body is `storage` after its first `headroom` bytes, whatever they hold:
    /// a page rendered after spare room for the head (the reactor writes the head there when it
    /// fits, and the array itself goes out; otherwise it is copied as any body is).
    /// `keptDeflates`: stretches of that body whose deflate form is kept.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), bodyAfter headroom: Int, in storage: [UInt8],
                keptDeflates: [KeptDeflateSpan] = []) {
        precondition(headroom >= 0 && headroom <= storage.count, "headroom \(headroom) outside \(storage.count) bytes")
        self.status = status
        self.headers = headers
        self.storage = storage
        self.headroom = headroom
        self.keptDeflates = keptDeflates
    }

    /// The body's bytes. Reading it from a response with headroom copies them: ask `bodyCount`
    /// for the length, and `withBodyBytes` to read them in place.
    public var body: [UInt8] {
        get { headroom == 0 ? storage : Array(storage[headroom...]) }
        set {
            storage = newValue
            headroom = 0
            keptDeflates = []
        }
    }

    /// Replaces the body with `storage` after its first `headroom` bytes (room for the head, as
    /// in `init(status:headers:bodyAfter:in:)`); the kept stretches described the old body and go.
    public mutating func replaceBody(with storage: [UInt8], after headroom: Int) {
        precondition(headroom >= 0 && headroom <= storage.count, "headroom \(headroom) outside \(storage.count) bytes")
        self.storage = storage
        self.headroom = headroom
        keptDeflates = []
    }

    /// Room enough for most heads (the status line, security headers, a cookie, the date and
    /// framing: 500–700 bytes): what a page is rendered after (`init(status:headers:bodyAfter:in:)`).
    public static let headroomForHead = 1024

    /// The body's length in bytes.
    public var bodyCount: Int { storage.count - headroom }

    /// Calls `body` with the body's bytes, in place.
    public func withBodyBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[headroom...])) }
    }

    /// The storage and its headroom, leaving this response's body empty: the caller then holds
    /// the only reference, so writing into the headroom does not copy the array.
    mutating func takeStorage() -> (storage: [UInt8], headroom: Int) {
        defer {
            storage = []
            headroom = 0
            keptDeflates = []
        }
        return (storage, headroom)
    }

    public init(status: HTTPStatus = .ok, contentType: String, body: String) {
        self.init(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(body.utf8))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: text)
    }

    public static func html(_ html: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "text/html; charset=utf-8", body: html)
    }

    /// A `text/event-stream` response fed by `stream` (server-sent events).
    public static func eventStream(_ stream: EventStream) -> Response {
        var response = Response(status: .ok, headers: HTTPHeaders([
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"),
        ]))
        response.stream = stream
        return response
    }

    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> Response {
        Response(status: status, headers: HTTPHeaders([("Location", location)]))
    }
}

/// An error that knows its HTTP status. Handlers throw it; the server answers with the status
/// and the message, through the configured error page.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    public var message: String
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, _ message: String? = nil, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message ?? status.reason
        self.headers = headers
    }

    public static func == (a: HTTPError, b: HTTPError) -> Bool {
        a.status == b.status && a.message == b.message
    }

    public static let notFound = HTTPError(.notFound, "There is no page at this address.")
    public static func badRequest(_ message: String) -> HTTPError { HTTPError(.badRequest, message) }
}

extension StringProtocol {
    /// Without spaces and tabs at either end. On the UTF-8 bytes: header parsing runs on every
    /// request, and `Character` comparisons cost grapheme breaking.
    func trimmingASCIISpaces() -> Substring {
        let whole = Substring(self)
        let bytes = whole.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        return whole[start..<end]
    }

    /// Whether `needle` (lower-case ASCII) occurs in these bytes, ignoring ASCII case.
    func containsASCIICaseInsensitive(_ needle: StaticString) -> Bool {
        let wanted = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard !wanted.isEmpty else { return true }
        let bytes = Array(utf8)
        guard bytes.count >= wanted.count else { return false }
        outer: for start in 0...(bytes.count - wanted.count) {
            for offset in 0..<wanted.count {
                var byte = bytes[start + offset]
                if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
                if byte != wanted[offset] { continue outer }
            }
            return true
        }
        return false
    }
}
