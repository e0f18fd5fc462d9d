import Board
import HTTPServer

/// What every handler shares: the board's services, the compiled templates and the site's
/// files. Built once at start; immutable afterwards.
final class AppContext: Sendable {
    let site: SiteConfiguration
    let network: Network
    let pages: PageLibrary
    /// Server-Sent Events for open thread pages and the unread count (issue 8).
    let live: LiveUpdates
    /// Visitors' pages, kept whole (`PageCache`).
    let pageCache: PageCache
    let visitorLimit: VisitorRateLimit

    var accounts: Accounts { network.accounts }

    init(site: SiteConfiguration, network: Network) throws {
        self.site = site
        self.network = network
        self.pages = try PageLibrary(directory: site.templatesDirectory, postCacheBytes: site.postCacheBytes)
        self.pageCache = PageCache(limits: site.pageCache) { [network] in network.contentVersion }
        self.visitorLimit = VisitorRateLimit(limits: site.visitorRate)
        self.live = LiveUpdates(feed: network.live, posts: pages.postBlocks, limits: site.liveStreams)
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
