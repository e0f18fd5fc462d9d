import ArgumentParser
import Foundation
import Mail

/// `mutuals mail test`: mail from the shell.
struct MailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Send mail from the shell, and list the outbox.",
        subcommands: [SendTest.self, MailListCommand.self])

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
                // Not a usage error: say what the relay did, and exit 75 (EX_TEMPFAIL) or 69 (EX_UNAVAILABLE).
                switch error {
                case .temporary(let detail):
                    say("Not sent (temporary, would be retried): \(detail)")
                    throw ExitCode(75)
                case .permanent(let detail):
                    say("Not sent (refused): \(detail)")
                    throw ExitCode(69)
                }
            }
            print("Sent a test message to \(to) through \(transport.configuration.host):\(transport.configuration.port).")
        }
    }
}
