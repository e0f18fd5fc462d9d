import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// The services `Network` gives the web layer: each owns its transaction, its policy decision
/// and its moderation-log entry.
@Suite(.serialized)
struct NetworkServiceTests {
    struct World {
        let store: Store
        let network: Network
        let admin: Actor
        let member: Actor
        let topic = "capital-and-finance"

        func logCount() throws -> Int { try store.read { try ModerationQueries.logCount($0) } }

        func lastLog() throws -> (action: String?, actor: Int64?, reason: String?) {
            try store.read { conn in
                (try conn.scalar(String.self, "SELECT action FROM moderation_log ORDER BY id DESC LIMIT 1"),
                 try conn.scalar(Int64.self, "SELECT actor_id FROM moderation_log ORDER BY id DESC LIMIT 1"),
                 try conn.scalar(String.self, "SELECT reason FROM moderation_log ORDER BY id DESC LIMIT 1"))
            }
        }

        func count(_ table: String) throws -> Int64 {
            try store.read { try $0.scalar(Int64.self, "SELECT count(*) FROM \(table)") } ?? -1
        }
    }

    func withWorld(_ body: (World) throws -> Void) throws {
        try withTestNetwork { world in
            try world.organisation()
            _ = try world.topic()
            let admin = try world.admin()
            let member = try world.member(handle: "member")
            try body(World(store: world.store, network: Network(accounts: world.accounts),
                           admin: try world.actor(admin.handle), member: try world.actor(member.handle)))
        }
    }

    func form(title: String = "Spinning out: a guide", topics: [String] = ["capital-and-finance"]) -> BriefingItemForm {
        BriefingItemForm(title: title, url: "https://example.org/guide", source: "Example Institute", published: "2026-01-05",
                         summary: "How a service leaves the council.", topicSlugs: topics)
    }

    // MARK: Invites: one path

    @Test func theCommandLineMakesInvitesInTheFirstAdminsNameAndLogsThem() throws {
        try withWorld { world in
            let code = try world.network.accounts.createInvite(role: .member, organisationSlug: "test-pathfinder", createdBy: nil)
            #expect(try world.network.accounts.invite(code: code)?.role == .member)
            let log = try world.lastLog()
            #expect(log.action == "create_invite")
            #expect(log.actor == world.admin.userID)
            #expect(log.reason == "member, 1 use, 14 days")
        }
    }

