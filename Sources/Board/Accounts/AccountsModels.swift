import Database
import Foundation

/// A user's role. Suspension is not a role: it is a state any role can be in.
public enum Role: String, Sendable, CaseIterable {
    case member, mentor, admin
}

/// Who may register (instance setting `registration`).
public enum RegistrationMode: String, Sendable, CaseIterable {
    case open
    case inviteOnly = "invite_only"
    case closed
}

/// A signed-in (or looked-up) account, as the rest of the program sees it.
public struct Account: RowDecodable, Sendable, Equatable {
    public let id: Int64
    public let handle: String
    public let displayName: String
    public let email: String
    public let role: Role
    public let organisationID: Int64?
    public let bio: String
    public let suspendedUntil: Date?
    public let suspensionReason: String?
    public let createdAt: Date
    public let twoFactorEnabled: Bool
    /// Whether `organisationID` was confirmed (by an invite bound to it or an admin).
    public let organisationConfirmed: Bool

    /// The organisation whose private space this account may read: only a confirmed one.
    public var memberOrganisationID: Int64? { organisationConfirmed ? organisationID : nil }

    static let columns = """
        id, handle, display_name, email, role, organisation_id, bio, suspended_until, suspension_reason,
        created_at, totp_enabled_at IS NOT NULL AS two_factor_enabled, organisation_confirmed
        """

    public init(row: Row) throws {
        id = try row["id"]
        handle = try row["handle"]
        displayName = try row["display_name"]
        email = try row["email"]
        let roleText: String = try row["role"]
        role = Role(rawValue: roleText) ?? .member
        organisationID = try row["organisation_id"]
        bio = try row["bio"]
        suspendedUntil = try row["suspended_until"]
        suspensionReason = try row["suspension_reason"]
        createdAt = try row["created_at"]
        twoFactorEnabled = try row["two_factor_enabled"]
        organisationConfirmed = try row["organisation_confirmed"]
    }

    /// Whether a suspension is in force at `now`.
    public func isSuspended(at now: Date) -> Bool {
        suspendedUntil.map { $0 > now } ?? false
    }
}

/// A form field's problem, in words for the person who filled it in.
public struct FieldError: Sendable, Equatable, Error {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// What someone typed into the registration form.
public struct Registration: Sendable {
    public var handle: String
    public var displayName: String
    public var email: String
    public var password: String
    public var organisationSlug: String

    public init(handle: String, displayName: String, email: String, password: String, organisationSlug: String = "") {
        self.handle = handle
        self.displayName = displayName
        self.email = email
        self.password = password
        self.organisationSlug = organisationSlug
    }
}

/// An organisation as a registration or account form lists it.
public struct OrganisationChoice: RowDecodable, Sendable, Equatable {
    public let id: Int64
    public let slug: String
    public let name: String

    public init(row: Row) throws {
        id = try row["id"]
        slug = try row["slug"]
        name = try row["name"]
    }
}

/// Tunable limits of the account code, each with its default.
public struct AccountLimits: Sendable {
    /// A session unused this long ends (default 7 days).
    public var sessionIdle: TimeInterval = 7 * 86_400
    /// A session ends this long after sign-in whatever its use (default 30 days).
    public var sessionAbsolute: TimeInterval = 30 * 86_400
    /// A half-signed-in session waiting for the two-factor code (default 10 minutes).
    public var twoFactorPending: TimeInterval = 600
    /// Failures counted within this window (default 15 minutes).
    public var failureWindow: TimeInterval = 900
    /// Failures on one account name before delays start (default 3).
    public var freeFailures: Int = 3
    /// Failures on one account name that lock it for `lockDuration` (default 10).
    public var lockAfterFailures: Int = 10
    /// How long a lock lasts (default 15 minutes).
    public var lockDuration: TimeInterval = 900
    /// Failures from one address within the window that lock the address (default 50).
    public var addressLockAfterFailures: Int = 50
    /// Registration attempts (accepted or not) from one address, IPv6 by /64, per day
    /// (default 10); above it: 429.
    public var registrationsPerAddressPerDay: Int = 10
    /// An account is "new" for this long (default 3 days): posting allowance applies.
    public var newAccountPeriod: TimeInterval = 3 * 86_400
    /// Posts (threads and replies) a new account may make per day (default 10).
    public var newAccountPostsPerDay: Int = 10

    public init() {}
}
