import Board
import Foundation
import Mail

/// What every message the network sends needs: who it comes from and where its links point.
/// Mail goes out of any request, so links use the configured public address (`--base-url`).
public struct MailSite: Sendable {
    /// The public address of the site, without a trailing slash (`https://mutuals.example.org`).
    public var baseURL: String
    public var from: MailAddress
    /// The network's name, in subjects and signatures.
    public var siteName: String

    public init(baseURL: String, from: MailAddress, siteName: String = "Mutuals Network") {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.from = from
        self.siteName = siteName
    }

    /// The host part of the base URL, for Message-IDs.
    var host: String {
        URL(string: baseURL)?.host ?? "mutuals.invalid"
    }

    /// The Message-ID of outbox row `id`: the same on every attempt, so a message sent twice
    /// after a crash is one message to mail clients that drop duplicates.
    /// The message's id: the outbox row and the moment it was queued, so a resend after a crash
    /// keeps the id while a database restored from a backup, which reuses row ids, does not
    /// (mail services drop a message whose id they have seen).
    func messageID(outboxID: Int64, queuedAt: Date) -> String {
        "outbox-\(outboxID).\(Int64((queuedAt.timeIntervalSince1970 * 1000).rounded()))@\(host)"
    }

    /// An absolute link to `path` on the site.
    func link(_ path: String) -> String {
        baseURL + path
    }
}

/// The mail templates, `Templates/mail/*.mustache`, compiled once at start: for each message
/// `NAME.txt` (the plain-text part, rendered with nothing escaped) and `NAME.html` (the HTML
/// part, escaped as pages are, usually inside `mail-layout`).
struct MailTemplates: Sendable {
    /// Every message the code composes from templates.
    static let messageNames = ["confirm-address", "password-reset", "account-changed"]

    let library: TemplateLibrary

    /// - Throws: `TemplateError` when a template is missing or does not compile; at start.
    init(directory: String) throws {
        library = try TemplateLibrary(directory: directory)
        try library.require(Self.messageNames.flatMap { ["\($0).txt", "\($0).html"] })
    }

    /// The text and HTML parts of message `name` for `model`; the text wrapped at 72 characters
    /// (`PlainTextWrapping`).
    func render(_ name: String, _ model: TemplateObject) throws -> (text: String, html: String) {
        let text = PlainTextWrapping.wrapped(try library.template("\(name).txt").renderPlainText(.object(model)))
        let html = try library.template("\(name).html").render(.object(model))
        return (text, String(decoding: html, as: UTF8.self))
    }
}

extension MailAddress {
    /// A mailbox whose display name is user-controlled: any control character (CR and LF above
    /// all) becomes a space, so it can never start a header line of its own.
    static func recipient(_ address: String, name: String) -> MailAddress {
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.map {
            CharacterSet.controlCharacters.contains($0) ? " " : $0
        })).trimmingCharacters(in: .whitespaces)
        return MailAddress(address, displayName: cleaned.isEmpty ? nil : cleaned)
    }
}
