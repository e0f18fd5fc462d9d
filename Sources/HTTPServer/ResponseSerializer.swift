/// Turns a `Response` into wire bytes (RFC 9112 §4, §6): status line, headers, framing, body.
/// The server owns framing: handler-set Content-Length, Transfer-Encoding, Connection and Date
/// are replaced. (Fields with control characters never get into `HTTPHeaders`.)
enum ResponseSerializer {
    private static let statusLine200 = Array("HTTP/1.1 200 OK\r\n".utf8)
    private static let closeLine = Array("Connection: close\r\n".utf8)
    private static let chunkedLine = Array("Transfer-Encoding: chunked\r\n".utf8)
    private static let keepAliveLine = Array("Connection: keep-alive\r\n".utf8)
    private static let requestIDName = Array("X-Request-Id: ".utf8)

    /// Headers added to every response of a listener, pre-encoded once.
    struct Defaults {
        let headers: HTTPHeaders
        let encoded: [UInt8]

        init(_ headers: HTTPHeaders) {
            self.headers = headers
            var bytes: [UInt8] = []
            for field in headers { ResponseSerializer.appendField(field.name, field.value, into: &bytes) }
            encoded = bytes
        }
    }

    static func serialize(
        _ response: Response, isHead: Bool, keepAlive: Bool, version: HTTPVersion, dateLine: [UInt8],
        defaults: Defaults, requestID: UInt64? = nil, into out: inout [UInt8]
    ) {
        out.reserveCapacity(out.count + 256 + (isHead ? 0 : response.bodyCount))
        appendHead(response, isHead: isHead, keepAlive: keepAlive, version: version, dateLine: dateLine, defaults: defaults,
                   requestID: requestID, into: &out)
        if sendsBody(response, isHead: isHead) {
            response.withBodyBytes { out.append(contentsOf: $0) }
        }
    }

    /// Whether the body follows the head on the wire (not for HEAD, a status without a body,
    /// or a stream, whose chunks follow).
    static func sendsBody(_ response: Response, isHead: Bool) -> Bool {
        !isHead && !response.status.forbidsBody && response.stream == nil
    }

    /// The status line and header fields, up to and including the blank line.
    static func appendHead(
        _ response: Response, isHead: Bool, keepAlive: Bool, version: HTTPVersion, dateLine: [UInt8],
        defaults: Defaults, requestID: UInt64?, into out: inout [UInt8]
    ) {
        let forbidsBody = response.status.forbidsBody
        if response.status.code == 200 {
            out.append(contentsOf: statusLine200)
        } else {
            out.append(contentsOf: "HTTP/1.1 ".utf8)
            appendDecimal(response.status.code, into: &out)
            out.append(0x20)
            appendUTF8(response.status.reason, into: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        for field in response.headers where isWritable(field) {
            appendField(field.name, field.value, into: &out)
        }
        if !response.headers.contains(where: { field in defaults.headers.contains(field.name) }) {
            out.append(contentsOf: defaults.encoded)
        } else {
            for field in defaults.headers where !response.headers.contains(field.name) {
                appendField(field.name, field.value, into: &out)
            }
        }
        out.append(contentsOf: dateLine)
        if let requestID {
            out.append(contentsOf: requestIDName)
            appendHex(requestID, into: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        if response.stream != nil && !forbidsBody {
            out.append(contentsOf: chunkedLine)
        } else if !forbidsBody {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(response.bodyCount, into: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        if !keepAlive {
            out.append(contentsOf: closeLine)
        } else if version == .http10 {
            out.append(contentsOf: keepAliveLine)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Framing fields belong to the server; a handler's are ignored. (Field names and values
    /// were validated when they were added to `HTTPHeaders`.)
    private static func isWritable(_ field: HTTPHeaders.Field) -> Bool {
        switch field.name.utf8.count {
        case 4: !asciiCaseInsensitiveEquals(field.name, "date")
        case 10: !asciiCaseInsensitiveEquals(field.name, "connection")
        case 14: !asciiCaseInsensitiveEquals(field.name, "content-length")
        case 17: !asciiCaseInsensitiveEquals(field.name, "transfer-encoding")
        default: true
        }
    }

    static func appendField(_ name: String, _ value: String, into out: inout [UInt8]) {
        appendUTF8(name, into: &out)
        out.append(0x3A)
        out.append(0x20)
        appendUTF8(value, into: &out)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Appends a string's UTF-8 with one memcpy when its storage is contiguous (native strings are).
    @inline(__always)
    static func appendUTF8(_ text: String, into out: inout [UInt8]) {
        if text.utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil {
            out.append(contentsOf: text.utf8)
        }
    }

    /// Frames bytes as one chunk (RFC 9112 §7.1): size in hex, CRLF, data, CRLF.
    static func appendChunk(_ bytes: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: String(bytes.count, radix: 16).utf8)
        out.append(0x0D)
        out.append(0x0A)
        out.append(contentsOf: bytes)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Lowercase hexadecimal without leading zeros, as `String(value, radix: 16)` spells it.
    static func appendHex(_ value: UInt64, into out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        var shift = max(0, (63 - value.leadingZeroBitCount) / 4 * 4)
        while shift >= 0 {
            out.append(digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value == 0 {
            out.append(0x30)
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while v > 0 {
                raw[count] = UInt8(v % 10) + 0x30
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(raw[i]) }
        }
    }
}
