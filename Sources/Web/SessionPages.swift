import HTTPServer

/// The account pages' templates, looked up once at start.
struct AccountPages: Sendable {
    static let templateNames = ["signin", "register", "account", "account-password", "sessions", "account-data",
                                "two-factor-setup", "two-factor-challenge", "account-error-summary"]

    let signIn: Template
    let register: Template
    let account: Template
    let password: Template
    let sessions: Template
    let data: Template
    let twoFactorSetup: Template
    let twoFactorChallenge: Template

    init(_ templates: TemplateLibrary) throws {
        signIn = try templates.template("signin")
        register = try templates.template("register")
        account = try templates.template("account")
        password = try templates.template("account-password")
        sessions = try templates.template("sessions")
        data = try templates.template("account-data")
        twoFactorSetup = try templates.template("two-factor-setup")
        twoFactorChallenge = try templates.template("two-factor-challenge")
    }
}
