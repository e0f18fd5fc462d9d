import Board
import Database
import DemoContent
import Foundation
import TestSupport

/// The demo world as test content: what the pages are tested against.
extension TestContent {
    /// The demo network (`Demo.seed`) with the passwords it prints; the people it prints none
    /// for sign in with `TestNetwork.password`.
    static var demo: TestContent { TestContent { try seedDemo($0) } }

    /// The demo, its people joined a month before the network's clock: established members, whom
    /// the new-account rules leave alone.
    static var establishedDemo: TestContent {
        TestContent { network in
            try seedDemo(network)
            let joined = network.clock.now.addingTimeInterval(-30 * 86_400)
            try network.store.write { try $0.run("UPDATE users SET created_at = ?", joined) }
        }
    }

    private static func seedDemo(_ network: TestNetwork) throws {
        for account in try Demo.seed(network.store, hasher: TestNetwork.hasher) {
            network.remember(password: account.password, for: account.handle)
        }
        let everyone = try network.store.read { try $0.query(HandleRow.self, "SELECT id, handle FROM users") }
        for person in everyone where network.passwords[person.handle] == nil {
            try network.accounts.setPassword(userID: person.id, TestNetwork.password)
            network.remember(password: TestNetwork.password, for: person.handle)
        }
    }
}

private struct HandleRow: RowDecodable {
    let id: Int64, handle: String
    init(row: Row) throws { id = try row["id"]; handle = try row["handle"] }
}

extension AccountLimits {
    /// No account counts as new: posts are never held for being a newcomer's.
    static var noNewAccountPeriod: AccountLimits {
        var limits = AccountLimits()
        limits.newAccountPeriod = 0
        return limits
    }
}

/// Facts of the demo world the page tests rely on.
enum DemoSite {
    /// The demo's private thread (in the tri-borough pathfinder's space).
    static let privateTitle = "Shadow board terms of reference"
}

extension OnTestNetwork {
    /// The demo's private thread.
    var privateThreadID: Int64 { get throws { try id(ofThread: DemoSite.privateTitle + "%") } }

    /// Who reads the private thread: its pathfinder's member, the linked mentor and an admin
    /// do; a member of another organisation and a visitor do not.
    var privateThreadReaders: [(viewer: Viewer, sees: Bool)] {
        get throws {
            let member = Viewer(userID: try userID("sam_okafor"), organisationID: try organisationID("tri-borough-mutual"), isAdmin: false)
            let mentor = Viewer(userID: try userID("helen_marsh"), organisationID: try organisationID("john-lewis-partnership"), isAdmin: false)
            let admin = Viewer(userID: try userID("network_admin"), organisationID: nil, isAdmin: true)
            let outsider = Viewer(userID: try userID("priya_nair"), organisationID: try organisationID("anglian-community-enterprise"), isAdmin: false)
            return [(member, true), (mentor, true), (admin, true), (outsider, false), (.visitor, false)]
        }
    }
}
