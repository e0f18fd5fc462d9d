import Database
import Foundation

/// The instance's settings (the `settings` table): the one place their keys are named, with the
/// values an admin may choose and the value read when a key is absent. Every read and write of
/// the table in Board goes through the accessors below (`value`, `isOn`, `number`, `write`).
public enum Setting: String, CaseIterable, Sendable {
    /// Who can register: `open`, `invite_only` or `closed`.
    case registration
    /// "1": only members can read the network.
    case requireSignInToRead = "require_sign_in_to_read"
    /// "1": the first posts of new accounts wait for an admin's approval.
    case holdFirstPostsOfNewMembers = "hold_first_posts_of_new_members"
    /// How many members' flags hide a post until an admin decides.
    case flagThreshold = "flag_threshold"
    /// How many days an account counts as new (limited posting).
    case newAccountDays = "new_account_days"
    /// Posts a day for a new account.
    case newAccountPostsPerDay = "new_account_posts_per_day"
    /// "1": an admin acts with a member's powers until they turn on two-factor sign-in.
    case requireTwoFactorForAdmins = "require_two_factor_for_admins"
    /// The instance key of the private feed links (`Accounts.feedToken`), made on first use.
    /// A secret: never offered, never listed.
    case feedTokenKey = "feed_token_key"

    /// The values an admin may choose on the settings page; nil for a setting that page does
    /// not offer (two-factor for admins is changed with `Accounts.setAdminsRequireTwoFactor`).
    public var choices: Set<String>? {
        switch self {
        case .registration: Set(RegistrationMode.allCases.map(\.rawValue))
        case .requireSignInToRead, .holdFirstPostsOfNewMembers: ["0", "1"]
        case .flagThreshold: Set((1...20).map(String.init))
        case .newAccountDays: Set((0...30).map(String.init))
        case .newAccountPostsPerDay: Set((1...50).map(String.init))
        case .requireTwoFactorForAdmins, .feedTokenKey: nil
        }
    }

    /// What a read gives when the key is absent: registration is closed, a switch is off, three
    /// flags hide a post. nil for the new-account limits (`AccountLimits` then applies) and the
    /// feed key (made on first use).
    public var defaultValue: String? {
        switch self {
        case .registration: RegistrationMode.closed.rawValue
        case .requireSignInToRead, .holdFirstPostsOfNewMembers, .requireTwoFactorForAdmins: "0"
        case .flagThreshold: "3"
        case .newAccountDays, .newAccountPostsPerDay, .feedTokenKey: nil
        }
    }

    /// Whether the settings page may show the value (every setting but the feed key).
    var isListed: Bool { self != .feedTokenKey }

    // MARK: Reading and writing

    /// The stored value, or `defaultValue` when the key is absent.
    func value(_ conn: Connection) throws -> String? {
        try conn.scalar(String.self, "SELECT value FROM settings WHERE key = ?", rawValue) ?? defaultValue
    }

    /// Whether a switch is on ("1").
    func isOn(_ conn: Connection) throws -> Bool {
        try value(conn) == "1"
    }

    /// The value as a whole number; the default's when the value is absent or not a number, nil
    /// when there is no default either.
    func number(_ conn: Connection) throws -> Int? {
        try conn.scalar(String.self, "SELECT value FROM settings WHERE key = ?", rawValue).flatMap { Int($0) }
            ?? defaultValue.flatMap { Int($0) }
    }

