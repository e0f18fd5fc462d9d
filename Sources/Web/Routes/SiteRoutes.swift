import HTTPServer

/// Routes that are part of running the site rather than the board: health and static files.
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
    }
}
