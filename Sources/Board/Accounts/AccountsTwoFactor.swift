import Database
import Foundation

extension Accounts {
    /// Starts two-factor enrolment: a new 20-byte secret, stored but not yet in force. Two-factor
    /// already on is left as it is (turning it off asks for the password, `disableTwoFactor`).
    /// - Returns: the secret in base32, for typing into an authenticator app.
    public func beginTwoFactorSetup(userID: Int64) throws -> String {
        let secret = try SecureRandom.bytes(20)
        try store.write { tx in
            try tx.run("UPDATE users SET totp_secret = ? WHERE id = ? AND totp_enabled_at IS NULL", Data(secret), userID)
        }
        return TOTP.base32(secret)
    }

    /// The secret being enrolled (base32), or nil when none is pending.
    public func pendingTwoFactorSecret(userID: Int64) throws -> String? {
        try store.read {
            try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ? AND totp_enabled_at IS NULL", userID)
        }.map { TOTP.base32(Array($0)) }
    }

    public enum TwoFactorEnrolment: Sendable, Equatable {
        /// On: ten one-time recovery codes, shown once (stored as SHA-256).
        case enabled(recoveryCodes: [String])
        /// The code or the password was not right (fields `code`, `password`); nothing changed.
        case invalid([FieldError])
    }

    /// Confirms enrolment with a code from the app and the current password, and turns two-factor
    /// on. The password is asked (`confirmPassword`, throttled as sign-in is): with a session
    /// alone, someone could otherwise put their own authenticator on the account and lock its
    /// owner out of it, a reset link included.
    /// - Parameter address: the client's address, for the throttle on the password.
    /// - Throws: `PasswordAttemptsThrottled` after too many wrong passwords.
    public func confirmTwoFactor(userID: Int64, code: String, password: String, address: String) throws -> TwoFactorEnrolment {
        let passwordError: FieldError? = switch try confirmPassword(userID: userID, password, address: address) {
        case .confirmed: nil
        case .missing: FieldError("password", "Enter your password")
        case .wrong: FieldError("password", "Your password is not right")
        }
        let now = clock.now()
        let secret = try store.read {
            try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ? AND totp_enabled_at IS NULL", userID)
        }
        var errors: [FieldError] = []
        if code.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError("code", "Enter the 6-digit code your app shows now"))
        } else if !(secret.map { TOTP.verify(code, secret: Array($0), at: now) } ?? false) {
            errors.append(FieldError("code", "The code is not right. Enter the 6-digit code your app shows now"))
        }
        if let passwordError { errors.append(passwordError) }
        if !errors.isEmpty { return .invalid(errors) }
        var codes: [String] = []
        for _ in 0..<10 {
            let hex = Digest.hex(try SecureRandom.bytes(5))
            codes.append(String(hex.prefix(5)) + "-" + String(hex.suffix(5)))
        }
        let hashes = codes.map { Data(Digest.sha256(Array($0.utf8))) }
        try store.write { tx in
            try tx.run("UPDATE users SET totp_enabled_at = ? WHERE id = ?", now, userID)
            try tx.run("DELETE FROM recovery_codes WHERE user_id = ?", userID)
            for hash in hashes {
                try tx.run("INSERT INTO recovery_codes(user_id, code_hash) VALUES (?, ?)", userID, hash)
            }
        }
        return .enabled(recoveryCodes: codes)
    }

    /// Turns two-factor off (password required, `confirmPassword`).
    /// - Parameter address: the client's address, for the throttle on the password.
    /// - Returns: false when the password is wrong (or empty).
    /// - Throws: `PasswordAttemptsThrottled` after too many wrong passwords.
    public func disableTwoFactor(userID: Int64, password: String, address: String) throws -> Bool {
        guard try confirmPassword(userID: userID, password, address: address) == .confirmed else { return false }
        try store.write { tx in
            try tx.run("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = ?", userID)
            try tx.run("DELETE FROM recovery_codes WHERE user_id = ?", userID)
        }
        return true
    }

    /// Turns two-factor off for someone who lost both their authenticator app and their recovery
    /// codes, with no password asked: for the operator (`mutuals user reset-two-factor`), who has
    /// checked who is asking. Every session of the account ends, a half-signed-in one too, so
    /// whoever signs in next does so with the password alone and can turn two-factor on again.
    /// - Returns: false when two-factor was not on (nothing is changed).
    public func resetTwoFactor(userID: Int64) throws -> Bool {
        try store.write { tx in
            guard try tx.scalar(Bool.self, "SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = ? AND deleted_at IS NULL",
                                userID) == true else { return false }
            try tx.run("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = ?", userID)
            try tx.run("DELETE FROM recovery_codes WHERE user_id = ?", userID)
            try tx.run("DELETE FROM sessions WHERE user_id = ?", userID)
            return true
        }
    }

    /// Completes a sign-in waiting for its second factor: a TOTP code or an unused recovery code.
    /// On success the pending session is replaced by a new, full one (new token).
    public func completeTwoFactor(pendingToken: String, code: String, userAgent: String) throws -> (NewSession, Account)? {
        guard let pending = try resolvePendingSession(token: pendingToken) else { return nil }
        let userID = pending.account.id
        let now = clock.now()
        let key = "2fa:\(userID)"
        if try store.read({ try SignInThrottle.retryAfter($0, accountKey: key, address: "-2fa", now: now, limits: limits) }) != nil {
            SignInThrottle.throttledCodes.increment()
            return nil
        }
        let secret = try store.read { try $0.scalar(Data.self, "SELECT totp_secret FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL", userID) }
        var ok = false
        if let secret, let step = TOTP.matchingStep(code, secret: Array(secret), at: now) {
            // Each step's code signs in once: a code seen over someone's shoulder cannot be replayed.
            let stored = Int64(clamping: step)
            ok = try store.write { tx in
                try tx.run("UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                           stored, userID, stored)
                return tx.changes == 1
            }
        }
        if !ok {
            let typed = code.trimmingCharacters(in: .whitespaces).lowercased()
            let hash = Data(Digest.sha256(Array(typed.utf8)))
            ok = try store.write { tx in
                try tx.run("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", now, userID, hash)
                return tx.changes == 1
            }
        }
        let succeeded = ok
        try store.write { tx in
            try tx.run("INSERT INTO login_attempts(scope, key, attempted_at, succeeded) VALUES ('account', ?, ?, ?)", key, now, succeeded)
        }
        guard ok else { return nil }
        try store.write { tx in try tx.run("DELETE FROM sessions WHERE id = ?", pending.sessionID) }
        return (try startSession(userID: userID, userAgent: userAgent), pending.account)
    }

    /// How many unused recovery codes the user has.
    public func recoveryCodesLeft(userID: Int64) throws -> Int {
        try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", userID) ?? 0 }
    }
}
