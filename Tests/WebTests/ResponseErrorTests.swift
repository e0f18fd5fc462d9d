import Board
import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import Web

/// Board's errors know their response (`Errors/`); anything else is a logged 500 whose page
/// quotes the request's reference.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ResponseErrorTests {
    struct Unexpected: Error {}

    @Test(arguments: [
        (ModerationError.denied("Only admins can do that") as any ResponseError, 403, "Only admins can do that"),
        (ModerationError.notFound, 404, "There is no page at this address."),
        (MentorError.denied("Only mentors can do that"), 403, "Only mentors can do that"),
        (MentorError.invalid([FieldError("mentors", "Choose a mentor")]), 400, "Choose a mentor"),
        (BriefingError.notFound, 404, "There is no page at this address."),
        (PostingError.threadNotFound, 404, "There is no page at this address."),
        (PostingError.threadLocked, 403, "This thread is locked, so no one can reply"),
    ])
    func boardErrorsAnswerWithTheirStatusAndMessage(error: any ResponseError, status: Int, message: String) throws {
        #expect(error.status.code == status)
        #expect(error.message == message)
        let handler = Routes.answering { _ in throw error }
        do {
            _ = try handler(Request(method: .get, path: "/", pathSegments: []))
            Issue.record("the handler answered")
        } catch let thrown as HTTPError {
            #expect(thrown.status.code == status)
            #expect(thrown.message == message)
            #expect(thrown.headers["cache-control"] == "no-store")
        }
    }

    @Test func anUnexpectedErrorIsA500PageQuotingTheRequestReference() throws {
        var routes = Routes()
        routes.get("/broken") { _ in throw Unexpected() }
        routes.get("/refused") { _ in throw ModerationError.denied("Only admins can do that") }
        let site = SiteConfiguration(publicDirectory: repositoryRoot + "/Public", templatesDirectory: repositoryRoot + "/Templates")
        let errorPage = try WebApplication.makeErrorPage(site: site)
        try withTestServer(router: try routes.builder.build(), configure: { $0.errorPage = errorPage }) { server in
            let client = try server.client()
            try client.send("GET /broken HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let broken = try client.readResponse()
            #expect(broken.status == 500)
            let text = String(decoding: broken.body, as: UTF8.self)
            #expect(text.contains("Something went wrong on our side. If it keeps happening, quote reference "))
            try client.send("GET /refused HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let refused = try client.readResponse()
            #expect(refused.status == 403)
            #expect(String(decoding: refused.body, as: UTF8.self).contains("Only admins can do that"))
            #expect(refused.header("cache-control") == "no-store")
        }
    }
}
