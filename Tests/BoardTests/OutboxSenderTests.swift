import Board
import Database
import Foundation
import Mail
import Synchronization
import Testing
import TestSupport

/// A transport that keeps what it is given, answering each delivery with the next scripted
/// failure (or success when the script is empty). The SMTP path is tested end to end in
/// WebTests against a real server; here the subject is the sender's bookkeeping.
final class RecordingTransport: MailTransport {
    let delivered = Mutex<[MailMessage]>([])
    let script = Mutex<[MailDeliveryError]>([])

    func fail(_ errors: MailDeliveryError...) { script.withLock { $0.append(contentsOf: errors) } }

    func deliver(_ message: MailMessage) throws(MailDeliveryError) {
        if let next = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw next }
        delivered.withLock { $0.append(message) }
    }

    var subjects: [String] { delivered.withLock { $0.map(\.subject) } }
}

/// Composes every row as "KIND ID" to its address: enough for the sender's tests.
struct PlainComposer: MailComposing {
    func compose(_ item: OutboxItem, now: Date) throws -> ComposedMail {
        .send(MailMessage(from: MailAddress("network@example.org"), to: MailAddress(item.toAddress),
                          subject: "\(item.kind.rawValue) \(item.id)", text: "text", html: "<p>html</p>",
                          messageID: "outbox-\(item.id)@example.org", date: now))
    }
}

struct FailingComposer: MailComposing {
    struct Broken: Error {}
    func compose(_ item: OutboxItem, now: Date) throws -> ComposedMail { throw Broken() }
}

extension TestNetwork {
    /// Marks `person`'s address confirmed (fixture accounts start unconfirmed since migration 10).
    func confirmEmail(of person: TestPerson) throws {
        try store.write { try $0.run("UPDATE users SET email_confirmed_at = 1 WHERE id = ?", person.id) }
    }

    @discardableResult
    func queue(_ kind: MailKind = .notification, to person: TestPerson, threadID: Int64? = nil, postID: Int64? = nil) throws -> Int64 {
        let now = clock.now
        let mail = OutgoingMail(kind: kind, userID: person.id, toAddress: "\(person.handle)@example.org", threadID: threadID, postID: postID)
        return try store.write { try Outbox.enqueue($0, mail, now: now) }
    }

    func sender(_ transport: (any MailTransport)?, composer: any MailComposing = PlainComposer(),
                policy: OutboxRetryPolicy = OutboxRetryPolicy()) -> OutboxSender {
        var composers = MailComposers()
        composers.register(composer, for: MailKind.allCases)
        return Network(accounts: accounts).outboxSender(composers: composers, transport: transport, policy: policy)
    }

    func outboxState(_ id: Int64) throws -> (state: String, attempts: Int, error: String?) {
        try store.read { conn in
            var found: (String, Int, String?) = ("", 0, nil)
            try conn.forEach("SELECT state, attempts, last_error FROM mail_outbox WHERE id = ?", arguments: [id]) { row in
                found = (try row["state"], try row["attempts"], try row["last_error"])
            }
            return found
        }
    }
}

