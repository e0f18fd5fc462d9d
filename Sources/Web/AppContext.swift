import Board
import Database
import HTTPServer

/// What every handler shares: the store, the compiled templates, the account service and the
/// site's files. Built once at start; immutable afterwards.
final class AppContext: Sendable {
    let site: SiteConfiguration
    let store: Store
    let pages: PageLibrary
    let accounts: Accounts

    init(site: SiteConfiguration, store: Store, accounts: Accounts? = nil) throws {
        self.site = site
        self.store = store
        self.pages = try PageLibrary(directory: site.templatesDirectory)
        self.accounts = accounts ?? Accounts(store: store)
    }

    /// Who is asking, as the board's queries see them: a visitor unless the session cookie
    /// names a live session (see `requestContext(for:)` for the actor, CSRF token and cookies).
    func viewer(for request: Request) -> Viewer {
        (try? requestContext(for: request))?.viewer ?? .visitor
    }

    /// The signed-in account, or nil.
    func currentUser(for request: Request) -> Account? {
        (try? requestContext(for: request))?.account
    }
}
