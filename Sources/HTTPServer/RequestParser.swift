/// Why a request was refused. Each case maps to exactly one status in `status`; every one of
/// them closes the connection, because after a framing error the stream cannot be trusted.
public enum HTTPParseError: Error, Sendable, Equatable {
    case malformedRequestLine
    case invalidRequestTarget
    case unsupportedVersion
    case unknownMethod(String)
    case bareCR
    case bareLF
    case obsoleteLineFolding
    case whitespaceBeforeColon
    case invalidHeaderName
    case invalidHeaderValue(name: String)
    case missingHost
    case multipleHost
    case invalidHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case transferEncodingNotChunked
    case unsupportedTransferCoding
    case transferEncodingInHTTP10
    case invalidChunk
    case invalidPercentEncoding
    case unsupportedExpectation
    case uriTooLong
    case headerTooLarge
    case tooManyHeaders
    case bodyTooLarge

    public var status: HTTPStatus {
        switch self {
        case .uriTooLong: .uriTooLong
        case .headerTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unknownMethod, .unsupportedTransferCoding: .notImplemented
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    /// A sentence for the person or program that sent the request.
    public var message: String {
        switch self {
        case .malformedRequestLine: "The request line is malformed."
        case .invalidRequestTarget: "The request target is not a valid path."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .unknownMethod(let m): "The method \(m.prefix(20)) is not supported."
        case .bareCR: "The request contains a carriage return that does not end a line."
        case .bareLF: "Lines in a request must end with CRLF."
        case .obsoleteLineFolding: "Header values folded over several lines are not accepted."
        case .whitespaceBeforeColon: "A header name is followed by whitespace before its colon."
        case .invalidHeaderName: "A header name contains a character that is not allowed."
        case .invalidHeaderValue(let name): "The \(name.prefix(40)) header contains a character that is not allowed."
        case .missingHost: "HTTP/1.1 requests must have a Host header."
        case .multipleHost: "The request has more than one Host header."
        case .invalidHost: "The Host header is not a valid host."
        case .invalidContentLength: "The Content-Length header is not a valid length."
        case .conflictingContentLength: "The request has conflicting Content-Length values."
        case .contentLengthWithTransferEncoding: "A request cannot have both Content-Length and Transfer-Encoding."
        case .transferEncodingNotChunked: "The final transfer coding must be chunked."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is supported."
        case .transferEncodingInHTTP10: "HTTP/1.0 requests cannot use Transfer-Encoding."
        case .invalidChunk: "The chunked body is malformed."
        case .invalidPercentEncoding: "The path has an invalid percent-escape."
        case .unsupportedExpectation: "Only the 100-continue expectation is supported."
        case .uriTooLong: "The request target is longer than this server accepts."
        case .headerTooLarge: "The request headers are larger than this server accepts."
        case .tooManyHeaders: "The request has more header fields than this server accepts."
        case .bodyTooLarge: "The request body is larger than this server accepts."
        }
    }
}

/// How the body of a request is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

/// A request head, parsed and validated.
struct RequestHead {
    var method: HTTPMethod
    var target: String
    var path: String
    var pathSegments: [String]
    var query: String?
    var version: HTTPVersion
    var headers: HTTPHeaders
    var host: String
    var framing: BodyFraming
    var keepAlive: Bool
    var expectContinue: Bool
    var isAsteriskForm: Bool
}

enum HeadParseResult {
    case incomplete
    case complete(RequestHead, consumed: Int)
    case failure(HTTPParseError)
}

/// The request-head parser: a pure function from bytes to a validated head or a rejection.
enum RequestParser {
    private static let CR: UInt8 = 0x0D
    private static let LF: UInt8 = 0x0A
    private static let SP: UInt8 = 0x20
    private static let HTAB: UInt8 = 0x09

    /// Parses one request head from the start of `buffer`.
    static func parseHead(_ buffer: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) -> HeadParseResult {
        var start = 0
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request-line.
        while start + 1 < buffer.count, buffer[start] == CR, buffer[start + 1] == LF, start < 8 {
            start += 2
        }
        if start < buffer.count, buffer[start] == CR, start + 1 == buffer.count { return .incomplete }

        // Reject garbage early (for example TLS bytes on the plain port) instead of waiting for
        // the head limit: the request line must open with a method token.
        var i = start
        while i < buffer.count, buffer[i] != SP {
            guard HTTPSyntax.isTokenByte(buffer[i]) else { return .failure(.malformedRequestLine) }
            i += 1
            if i - start > 32 { return .failure(.malformedRequestLine) }
        }

        guard let end = findHeadEnd(buffer, from: start) else {
            // A bare LF or CR can never become a valid head: answer now, not at the timeout.
            if let violation = lineEndingViolation(buffer, from: start) { return .failure(violation) }
            let pending = buffer.count - start
            let firstLineEnd = firstIndex(of: LF, in: buffer, from: start)
            // RFC 9112 §3: a complete request line that is malformed (`GET /` with no version)
            // can never become a valid head: answer now, not at the head timeout.
            if let lineEnd = firstLineEnd, lineEnd > start, buffer[lineEnd - 1] == CR {
                do {
                    _ = try parseLines(buffer, from: start, to: lineEnd + 1, limits: limits)
                } catch {
                    switch error {
                    case .malformedRequestLine, .invalidRequestTarget, .unsupportedVersion, .unknownMethod, .uriTooLong,
                         .invalidPercentEncoding:
                        return .failure(error)
                    default:
                        break  // about headers that have not arrived yet (Host, for one)
                    }
                }
            }
            if firstLineEnd == nil, pending > limits.maxURILength + 64 { return .failure(.uriTooLong) }
            if pending > limits.maxHeaderBytes {
                if let lineEnd = firstLineEnd, lineEnd - start > limits.maxURILength + 64 {
                    return .failure(.uriTooLong)
                }
                return .failure(.headerTooLarge)
            }
            return .incomplete
        }
        // `end` is the index of the CRLF that ends the last header line; the head is
        // buffer[start ..< end + 4].
        let consumed = end + 4
        if consumed - start > limits.maxHeaderBytes {
            if let lineEnd = firstIndex(of: LF, in: buffer, from: start), lineEnd - start > limits.maxURILength + 64 {
                return .failure(.uriTooLong)
            }
            return .failure(.headerTooLarge)
        }
        do {
            let head = try parseLines(buffer, from: start, to: end + 2, limits: limits)
            return .complete(head, consumed: consumed)
        } catch {
            return .failure(error)
        }
    }

    private static func findHeadEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard b.count >= 4 else { return nil }
        var i = start
        let last = b.count - 4
        while i <= last {
            if b[i + 3] != LF { i += b[i + 3] == CR ? 1 : 4; continue }
            if b[i] == CR, b[i + 1] == LF, b[i + 2] == CR { return i }
            i += 1
        }
        return nil
    }

    private static func lineEndingViolation(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> HTTPParseError? {
        var i = start
        while i < b.count {
            if b[i] == LF, i == start || b[i - 1] != CR { return .bareLF }
            if b[i] == CR, i + 1 < b.count, b[i + 1] != LF { return .bareCR }
            i += 1
        }
        return nil
    }

    private static func firstIndex(of byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        while i < b.count {
            if b[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Parses the lines in `b[from ..< to]`, each ending in CRLF.
    private static func parseLines(
        _ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int, limits: HTTPLimits
    ) throws(HTTPParseError) -> RequestHead {
        // Request line.
        let lineEnd = try lineEnd(b, from: from, to: to)
        var i = from
        while i < lineEnd, b[i] != SP { i += 1 }
        let methodEnd = i
        guard methodEnd > from, methodEnd < lineEnd else { throw .malformedRequestLine }
        let targetStart = methodEnd + 1
        i = targetStart
        while i < lineEnd, b[i] != SP {
            // The target is visible ASCII only (RFC 3986 + RFC 9112 §3.2), and never has a fragment.
            guard b[i] > 0x20, b[i] < 0x7F, b[i] != 0x23 else {
                throw b[i] == HTAB ? .malformedRequestLine : .invalidRequestTarget
            }
            i += 1
        }
        let targetEnd = i
        guard targetEnd > targetStart, targetEnd < lineEnd else { throw .malformedRequestLine }
        if targetEnd - targetStart > limits.maxURILength { throw .uriTooLong }
        let versionStart = targetEnd + 1
        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, exactly (RFC 9112 §2.3).
        guard lineEnd - versionStart == 8,
              b[versionStart] == 0x48, b[versionStart + 1] == 0x54, b[versionStart + 2] == 0x54,
              b[versionStart + 3] == 0x50, b[versionStart + 4] == 0x2F,
              b[versionStart + 6] == 0x2E,
              (0x30...0x39).contains(b[versionStart + 5]), (0x30...0x39).contains(b[versionStart + 7])
        else { throw .malformedRequestLine }
        let major = b[versionStart + 5] - 0x30
        let minor = b[versionStart + 7] - 0x30
        guard major == 1 else { throw .unsupportedVersion }
        let version: HTTPVersion = minor == 0 ? .http10 : .http11

        let methodBytes = UnsafeBufferPointer(rebasing: b[from..<methodEnd])
        guard let method = HTTPMethod(bytes: methodBytes) else {
            throw .unknownMethod(String(decoding: methodBytes, as: UTF8.self))
        }
        let target = String(decoding: UnsafeBufferPointer(rebasing: b[targetStart..<targetEnd]), as: UTF8.self)

        // Header fields.
        var headers = HTTPHeaders()
        var lineStart = lineEnd + 2
        var hostCount = 0
        var host = ""
        var contentLengths: [Int] = []
        var transferCodings: [Substring] = []
        var sawTransferEncoding = false
        var close = false
        var keepAliveToken = false
        var expectContinue = false
        var fieldCount = 0
        while lineStart < to {
            let end = try self.lineEnd(b, from: lineStart, to: to)
            if end == lineStart { break }  // the empty line ending the head
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount { throw .tooManyHeaders }
            // RFC 9112 §5.2: obs-fold is rejected with 400.
            if b[lineStart] == SP || b[lineStart] == HTAB { throw .obsoleteLineFolding }
            var j = lineStart
            while j < end, b[j] != 0x3A {
                let c = b[j]
                if c == SP || c == HTAB {
                    // RFC 9112 §5.1: no whitespace is allowed between the field name and colon.
                    throw .whitespaceBeforeColon
                }
                guard HTTPSyntax.isTokenByte(c) else { throw .invalidHeaderName }
                j += 1
            }
            guard j < end, j > lineStart else { throw .invalidHeaderName }
            let name = lowercasedASCII(UnsafeBufferPointer(rebasing: b[lineStart..<j]))
            var valueStart = j + 1
            var valueEnd = end
            while valueStart < valueEnd, b[valueStart] == SP || b[valueStart] == HTAB { valueStart += 1 }
            while valueEnd > valueStart, b[valueEnd - 1] == SP || b[valueEnd - 1] == HTAB { valueEnd -= 1 }
            var k = valueStart
            while k < valueEnd {
                // RFC 9110 §5.5: CR, LF and NUL (and other controls) are invalid in a field value.
                guard HTTPSyntax.isFieldValueByte(b[k]) else { throw .invalidHeaderValue(name: name) }
                k += 1
            }
            let value = String(decoding: UnsafeBufferPointer(rebasing: b[valueStart..<valueEnd]), as: UTF8.self)
            headers.appendValidated(name, value)

            // Only these fields steer parsing; the length check skips string compares for the rest.
            let steering = [4, 6, 10, 14, 17].contains(name.utf8.count)
            switch steering ? name : "" {
            case "host":
                hostCount += 1
                host = value
            case "content-length":
                // RFC 9110 §8.6: a list of identical values may be accepted; anything else is invalid.
                for piece in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let digits = piece.trimmingASCIISpaces()
                    guard !digits.isEmpty, digits.utf8.count <= 18,
                          digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                          let n = Int(digits)
                    else { throw .invalidContentLength }
                    contentLengths.append(n)
                }
            case "transfer-encoding":
                sawTransferEncoding = true
                for piece in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let coding = piece.trimmingASCIISpaces()
                    guard !coding.isEmpty else { throw .transferEncodingNotChunked }
                    transferCodings.append(coding)
                }
            case "connection":
                for piece in value.split(separator: ",") {
                    let option = piece.trimmingASCIISpaces()
                    if asciiCaseInsensitiveEquals(String(option), "close") { close = true }
                    if asciiCaseInsensitiveEquals(String(option), "keep-alive") { keepAliveToken = true }
                }
            case "expect":
                // RFC 9110 §10.1.1: 100-continue is the only expectation defined.
                guard asciiCaseInsensitiveEquals(value, "100-continue") else { throw .unsupportedExpectation }
                expectContinue = true
            default:
                break
            }
            lineStart = end + 2
        }

        // Target forms (RFC 9112 §3.2).
        var path: String
        var query: String?
        var isAsteriskForm = false
        if b[targetStart] == 0x2F {
            (path, query) = splitQuery(target)
        } else if target == "*" {
            guard method == .options else { throw .invalidRequestTarget }
            isAsteriskForm = true
            path = "*"
        } else if let (authority, rest) = absoluteForm(target) {
            // RFC 9112 §3.2.2: for absolute-form the target's authority replaces Host.
            guard !authority.isEmpty, !authority.utf8.contains(0x40) else { throw .invalidRequestTarget }
            host = authority
            (path, query) = splitQuery(rest.isEmpty ? "/" : rest)
            guard path.first == "/" else { throw .invalidRequestTarget }
        } else {
            throw .invalidRequestTarget
        }

        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request lacking Host, or with more than one.
        if hostCount > 1 { throw .multipleHost }
        if version == .http11, hostCount == 0 { throw .missingHost }
        guard HTTPSyntax.allBytes(host, isHostByte) else { throw .invalidHost }

        // Framing (RFC 9112 §6.1, §6.3).
        var framing = BodyFraming.none
        if sawTransferEncoding {
            // §6.1: a message with both is a smuggling vector; reject rather than pick one.
            if !contentLengths.isEmpty { throw .contentLengthWithTransferEncoding }
            // §6.1: Transfer-Encoding in HTTP/1.0 cannot be trusted to be understood by intermediaries.
            if version == .http10 { throw .transferEncodingInHTTP10 }
            guard let last = transferCodings.last, asciiCaseInsensitiveEquals(String(last), "chunked") else {
                throw .transferEncodingNotChunked
            }
            // §6.1: chunked must not be applied more than once; any other coding we do not implement.
            if transferCodings.count > 1 {
                if transferCodings.dropLast().contains(where: { asciiCaseInsensitiveEquals(String($0), "chunked") }) {
                    throw .transferEncodingNotChunked
                }
                throw .unsupportedTransferCoding
            }
            framing = .chunked
        } else if let first = contentLengths.first {
            guard contentLengths.allSatisfy({ $0 == first }) else { throw .conflictingContentLength }
            if first > limits.maxBodyBytes { throw .bodyTooLarge }
            framing = first > 0 ? .length(first) : .none
        }

        guard let segments = decodeSegments(path, asterisk: isAsteriskForm) else { throw .invalidPercentEncoding }
        let keepAlive = version == .http11 ? !close : (keepAliveToken && !close)
        return RequestHead(
            method: method, target: target, path: path, pathSegments: segments, query: query,
            version: version, headers: headers, host: host, framing: framing, keepAlive: keepAlive,
            expectContinue: expectContinue && framing != .none, isAsteriskForm: isAsteriskForm
        )
    }

    /// The index of the CR of the CRLF ending the line that starts at `from`.
    private static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) throws(HTTPParseError) -> Int {
        var i = from
        while i < to {
            let c = b[i]
            if c == CR {
                // RFC 9112 §2.2: a bare CR must be rejected or replaced; we reject.
                guard i + 1 < to + 2, i + 1 < b.count, b[i + 1] == LF else { throw .bareCR }
                return i
            }
            if c == LF { throw .bareLF }
            if c == 0 { throw .invalidHeaderValue(name: "request") }
            i += 1
        }
        throw .bareLF
    }

    private static func lowercasedASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { out in
            for i in 0..<bytes.count {
                let c = bytes[i]
                out[i] = (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
            }
            return bytes.count
        }
    }

    private static func splitQuery(_ target: String) -> (String, String?) {
        guard let q = target.utf8.firstIndex(of: 0x3F) else { return (target, nil) }
        let path = String(target[..<q])
        let query = String(target[target.index(after: q)...])
        return (path, query)
    }

    private static func absoluteForm(_ target: String) -> (authority: String, rest: String)? {
        let lower = target.prefix(8).lowercased()
        let schemeLength: Int
        if lower.hasPrefix("http://") { schemeLength = 7 } else if lower.hasPrefix("https://") { schemeLength = 8 } else { return nil }
        let afterScheme = target.dropFirst(schemeLength)
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
        var rest = String(afterScheme[authorityEnd...])
        if rest.first == "?" { rest = "/" + rest }
        return (String(afterScheme[..<authorityEnd]), rest)
    }

    /// Host = uri-host [ ":" port ]: reg-name, IPv4 or an IP-literal in brackets (RFC 3986 §3.2.2).
    private static func isHostByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x2D, 0x2E, 0x5F, 0x7E, 0x3A, 0x5B, 0x5D, 0x25: true  // - . _ ~ : [ ] %
        case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: true  // sub-delims
        default: false
        }
    }

