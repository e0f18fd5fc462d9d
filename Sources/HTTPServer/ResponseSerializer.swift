/// Turns a `Response` into wire bytes (RFC 9112 §4, §6): status line, headers, framing, body.
/// The server owns framing: handler-set Content-Length, Transfer-Encoding and Connection are
/// replaced, and header fields with control characters are dropped (response splitting).
enum ResponseSerializer {
    private static let statusLine200 = Array("HTTP/1.1 200 OK\r\n".utf8)
    private static let closeLine = Array("Connection: close\r\n".utf8)
    private static let keepAliveLine = Array("Connection: keep-alive\r\n".utf8)

    static func serialize(
        _ response: Response, isHead: Bool, keepAlive: Bool, version: HTTPVersion, dateLine: [UInt8],
        defaults: HTTPHeaders, into out: inout [UInt8]
    ) {
        let forbidsBody = response.status.forbidsBody
        out.reserveCapacity(out.count + 256 + (isHead ? 0 : response.body.count))
        if response.status.code == 200 {
            out.append(contentsOf: statusLine200)
        } else {
            out.append(contentsOf: "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n".utf8)
        }
        for field in response.headers where isWritable(field) {
            appendField(field.name, field.value, into: &out)
        }
        for field in defaults where !response.headers.contains(field.name) {
            appendField(field.name, field.value, into: &out)
        }
        out.append(contentsOf: dateLine)
        if !forbidsBody {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(response.body.count, into: &out)
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
        if !isHead && !forbidsBody {
            out.append(contentsOf: response.body)
        }
    }

    private static func isWritable(_ field: HTTPHeaders.Field) -> Bool {
        switch field.name.lowercased() {
        case "content-length", "transfer-encoding", "connection", "date": return false
        default: break
        }
        guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPSyntax.isTokenByte) else { return false }
        return field.value.utf8.allSatisfy(HTTPSyntax.isFieldValueByte)
    }

    private static func appendField(_ name: String, _ value: String, into out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(0x3A)
        out.append(0x20)
        out.append(contentsOf: value.utf8)
        out.append(0x0D)
        out.append(0x0A)
    }

    private static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
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
