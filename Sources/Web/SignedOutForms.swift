import Board
import HTTPServer

/// A form sent after its session ended (signed out in another tab, expired, ended by a password
/// change) whose answer is the way to sign in: the sign-in page comes back in place with what was
/// typed to copy (`AppContext.signInToSend`), instead of a redirect that drops it. The post forms
/// did this already; every other form (a flag's note, "About you", a request for a mentor, a
/// mentor's decline note, a thread's new title, a briefing summary…) was
/// answered with the redirect and lost its text, and so was every form, posts included, while
/// "require sign-in to read" was on, whose gate answers before any handler (found by the sweep).
/// Put in front of the routes when the router is built (`WebApplication.makeRouter`), after
/// `SignInFirst` and the `ReadingGate`, so their redirects are caught too; it costs nothing
/// unless a POST is answered with that redirect.
struct SignedOutForms: Sendable {
    let app: AppContext

    /// The account pages' own forms: their fields are not writing to keep (and never redirect
    /// to sign in with any).
    static func applies(to pattern: String) -> Bool {
        !["/sign-in", "/register", "/forgot-password", "/reset-password", "/sign-out", "/unsubscribe"]
            .contains { pattern == $0 || pattern.hasPrefix($0 + "/") }
    }

    /// What a person wrote in a form, in the order the forms show it: its words, not its
    /// choices, hidden fields or passwords. Empty when nothing was typed.
    static func typed(_ items: [FormItem]) -> String {
        FormText.keptWhenSignedOut.compactMap { name in
            items.first { $0.name == name }.map(\.value)
        }.filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.joined(separator: "\n\n")
    }

    /// The forms whose text is a post: the page says "not posted" rather than "not saved".
    static let postForms: Set<String> = ["/t/new", "/t/{id:int}/reply", "/p/{id:int}/edit"]

    /// Whether `response` sends the browser to the password sign-in page.
    static func isSignInRedirect(_ response: Response) -> Bool {
        guard response.status == .seeOther, let location = response.headers["location"] else { return false }
        return location == "/sign-in" || location.hasPrefix("/sign-in?")
    }

    func guardRoutes(_ router: inout RouterBuilder) {
        router.wrapHandlers { pattern, execution, handler in
            guard execution == .pool, Self.applies(to: pattern) else { return handler }
            let post = Self.postForms.contains(pattern)
            return { [app] request in
                let response = try handler(request)
                guard request.method == .post, Self.isSignInRedirect(response) else { return response }
                // A body that is not a form has nothing to give back: the redirect stands.
                let typed = Self.typed(FormText.cleaned((try? request.formItems()) ?? []))
                guard !typed.isEmpty else { return response }
                let context = try app.requestContext(for: request)
                return app.signInToSend(context, typed: typed, formPath: "/", post: post)
            }
        }
    }
}
