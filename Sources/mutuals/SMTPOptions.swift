import ArgumentParser
import Foundation
import Mail

/// The SMTP relay and mail settings, shared by `serve` and `mail test`. Each flag may instead
/// come from its environment variable (the flag wins). The password is never a flag, since
/// `ps` shows flags: it comes from `MUTUALS_SMTP_PASSWORD` or `--smtp-password-file`.
struct SMTPOptions: ParsableArguments {
    @Option(name: .customLong("smtp-host"), help: "SMTP relay host; no host means mail stays in the outbox (env MUTUALS_SMTP_HOST).")
    var smtpHost: String?

    @Option(name: .customLong("smtp-port"), help: "SMTP relay port, 587 when not given (env MUTUALS_SMTP_PORT).")
    var smtpPort: Int?

    @Option(name: .customLong("smtp-tls"), help: "none, starttls or tls (implicit TLS, usually port 465); starttls when not given (env MUTUALS_SMTP_TLS).")
    var smtpTLS: String?

    @Option(name: .customLong("smtp-user"), help: "SMTP user name for AUTH PLAIN or LOGIN (env MUTUALS_SMTP_USER).")
    var smtpUser: String?

    @Option(name: .customLong("smtp-password-file"), help: "File holding the SMTP password (or set MUTUALS_SMTP_PASSWORD).")
    var smtpPasswordFile: String?

    @Option(name: .customLong("smtp-ca-file"), help: "PEM file of CA certificates to trust for the relay instead of the system store (env MUTUALS_SMTP_CA_FILE).")
    var smtpCAFile: String?

    @Option(name: .customLong("mail-from"), help: "Sender, e.g. \"Mutuals Network <network@example.org>\" (env MUTUALS_MAIL_FROM).")
    var mailFrom: String?

    @Option(name: .customLong("base-url"), help: "Public address used in links in mail and Atom feeds, e.g. https://mutuals.example.org (env MUTUALS_BASE_URL).")
    var baseURL: String?

    /// The values used when an option is not given, for the options whose type has no default
    /// of its own (so that `serve --check-config` shows 587, not "not set").
    static let unstatedDefaults = ["smtp-port": String(defaultPort), "smtp-tls": SMTPConfiguration.Security.startTLS.rawValue]
    static let defaultPort = 587

    static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    var host: String? { smtpHost ?? Self.environment("MUTUALS_SMTP_HOST") }

    func port() throws -> Int {
        if let smtpPort { return smtpPort }
        guard let text = Self.environment("MUTUALS_SMTP_PORT") else {
            // 587 is the STARTTLS port: implicit TLS there fails every message on a handshake
            // the relay never answers, only after the timeout. Say so at start instead.
            if try security() == .tls {
                throw ValidationError("--smtp-tls tls needs --smtp-port (or MUTUALS_SMTP_PORT): implicit TLS is usually port 465; the default, 587, is for starttls.")
            }
            return Self.defaultPort
        }
        guard let port = Int(text) else { throw ValidationError("MUTUALS_SMTP_PORT must be a number, not \(text)") }
        return port
    }

    func security() throws -> SMTPConfiguration.Security {
        let text = smtpTLS ?? Self.environment("MUTUALS_SMTP_TLS") ?? SMTPConfiguration.Security.startTLS.rawValue
        guard let security = SMTPConfiguration.Security(rawValue: text.lowercased()) else {
            throw ValidationError("--smtp-tls must be none, starttls or tls, not \(text)")
        }
        return security
    }

    /// The password from the file (its last line break removed) or the environment.
    func password() throws -> String? {
        if let path = smtpPasswordFile ?? Self.environment("MUTUALS_SMTP_PASSWORD_FILE") {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the SMTP password file \(path)")
            }
            var text = String(decoding: contents, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        return Self.environment("MUTUALS_SMTP_PASSWORD")
    }

    /// `Name <address>` or a bare address; checked like every address the network sends.
    func sender() throws -> MailAddress? {
        guard let text = mailFrom ?? Self.environment("MUTUALS_MAIL_FROM") else { return nil }
        let address: MailAddress
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            var name = text[..<open].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            address = MailAddress(String(text[text.index(after: open)..<text.index(before: text.endIndex)]),
                                  displayName: name.isEmpty ? nil : name)
        } else {
            address = MailAddress(text.trimmingCharacters(in: .whitespaces))
        }
        do {
            _ = try address.validated()
        } catch {
            throw ValidationError("--mail-from: \(error)")
        }
        return address
    }

    /// The public base URL without a trailing slash; must be http(s).
    func publicBaseURL() throws -> String? {
        guard var text = baseURL ?? Self.environment("MUTUALS_BASE_URL") else { return nil }
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), URL(string: text)?.host != nil else {
            throw ValidationError("--base-url must be an absolute http(s) URL, not \(text)")
        }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The configured transport, or nil when no SMTP host is set (mail then waits in the outbox).
    /// - Throws: `ValidationError` for a configuration that cannot work (checked at start).
    func makeTransport() throws -> SMTPTransport? {
        guard let host else { return nil }
        let configuration = SMTPConfiguration(
            host: host, port: try port(), security: try security(),
            username: smtpUser ?? Self.environment("MUTUALS_SMTP_USER"), password: try password(),
            caFilePath: smtpCAFile ?? Self.environment("MUTUALS_SMTP_CA_FILE"))
        do {
            return try SMTPTransport(configuration: configuration)
        } catch {
            throw ValidationError("SMTP: \(error)")
        }
    }
}
