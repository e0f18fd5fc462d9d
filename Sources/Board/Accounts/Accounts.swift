import Database
import Foundation

/// Why a profile change was refused before looking at what was typed.
public enum ProfileError: Error, Sendable, Equatable {
    /// Not allowed to change it now; the message says why (for a suspended account: why and until when).
    case denied(String)
}

/// The account service: registration, sign-in, profile, password, "your data", deletion.
/// Sessions, rate limits, invites and two-factor live in the `Accounts+…` files beside it.
///
/// Every rule is here, not in Web: handlers pass what was typed and show what comes back.
public struct Accounts: Sendable {
    let store: Store
    private let keptOrganisations = KeptUntilChange<[OrganisationChoice]>(lifetime: 10)
    /// Sessions found by their token's hash, with their accounts, until the store changes
    /// (`resolve`): every signed-in request asks, and most ask for a session already read.
    let keptSessions = KeptPerKeyUntilChange<Data, KeptSession>(lifetime: 10, limit: 20_000)
    public let hasher: PasswordHasher
    public let clock: Clock
    public let limits: AccountLimits
    /// "Require sign-in to read", asked on every request, read from the database at most once a second.
    let readingGate = CachedSetting(lifetime: 1)
    /// Whether registration is open (`registrationIsOpen`), for every signed-out page's header.
    let registrationGate = CachedSetting(lifetime: 1)

    public init(store: Store, hasher: PasswordHasher = .standard, clock: Clock = .system, limits: AccountLimits = AccountLimits()) {
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.limits = limits
    }

    /// A hash compared against when no account matches, so a missing account costs the same time.
    var decoyHash: String {
        "scrypt$\(hasher.n)$\(hasher.r)$\(hasher.p)$AAAAAAAAAAAAAAAAAAAAAA==$" + String(repeating: "A", count: 43) + "="
    }

    // MARK: Settings

    /// The instance's registration mode (setting `registration`).
    public func registrationMode() throws -> RegistrationMode {
        try store.read { try Self.registrationMode($0) }
    }

    /// Whether anyone may register without an invite (the mode is `open`): the only time the
    /// pages offer "Register" (an invite carries its own link). Every signed-out page asks, so
    /// the answer is read from the database at most once a second, and at once after a change
    /// of setting in this process.
    public func registrationIsOpen() throws -> Bool {
        try registrationGate.value(now: Date()) { try registrationMode() == .open }
    }

    static func registrationMode(_ conn: Connection) throws -> RegistrationMode {
        try Setting.registration.value(conn).flatMap(RegistrationMode.init(rawValue:)) ?? .closed
    }

    /// Sets the registration mode directly (the command line and tests; admins use the settings page).
    public func setRegistrationMode(_ mode: RegistrationMode) throws {
        try write(.registration, mode.rawValue)
    }

    /// Sets whether admins must use two-factor sign-in (setting `require_two_factor_for_admins`,
    /// read by `SettingsService.adminsRequireTwoFactor`).
    public func setAdminsRequireTwoFactor(_ required: Bool) throws {
        try write(.requireTwoFactorForAdmins, required ? "1" : "0")
    }

    /// Writes a setting with no policy and no log entry, for the direct setters above.
    private func write(_ setting: Setting, _ value: String) throws {
        let now = clock.now()
        try store.write { try setting.write($0, value, now: now) }
        CachedSetting.settingsChanged()
    }

    /// Organisations a person can pick on the registration, account and search forms: the same
    /// for everyone, so kept until the store changes (every search page lists them).
    public func organisations() throws -> [OrganisationChoice] {
        try keptOrganisations.value(version: store.changeCount) {
            try store.read { try $0.query(OrganisationChoice.self, "SELECT id, slug, name FROM organisations ORDER BY name") }
        }
    }

    // MARK: Lookups

    public func account(id: Int64) throws -> Account? {
        try store.read { try Self.account($0, id: id) }
    }

