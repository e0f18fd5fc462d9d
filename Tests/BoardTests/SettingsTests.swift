import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Issue 13: settings have typed keys. `Setting` names every key with its choices and default;
/// every read and write goes through it, and the stored keys and values are as before.
@Suite struct SettingsTests {
    func stored(_ store: Store, _ key: String) throws -> String? {
        try store.read { try $0.scalar(String.self, "SELECT value FROM settings WHERE key = ?", key) }
    }

    func lastLogReason(_ store: Store) throws -> String? {
        try store.read { try $0.scalar(String.self, "SELECT reason FROM moderation_log ORDER BY id DESC LIMIT 1") }
    }

    @Test func everyOfferedSettingRoundTripsEveryChoice() throws {
        try withTestNetwork { network in
            let admin = try network.actor(try network.admin().handle)
            let settings = Network(accounts: network.accounts).settings
            let offered = Setting.allCases.filter { $0.choices != nil }
            #expect(offered.count == 6)
            for setting in offered {
                for value in try #require(setting.choices).sorted() {
                    try settings.set(by: admin, setting, to: value)
                    #expect(try settings.values()[setting] == value)
                    // The stored key and value are the raw strings, byte for byte.
                    #expect(try stored(network.store, setting.rawValue) == value)
                    #expect(try network.store.read { try setting.value($0) } == value)
                    #expect(try lastLogReason(network.store) == "\(setting.rawValue) = \(value)")
                }
            }
        }
    }

    @Test func typedReadersSeeWhatWasSet() throws {
        try withTestNetwork { network in
            let admin = try network.actor(try network.admin().handle)
            let settings = Network(accounts: network.accounts).settings
            for mode in RegistrationMode.allCases {
                try network.accounts.setRegistrationMode(mode)
                #expect(try network.accounts.registrationMode() == mode)
                #expect(try stored(network.store, "registration") == mode.rawValue)
            }
            for required in [true, false] {
                try network.accounts.setAdminsRequireTwoFactor(required)
                #expect(try settings.adminsRequireTwoFactor() == required)
                #expect(try stored(network.store, "require_two_factor_for_admins") == (required ? "1" : "0"))
            }
            try settings.set(by: admin, .requireSignInToRead, to: "1")
            #expect(try network.accounts.readingRequiresSignIn())
            try settings.set(by: admin, .requireSignInToRead, to: "0")
            #expect(try !network.accounts.readingRequiresSignIn())
            try settings.set(by: admin, .flagThreshold, to: "5")
            #expect(try network.store.read { try Moderation.flagThreshold($0) } == 5)
            try settings.set(by: admin, .newAccountDays, to: "2")
            try settings.set(by: admin, .newAccountPostsPerDay, to: "4")
            let limits = try network.store.read { try Moderation.accountLimits($0) }
            #expect(limits.newAccountPeriod == 2 * 86_400)
            #expect(limits.newAccountPostsPerDay == 4)
        }
    }

    @Test func badValuesAndSettingsThePageDoesNotOfferAreRefused() throws {
        try withTestNetwork { network in
            let admin = try network.actor(try network.admin().handle)
            let settings = Network(accounts: network.accounts).settings
            let before = try stored(network.store, "flag_threshold")
            let bad: [(Setting, String)] = [(.registration, "everyone"), (.requireSignInToRead, "yes"), (.holdFirstPostsOfNewMembers, "2"),
                                            (.flagThreshold, "0"), (.flagThreshold, "21"), (.newAccountDays, "31"),
                                            (.newAccountPostsPerDay, "0"), (.newAccountDays, "")]
            for (setting, value) in bad {
                #expect(throws: ModerationError.invalid(field: setting.rawValue, message: "Choose one of the options")) {
                    try settings.set(by: admin, setting, to: value)
                }
            }
            for setting in [Setting.requireTwoFactorForAdmins, .feedTokenKey] {
                #expect(throws: ModerationError.notFound) { try settings.set(by: admin, setting, to: "1") }
            }
            #expect(try stored(network.store, "flag_threshold") == before)
            #expect(try network.store.read { try ModerationQueries.logCount($0) } == 0)
        }
    }

    @Test func absentKeysReadTheirDefaultsAndTheFeedKeyIsNeverListed() throws {
        try withTestNetwork { network in
            _ = try network.accounts.feedToken(userID: try network.member().id)
            #expect(try stored(network.store, "feed_token_key") != nil)
            #expect(try Network(accounts: network.accounts).settings.values()[.feedTokenKey] == nil)
            try network.store.write { try $0.run("DELETE FROM settings") }
            #expect(try network.accounts.registrationMode() == .closed)
            #expect(try network.store.read { try Moderation.flagThreshold($0) } == 3)
            #expect(try !network.accounts.readingRequiresSignIn())
            let values = try Network(accounts: network.accounts).settings.values()
            #expect(values[.flagThreshold] == "3")
            #expect(values[.newAccountDays] == nil)
        }
    }
}
