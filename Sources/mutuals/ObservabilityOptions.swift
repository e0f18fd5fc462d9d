import ArgumentParser
import Foundation
import HTTPServer

/// `serve` options for watching the server: who may read `/metrics`, and the access log's format
/// (docs/operations.md).
struct ObservabilityOptions: ParsableArguments {
    @Option(name: .customLong("metrics-token-file"),
            help: "File holding a token that lets a client read /metrics from any address with 'Authorization: Bearer <token>'. Without it, only loopback clients may.")
    var metricsTokenFile: String?

    @Option(name: .customLong("access-log-format"), help: "Access log lines: text, or json (one object per line).")
    var accessLogFormat: String = AccessLogFormat.text.rawValue

    func validate() throws {
        guard AccessLogFormat(rawValue: accessLogFormat) != nil else {
            throw ValidationError("--access-log-format must be text or json, not \(accessLogFormat).")
        }
        if metricsTokenFile != nil { _ = try metricsToken() }
    }

    var format: AccessLogFormat { AccessLogFormat(rawValue: accessLogFormat) ?? .text }

    /// The token in `--metrics-token-file`, without surrounding white space; nil without the option.
    /// - Throws: `ValidationError` when the file cannot be read or holds no token.
    func metricsToken() throws -> String? {
        guard let metricsTokenFile else { return nil }
        guard let data = FileManager.default.contents(atPath: metricsTokenFile) else {
            throw ValidationError("--metrics-token-file: cannot read \(metricsTokenFile).")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16, !token.contains(where: \.isWhitespace) else {
            throw ValidationError("--metrics-token-file: \(metricsTokenFile) must hold one token of at least 16 characters.")
        }
        return token
    }
}
