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

/// The shipped list of common passwords, `Resources/common-passwords.txt`: one per line, lower
/// case, only those of `PasswordRules.minimumLength` characters or more (shorter ones fail the
/// length rule first). Drawn from the patterns that top every published leaked-password list
/// (keyboard runs, repeated characters, popular words with years and digit suffixes) plus words an
/// attacker would try against this network.
///
/// Read once, on first use: a `static let` is initialised lazily and exactly once, even when
/// several threads ask at the same time. The file ships in the `mutuals_Board.resources` bundle
/// beside the executable (SwiftPM `resources:`); without it the program stops with a message
/// saying so rather than accept every common password.
public enum CommonPasswords {
    static let entries: Set<String> = load()

    /// Whether `password` (already lower-cased) is on the list.
    public static func contains(_ password: String) -> Bool {
        entries.contains(password)
    }

    /// How many passwords the list holds.
    public static var count: Int { entries.count }

    static func load() -> Set<String> {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt") else {
            fatalError("common-passwords.txt is missing from the Board resource bundle \(Bundle.module.bundlePath)")
        }
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            return Set(text.split(whereSeparator: \.isNewline).map(String.init))
        } catch {
            fatalError("Could not read \(url.path): \(error)")
        }
    }
}