    public func account(handle: String) throws -> Account? {
        try store.read {
            try $0.queryOne(Account.self, "SELECT \(Account.columns) FROM users WHERE handle = ? AND deleted_at IS NULL", handle)
        }
    }

    static func account(_ conn: Connection, id: Int64) throws -> Account? {
        try conn.queryOne(Account.self, "SELECT \(Account.columns) FROM users WHERE id = ? AND deleted_at IS NULL", id)
    }

    // MARK: Registration

    public enum RegistrationOutcome: Sendable {
        case registered(Account)
        /// The email address already has an account. Nothing was stored, and the answer must
        /// look exactly like `.registered` from outside (issue 16: registration must not
        /// confirm which addresses are registered); the time spent is the same (one hash).
        case emailAlreadyRegistered
        /// Field problems, in form order; nothing was stored. A taken handle is said here
        /// (handles are public on every profile).
        case invalid([FieldError])
        case closed
        /// Invite-only and no (valid) invite was given.
        case inviteRequired
        case invalidInvite
        case tooManyRegistrations
    }

    /// Field checks that need no database.
    public static func validate(_ form: Registration) -> [FieldError] {
        var errors: [FieldError] = []
        let handle = form.handle
        if handle.isEmpty {
            errors.append(FieldError("handle", "Enter a handle"))
        } else if handle.count < 3 || handle.count > 30 {
            errors.append(FieldError("handle", "Handle must be between 3 and 30 characters"))
        } else if !handle.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5f }) {
            errors.append(FieldError("handle", "Handle must only include lower-case letters a to z, numbers and underscores"))
        } else if Self.isFormerMember(handle: handle) {
            // Reserved: deleted accounts become former_<id>.
            errors.append(FieldError("handle", "That handle is taken, choose another"))
        }
        let name = form.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Self.displayNameProblem(name) { errors.append(FieldError("displayName", problem)) }
        if let problem = emailProblem(form.email) { errors.append(FieldError("email", problem)) }
        if form.password.isEmpty {
            errors.append(FieldError("password", "Enter a password"))
        } else if let problem = PasswordRules.problem(with: form.password, handle: handle, email: form.email) {
            errors.append(FieldError("password", problem))
        }
        return errors
    }

    static func emailProblem(_ email: String) -> String? {
        if email.isEmpty { return "Enter your email address" }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.unicodeScalars.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { return "Enter an email address in the correct format, like name@example.org" }
        return nil
    }

    /// Registers an account, honouring the registration mode, an invite and the per-address limit.
    ///
    /// Every attempt (valid or not, new address or not, an invite or not) counts against the
    /// client's address (`registrationsPerAddressPerDay`, the address keyed as sign-in keys it:
    /// IPv6 by /64), and the handle and email are checked before the password is hashed, so a
    /// refused attempt costs no scrypt. An address that already has an account gets
    /// `.emailAlreadyRegistered`, which the page answers as it answers a success; it costs one
    /// hash like a success, so timing does not tell them apart either.
    /// - Parameters:
    ///   - inviteCode: the code from an invite link, if the person followed one.
    ///   - address: the client's address, for the registration rate limit.
    public func register(_ form: Registration, inviteCode: String?, address: String) throws -> RegistrationOutcome {
        let now = clock.now()
        let since = now.addingTimeInterval(-86_400)
        let storedAddress = SignInThrottle.addressKey(address)
        let limit = limits.registrationsPerAddressPerDay
        // Counted and recorded in one write, so parallel attempts cannot slip past the limit.
        let attempt: Int64? = try store.write { tx in
            let recent = try tx.scalar(Int.self, "SELECT count(*) FROM registration_attempts WHERE address = ? AND attempted_at > ?",
                                       storedAddress, since) ?? 0
            guard recent < limit else { return nil }
            try tx.run("INSERT INTO registration_attempts(address, attempted_at) VALUES (?, ?)", storedAddress, now)
            return tx.lastInsertedRowID
        }
        guard let attempt else { return .tooManyRegistrations }
        let mode = try registrationMode()
        let code = inviteCode.flatMap { $0.isEmpty ? nil : $0 }
        var invite: Invite?
        if let code {
            guard let found = try self.invite(code: code) else { return .invalidInvite }
            invite = found
        }
        switch mode {
        case .closed where invite == nil: return .closed
        case .inviteOnly where invite == nil: return .inviteRequired
        default: break
        }

        var errors = Self.validate(form)
        var organisationID: Int64? = invite?.organisationID
        var confirmed = invite?.organisationID != nil
        if organisationID == nil, !form.organisationSlug.isEmpty {
            let slug = form.organisationSlug
            organisationID = try store.read { try $0.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = ?", slug) }
            confirmed = false
            if organisationID == nil { errors.append(FieldError("organisation", "Select an organisation from the list")) }
        }
        let handle = form.handle
        let email = form.email
        let (handleTaken, emailTaken) = try store.read { conn in
            (try conn.scalar(Int.self, Self.handleTakenSQL, handle) != nil,
             try conn.scalar(Int.self, "SELECT 1 FROM users WHERE email = ?", email) != nil)
        }
        if handleTaken, !errors.contains(where: { $0.field == "handle" }) {
            errors.insert(FieldError("handle", "That handle is taken, choose another"), at: 0)
        }
        if !errors.isEmpty { return .invalid(errors) }
        if emailTaken {
            // The same work as a success, so the time taken does not tell either: the hash, and
            // one durable write (a success commits the new account).
            _ = try hasher.hash(form.password)
            try store.write { tx in
                try tx.run("UPDATE registration_attempts SET attempted_at = ? WHERE rowid = ?", now, attempt)
            }
            return .emailAlreadyRegistered
        }

        let hash = try hasher.hash(form.password)
        let name = form.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        let role = (invite?.role ?? .member).rawValue
        let inviteID = invite?.id
        let org = organisationID
        let organisationConfirmed = confirmed
        let confirmation = try AccountToken.make()
        do {
            let id: Int64 = try store.write { tx in
                // Checked again: another registration may have taken them since.
                if try tx.scalar(Int.self, Self.handleTakenSQL, handle) != nil {
                    throw FieldError("handle", "That handle is taken, choose another")
                }
                if try tx.scalar(Int.self, "SELECT 1 FROM users WHERE email = ?", email) != nil { throw EmailTaken() }
                if let inviteID {
                    try tx.run("""
                        UPDATE invites SET use_count = use_count + 1
                         WHERE id = ? AND use_count < max_uses AND revoked_at IS NULL AND expires_at > ?
                        """, inviteID, now)
                    // used_at and used_by are set together below, once the user exists.
                    guard tx.changes == 1 else { throw InviteUsedUp() }
                }
                try tx.run("""
                    INSERT INTO users(handle, display_name, email, password_hash, role, organisation_id,
                                      organisation_confirmed, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, handle, name, email, hash, role, org, organisationConfirmed, now)
                let userID = tx.lastInsertedRowID
                // The address starts unconfirmed: its link is queued with the account (docs/mail.md).
                try AccountToken.issue(tx, purpose: .confirmAddress, userID: userID, email: email, token: confirmation, now: now)
                if let inviteID {
                    try tx.run("UPDATE invites SET used_by = ?, used_at = ? WHERE id = ?", userID, now, inviteID)
                }
                // A self-declared organisation waits for an admin: the admins hear of it (issue 18).
                if let org, !organisationConfirmed {
                    try Notifications.recordOrganisationRequested(tx, memberID: userID, organisationID: org, now: now)
                }
                return userID
            }
            guard let account = try account(id: id) else { return .invalid([]) }
            return .registered(account)
        } catch let error as FieldError {
            return .invalid([error])
        } catch is EmailTaken {
            return .emailAlreadyRegistered
        } catch is InviteUsedUp {
            return .invalidInvite
        }
    }

    struct EmailTaken: Error {}
    struct InviteUsedUp: Error {}

    // MARK: Profile

    /// What is wrong with a display name (already trimmed), or nil. Names appear in pages, mail
    /// headers and bodies and terminal output, so control characters (C0, DEL, C1), line and
    /// paragraph separators and bidirectional overrides are refused: one rule for registration
    /// and the account page.
    public static func displayNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "Enter your name" }
        if name.unicodeScalars.count > 80 { return "Name must be 80 characters or fewer" }
        let refused = name.unicodeScalars.contains { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
        }
        return refused ? "Name must be letters, numbers, spaces and punctuation only" : nil
    }

    /// Updates `actor`'s display name, bio and (self-declared, so unconfirmed) organisation.
    ///
    /// A suspended account may write nothing (Policy): its name is on every post it wrote and its
    /// profile is public, so neither changes until the suspension ends, as a mentor profile does
    /// not (`Mentors.updateProfile`). The check is here, so every way of changing a profile asks it.
    /// - Returns: the problems, or an empty list when saved.
    /// - Throws: `ProfileError.denied` (why, and until when) for a visitor or a suspended account.
    public func updateProfile(by actor: Actor, displayName: String, bio: String, organisationSlug: String) throws -> [FieldError] {
        guard let userID = actor.userID else { throw ProfileError.denied("Sign in to change your profile") }
        if actor.isSuspended(at: clock.now()) { throw ProfileError.denied(Policy.suspensionMessage(actor)) }
        var errors: [FieldError] = []
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Self.displayNameProblem(name) { errors.append(FieldError("displayName", problem)) }
        if bio.unicodeScalars.count > 2000 { errors.append(FieldError("bio", "About you must be 2000 characters or fewer")) }
        var organisationID: Int64?
        if !organisationSlug.isEmpty {
            organisationID = try store.read { try $0.scalar(Int64.self, "SELECT id FROM organisations WHERE slug = ?", organisationSlug) }
            if organisationID == nil { errors.append(FieldError("organisation", "Select an organisation from the list")) }
        }
        if !errors.isEmpty { return errors }
        let org = organisationID
        let now = clock.now()
        try store.write { tx in
            try tx.run("UPDATE users SET display_name = ?, bio = ? WHERE id = ?", name, bio, userID)
            // A new organisation waits for an admin, the old one kept meanwhile (issue 18).
            try Moderation.chooseOrganisation(tx, userID: userID, organisationID: org, now: now)
        }
        return []
    }

    // MARK: Password

    /// Changes the password and ends every other session of the user.
    /// - Parameters:
    ///   - keepingSession: the session the change was made from; it stays signed in.
    ///   - address: the client's address, for the throttle on the current password (`confirmPassword`).
    /// - Throws: `PasswordAttemptsThrottled` after too many wrong passwords.
    public func changePassword(userID: Int64, current: String, new: String, keepingSession: Int64?,
                               address: String) throws -> [FieldError] {
        guard let account = try account(id: userID) else { return [FieldError("currentPassword", "Your account could not be found")] }
        var errors: [FieldError] = []
        switch try confirmPassword(userID: userID, current, address: address) {
        case .confirmed: break
        case .missing: errors.append(FieldError("currentPassword", "Enter your current password"))
        case .wrong: errors.append(FieldError("currentPassword", "Your current password is not right"))
        }
        if new.isEmpty {
            errors.append(FieldError("newPassword", "Enter a new password"))
        } else if let problem = PasswordRules.problem(with: new, handle: account.handle, email: account.email) {
            errors.append(FieldError("newPassword", problem))
        }
        if !errors.isEmpty { return errors }
        try setPassword(userID: userID, new, keepingSession: keepingSession)
        return []
    }

    /// Sets a password without the old one (CLI reset, admin) and ends the user's other sessions.
    /// The account's address is told (`AccountNotice.passwordChanged`), in the same write.
    public func setPassword(userID: Int64, _ password: String, keepingSession: Int64? = nil) throws {
        let hash = try hasher.hash(password)
        let now = clock.now()
        try store.write { tx in
            try tx.run("UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
            try tx.run("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", userID, keepingSession)
            if let email = try tx.scalar(String.self, "SELECT email FROM users WHERE id = ? AND deleted_at IS NULL", userID) {
                try AccountNotice.queue(tx, .passwordChanged, userID: userID, to: email, now: now)
            }
        }
    }

    // MARK: Your data

    /// Everything the user wrote and their profile, as pretty-printed JSON (UK GDPR subject access).
    public func exportData(userID: Int64) throws -> [UInt8] {
        let export: DataExport? = try store.read { conn in
            guard let account = try Self.account(conn, id: userID) else { return nil }
            let organisation = try account.organisationID.flatMap {
                try conn.scalar(String.self, "SELECT name FROM organisations WHERE id = ?", $0)
            }
            var threads: [DataExport.Thread] = []
            try conn.forEach("SELECT id, title, created_at, organisation_id IS NOT NULL AS private_to_organisation FROM threads WHERE author_id = ? ORDER BY id",
                             arguments: [userID]) { row in
                threads.append(DataExport.Thread(id: try row["id"], title: try row["title"], createdAt: try row["created_at"],
                                                 privateToOrganisation: try row["private_to_organisation"]))
            }
            var posts: [DataExport.Post] = []
            try conn.forEach("SELECT id, thread_id, created_at, edited_at, body_markdown FROM posts WHERE author_id = ? ORDER BY id",
                             arguments: [userID]) { row in
                posts.append(DataExport.Post(id: try row["id"], threadID: try row["thread_id"], createdAt: try row["created_at"],
                                             editedAt: try row["edited_at"], body: try row["body_markdown"]))
            }
            var flags: [DataExport.Flag] = []
            try conn.forEach("SELECT post_id, reason, note, created_at FROM flags WHERE reporter_id = ? ORDER BY id", arguments: [userID]) { row in
                flags.append(DataExport.Flag(postID: try row["post_id"], reason: try row["reason"], note: try row["note"],
                                             createdAt: try row["created_at"]))
            }
            var sessions: [DataExport.Session] = []
            try conn.forEach("SELECT created_at, last_seen_at, user_agent FROM sessions WHERE user_id = ? ORDER BY id", arguments: [userID]) { row in
                sessions.append(DataExport.Session(createdAt: try row["created_at"], lastSeenAt: try row["last_seen_at"],
                                                   userAgent: try row["user_agent"]))
            }
            return DataExport(
                profile: DataExport.Profile(handle: account.handle, displayName: account.displayName, email: account.email,
                                            role: account.role.rawValue, organisation: organisation, bio: account.bio,
                                            createdAt: account.createdAt, twoFactorEnabled: account.twoFactorEnabled),
                threads: threads, posts: posts, flags: flags, sessions: sessions,
                postRevisions: try DataExport.revisions(conn, userID), drafts: try DataExport.drafts(conn, userID),
                mentorProfile: try DataExport.mentorProfile(conn, userID), follows: try DataExport.follows(conn, userID),
                savedPosts: try DataExport.savedPosts(conn, userID), helpfulMarks: try DataExport.helpfulMarks(conn, userID),
                notificationSettings: try DataExport.notificationSettings(conn, userID))
        }
        guard let export else { return [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(export))
    }

    /// Deletes an account: the person's details are scrubbed and every session ends; their
    /// posts stay, shown as by "former member" (users are never deleted, see Schema).
    ///
    /// The network's only admin may not leave: nobody would be left to approve new members'
    /// posts, answer flags or change a setting, and no page could make a new admin. They make
    /// someone else an admin first (`onlyAdminCannotLeave`).
    /// - Parameter address: the client's address, for the throttle on the password (`confirmPassword`).
    /// - Returns: false when the password is wrong (or empty).
    /// - Throws: `ProfileError.denied` for the only admin; `PasswordAttemptsThrottled` after too
    ///   many wrong passwords.
    public func deleteAccount(userID: Int64, password: String, address: String) throws -> Bool {
        // Asked first, so no password guess is spent on a refusal, and again as the account is
        // scrubbed (`anonymise`), so two admins leaving at once cannot both go.
        if try store.read({ try Self.isOnlyAdmin($0, userID: userID) }) { throw ProfileError.denied(Self.onlyAdminCannotLeave) }
        guard try confirmPassword(userID: userID, password, address: address) == .confirmed else { return false }
        try anonymise(userID: userID)
        return true
    }

    /// Whether `userID` is the network's only admin (who may not leave).
    static func isOnlyAdmin(_ conn: Connection, userID: Int64) throws -> Bool {
        try conn.scalar(Bool.self, """
            SELECT role = 'admin' AND NOT EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.deleted_at IS NULL AND o.id <> u.id)
            FROM users u WHERE u.id = ? AND u.deleted_at IS NULL
            """, userID) ?? false
    }

    /// Why the network's only admin cannot delete their account.
    public static let onlyAdminCannotLeave = "You are the only admin of this network, so your account cannot be deleted yet. "
        + "Make another member an admin first (on the Users page of the admin pages), then delete your account"

    /// One row when handle ?1 is taken: an account's now, or a deleted account's (migration 28:
    /// never given to anyone else, so no `@handle` written to them leads to a newcomer).
    static let handleTakenSQL = """
        SELECT 1 FROM users WHERE handle = ?1 UNION ALL SELECT 1 FROM retired_handles WHERE handle = ?1 LIMIT 1
        """

    /// Whether `handle` is a deleted account's (`anonymise` renames it `former_<id>`; the prefix
    /// is reserved at registration): it has no profile, so pages name it without a link.
    public static func isFormerMember(handle: String) -> Bool { handle.hasPrefix("former_") }

    /// Scrubs a deleted account. What was the person's alone goes: their details, sessions,
    /// two-factor codes, drafts, notifications, follows and mutes, saved posts, read marks,
    /// pending confirmation and reset links, mail settings and mail (queued or sent, which names
    /// their address), their mentor profile. What the community reads stays, under "former
    /// member": their threads and posts (and those posts' earlier versions), their flags and
    /// "This helped" marks (counted on others' posts), the moderation log, and other people's
    /// notifications of what they did. Quotes of their posts in other people's replies are
    /// those people's words and are left as written (docs/security.md, "Deleted accounts").
    /// The tables whose rows (by `user_id`) are their owner's alone, and go with a deleted
    /// account (`anonymise`): sessions, two-factor recovery codes, the mentor profile, drafts,
    /// notifications, follows and mutes, saved posts, read marks, confirmation and reset links,
    /// notification and mail settings, and their mail.
    static let privateToTheirOwner = [
        "sessions", "recovery_codes", "mentor_profiles", "drafts", "notifications", "subscriptions", "bookmarks",
        "thread_visits", "account_tokens", "notification_settings", "notification_mail_settings",
        "weekly_briefing_opt_outs", "mail_outbox",
    ]

    func anonymise(userID: Int64) throws {
        let now = clock.now()
        try store.write { tx in
            if try Self.isOnlyAdmin(tx, userID: userID) { throw ProfileError.denied(Self.onlyAdminCannotLeave) }
            try tx.run("""
                UPDATE users SET handle = 'former_' || id, display_name = 'former member',
                       email = 'deleted-' || id || '@invalid', password_hash = '!', bio = '',
                       organisation_id = NULL, previous_organisation_id = NULL, organisation_confirmed = 1,
                       email_confirmed_at = NULL, totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
                       deleted_at = ? WHERE id = ?
                """, now, userID)
            for table in Self.privateToTheirOwner {
                try tx.run("DELETE FROM \(table) WHERE user_id = ?", userID)  // a name from the list, never input
            }
            // A membership request leaves with them: the admins' notice of it is settled.
            try Notifications.adminWorkDone(tx, .membership(userID: userID), now: now)
            // A deleted mentor mentors nobody: no page goes on naming them as a pathfinder's
            // mentor or a thread's (the ending logged as their own act, as the CLI's changes are).
            try Moderation.endMentorWork(tx, userID: userID, actorID: userID, reason: "Account deleted", now: now)
        }
    }

    // MARK: Administration (CLI)

    public enum AddUserOutcome: Sendable {
        case added(Account)
        case invalid([FieldError])
    }

    /// Creates an account directly (CLI `user add`), bypassing the registration mode. Its address
    /// counts as confirmed: the admin vouches for it.
    public func addUser(handle: String, email: String, displayName: String?, role: Role, password: String) throws -> AddUserOutcome {
        let form = Registration(handle: handle, displayName: displayName ?? handle, email: email, password: password)
        let errors = Self.validate(form)
        if !errors.isEmpty { return .invalid(errors) }
        let hash = try hasher.hash(password)
        let now = clock.now()
        let name = form.displayName
        do {
            let id: Int64 = try store.write { tx in
                if try tx.scalar(Int.self, Self.handleTakenSQL, handle) != nil
                    || tx.scalar(Int.self, "SELECT 1 FROM users WHERE email = ?", email) != nil {
                    throw FieldError("handle", "An account with that handle or email address already exists")
                }
                try tx.run("""
                    INSERT INTO users(handle, display_name, email, password_hash, role, created_at, email_confirmed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, handle, name, email, hash, role.rawValue, now, now)
                return tx.lastInsertedRowID
            }
            guard let account = try account(id: id) else { return .invalid([]) }
            return .added(account)
        } catch let error as FieldError {
            return .invalid([error])
        }
    }

    /// Changes a user's role (CLI `user role`), ending their mentorships when the new role is not
    /// mentor, as the admin page does (`Moderation.applyRoleChange`). The log names the person
    /// themselves as the actor: the command has no signed-in admin.
    /// - Returns: false when there is no such user.
    public func setRole(handle: String, _ role: Role) throws -> Bool {
        let now = clock.now()
        return try store.write { tx in
            var found: (Int64, String)?
            try tx.forEach("SELECT id, role FROM users WHERE handle = ? AND deleted_at IS NULL", arguments: [handle]) { row in
                found = (try row["id"], try row["role"])
            }
            guard let (userID, current) = found, let old = Role(rawValue: current) else { return false }
            if old == role { return true }
            try Moderation.applyRoleChange(tx, userID: userID, from: old, to: role, actorID: userID,
                                           reason: "with mutuals user role on the server", now: now)
            return true
        }
    }
}

/// The "your data" download.
struct DataExport: Encodable {
    struct Profile: Encodable {
        let handle, displayName, email, role: String
        let organisation: String?
        let bio: String
        let createdAt: Date
        let twoFactorEnabled: Bool
    }
    struct Thread: Encodable {
        let id: Int64
        let title: String
        let createdAt: Date
        let privateToOrganisation: Bool
    }
    struct Post: Encodable {
        let id, threadID: Int64
        let createdAt: Date
        let editedAt: Date?
        let body: String
    }
    struct Flag: Encodable {
        let postID: Int64
        let reason, note: String
        let createdAt: Date
    }
    struct Session: Encodable {
        let createdAt, lastSeenAt: Date
        let userAgent: String
    }
    let profile: Profile
    let threads: [Thread]
    let posts: [Post]
    let flags: [Flag]
    let sessions: [Session]
    // The sections below are in `AccountDataExport.swift`.
    let postRevisions: [Revision]
    let drafts: [Draft]
    let mentorProfile: MentorProfile?
    let follows: [Follow]
    let savedPosts: [SavedPost]
    let helpfulMarks: [HelpfulMark]
    let notificationSettings: NotificationSettings
}
