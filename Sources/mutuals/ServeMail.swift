import Board
import Logging
import Mail
import Web

/// The mail side of `serve`: the composers over `Templates/mail`, and the sender's thread.
enum ServeMail {
    /// Builds the sender and starts its thread. Without a transport it runs too (the outbox
    /// depth is still recorded) but sends nothing: messages stay queued until a relay is configured.
    /// - Throws: when a mail template is missing or does not compile.
    static func startSender(network: Network, templatesDirectory: String, transport: (any MailTransport)?,
                            site: MailSite) throws -> OutboxSender {
        let composers = try MailComposition.composers(templatesDirectory: templatesDirectory, network: network, site: site)
        let logger = Logger(label: "mail")
        let sender = network.outboxSender(composers: composers, transport: transport) { line in logger.info("\(line)") }
        sender.start()
        return sender
    }
}