@Suite("The outbox sender: order, retries, failure, access re-check")
struct OutboxSenderTests {
    @Test func deliversInIdOrderAndMarksEachSentOnce() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            let bob = try network.member(handle: "bob")
            try network.confirmEmail(of: ann)
            try network.confirmEmail(of: bob)
            let first = try network.queue(to: ann)
            let second = try network.queue(to: bob)
            let third = try network.queue(to: ann)
            let transport = RecordingTransport()
            let outcomes = try network.sender(transport).deliverDue()
            #expect(outcomes == [.sent(first), .sent(second), .sent(third)])
            #expect(transport.subjects == ["notification \(first)", "notification \(second)", "notification \(third)"])
            #expect(try network.outboxState(first).state == "sent")
            // A second round, or a new sender after a restart, finds nothing to send.
            #expect(try network.sender(transport).deliverDue().isEmpty)
            #expect(transport.subjects.count == 3)
        }
    }

    @Test func aTemporaryFailureBacksOffAndKeepsTheOrderToThatAddress() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock) { network in
            let ann = try network.member(handle: "ann")
            let bob = try network.member(handle: "bob")
            for person in [ann, bob] { try network.confirmEmail(of: person) }
            let first = try network.queue(to: ann)
            let second = try network.queue(to: ann)
            let other = try network.queue(to: bob)
            let transport = RecordingTransport()
            transport.fail(.temporary("451 try later"))
            let sender = network.sender(transport)
            // The relay said "later": the round stops there.
            #expect(try sender.deliverDue() == [.retrying(first, "451 try later")])
            #expect(try network.outboxState(first) == ("queued", 1, "451 try later"))
            // Ann's second message waits behind her first; Bob's goes.
            #expect(try sender.deliverDue() == [.sent(other)])
            clock.advance(59)
            #expect(try sender.deliverDue().isEmpty)
            clock.advance(1)
            #expect(try sender.deliverDue() == [.sent(first), .sent(second)])
            #expect(transport.subjects == ["notification \(other)", "notification \(first)", "notification \(second)"])
        }
    }

    @Test func backoffDoublesUpToAnHour() {
        let policy = OutboxRetryPolicy()
        #expect([1, 2, 3, 6, 7, 8, 20].map { policy.delay(afterFailures: $0) } == [60, 120, 240, 1920, 3600, 3600, 3600])
    }

    @Test func aPermanentFailureFailsAtOnceAndAnAdminCanRetryIt() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            let admin = try network.admin()
            try network.confirmEmail(of: ann)
            let id = try network.queue(to: ann)
            let transport = RecordingTransport()
            transport.fail(.permanent("550 no such user"))
            let sender = network.sender(transport)
            #expect(try sender.deliverDue() == [.failed(id, "550 no such user")])
            #expect(try network.outboxState(id) == ("failed", 1, "550 no such user"))
            let outbox = Network(accounts: network.accounts).outbox
            let member = try network.store.read { try Actor.load($0, account: #require(try network.accounts.account(id: ann.id))) }
            #expect(try outbox.retry(by: member, id: id) == .denied("Only admins can do that"))
            let adminActor = try network.store.read { try Actor.load($0, account: #require(try network.accounts.account(id: admin.id))) }
            // A suspended admin is refused too, as on every admin page (it asked only for the role).
            let until = network.clock.now.addingTimeInterval(86_400)
            let suspended = Actor(userID: admin.id, role: .admin, suspendedUntil: until, suspensionReason: "Account under review")
            #expect(try outbox.retry(by: suspended, id: id) == .denied(Policy.suspensionMessage(suspended)))
            #expect(try network.outboxState(id).state == "failed")
            #expect(try outbox.retry(by: adminActor, id: id) == .queued)
            #expect(try outbox.retry(by: adminActor, id: id) == .notFailed)
            #expect(try outbox.retry(by: adminActor, id: 999_999) == .notFound)
            #expect(try sender.deliverDue() == [.sent(id)])
            #expect(try network.outboxState(id).state == "sent")
        }
    }

    @Test func givesUpAfterTwoDaysOfTemporaryFailures() throws {
        let clock = TestClock()
        try withTestNetwork(clock: clock) { network in
            let ann = try network.member(handle: "ann")
            try network.confirmEmail(of: ann)
            let id = try network.queue(to: ann)
            let transport = RecordingTransport()
            let sender = network.sender(transport)
            var rounds = 0
            while try network.outboxState(id).state == "queued", rounds < 100 {
                transport.fail(.temporary("421 relay down"))
                try sender.deliverDue()
                clock.advance(3600)
                rounds += 1
            }
            let final = try network.outboxState(id)
            #expect(final.state == "failed")
            #expect(final.error?.hasPrefix("gave up after 48 hours") == true)
            #expect(rounds >= 48 && rounds <= 50)
            #expect(transport.subjects.isEmpty)
        }
    }

    @Test func withoutATransportMessagesStayQueued() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            try network.confirmEmail(of: ann)
            let id = try network.queue(to: ann)
            let sender = network.sender(nil)
            #expect(try sender.deliverDue() == [.waiting(id)])
            #expect(try network.outboxState(id) == ("queued", 0, nil))
        }
    }

    @Test func aComposerFaultIsRetriedLater() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            try network.confirmEmail(of: ann)
            let id = try network.queue(to: ann)
            let outcomes = try network.sender(RecordingTransport(), composer: FailingComposer()).deliverDue()
            #expect(outcomes.count == 1)
            #expect(try network.outboxState(id).state == "queued")
            #expect(try network.outboxState(id).attempts == 1)
        }
    }

    @Test func aQueuedMessageSurvivesARestartOfTheSender() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var ids: [Int64] = []
        do {
            let store = try Storage.openStore(dataDirectory: directory)
            let accounts = Accounts(store: store, hasher: TestNetwork.hasher)
            guard case .added(let ann) = try accounts.addUser(handle: "ann", email: "ann@example.org", displayName: nil,
                                                               role: .member, password: "a long enough passphrase") else {
                Issue.record("ann was not added"); store.close(); return
            }
            for _ in 0..<2 {
                ids.append(try store.write { try Outbox.enqueue($0, OutgoingMail(kind: .notification, userID: ann.id, toAddress: ann.email), now: Date()) })
            }
            // The relay is down while the first process runs; then it stops.
            let transport = RecordingTransport()
            transport.fail(.temporary("421 down"))
            var composers = MailComposers()
            composers.register(PlainComposer(), for: [.notification])
            let sender = OutboxSender(store: store, composers: composers, transport: transport)
            #expect(try sender.deliverDue() == [.retrying(ids[0], "421 down")])
            store.close()
        }
        let store = try Storage.openStore(dataDirectory: directory)
        defer { store.close() }
        let transport = RecordingTransport()
        var composers = MailComposers()
        composers.register(PlainComposer(), for: [.notification])
        // Due again once the backoff has passed.
        let later = Clock { Date().addingTimeInterval(120) }
        let sender = OutboxSender(store: store, composers: composers, transport: transport, clock: later)
        #expect(try sender.deliverDue() == ids.map { .sent($0) })
        #expect(try sender.deliverDue().isEmpty)
        #expect(transport.subjects == ids.map { "notification \($0)" })
    }
}

