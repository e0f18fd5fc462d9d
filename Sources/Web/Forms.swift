import Board
import HTTPServer

/// A form's state for its template, following the GOV.UK Design System: the values typed (kept
/// when anything is rejected), an error summary at the top linking to each field, and inline
/// errors. Templates read `value_NAME`, `error_NAME`, `errorList` (items with `href` and
/// `message`), `hasErrors` and `csrfToken`.
struct FormState: TemplateRenderable {
    var values: [String: String] = [:]
    var errors: [FieldError] = []
    /// A message for the summary that belongs to no field (such as the CSRF resubmit request).
    var formMessage: String?
    /// Fields whose values are never sent back to the page (passwords).
    static let secretFields: Set<String> = ["password", "currentPassword", "newPassword", "code", "csrf"]

    init(values: [String: String] = [:], errors: [FieldError] = [], formMessage: String? = nil) {
        self.values = values
        self.errors = errors
        self.formMessage = formMessage
    }

    /// The submitted values of a form, secrets left out.
    init(items: [FormItem], errors: [FieldError] = [], formMessage: String? = nil) {
        var values: [String: String] = [:]
        for item in items where !Self.secretFields.contains(item.name) && values[item.name] == nil {
            values[item.name] = item.value
        }
        self.init(values: values, errors: errors, formMessage: formMessage)
    }

    var hasErrors: Bool { !errors.isEmpty || formMessage != nil }

    static let templateKeys = TemplateKeys(["hasErrors", "errorList"], prefixes: ["value_", "error_"])

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "hasErrors": return .bool(hasErrors)
        case "errorList":
            var items: [TemplateValue] = []
            if let formMessage { items.append(["message": .text(formMessage)]) }
            for error in errors {
                items.append(["href": .text("#" + error.field), "message": .text(error.message)])
            }
            return .list(items)
        default:
            if key.hasPrefix("value_") { return .text(values[String(key.dropFirst(6))] ?? "") }
            if key.hasPrefix("error_") {
                return .text(errors.first { $0.field == String(key.dropFirst(6)) }?.message)
            }
            return nil
        }
    }
}

/// What the layout shows around every page: the signed-in person (or sign-in links) and the
/// CSRF token of the header's sign-out form.
struct LayoutContext: KeyedTemplateRenderable {
    var account: Account?
    var csrfToken: String
    var unreadNotifications = 0
    /// The page to come back to after signing in from the header's link.
    var returnPath: String?
    var awaitingModeration = 0
    var notice: Notice?
    /// Why a signed-in person may not start a thread (a suspension), for pages that offer it.
    var startThreadRefusal: String?
    /// What the viewer may do on the network (`ViewerCapabilities`, the rule the handlers ask).
    let capabilities: ViewerCapabilities
    /// Offer "Register" (`RequestContext.registrationOpen`): the header's link and the sign-in page's.
    var registrationOpen = false

    init(_ context: RequestContext) {
        account = context.account
        csrfToken = context.csrfToken
        unreadNotifications = context.unreadNotifications
        returnPath = context.returnPath
        awaitingModeration = context.awaitingModeration
        notice = context.notice
        registrationOpen = context.registrationOpen
        capabilities = ViewerCapabilities(context.actor)
        if context.account != nil, !capabilities.startThread {
            startThreadRefusal = capabilities.restriction ?? "You cannot start a thread at the moment."
        }
    }

    enum Key: String, CaseIterable, Sendable {
        case currentUser, csrfToken, unreadNotifications, awaitingModeration, siteNotice, siteNoticeIsSuccess
        case startThreadRefusal, mayStartThread, restriction, signInQuery, registrationOpen
    }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .currentUser:
            return account.map { .object(CurrentUserView(account: $0)) }
        case .csrfToken: return .text(csrfToken)
        case .unreadNotifications: return unreadNotifications > 0 ? .int(unreadNotifications) : nil
        case .awaitingModeration: return awaitingModeration > 0 ? .int(awaitingModeration) : nil
        case .siteNotice: return notice?.key.text.map { .text($0) }
        case .siteNoticeIsSuccess: return .bool(notice?.key.isSuccess ?? false)
        case .startThreadRefusal: return startThreadRefusal.map { .text($0) }
        case .mayStartThread: return .bool(capabilities.startThread)
        case .restriction: return capabilities.restriction.map { .text($0) }
        case .signInQuery: return ReturnPath.validated(returnPath).map { .text("?next=" + FormDecoder.encode($0)) }
        case .registrationOpen: return .bool(registrationOpen)
        }
    }
}

