import Board
import Foundation
import Mail
import Testing
import TestSupport
import Web

/// Issue 15: notification mail and the weekly briefing, composed through the templates and the
/// sender's composers, delivered by the real SMTP client to a real relay, and read back by
/// Python's `email` package: structure, threading headers, the unsubscribe link and its use.
@Suite("Notification and briefing mail through a real SMTP relay", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: LoopbackRelay.isAvailable, "python3 with aiosmtpd is not installed (pip install aiosmtpd)"))
struct DigestMailRelayTests {
    /// Every message the relay holds, as Python's `email` reads it.
    struct Parsed: Decodable {
        let to: String
        let subject: String
        let contentType: String
        let text: String
        let html: String
        let inReplyTo: String?
        let references: String?
        let listUnsubscribe: String?
        let listUnsubscribePost: String?
        let longestLine: Int
    }

    static func parsed(_ relay: LoopbackRelay) throws -> [Parsed] {
        var messages: [Parsed] = []
        var index = 1
        while FileManager.default.fileExists(atPath: "\(relay.directory)/\(index).eml") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import email, email.policy, json, sys
                raw = open(sys.argv[1], 'rb').read()
                m = email.message_from_bytes(raw, policy=email.policy.default)
                print(json.dumps({
                  'to': m['To'].addresses[0].addr_spec, 'subject': str(m['Subject']),
                  'contentType': m.get_content_type(),
                  'text': m.get_body(preferencelist=('plain',)).get_content(),
                  'html': m.get_body(preferencelist=('html',)).get_content(),
                  'inReplyTo': m['In-Reply-To'], 'references': m['References'],
                  'listUnsubscribe': m['List-Unsubscribe'], 'listUnsubscribePost': m['List-Unsubscribe-Post'],
                  'longestLine': max(len(line) for line in raw.split(b'\\r\\n'))}))
                """, "\(relay.directory)/\(index).eml"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            messages.append(try JSONDecoder().decode(Parsed.self, from: data))
            index += 1
        }
        return messages
    }

    /// Asker's thread on a site that mails at once (addresses confirmed, first posts not held),
    /// a relay to catch the mail, and another member signed in on the thread.
    func askerWithHelper(_ site: TestSite) throws -> (thread: TestThread, relay: LoopbackRelay, helper: BrowserClient) {
        _ = try site.topic()
        let author = try site.member(handle: "asker")
        _ = try site.member(handle: "helper")
        try site.network.store.write { try $0.run("UPDATE users SET email_confirmed_at = created_at") }
        try site.network.store.write { try $0.run("UPDATE settings SET value = '0' WHERE key = ?", Setting.holdFirstPostsOfNewMembers.rawValue) }
        let thread = try site.thread(by: author, title: "Pension bonds — what did you do?")
        return (thread, try LoopbackRelay(), try site.signedIn("helper", landingOn: thread.path))
    }

    @Test func aReplyIsMailedToTheThreadsAuthorThreadedAndUnsubscribable() throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            let (thread, relay, helper) = try askerWithHelper(site)
            for body in ["We took advice from the LGPS actuary first.", "Then we agreed a bond with the council."] {
                #expect(try helper.post("/t/\(thread.id)/reply", [("body", body), ("action", "post")]).status == 303)
            }
            try site.relaySender(try relay.transport).deliverDue()
            let messages = try Self.parsed(relay).filter { $0.to == "asker@example.org" }
            #expect(messages.count == 2)
            for message in messages {
                #expect(message.contentType == "multipart/alternative")
                #expect(message.subject == "Re: Pension bonds — what did you do?")
                #expect(message.inReplyTo == "<thread-\(thread.id)@127.0.0.1>")
                #expect(message.references?.contains("<thread-\(thread.id)@127.0.0.1>") == true)
                #expect(message.listUnsubscribePost == "List-Unsubscribe=One-Click")
                #expect(message.html.contains("<"))
                #expect(message.longestLine <= 998)
            }
            #expect(messages[0].text.contains("LGPS actuary"))
            #expect(messages[1].text.contains("bond with the council"))
            #expect(messages[0].text.contains("https://127.0.0.1:\(site.port)/t/\(thread.id)"))
            // One-click unsubscribe (RFC 8058) from the header, with no cookies and no token.
            let header = try #require(messages[0].listUnsubscribe)
            let url = String(header.drop { $0 != "<" }.dropFirst().prefix { $0 != ">" })
            let path = String(url.dropFirst("https://127.0.0.1:\(site.port)".count))
            #expect(path.hasPrefix("/unsubscribe/"))
            let client = try site.client()
            defer { client.close() }
            let body = "List-Unsubscribe=One-Click"
            try client.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
            let answer = try client.readResponse()
            #expect(answer.status == 200)
            // The next reply is not mailed: that one kind is off.
            #expect(try helper.post("/t/\(thread.id)/reply", [("body", "A third reply, not mailed."), ("action", "post")]).status == 303)
            try site.relaySender(try relay.transport).deliverDue()
            #expect(try Self.parsed(relay).filter { $0.to == "asker@example.org" }.count == 2)
        }
    }

    /// A reply its author deleted before the sender composed its mail is not quoted in it: the
    /// mail's excerpt read the stored text whether or not its author had deleted it (the
    /// notification list already left it out), so the thread's author was mailed words that
    /// the thread page shows to no one but moderators.
    @Test func aReplyDeletedBeforeItsMailIsComposedIsNotQuoted() throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            let (thread, relay, helper) = try askerWithHelper(site)
            #expect(try helper.post("/t/\(thread.id)/reply", [("body", "Sent in anger: the council is hopeless."), ("action", "post")]).status == 303)
            let reply = try #require(try site.network.store.read {
                try $0.scalar(Int64.self, "SELECT max(id) FROM posts WHERE thread_id = ?", thread.id)
            })
            _ = try helper.get("/p/\(reply)/delete")
            #expect(try helper.post("/p/\(reply)/delete", []).status == 303)
            try site.relaySender(try relay.transport).deliverDue()
            // The mail still goes (the reply is still there, as a placeholder), without its words.
            let messages = try Self.parsed(relay).filter { $0.to == "asker@example.org" }
            #expect(messages.count == 1)
            for message in messages {
                #expect(message.subject == "Re: Pension bonds — what did you do?")
                #expect(!message.text.contains("council is hopeless") && !message.html.contains("council is hopeless"))
            }
        }
    }

    @Test func theWeeklyBriefingIsComposedAndDelivered() throws {
        try withTestSite(limits: .noNewAccountPeriod) { site in
            _ = try site.topic()
            let member = try site.member(handle: "reader")
            try site.network.store.write { try $0.run("UPDATE users SET email_confirmed_at = created_at") }
            let week = ISOWeek(containing: Date())
            try site.network.store.write { tx in
                try tx.run("""
                    INSERT INTO briefing_items(title, url, source, published_at, summary, created_at)
                    VALUES ('Mutuals guidance refreshed', 'https://example.org/guidance', 'Cabinet Office', ?, 'What changed for spin-outs.', ?)
                    """, week.start.addingTimeInterval(3600), Date())
                try Outbox.enqueue(tx, OutgoingMail(kind: .weeklyBriefing, userID: member.id, toAddress: "reader@example.org",
                                                    payload: #"{"week":"\#(week)"}"#), now: Date())
            }
            let relay = try LoopbackRelay()
            try site.relaySender(try relay.transport).deliverDue()
            let messages = try Self.parsed(relay)
            #expect(messages.count == 1)
            let mail = try #require(messages.first)
            #expect(mail.contentType == "multipart/alternative")
            #expect(mail.text.contains("Mutuals guidance refreshed"))
            #expect(mail.html.contains("Mutuals guidance refreshed"))
            #expect(mail.listUnsubscribe?.contains("/unsubscribe/") == true)
            #expect(mail.inReplyTo == nil)
        }
    }
}