@Suite("The sender's thread")
struct OutboxSenderThreadTests {
    @Test(.timeLimit(.minutes(1))) func theThreadDeliversWhatIsQueuedAndStopsCleanly() throws {
        try withTestNetwork { network in
            let ann = try network.member(handle: "ann")
            try network.confirmEmail(of: ann)
            let transport = RecordingTransport()
            let sender = network.sender(transport)
            sender.start()
            let id = try network.queue(to: ann)
            sender.nudge()
            while transport.subjects.isEmpty { usleep(10_000) }
            sender.stop()
            #expect(transport.subjects == ["notification \(id)"])
            #expect(try network.outboxState(id).state == "sent")
        }
    }
}

@Suite("The outbox sender checks access again before sending")
struct OutboxAccessTests {
    @Test func aPrivateThreadsNotificationIsDroppedAfterTheMentorshipEnds() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let org = try network.organisation()
            let member = try network.member(of: org)
            let mentor = try network.mentor(of: org)
            try network.confirmEmail(of: mentor)
            let thread = try network.thread(in: .organisation(org), by: member)
            let readable = try network.queue(to: mentor, threadID: thread.id)
            let transport = RecordingTransport()
            #expect(try network.sender(transport).deliverDue() == [.sent(readable)])
            let later = try network.queue(to: mentor, threadID: thread.id)
            try network.endMentorships(of: mentor)
            #expect(try network.sender(transport).deliverDue() == [.dropped(later, "the recipient may no longer read the thread")])
            #expect(try network.outboxState(later).state == "dropped")
        }
    }

    @Test func aHiddenPostsNotificationIsDropped() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let author = try network.member(handle: "author")
            let reader = try network.member(handle: "reader")
            let admin = try network.admin()
            try network.confirmEmail(of: reader)
            let thread = try network.thread(by: author)
            let hidden = try network.hiddenReply(to: thread, by: author, hiddenBy: admin)
            let id = try network.queue(to: reader, threadID: thread.id, postID: hidden)
            let outcomes = try network.sender(RecordingTransport()).deliverDue()
            #expect(outcomes == [.dropped(id, "the post is hidden, awaiting approval, or no longer readable by the recipient")])
        }
    }

    @Test func onlySecurityMailGoesToAnUnconfirmedAddress() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            let notification = try network.queue(.notification, to: ann)
            let reset = try network.queue(.passwordReset, to: ann)
            let transport = RecordingTransport()
            let outcomes = try network.sender(transport).deliverDue()
            #expect(outcomes == [.dropped(notification, "the recipient's address is not confirmed"), .sent(reset)])
        }
    }

    @Test func aDeletedAccountGetsNothing() throws {
        try withTestNetwork(clock: TestClock()) { network in
            let ann = try network.member(handle: "ann")
            try network.confirmEmail(of: ann)
            let id = try network.queue(.passwordReset, to: ann)
            // The sender asks again: an account deleted after its message was queued gets nothing.
            let now = network.clock.now
            try network.store.write { try $0.run("UPDATE users SET deleted_at = ? WHERE id = ?", now, ann.id) }
            #expect(try network.sender(RecordingTransport()).deliverDue() == [.dropped(id, "the recipient's account was deleted")])
            // Deleting an account takes its queued messages with it (they name its address).
            let bob = try network.member(handle: "bob")
            try network.confirmEmail(of: bob)
            try network.queue(.passwordReset, to: bob)
            #expect(try network.accounts.deleteAccount(userID: bob.id, password: TestNetwork.password, address: "192.0.2.1"))
            #expect(try network.sender(RecordingTransport()).deliverDue() == [])
        }
    }
}