/// The signed-in person, as the header and a few pages show them (`{{#currentUser}}`).
struct CurrentUserView: KeyedTemplateRenderable {
    let account: Account
    enum Key: String, CaseIterable, Sendable { case displayName, handle, isAdmin, isMentor }
    static let templateKeys = TemplateKeys(Key.self)

    func templateValue(for key: Key) -> TemplateValue? {
        switch key {
        case .displayName: .text(account.displayName)
        case .handle: .text(account.handle)
        case .isAdmin: .bool(account.role == .admin)
        case .isMentor: .bool(account.role == .mentor)
        }
    }
}

/// A page's view model inside the layout's context: names the page does not answer are looked
/// up in the form's state, then the layout context (current user, CSRF token). Board pages can
/// wrap theirs the same way: `app.pages.home.response(InLayout(page, context))`. Rendered, it
/// is three contexts (`TemplateLayers`), each found by its own keys; asked by name (tests, or
/// nested in another value), it asks the three in the same order.
struct InLayout: TemplateLayers {
    let page: any TemplateRenderable
    let layout: LayoutContext
    var form: FormState?

    init(_ page: any TemplateRenderable, _ context: RequestContext, form: FormState? = nil) {
        self.page = page
        self.layout = LayoutContext(context)
        self.form = form
    }

    var layers: [TemplateValue] {
        var layers: [TemplateValue] = []
        layers.reserveCapacity(3)
        layers.append(.object(layout))
        if let form { layers.append(.object(form)) }
        layers.append(.object(TemplateContext(held: page)))
        return layers
    }

    func templateValue(for key: String) -> TemplateValue? {
        page.templateValue(for: key) ?? form?.templateValue(for: key) ?? layout.templateValue(for: key)
    }
}

/// The one clean-up every submitted form gets (`AppContext.checkedForm`), before any handler
/// reads it: control characters never reach the database or a page. A NUL ends SQLite's
/// `length()`, so a NUL-led body would fail the table's CHECK (a 500); an ESC or a C1 control
/// would be echoed raw into `<title>`. The rule:
/// - multi-line fields (the textareas: `multiLineFields`) keep TAB, LF and CR and lose every
///   other C0 control, DEL and the C1 controls (U+0080–U+009F);
/// - every other field is one line: the same controls dropped, and TAB, LF, CR and NEL become a
///   space (`oneLine`), so a title or a name never holds a line break;
/// - passwords are left exactly as typed (`passwordFields`): changing them would lock out
///   whoever chose one with such a character.
/// A field that was only control characters becomes empty and gets the form's usual "Enter …" error.
enum FormText {
    /// `kept`: the text of a post sent signed out, carried through the sign-in form (`signInToSend`).
    static let multiLineFields: Set<String> = ["body", "bio", "description", "note", "summary", "kept"]
    static let passwordFields: Set<String> = ["password", "currentPassword", "newPassword"]
    /// The fields whose words a form sent signed out gives back to copy (`SignedOutForms`), in
    /// the order forms show them: what a person writes, not what they choose (`reason` is a
    /// choice on the flag form, so a moderator's one-line reason is not among them).
    static let keptWhenSignedOut = ["title", "headline", "displayName", "name", "body", "bio", "description", "note", "summary"]

    static func cleaned(_ items: [FormItem]) -> [FormItem] {
        items.map { item in
            if passwordFields.contains(item.name) { return item }
            let value = multiLineFields.contains(item.name) ? multiLine(item.value) : oneLine(item.value)
            return FormItem(item.name, value)
        }
    }

    /// Whether `text` may hold a control character: a C0 byte, DEL, or 0xC2 (the lead byte of C1's UTF-8).
    private static func mayHoldControls(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }
    }

    /// `text` with C0 controls other than TAB, LF and CR, DEL, and C1 controls dropped.
    static func multiLine(_ text: String) -> String {
        guard mayHoldControls(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: scalars.append(scalar)
            case 0..<0x20, 0x7F...0x9F: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// `text` as one line: control characters (C0, DEL, C1) dropped, tabs and line breaks
    /// (and NEL) made spaces.
    static func oneLine(_ text: String) -> String {
        guard mayHoldControls(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x85: scalars.append(" ")
            case 0..<0x20, 0x7F...0x9F: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
