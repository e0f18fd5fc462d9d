#if canImport(Glibc)
import Glibc
#endif

/// How the access log writes a request.
public enum AccessLogFormat: String, Sendable, CaseIterable {
    /// `client METHOD path status bytes 123us id=…`, after the log's own timestamp.
    case text
    /// One JSON object per line: `time`, `request_id`, `method`, `route`, `path`, `status`,
    /// `bytes`, `duration_ms`, `client`, `user_agent`. Write it with an unstamped
    /// `LineLogHandler` so each line is JSON and nothing else.
    case json
}

/// One answered request, as the access log records it.
struct AccessLogEntry {
    var requestID: UInt64
    /// nil for a request refused before its method was known (malformed, too large).
    var method: HTTPMethod?
    /// The matched route pattern, or `RequestMetrics.unmatched`.
    var route: String
    var path: String
    var status: Int
    var bytes: Int
    var nanoseconds: UInt64
    var client: String
    var userAgent: String?
}

/// Builds access-log lines in a reused buffer (string interpolation cost more than the request).
/// One per reactor; used only on its thread.
struct AccessLogLine {
    private var line: [UInt8] = []
    private var stampSecond: time_t = -1
    private var stamp: [UInt8] = []

    mutating func render(_ entry: AccessLogEntry, as format: AccessLogFormat) -> String {
        line.removeAll(keepingCapacity: true)
        switch format {
        case .text: appendText(entry)
        case .json: appendJSON(entry)
        }
        return String(decoding: line, as: UTF8.self)
    }

    private mutating func appendText(_ entry: AccessLogEntry) {
        ResponseSerializer.appendUTF8(entry.client, into: &line)
        line.append(0x20)
        ResponseSerializer.appendUTF8(entry.method?.rawValue ?? "-", into: &line)
        line.append(0x20)
        ResponseSerializer.appendUTF8(entry.path, into: &line)
        line.append(0x20)
        ResponseSerializer.appendDecimal(entry.status, into: &line)
        line.append(0x20)
        ResponseSerializer.appendDecimal(entry.bytes, into: &line)
        line.append(0x20)
        ResponseSerializer.appendDecimal(Int(entry.nanoseconds / 1000), into: &line)
        line.append(contentsOf: "us id=".utf8)
        line.append(contentsOf: String(entry.requestID, radix: 16).utf8)
    }

    private mutating func appendJSON(_ entry: AccessLogEntry) {
        line.append(contentsOf: #"{"time":""#.utf8)
        appendTime()
        line.append(contentsOf: #"","request_id":""#.utf8)
        line.append(contentsOf: String(entry.requestID, radix: 16).utf8)
        line.append(contentsOf: #"","method":"#.utf8)
        if let method = entry.method { Self.appendJSONString(method.rawValue, into: &line) } else { line.append(contentsOf: "null".utf8) }
        line.append(contentsOf: #","route":"#.utf8)
        Self.appendJSONString(entry.route, into: &line)
        line.append(contentsOf: #","path":"#.utf8)
        Self.appendJSONString(entry.path, into: &line)
        line.append(contentsOf: #","status":"#.utf8)
        ResponseSerializer.appendDecimal(entry.status, into: &line)
        line.append(contentsOf: #","bytes":"#.utf8)
        ResponseSerializer.appendDecimal(entry.bytes, into: &line)
        line.append(contentsOf: #","duration_ms":"#.utf8)
        let microseconds = Int(entry.nanoseconds / 1000)
        ResponseSerializer.appendDecimal(microseconds / 1000, into: &line)
        line.append(0x2E)
        let fraction = microseconds % 1000
        if fraction < 100 { line.append(0x30) }
        if fraction < 10 { line.append(0x30) }
        ResponseSerializer.appendDecimal(fraction, into: &line)
        line.append(contentsOf: #","client":"#.utf8)
        Self.appendJSONString(entry.client, into: &line)
        line.append(contentsOf: #","user_agent":"#.utf8)
        if let agent = entry.userAgent { Self.appendJSONString(agent, into: &line) } else { line.append(contentsOf: "null".utf8) }
        line.append(0x7D)
    }

    /// UTC, to the millisecond: `2026-12-03T10:15:05.123Z`.
    private mutating func appendTime() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if now.tv_sec != stampSecond {
            stampSecond = now.tv_sec
            var seconds = now.tv_sec
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
            stamp = Array("\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).".utf8)
        }
        line.append(contentsOf: stamp)
        let milliseconds = Int(now.tv_nsec) / 1_000_000
        if milliseconds < 100 { line.append(0x30) }
        if milliseconds < 10 { line.append(0x30) }
        ResponseSerializer.appendDecimal(milliseconds, into: &line)
        line.append(0x5A)  // Z
    }

    /// A JSON string (RFC 8259 §7): quote, backslash and control characters escaped; other
    /// UTF-8 as it is.
    static func appendJSONString(_ text: String, into out: inout [UInt8]) {
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x00..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}
