import Board
import HTTPServer

/// Cross-site request forgery defence for every state-changing form (see docs/security.md).
///
/// Two independent checks, both required on every POST:
/// 1. **Origin**: the `Origin` header (or, when a browser omits it, the `Referer`) must be this
///    site: the request's scheme and `Host`. A request with neither is refused.
/// 2. **Token**: the form's hidden `csrf` field must carry SHA-256("csrf:" + the session token)
///    — or, signed out, of the pre-session cookie's token. A forged form cannot read either
///    cookie, so cannot compute it; it changes at sign-in with the session.
///
/// The token is masked afresh in every response (as Django and Rails do): the field holds a
/// random pad and the secret XORed with it, so no two responses carry the same bytes, and a
/// compressed page (`Compression`) cannot be used to guess the secret byte by byte against
/// reflected input (BREACH). See docs/PERFORMANCE.md.
///
/// Handlers call `app.checkedForm(request, context)` and, on `.rejected`, re-render their form
/// with the submitted values and `CSRF.resubmitMessage` — the person's work is never lost.
enum CSRF {
    static let fieldName = "csrf"
    static let resubmitMessage = "Your form was not sent because it could not be checked. Check your answers and send it again"

    /// The secret behind the forms of the session (or pre-session) with this cookie token.
    static func secret(binding cookieToken: String) -> [UInt8] {
        Digest.sha256(Array(("csrf:" + cookieToken).utf8))
    }

    /// `secret(binding:)` of signed-in sessions' tokens, kept (`KeptDigests`): each of a member's
    /// pages derives it from the same token. Pre-session tokens are not kept (a visitor without a
    /// cookie brings a new one each time).
    static let sessionSecrets = KeptDigests { secret(binding: $0) }

    /// The browser's pre-session token (the signed-out secret's cookie): the one it sent when
    /// well formed, else a new one with the `Set-Cookie` that gives it.
    static func presession(for request: Request, cookies: SessionCookies) throws -> (token: String, setCookie: String?) {
        if let existing = request.cookie(cookies.presession), Digest.fromBase64URL(existing)?.count == 32 {
            return (existing, nil)
        }
        let token = Digest.base64URL(try SecureRandom.bytes(32))
        return (token, cookies.setCookie(cookies.presession, token, maxAge: nil))
    }

    /// `secret` as one response's forms carry it: base64url(pad ‖ pad XOR secret), pad random.
    static func masked(_ secret: [UInt8]) throws -> String {
        let pad = try SecureRandom.pad(secret.count)
        var bytes = pad
        bytes.reserveCapacity(secret.count * 2)
        for index in secret.indices { bytes.append(pad[index] ^ secret[index]) }
        return Digest.base64URL(bytes)
    }

    /// The secret a masked token carries, or nil when it is not one.
    static func unmasked(_ token: String) -> [UInt8]? {
        guard let bytes = Digest.fromBase64URL(token), bytes.count == 64 else { return nil }
        return (0..<32).map { bytes[$0] ^ bytes[32 + $0] }
    }

    enum Failure: Equatable, Sendable {
        case crossOrigin
        case badToken
    }

    /// Why the request fails the checks, or nil when it passes.
    static func check(_ request: Request, form: [FormItem], expected: [UInt8]) -> Failure? {
        guard isSameOrigin(request) else { return .crossOrigin }
        guard let sent = form[fieldName], let secret = unmasked(sent),
              Digest.constantTimeEquals(secret, expected)
        else { return .badToken }
        return nil
    }

    /// The Origin (or Referer) names this site's scheme and host.
    static func isSameOrigin(_ request: Request) -> Bool {
        let origin = (request.isSecure ? "https://" : "http://") + request.host.lowercased()
        if let sent = request.headers["origin"] {
            return sent.lowercased() == origin
        }
        if let referer = request.headers["referer"] {
            let lowered = referer.lowercased()
            return lowered == origin || lowered.hasPrefix(origin + "/") || lowered.hasPrefix(origin + "?")
        }
        return false
    }
}

/// A form body that passed (or failed) the CSRF checks.
enum FormSubmission: Sendable {
    case valid([FormItem])
    /// Failed a check: re-render the form with these values and `CSRF.resubmitMessage`.
    case rejected([FormItem], CSRF.Failure)

    var items: [FormItem] {
        switch self {
        case .valid(let items), .rejected(let items, _): items
        }
    }
}

extension AppContext {
    /// Decodes a POST body and runs both CSRF checks. Use it in every POST handler:
    ///
    ///     var context = try app.requestContext(for: request)
    ///     switch try app.checkedForm(request, context) {
    ///     case .rejected(let items, _): return render(form with items, error: CSRF.resubmitMessage)
    ///     case .valid(let items): ... ask Policy, call Board ...
    ///     }
    func checkedForm(_ request: Request, _ context: RequestContext) throws -> FormSubmission {
        let items = FormText.cleaned(try request.formItems())
        if let failure = CSRF.check(request, form: items, expected: context.csrfSecret) {
            return .rejected(items, failure)
        }
        return .valid(items)
    }
}
