import Mail
import Testing

@Suite struct MailMessageTests {
    @Test func keepsWhatItIsGiven() {
        let message = MailMessage(from: MailAddress("network@example.org", displayName: "Mutuals Network"),
                                  to: MailAddress("helen@example.org"), subject: "Hello", text: "Hi",
                                  html: "<p>Hi</p>", messageID: "1@example.org")
        #expect(message.unsubscribeURL == nil)
        #expect(message.references.isEmpty)
        #expect(message.to.address == "helen@example.org")
    }
}