    /// Stores `value` inside the caller's write. No policy and no log entry: `Moderation.setSetting`
    /// adds both for an admin; the command line and first use write directly. After the write
    /// commits, call `CachedSetting.settingsChanged()`.
    /// - Parameter replacing: false keeps a value already stored (the feed key, made once).
    func write(_ tx: Connection, _ value: String, now: Date, replacing: Bool = true) throws {
        if replacing {
            try tx.run("""
                INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, rawValue, value, now)
        } else {
            try tx.run("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING",
                       rawValue, value, now)
        }
    }

    /// Every listed setting that has a value (stored or default), in one read.
    static func values(_ conn: Connection) throws -> [Setting: String] {
        var values: [Setting: String] = [:]
        for row in try conn.query(SettingRow.self, "SELECT key, value FROM settings") {
            if let setting = Setting(rawValue: row.key), setting.isListed { values[setting] = row.value }
        }
        for setting in allCases where setting.isListed && values[setting] == nil {
            values[setting] = setting.defaultValue
        }
        return values
    }
}

private struct SettingRow: RowDecodable {
    let key: String, value: String
    init(row: Row) throws { key = try row["key"]; value = try row["value"] }
}

/// Who a signed-in request acts as, and what their page header shows.
public struct SignedInActor: Sendable {
    public let actor: Actor
    /// Unread notifications, for the header (issue 8).
    public let unreadNotifications: Int
    /// For an admin: posts waiting in the moderation queue (held, or with open flags), for the
    /// count beside "Moderation" in the header (issue 18); 0 for everyone else.
    public var awaitingModeration = 0
}

extension Actor {
    /// The actor a signed-in `account` acts as: `Actor.load`, with the one rule "where the
    /// instance requires two-factor for admins, an admin who has not turned it on acts with a
    /// member's powers until they do" (the two-factor page tells them why). A request
    /// (`SettingsService.signedIn`) and a live stream (`LiveFeed.readers`) both come here.
    /// - Parameter adminsNeedTwoFactor: `Setting.requireTwoFactorForAdmins`, read once by the
    ///   caller for however many accounts it loads.
    static func signedIn(_ conn: Connection, account: Account, adminsNeedTwoFactor: Bool) throws -> Actor {
        let loaded = try Actor.load(conn, account: account)
        guard account.role == .admin, !account.twoFactorEnabled, adminsNeedTwoFactor else { return loaded }
        return Actor(userID: loaded.userID, role: .member, organisationID: loaded.organisationID,
                     suspendedUntil: loaded.suspendedUntil, suspensionReason: loaded.suspensionReason, adminWithoutTwoFactor: true)
    }

    /// The same rule in SQL, for reads that take the reader from a `users` row (`alias`), such
    /// as notifications and their mail (`Visibility.userRow`): the row acts as an admin when its
    /// role is admin and it has turned two-factor on, or the instance does not require it.
    /// `AdminTwoFactorRuleTests` checks it against `signedIn`.
    static func actsAsAdminSQL(_ alias: String) -> String {
        """
        (\(alias).role = 'admin' AND (\(alias).totp_enabled_at IS NOT NULL
         OR coalesce((SELECT value FROM settings WHERE key = '\(Setting.requireTwoFactorForAdmins.rawValue)'), '0') <> '1'))
        """
    }
}

/// The instance's settings: read by anyone's request, changed by admins with Policy
/// (`manageSettings`) and one `change_setting` log entry each.
public struct SettingsService: Sendable {
    let store: Store
    let clock: Clock
    /// Each signed-in account's actor and header counts (`signedIn`), kept until the next
    /// commit: every signed-in request asks, and what they depend on (the account, its
    /// mentorships, its notifications, the queue, the settings) changes only by a commit. The
    /// account comes from the session kept the same way (`Accounts.keptSessions`).
    let keptSignedIn = KeptPerKeyUntilChange<Int64, SignedInActor>(lifetime: 10, limit: 20_000)

    /// Every setting the settings page may show, with its value (stored, or its default).
    public func values() throws -> [Setting: String] {
        try store.read { try Setting.values($0) }
    }

    /// Changes a setting an admin may change to one of the values it accepts.
    /// - Throws: `ModerationError` (`.notFound` for a setting the page does not offer).
    public func set(by actor: Actor, _ setting: Setting, to value: String) throws {
        try Moderation.setSetting(store, actor: actor, setting, to: value, now: clock.now())
    }

    /// Changes several settings at once, only those whose value differs, or none when one value
    /// is refused (`Moderation.setSettings`).
    /// - Returns: the settings that changed.
    @discardableResult
    public func set(by actor: Actor, _ values: [Setting: String]) throws -> [Setting] {
        try Moderation.setSettings(store, actor: actor, values, now: clock.now())
    }

    /// Whether admins must use two-factor sign-in to act as admins.
    public func adminsRequireTwoFactor() throws -> Bool {
        try store.read { try Setting.requireTwoFactorForAdmins.isOn($0) }
    }

    /// The actor a signed-in `account` acts as (`Actor.signedIn`: the two-factor rule), with its
    /// unread count, in one read, kept until the next commit (`keptSignedIn`).
    public func signedIn(_ account: Account) throws -> SignedInActor {
        try keptSignedIn.value(for: account.id, version: store.changeCount) { try readSignedIn(account) }
    }

    private func readSignedIn(_ account: Account) throws -> SignedInActor {
        try store.read { conn in
            let unread = try Notifications.unreadCount(conn, userID: account.id)
            // The setting only matters to an admin without two-factor: nobody else reads it.
            let askTwoFactor = account.role == .admin && !account.twoFactorEnabled
            let actor = try Actor.signedIn(conn, account: account,
                                           adminsNeedTwoFactor: askTwoFactor ? try Setting.requireTwoFactorForAdmins.isOn(conn) : false)
            var signedIn = SignedInActor(actor: actor, unreadNotifications: unread)
            if actor.role == .admin { signedIn.awaitingModeration = try ModerationQueries.waitingCount(conn) }
            return signedIn
        }
    }
}
