import Board
import Database
import HTTPServer

/// What every handler shares: the store, the compiled templates and the site's files. Built once
/// at start; immutable afterwards.
final class AppContext: Sendable {
    let site: SiteConfiguration
    let store: Store
    let pages: PageLibrary

    init(site: SiteConfiguration, store: Store) throws {
        self.site = site
        self.store = store
        self.pages = try PageLibrary(directory: site.templatesDirectory)
    }

    /// Who is asking, as the board's queries see them. Until sign-in exists (issue 4) everyone
    /// is a visitor and sees public content only.
    func viewer(for request: Request) -> Viewer {
        .visitor
    }
}