    /// Splits "/a/b%20c" into ["a", "b c"]; "/" into []. Nil on an invalid escape or invalid UTF-8.
    static func decodeSegments(_ path: String, asterisk: Bool) -> [String]? {
        if asterisk || path == "/" { return [] }
        var path = path
        return path.withUTF8 { bytes -> [String]? in
            var segments: [String] = []
            var start = 1
            var hasEscape = false
            var i = 1
            while i <= bytes.count {
                if i == bytes.count || bytes[i] == 0x2F {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start..<i])
                    if hasEscape {
                        guard let decoded = PercentDecoding.decode(String(decoding: raw, as: UTF8.self)) else { return nil }
                        segments.append(decoded)
                    } else {
                        segments.append(String(decoding: raw, as: UTF8.self))
                    }
                    start = i + 1
                    hasEscape = false
                } else if bytes[i] == 0x25 {
                    hasEscape = true
                }
                i += 1
            }
            return segments
        }
    }
}


/// The decoder for `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1): an incremental state
/// machine, fed whatever bytes have arrived. Extensions and trailer fields are validated and dropped.
struct ChunkedDecoder {
    enum State: Equatable {
        case size
        case sizeWhitespace
        case extensions
        case sizeLF
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerStart
        case trailer
        case trailerLF
        case finalLF
        case done
    }

