import ArgumentParser
import Board
import Logging
import Mail
import Web

/// The mail side of `serve`: the relay from `SMTPOptions`, the composers over `Templates/mail`,
/// and the sender's thread.
enum ServeMail {
    /// A relay needs a sender address and the public address for links; checked before anything starts.
    static func check(_ smtp: SMTPOptions) throws {
        guard smtp.host != nil else { return }
        guard try smtp.sender() != nil else {
            throw ValidationError("--smtp-host needs --mail-from (or MUTUALS_MAIL_FROM): the address mail comes from.")
        }
        guard try smtp.publicBaseURL() != nil else {
            throw ValidationError("--smtp-host needs --base-url (or MUTUALS_BASE_URL): the public address links in mail point to.")
        }
        _ = try smtp.makeTransport()
    }

    /// Builds the sender and starts its thread. Without a relay it runs too (the outbox depth is
    /// still recorded) but sends nothing: messages stay queued until a relay is configured.
    /// - Parameter listening: the address the server answers on, for links when no `--base-url` is given.
    /// - Throws: when a mail template is missing or does not compile, or the relay settings cannot work.
    static func startSender(network: Network, templatesDirectory: String, smtp: SMTPOptions, listening: String) throws -> OutboxSender {
        let transport = try smtp.makeTransport()
        let site = MailSite(baseURL: try smtp.publicBaseURL() ?? listening,
                            from: try smtp.sender() ?? MailAddress("mutuals@localhost", displayName: "Mutuals Network"))
        let composers = try MailComposition.composers(templatesDirectory: templatesDirectory, network: network, site: site)
        let logger = Logger(label: "mail")
        if transport == nil { logger.info("no SMTP relay configured (--smtp-host): mail stays in the outbox") }
        let sender = network.outboxSender(composers: composers, transport: transport) { line in logger.info("\(line)") }
        sender.start()
        return sender
    }
}
