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
    /// Server-Sent Events for open thread pages and the unread count (issue 8).
    let live: LiveUpdates

    init(site: SiteConfiguration, store: Store, accounts: Accounts? = nil) throws {
        self.site = site
        self.store = store
        self.pages = try PageLibrary(directory: site.templatesDirectory)
        self.accounts = accounts ?? Accounts(store: store)
        self.live = LiveUpdates(feed: LiveFeed(store: store, clock: self.accounts.clock, limits: self.accounts.limits),
                                postTemplate: try pages.templates.template("thread-post"), limits: site.liveStreams)
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
