/// What a setting and its values are called in words, for anyone reading the public moderation
/// log (issue 18: it showed `hold_first_posts_of_new_members = 1`).
extension Setting {
    /// The setting's name in words.
    public var title: String {
        switch self {
        case .registration: "Who can register"
        case .requireSignInToRead: "Who can read the network"
        case .holdFirstPostsOfNewMembers: "Hold the first posts of new accounts for approval"
        case .flagThreshold: "Members whose flags hide a post until an admin decides"
        case .newAccountDays: "Days an account counts as new"
        case .newAccountPostsPerDay: "Posts a day for a new account"
        case .requireTwoFactorForAdmins: "Admins must use two-factor sign-in"
        case .feedTokenKey: "Private feed key"
        }
    }

    /// `value` in words: "Anyone", "Members only", "Yes", or the number itself.
    public func words(for value: String) -> String {
        switch (self, value) {
        case (.registration, RegistrationMode.open.rawValue): "Anyone"
        case (.registration, RegistrationMode.inviteOnly.rawValue): "Only people with an invite"
        case (.registration, RegistrationMode.closed.rawValue): "No one"
        case (.requireSignInToRead, "0"): "Visitors and members"
        case (.requireSignInToRead, "1"): "Members only"
        case (.holdFirstPostsOfNewMembers, "1"), (.requireTwoFactorForAdmins, "1"): "Yes"
        case (.holdFirstPostsOfNewMembers, "0"), (.requireTwoFactorForAdmins, "0"): "No"
        case (.feedTokenKey, _): "changed"
        default: value
        }
    }

    /// A `change_setting` log entry's reason as stored (`key = value`) in words
    /// ("Who can register: Anyone"); nil when it is not in that form.
    public static func describeChange(_ reason: String) -> String? {
        let parts = reason.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let setting = Setting(rawValue: parts[0]) else { return nil }
        return "\(setting.title): \(setting.words(for: parts[1]))"
    }
}