    @Test func theAdminPagesMakeInvitesThroughTheSamePathWithPolicy() throws {
        try withWorld { world in
            let before = try world.logCount()
            #expect(throws: ModerationError.denied("Only admins can do that")) {
                try world.network.invites.create(by: world.member, role: .member, organisationSlug: "", days: 14, maxUses: 1)
            }
            #expect(throws: ModerationError.invalid(field: "days", message: "Enter a number of days from 1 to 90")) {
                try world.network.invites.create(by: world.admin, role: .member, organisationSlug: "", days: 91, maxUses: 1)
            }
            #expect(throws: ModerationError.invalid(field: "organisation", message: "Choose an organisation from the list")) {
                try world.network.invites.create(by: world.admin, role: .member, organisationSlug: "nowhere", days: 14, maxUses: 1)
            }
            #expect(try world.count("invites") == 0)
            #expect(try world.logCount() == before)
            let code = try world.network.invites.create(by: world.admin, role: .mentor, organisationSlug: "", days: 7, maxUses: 3)
            #expect(try world.network.accounts.invite(code: code)?.usesLeft == 3)
            #expect(try world.logCount() == before + 1)
            #expect(try world.lastLog().reason == "mentor, 3 uses, 7 days")
            #expect(try world.network.invites.open().count == 1)
        }
    }

    // MARK: Briefing: Policy and the public log

    @Test func onlyAdminsChangeTheBriefingAndEachChangeIsLogged() throws {
        try withWorld { world in
            let briefing = world.network.briefing
            #expect(throws: BriefingError.denied("Only admins can do that")) { try briefing.save(by: world.member, itemID: nil, form()) }
            #expect(try world.count("briefing_items") == 0)
            #expect(try world.logCount() == 0)

            let id = try briefing.save(by: world.admin, itemID: nil, form())
            #expect(try world.lastLog().action == "edit_briefing")
            #expect(try world.lastLog().reason == "Added “Spinning out: a guide”")
            try briefing.save(by: world.admin, itemID: id, form(title: "Spinning out: the guide"))
            #expect(try briefing.item(id: id)?.title == "Spinning out: the guide")
            #expect(try briefing.item(id: id)?.topicSlugs == ["capital-and-finance"])
            try briefing.setRetired(by: world.admin, id: id, true)
            #expect(try briefing.item(id: id)?.retired == true)
            #expect(try briefing.title(id: id) == nil)
            #expect(try world.lastLog().reason == "Retired “Spinning out: the guide”")
            #expect(try world.logCount() == 3)

            #expect(throws: BriefingError.denied("Only admins can do that")) { try briefing.setRetired(by: world.member, id: id, false) }
            #expect(throws: BriefingError.notFound) { try briefing.setRetired(by: world.admin, id: id + 1, false) }
            #expect(throws: BriefingError.notFound) { try briefing.save(by: world.admin, itemID: id + 1, form()) }
            #expect(try world.logCount() == 3)
        }
    }

    @Test func aRefusedBriefingFormWritesNothingAndSaysWhy() throws {
        try withWorld { world in
            #expect(throws: BriefingError.invalid([FieldError("topics", "Select topics from the list")])) {
                try world.network.briefing.save(by: world.admin, itemID: nil, form(topics: ["capital-and-finance", "no-such-topic"]))
            }
            let empty = BriefingItemForm(title: "", url: "javascript:alert(1)", source: "", published: "2026-02-30", summary: "", topicSlugs: [])
            do {
                try world.network.briefing.save(by: world.admin, itemID: nil, empty)
                Issue.record("an empty form was saved")
            } catch BriefingError.invalid(let errors) {
                #expect(errors.map(\.field) == ["title", "url", "source", "published", "summary", "topics"])
            }
            #expect(try world.count("briefing_items") == 0)
            #expect(try world.logCount() == 0)
        }
    }

    // MARK: Settings and drafts

    @Test func settingsAreTypedAndAdminsWithoutTwoFactorActAsMembersWhenRequired() throws {
        try withWorld { world in
            #expect(try world.network.settings.values()[.flagThreshold] != nil)
            #expect(throws: ModerationError.denied("Only admins can do that")) {
                try world.network.settings.set(by: world.member, .newAccountDays, to: "3")
            }
            try world.network.settings.set(by: world.admin, .newAccountDays, to: "3")
            #expect(try world.network.settings.values()[.newAccountDays] == "3")
            #expect(try world.lastLog().reason == "new_account_days = 3")

            let admin = try #require(try world.network.accounts.account(handle: "admin"))
            #expect(try world.network.settings.signedIn(admin).actor.role == .admin)
            try world.network.accounts.setAdminsRequireTwoFactor(true)
            #expect(try world.network.settings.adminsRequireTwoFactor())
            #expect(try world.network.settings.signedIn(admin).actor.role == .member)
        }
    }

    @Test func draftsKeepWhatWasTypedOncePerThread() throws {
        try withWorld { world in
            let drafts = world.network.drafts
            let userID = try #require(world.member.userID)
            try drafts.save(userID: userID, threadID: nil, title: "", body: "")
            #expect(try drafts.draft(userID: userID, threadID: nil) == nil)
            try drafts.save(userID: userID, threadID: nil, title: String(repeating: "t", count: 300), body: "First")
            #expect(try drafts.draft(userID: userID, threadID: nil)?.title.count == 200)
            try drafts.save(userID: userID, threadID: nil, title: "Title", body: "Second")
            #expect(try drafts.draft(userID: userID, threadID: nil)?.body == "Second")
            #expect(try world.count("drafts") == 1)
            try drafts.delete(userID: userID, threadID: nil)
            #expect(try drafts.draft(userID: userID, threadID: nil) == nil)
        }
    }
}
