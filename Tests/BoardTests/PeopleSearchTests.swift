import Database
import Foundation
import Testing
import TestSupport
@testable import Board

/// Finding a person by name (`SearchService.people`) through the name index of migration 19:
/// what it finds, and that the index follows every write to a name.
@Suite struct PeopleSearchTests {
    func named(_ network: TestNetwork, _ handle: String, _ name: String) throws -> TestPerson {
        let person = try network.member(handle: handle)
        try network.store.write { try $0.run("UPDATE users SET display_name = ? WHERE id = ?", name, person.id) }
        return person
    }

    func found(_ network: TestNetwork, _ text: String) throws -> [String] {
        try Network(accounts: network.accounts).search.people(matching: text).map(\.handle)
    }

    @Test func wordsStartWordsOfTheNameWhateverTheirCaseAndAccents() throws {
        try withTestNetwork { network in
            _ = try named(network, "helen_marsh", "Helen Marsh")
            _ = try named(network, "helena", "Helena Brook")
            _ = try named(network, "zoe", "Zoë O'Neil-Hart")
            _ = try named(network, "marshall", "Sam Marshall")

            #expect(try found(network, "Helen") == ["helen_marsh", "helena"])
            #expect(try found(network, "hel mar") == ["helen_marsh"])
            #expect(try found(network, "MARSH") == ["helen_marsh", "marshall"])
            #expect(try found(network, "arsh").isEmpty, "a word matches from the start of a word of the name")
            #expect(try found(network, "zoe") == ["zoe"])
            #expect(try found(network, "Zoë o'neil") == ["zoe"])
            #expect(try found(network, "o'neil-hart") == ["zoe"])
            // `'` and `-` part a name's words: each part is found on its own too.
            #expect(try found(network, "neil") == ["zoe"])
            #expect(try found(network, "hart") == ["zoe"])
            #expect(try found(network, "o neil").isEmpty == false)
            // A long name is found by all of it: the first four words pick the person out.
            _ = try named(network, "maria", "Maria de la Cruz Fernandez")
            #expect(try found(network, "Maria de la Cruz Fernandez") == ["maria"])
            // The handle itself, with or without an @, comes first.
            #expect(try found(network, "@marshall") == ["marshall"])
            #expect(try found(network, "marsh").first == "helen_marsh")
        }
    }

    @Test func theIndexFollowsNewAccountsRenamesAndDeletions() throws {
        try withTestNetwork { network in
            let helen = try named(network, "helen_marsh", "Helen Marsh")
            #expect(try found(network, "Helen") == ["helen_marsh"])

            // Renamed through the account page's own path.
            #expect(try network.accounts.updateProfile(by: Actor(userID: helen.id, role: .member), displayName: "Helen Brook", bio: "", organisationSlug: "").isEmpty)
            #expect(try found(network, "Marsh").isEmpty)
            #expect(try found(network, "Brook") == ["helen_marsh"])

            // A new account is found at once.
            _ = try named(network, "brook2", "Ada Brook")
            #expect(try found(network, "Brook") == ["brook2", "helen_marsh"])

            // An anonymised account is never found, by its old name or its new one.
            try network.accounts.anonymise(userID: helen.id)
            #expect(try found(network, "Brook") == ["brook2"])
            #expect(try found(network, "former member").isEmpty)
            #expect(try found(network, "former_\(helen.id)").isEmpty)
        }
    }

    @Test func anyTextIsAnAnswerNeverAnError() throws {
        try withTestNetwork { network in
            _ = try named(network, "helen_marsh", "Helen Marsh")
            for text in ["\"", "\"Helen", "Helen*", "NEAR(helen marsh)", "helen OR marsh", "-", "'", "* *", "(", ")",
                         "^helen", "helen:marsh", "AND", "a b c d e", String(repeating: "x", count: 101), "", "   "] {
                #expect(throws: Never.self) { try found(network, text) }
            }
            #expect(try found(network, "\"Helen").contains("helen_marsh"))
            #expect(try found(network, "helen OR marsh").isEmpty, "every word must start a word of the name")
            #expect(try found(network, "a b c d e").isEmpty, "the first four words must each start a word of the name")
        }
    }

    /// Migration 22: people type names without their apostrophes and hyphens. A name is found
    /// with them typed (straight or typographic) or left out, and still by each of its parts.
    @Test func namesAreFoundWithOrWithoutTheirApostrophesAndHyphens() throws {
        try withTestNetwork { network in
            let siobhan = try named(network, "siobhan", "Siobhán O'Neill")
            _ = try named(network, "ann", "Ann Smith-Jones")
            _ = try named(network, "liam", "Liam O’Brien")  // a typographic apostrophe in the name
            for text in ["oneill", "o'neill", "neill", "O’Neill", "ONEILL", "siobhan oneill", "onei", "o'neill siobhán"] {
                #expect(try found(network, text) == ["siobhan"], "\(text)")
            }
            for text in ["smithjones", "smith-jones", "Smith Jones", "jones", "smith", "smithj"] {
                #expect(try found(network, text) == ["ann"], "\(text)")
            }
            for text in ["obrien", "o'brien", "O’Brien", "brien"] {
                #expect(try found(network, text) == ["liam"], "\(text)")
            }
            #expect(try found(network, "oneil smith").isEmpty, "every word must start a word of one person's name")

            // Renamed: the joined form follows the name.
            #expect(try network.accounts.updateProfile(by: Actor(userID: siobhan.id, role: .member), displayName: "Siobhán Mac-Donald", bio: "",
                                                       organisationSlug: "").isEmpty)
            #expect(try found(network, "oneill").isEmpty)
            #expect(try found(network, "macdonald") == ["siobhan"])

            // An anonymised account is never found, by any form of its name.
            try network.accounts.anonymise(userID: siobhan.id)
            for text in ["macdonald", "mac-donald", "donald", "siobhan"] {
                #expect(try found(network, text).isEmpty, "\(text)")
            }
        }
    }

    /// A database at schema 21 gets the joined names of the accounts it has, and none of an
    /// anonymised one.
    @Test func anUpgradedDatabaseFindsItsNamesWithoutApostrophes() throws {
        try withTestNetwork(migratedTo: 21) { network in
            _ = try named(network, "siobhan", "Siobhán O'Neill")
            let gone = try named(network, "gone", "Mary O'Neill")
            try network.store.write { try $0.run("UPDATE users SET deleted_at = ? WHERE id = ?", Fixtures.now, gone.id) }
            #expect(try found(network, "oneill").isEmpty, "schema 21 parts the name only")
            #expect(try network.store.migrate(Schema.migrator).to == Schema.migrations.count)
            #expect(try found(network, "oneill") == ["siobhan"])
            #expect(try found(network, "neill") == ["siobhan"])
            #expect(try network.store.integrityProblems().isEmpty)
        }
    }
}
