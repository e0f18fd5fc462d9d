import HTTPServer

/// The board's pages: home, topics, threads, the briefing, organisations, feeds.
enum BoardRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        let homePage = HomePage()
        router.get("/") { _ in
            app.pages.home.response(homePage)
        }
    }
}
