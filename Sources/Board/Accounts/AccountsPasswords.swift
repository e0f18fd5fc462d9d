import Foundation

/// Password rules: at least 10 characters, at most 200, not a commonly used password.
public enum PasswordRules {
    public static let minimumLength = 10
    public static let maximumLength = 200

    /// The problem with `password`, or nil when it is acceptable.
    public static func problem(with password: String, handle: String = "", email: String = "") -> String? {
        if password.count < minimumLength { return "Password must be \(minimumLength) characters or more" }
        if password.count > maximumLength { return "Password must be \(maximumLength) characters or fewer" }
        let folded = password.lowercased()
        if CommonPasswords.contains(folded) {
            return "Password is too common, choose one that would be hard to guess"
        }
        if !handle.isEmpty, folded.contains(handle.lowercased()) {
            return "Password must not contain your handle"
        }
        if let local = email.split(separator: "@").first, local.count >= 4, folded.contains(local.lowercased()) {
            return "Password must not contain your email address"
        }
        return nil
    }
}

/// The shipped list of common passwords (`AccountsCommonPasswordList.swift`), as a set built on first use.
public enum CommonPasswords {
    static let entries: Set<Substring> = Set(list.split(separator: "\n"))

    /// Whether `password` (already lower-cased) is on the list.
    public static func contains(_ password: String) -> Bool {
        entries.contains(Substring(password))
    }

    /// How many passwords the list holds.
    public static var count: Int { entries.count }
}
