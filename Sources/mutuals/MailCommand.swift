import ArgumentParser
import Foundation
import Mail

/// `mutuals mail test`: mail from the shell.
struct MailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Send mail from the shell.",
        subcommands: [SendTest.self])

    /// Sends one message straight through the relay (not through the outbox), so an operator can
    /// check the SMTP settings before starting the server with them.
    struct SendTest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Send a test message through the SMTP relay given by the --smtp-* flags.")

        @OptionGroup var smtp: SMTPOptions
        @Option(name: .long, help: "The address to send the test message to.") var to: String

        func run() throws {
            guard let transport = try smtp.makeTransport() else {
                throw ValidationError("no relay: give --smtp-host (or MUTUALS_SMTP_HOST)")
            }
            guard let sender = try smtp.sender() else {
                throw ValidationError("no sender: give --mail-from (or MUTUALS_MAIL_FROM)")
            }
            let message = MailMessage.relayTest(from: sender, to: MailAddress(to), host: transport.configuration.host)
            do {
                try transport.deliver(message)
            } catch {
                switch error {
                case .temporary(let detail): throw ValidationError("not sent (temporary, would be retried): \(detail)")
                case .permanent(let detail): throw ValidationError("not sent (refused): \(detail)")
                }
            }
            print("Sent a test message to \(to) through \(transport.configuration.host):\(transport.configuration.port).")
        }
    }
}
