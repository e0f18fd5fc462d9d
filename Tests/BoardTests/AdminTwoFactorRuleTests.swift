import Foundation
import Testing
import TestSupport
@testable import Board

/// Where the instance requires two-factor for admins, an admin who has not turned it on acts as
/// a member (`Actor.signedIn`). Reads that take the reader from a `users` row (notifications,
/// their count and their mail) follow the same rule (`Actor.actsAsAdminSQL`): a session signed
/// in with a password alone does not list held posts or private threads it may not open.
@Suite struct AdminTwoFactorRuleTests {
    static func require(_ network: TestNetwork, _ on: Bool) throws {
        try network.store.write {
            try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('require_two_factor_for_admins', ?, 0) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       on ? "1" : "0")
        }
    }

    static func twoFactor(_ network: TestNetwork, _ person: TestPerson, _ on: Bool) throws {
        try network.store.write {
            try $0.run("UPDATE users SET totp_secret = ?, totp_enabled_at = ? WHERE id = ?",
                       on ? Data(repeating: 7, count: 20) : nil, on ? 1 : nil, person.id)
        }
    }

    @Test func theSQLFormActsAsTheSignedInActorDoes() throws {
        try withTestNetwork { network in
            let people = [try network.admin(handle: "keeper"), try network.member(handle: "reader"), try network.mentor(handle: "guide")]
            for required in [false, true] {
                try Self.require(network, required)
                for person in people {
                    for enabled in [false, true] {
                        try Self.twoFactor(network, person, enabled)
                        try network.store.read { conn in
                            let account = try #require(try Accounts.account(conn, id: person.id))
                            let actor = try Actor.signedIn(conn, account: account, adminsNeedTwoFactor: try Setting.requireTwoFactorForAdmins.isOn(conn))
                            let bySQL = try conn.scalar(Bool.self, "SELECT \(Actor.actsAsAdminSQL("u")) FROM users u WHERE u.id = ?", person.id)
                            #expect(bySQL == actor.isAdmin, "\(person.handle), required \(required), two-factor \(enabled)")
                        }
                    }
                }
            }
        }
    }

    @Test func anAdminWithoutTheRequiredTwoFactorListsNoAdminWork() throws {
        try withTestNetwork { network in
            let organisation = try network.organisation()
            let admin = try network.admin(handle: "keeper")
            let insider = try network.member(of: organisation, handle: "insider")
            let secret = try network.thread(in: .organisation(organisation), by: insider, title: "Our staff council")
            let open = try network.thread(by: insider, title: "Pensions after the transfer")
            let held = try network.heldReply(to: open, by: insider, body: "A held reply")
            let reply = try network.reply(to: secret, by: insider, body: "A private reply")
            try network.store.write { tx in
                try tx.run("INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at) VALUES (?, 'post_held', ?, ?, ?, 0)",
                           admin.id, open.id, held, insider.id)
                try tx.run("INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at) VALUES (?, 'reply', ?, ?, ?, 0)",
                           admin.id, secret.id, reply, insider.id)
            }
            func seen() throws -> (listed: Int, unread: Int) {
                try network.store.read { conn in
                    (try Notifications.list(conn, userID: admin.id).count, try Notifications.unreadCount(conn, userID: admin.id))
                }
            }
            #expect(try seen() == (2, 2))  // not required: an admin
            try Self.require(network, true)
            #expect(try seen() == (0, 0))  // required and not on: a member's
            try Self.twoFactor(network, admin, true)
            #expect(try seen() == (2, 2))  // turned on: an admin again
        }
    }

    /// The weekly briefing mail is read with its recipient's access, taken from their `users`
    /// row: an admin without the required two-factor reads it as a member, as their requests
    /// and their notifications do. It used to take `role = 'admin'` alone, so private spaces'
    /// threads reached the mailbox of a password-only admin session's account.
    @Test func theWeeklyBriefingMailOfAnAdminWithoutTheRequiredTwoFactorHasNoPrivateThreads() throws {
        try withTestNetwork { network in
            let week = try #require(ISOWeek("2026-W49"))
            let during = week.start.addingTimeInterval(2 * 86_400)
            let organisation = try network.organisation()
            let admin = try network.admin(handle: "keeper")
            let insider = try network.member(of: organisation, handle: "insider")
            let secret = try network.thread(in: .organisation(organisation), by: insider, title: "Our staff council", at: during)
            let open = try network.thread(by: insider, title: "Pensions after the transfer", at: during)
            try network.store.write { try $0.run("UPDATE users SET email_confirmed_at = created_at WHERE id = ?", admin.id) }
            let mail = Network(accounts: network.accounts).mailDigest
            func unanswered() throws -> Set<Int64> {
                Set(try #require(try mail.weeklyBriefingMail(userID: admin.id, week: week)).digest.unanswered.map(\.id))
            }
            #expect(try unanswered() == [secret.id, open.id])  // not required: an admin
            try Self.require(network, true)
            #expect(try unanswered() == [open.id])  // required and not on: a member's
            try Self.twoFactor(network, admin, true)
            #expect(try unanswered() == [secret.id, open.id])  // turned on: an admin again
        }
    }
}

/// A signed-in request's actor and header counts are kept until the next commit: asked again
/// they cost no statement, and after any write they are read afresh.
@Suite struct SignedInKeptTests {
    @Test func keptUntilAnythingChanges() throws {
        try withTestNetwork { network in
            let member = try network.member(handle: "reader")
            let author = try network.member(handle: "author")
            let thread = try network.thread(by: member, title: "Pensions after the transfer")
            let board = Network(accounts: network.accounts)
            let account = try #require(try network.accounts.account(handle: "reader"))
            #expect(try board.settings.signedIn(account).unreadNotifications == 0)
            let before = board.readerStatistics
            #expect(try board.settings.signedIn(account).unreadNotifications == 0)
            #expect(board.readerStatistics.since(before).statements == 0)
            let reply = try network.reply(to: thread, by: author, body: "Our fund asked for a bond")
            try network.store.write { tx in
                try tx.run("INSERT INTO notifications(user_id, kind, thread_id, post_id, actor_id, created_at) VALUES (?, 'reply', ?, ?, ?, 0)",
                           member.id, thread.id, reply, author.id)
            }
            #expect(try board.settings.signedIn(account).unreadNotifications == 1)
            try network.store.write { try $0.run("UPDATE users SET role = 'admin' WHERE id = ?", member.id) }
            let promoted = try #require(try network.accounts.account(handle: "reader"))
            #expect(try board.settings.signedIn(promoted).actor.isAdmin)
        }
    }
}
