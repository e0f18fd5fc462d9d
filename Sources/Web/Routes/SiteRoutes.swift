import Board
import HTTPServer

/// Routes that are part of running the site rather than the board: static files and the
/// accessibility statement (the health check and metrics: `OperationsRoutes`).
struct SiteRoutes: RouteCollection {
    let app: AppContext
    let staticFiles: StaticFiles
    let accessibilityPage: Template

    init(app: AppContext) throws {
        self.app = app
        staticFiles = try StaticFiles(root: app.site.publicDirectory)
        accessibilityPage = try app.pages.templates.template("accessibility")
    }

    func register(on routes: inout Routes) throws {
        routes.get("/static/{path...}", execution: .reactor, staticFile)
        routes.get("/favicon.ico", execution: .reactor, favicon)
        routes.get("/accessibility", accessibility)
    }

    func staticFile(_ request: Request) -> Response {
        staticFiles.respond(to: request, segments: request.pathSegments.dropFirst())
    }

    /// Browsers ask for `/favicon.ico` on their own: the file in `Public/`, as `/static/favicon.ico` is.
    func favicon(_ request: Request) -> Response {
        staticFiles.respond(to: request, segments: ["favicon.ico"])
    }

    /// The accessibility statement (issue 9), linked from the footer of every page.
    func accessibility(_ request: Request) throws -> Response {
        let context = try app.requestContext(for: request)
        return context.finish(accessibilityPage.response(InLayout(StaticPage(), context)))
    }
}