    private(set) var state = State.size
    private var size = 0
    private var digits = 0
    private var lineBytes = 0
    private var trailerBytes = 0

    var isDone: Bool { state == .done }

    /// Consumes bytes from `input`, appending chunk data to `body`.
    /// - Returns: how many bytes were consumed (all, unless the body ended inside `input`).
    mutating func decode(
        _ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8], limits: HTTPLimits
    ) throws(HTTPParseError) -> Int {
        var i = 0
        while i < input.count {
            let c = input[i]
            switch state {
            case .size:
                if let v = PercentDecoding.hexValue(c) {
                    digits += 1
                    // 15 hex digits keep the size within Int64; more is an attack, not a body.
                    guard digits <= 15 else { throw .invalidChunk }
                    size = size << 4 | Int(v)
                } else if digits == 0 {
                    throw .invalidChunk
                } else if c == 0x3B {
                    state = .extensions
                    lineBytes = 0
                } else if c == 0x20 || c == 0x09 {
                    state = .sizeWhitespace
                } else if c == 0x0D {
                    state = .sizeLF
                } else {
                    throw .invalidChunk
                }
                i += 1
            case .sizeWhitespace:
                // chunk-ext = *( BWS ";" ... ): whitespace may only lead to an extension.
                if c == 0x3B { state = .extensions; lineBytes = 0 } else if c != 0x20 && c != 0x09 { throw .invalidChunk }
                i += 1
            case .extensions:
                if c == 0x0D {
                    state = .sizeLF
                } else {
                    guard HTTPSyntax.isFieldValueByte(c) else { throw .invalidChunk }
                    lineBytes += 1
                    guard lineBytes <= 4096 else { throw .invalidChunk }
                }
                i += 1
            case .sizeLF:
                guard c == 0x0A else { throw .invalidChunk }
                i += 1
                if size == 0 {
                    state = .trailerStart
                } else {
                    guard size <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge }
                    state = .data(remaining: size)
                }
            case .data(let remaining):
                let n = min(remaining, input.count - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + n)]))
                i += n
                state = remaining == n ? .dataCR : .data(remaining: remaining - n)
            case .dataCR:
                guard c == 0x0D else { throw .invalidChunk }
                state = .dataLF
                i += 1
            case .dataLF:
                guard c == 0x0A else { throw .invalidChunk }
                state = .size
                size = 0
                digits = 0
                i += 1
            case .trailerStart:
                if c == 0x0D {
                    state = .finalLF
                } else {
                    // A trailer line is a field line: no obs-fold, no controls.
                    guard c != 0x20, c != 0x09, HTTPSyntax.isFieldValueByte(c) else { throw .invalidChunk }
                    state = .trailer
                    trailerBytes += 1
                }
                i += 1
            case .trailer:
                if c == 0x0D {
                    state = .trailerLF
                } else {
                    guard HTTPSyntax.isFieldValueByte(c) else { throw .invalidChunk }
                    trailerBytes += 1
                    guard trailerBytes <= limits.maxHeaderBytes else { throw .headerTooLarge }
                }
                i += 1
            case .trailerLF:
                guard c == 0x0A else { throw .invalidChunk }
                state = .trailerStart
                i += 1
            case .finalLF:
                guard c == 0x0A else { throw .invalidChunk }
                state = .done
                return i + 1
            case .done:
                return i
            }
        }
        return i
    }
}
