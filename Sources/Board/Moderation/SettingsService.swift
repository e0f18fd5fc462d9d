import Database
import Foundation

/// The instance's settings (the `settings` table), by name.
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
}

/// Who a signed-in request acts as, and what their page header shows.
public struct SignedInActor: Sendable {
    public let actor: Actor
    /// Unread notifications, for the header (issue 8).
    public let unreadNotifications: Int
}

/// The instance's settings: read by anyone's request, changed by admins with Policy
/// (`manageSettings`) and one `change_setting` log entry each.
public struct SettingsService: Sendable {
    let store: Store
    let clock: Clock

    /// Every setting that has a value (the flag threshold always has one).
    public func values() throws -> [Setting: String] {
        let raw = try store.read { try Moderation.settings($0) }
        var values: [Setting: String] = [:]
        for (key, value) in raw { if let setting = Setting(rawValue: key) { values[setting] = value } }
        return values
    }

    /// Changes a setting an admin may change to one of the values it accepts.
    /// - Throws: `ModerationError` (`.notFound` for a setting the page does not offer).
    public func set(by actor: Actor, _ setting: Setting, to value: String) throws {
        try Moderation.setSetting(store, actor: actor, key: setting.rawValue, value: value, now: clock.now())
    }

    /// Whether admins must use two-factor sign-in to act as admins.
    public func adminsRequireTwoFactor() throws -> Bool {
        try store.read { try Self.value($0, .requireTwoFactorForAdmins) } == "1"
    }

    /// The actor a signed-in `account` acts as, with its unread count, in one read. An instance
    /// can require two-factor for admins: until an admin turns it on, they act with a member's
    /// powers (the two-factor page tells them why).
    public func signedIn(_ account: Account) throws -> SignedInActor {
        try store.read { conn in
            let unread = try Notifications.unreadCount(conn, userID: account.id)
            let required = try Self.value(conn, .requireTwoFactorForAdmins) == "1"
            let withheld = account.role == .admin && !account.twoFactorEnabled && required
            let loaded = try Actor.load(conn, account: account)
            guard withheld else { return SignedInActor(actor: loaded, unreadNotifications: unread) }
            let member = Actor(userID: loaded.userID, role: .member, organisationID: loaded.organisationID,
                               suspendedUntil: loaded.suspendedUntil, suspensionReason: loaded.suspensionReason)
            return SignedInActor(actor: member, unreadNotifications: unread)
        }
    }

    static func value(_ conn: Connection, _ setting: Setting) throws -> String? {
        try conn.scalar(String.self, "SELECT value FROM settings WHERE key = ?", setting.rawValue)
    }
}
