@testable import HTTPServer
import Board
import Foundation
import Testing
import TestSupport
@testable import Web

/// The site's own templates in Templates/: they compile, and the layout meets the basics of
/// issue 9 (accessible, GOV.UK-like, no inline script or style).
@Suite struct SiteTemplateTests {
    let directory = repositoryRoot + "/Templates"

    func page(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func everyTemplateCompilesAndTheRequiredOnesExist() throws {
        let library = try TemplateLibrary(directory: directory)
        try library.require(PageLibrary.requiredTemplates)
        #expect(library.names.contains("layout"))
    }

    @Test func homePageIsInTheLayout() throws {
        let pages = try PageLibrary(directory: directory)
        let response = pages.home.response(HomePage())
        let html = page(response)
        #expect(response.status == .ok)
        #expect(response.headers["content-type"] == "text/html; charset=utf-8")
        #expect(html.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
        #expect(html.contains("<title>Home – Mutuals Network</title>"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(html.contains("<link rel=\"stylesheet\" href=\"/static/site.css\">"))
        #expect(html.contains("<a class=\"skip-link\" href=\"#main\">Skip to main content</a>"))
        #expect(html.contains("<main id=\"main\""))
        #expect(html.contains("action=\"/search\" method=\"get\""))
        #expect(html.contains("<label class=\"label search__label\" for=\"site-search\">"))
        #expect(html.contains("id=\"site-search\" name=\"q\""))
        #expect(html.contains("href=\"/accessibility\""))
        #expect(html.contains("<h1 class=\"heading-xl\">Mutuals Network</h1>"))
    }

    @Test func templatesHaveNoInlineScriptOrStyle() throws {
        let library = try TemplateLibrary(directory: directory)
        let pages = try PageLibrary(directory: directory)
        for html in [page(pages.home.response(HomePage())), page(pages.errorResponse(.notFound, "x"))] {
            #expect(!html.contains("<script"))
            #expect(!html.contains("<style"))
            #expect(!html.contains(" style="))
            #expect(!html.contains(" on"))  // no onclick= and friends
        }
        #expect(!library.names.isEmpty)
    }

    @Test(arguments: [400, 403, 404, 413, 500, 503])
    func errorPagesAreRealPagesInTheLayout(code: Int) throws {
        let renderer = try WebApplication.makeErrorPage(site: SiteConfiguration(publicDirectory: repositoryRoot + "/Public", templatesDirectory: directory))
        let status = HTTPStatus(code, "Reason \(code)")
        let response = renderer(status, "It went <wrong> & \"badly\"", nil)
        let html = page(response)
        #expect(response.status == status)
        #expect(response.headers["content-type"] == "text/html; charset=utf-8")
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<h1 class=\"heading-l\">"))
        #expect(html.contains("It went &lt;wrong&gt; &amp; &quot;badly&quot;"))
        #expect(html.contains("<a href=\"/\">Go to the home page</a>"))
        #expect(html.contains("Error \(code): Reason \(code)"))
        #expect(html.contains("href=\"/accessibility\""))
    }

    @Test func notFoundPageFollowsTheGOVUKPattern() throws {
        let pages = try PageLibrary(directory: directory)
        let html = page(pages.errorResponse(.notFound, "There is no page at this address."))
        #expect(html.contains("<title>Page not found – Mutuals Network</title>"))
        #expect(html.contains("<h1 class=\"heading-l\">Page not found</h1>"))
    }

    @Test func routerServesTheHomePage() throws {
        try withTestNetwork { network in
            let router = try network.router(site: SiteConfiguration(publicDirectory: repositoryRoot + "/Public", templatesDirectory: directory))
            guard case .found(let route, _) = router.match(.get, []) else {
                Issue.record("no route for /")
                return
            }
            let response = try route.handler(Request(method: .get, path: "/", pathSegments: []))
            #expect(page(response).contains("<title>Home – Mutuals Network</title>"))
        }
    }

    @Test func sameOutputAcrossRendersAndThreads() async throws {
        let pages = try PageLibrary(directory: directory)
        let first = pages.home.render(HomePage())
        let outputs = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<16 { group.addTask { pages.home.render(HomePage()) } }
            var all: [[UInt8]] = []
            for await output in group { all.append(output) }
            return all
        }
        #expect(outputs.allSatisfy { $0 == first })
    }
}
