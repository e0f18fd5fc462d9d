import HTTPServer

/// Routes that are part of running the site rather than the board: health, static files and the
/// accessibility statement.
enum SiteRoutes {
    static func register(on router: inout RouterBuilder, app: AppContext) throws {
        let staticFiles = try StaticFiles(root: app.site.publicDirectory)
        let healthy = Response(
            status: .ok,
            headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]),
            body: Array("ok\n".utf8))
        router.get("/healthz", execution: .reactor) { _ in healthy }
        router.get("/static/{path...}", execution: .reactor) { request in
            staticFiles.respond(to: request, segments: request.pathSegments.dropFirst())
        }
        // The accessibility statement (issue 9), linked from the footer of every page.
        let accessibility = try app.pages.templates.template("accessibility")
        router.get("/accessibility") { request in
            let context = try app.requestContext(for: request)
            return context.finish(accessibility.response(InLayout(StaticPage(), context)))
        }
    }
}

/// A page whose content is all in its template.
struct StaticPage: TemplateRenderable {
    func templateValue(for key: String) -> TemplateValue? { nil }
}
