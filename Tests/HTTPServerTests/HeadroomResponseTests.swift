import Foundation
import Testing
import TestSupport
@testable import HTTPServer

/// Responses whose body follows spare room for the head (`Response(bodyAfter:in:)`, as rendered
/// pages are made): the reactor writes the head into that room and sends the array itself. The
/// room's own bytes are never part of the body, whichever way the response goes out.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HeadroomResponseTests {
    /// A body of `count` bytes (a repeating pattern) after `headroom` bytes of 0xEE.
    static func storage(headroom: Int, count: Int) -> [UInt8] {
        [UInt8](repeating: 0xEE, count: headroom) + (0..<count).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    }

    static func expectedBody(_ count: Int) -> [UInt8] {
        Array(storage(headroom: 0, count: count))
    }

    @Test func theBodyIsWhatFollowsTheRoom() {
        var response = Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                                bodyAfter: 64, in: Self.storage(headroom: 64, count: 100))
        #expect(response.bodyCount == 100)
        #expect(response.body == Self.expectedBody(100))
        #expect(response.withBodyBytes { Array($0) } == Self.expectedBody(100))
        response.body = Array("replaced".utf8)
        #expect(response.bodyCount == 8)
        #expect(response.body == Array("replaced".utf8))
        let empty = Response(bodyAfter: 10, in: [UInt8](repeating: 0xEE, count: 10))
        #expect(empty.bodyCount == 0 && empty.body.isEmpty)
    }

    /// Compressed, the body (not the room) is what gets compressed.
    @Test func compressionReadsTheBodyOnly() throws {
        let text = Array(String(repeating: "compress me, not the room. ", count: 100).utf8)
        let response = Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html")]),
                                bodyAfter: 512, in: [UInt8](repeating: 0xEE, count: 512) + text)
        let request = Request(method: .get, path: "/", pathSegments: [], headers: HTTPHeaders([("Accept-Encoding", "gzip")]))
        let compressed = Compression.compress(response, for: request)
        #expect(compressed.headers["content-encoding"] == "gzip")
        #expect(compressed.body == Compression.gzip(text))
    }

    /// A compressed body is made after room for the head too, so it goes out from its own
    /// array as a rendered page does; its room is never part of what is sent or unzipped.
    @Test func compressedBodiesComeWithRoomForTheHead() throws {
        let text = Array(String(repeating: "a page of text, compressed after room for its head. ", count: 200).utf8)
        let response = Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html")]), body: text)
        let request = Request(method: .get, path: "/", pathSegments: [], headers: HTTPHeaders([("Accept-Encoding", "gzip")]))
        let compressed = Compression.compress(response, for: request)
        #expect(compressed.headers["content-encoding"] == "gzip")
        #expect(compressed.headroom == Response.headroomForHead)
        #expect(compressed.body == Compression.gzip(text))
        #expect(compressed.bodyCount == Compression.gzip(text)?.count)
        #expect(try Self.gunzip(compressed.body) == text)
    }

    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read(), 31))"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    static func router() throws -> Router {
        var builder = RouterBuilder()
        // A page compressed on its way out, as the Web layer's routes do for clients that take gzip.
        builder.get("/compressed") { request in
            Compression.compress(Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html")]),
                                          body: Array(String(repeating: "compressed page text ", count: 500).utf8)),
                                 for: request)
        }
        // Room enough for the head, so the array itself goes out.
        builder.get("/roomy") { _ in
            Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), bodyAfter: 1024,
                     in: storage(headroom: 1024, count: 40_000))
        }
        // Room too small for the head: copied after it, as any body.
        builder.get("/cramped") { _ in
            Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), bodyAfter: 16,
                     in: storage(headroom: 16, count: 3_000))
        }
        // A body that is all room: nothing to send.
        builder.get("/empty") { _ in
            Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), bodyAfter: 1024,
                     in: storage(headroom: 1024, count: 0))
        }
        builder.get("/notfound") { _ in
            Response(status: HTTPStatus(404, "Not Found"), headers: HTTPHeaders([("Content-Type", "text/plain")]), bodyAfter: 1024,
                     in: storage(headroom: 1024, count: 9))
        }
        return try builder.build()
    }

    @Test(arguments: [false, true])
    func overTheWireOnlyTheBodyArrives(tls: Bool) throws {
        try withTestServer(router: try Self.router(), tls: tls) { server in
            let client = try server.client()
            for _ in 0..<3 {
                for (path, count, status) in [("/roomy", 40_000, 200), ("/cramped", 3_000, 200), ("/empty", 0, 200), ("/notfound", 9, 404)] {
                    try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                    let response = try client.readResponse()
                    #expect(response.status == status, "\(path)")
                    #expect(response.header("Content-Length") == String(count), "\(path)")
                    #expect(response.body == Self.expectedBody(count), "\(path)")
                    #expect(!response.rawHead.utf8.contains(0xEE), "\(path)")
                }
                // HEAD: the head alone, with the body's length.
                try client.send("HEAD /roomy HTTP/1.1\r\nHost: x\r\n\r\n")
                let head = try client.readResponse(isHead: true)
                #expect(head.status == 200 && head.body.isEmpty && head.header("Content-Length") == "40000")
            }
        }
    }

    /// Answers made on the workers and handed back to the reactor are moved all the way, so
    /// those with room for their head (the 404 and the empty one too) go out from their own
    /// arrays: none is copied whole to write its head. The cramped one and HEAD take the
    /// ordinary path.
    @Test(arguments: [false, true])
    func roomyAnswersGoOutFromTheirOwnArrays(tls: Bool) throws {
        try withTestServer(router: try Self.router(), tls: tls) { server in
            let client = try server.client()
            let before = server.server.bodiesSentInPlace
            for _ in 0..<5 {
                for path in ["/roomy", "/cramped", "/empty", "/notfound"] {
                    try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = try client.readResponse()
                }
                try client.send("HEAD /roomy HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try client.readResponse(isHead: true)
            }
            #expect(server.server.bodiesSentInPlace - before == 15)
        }
    }

    /// A gzip answer goes out from its own array, and unzips to the page.
    @Test(arguments: [false, true])
    func compressedAnswersGoOutFromTheirOwnArrays(tls: Bool) throws {
        try withTestServer(router: try Self.router(), tls: tls) { server in
            let client = try server.client()
            let before = server.server.bodiesSentInPlace
            let page = Array(String(repeating: "compressed page text ", count: 500).utf8)
            for _ in 0..<4 {
                try client.send("GET /compressed HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.header("Content-Encoding") == "gzip")
                #expect(response.header("Content-Length") == String(response.body.count))
                #expect(try Self.gunzip(response.body) == page)
            }
            #expect(server.server.bodiesSentInPlace - before == 4)
        }
    }

    /// Pipelined: the second answer is queued while the first is still going out, so it is
    /// copied after it; both arrive whole and in order.
    @Test(arguments: [false, true])
    func pipelinedResponsesArriveWholeAndInOrder(tls: Bool) throws {
        try withTestServer(router: try Self.router(), tls: tls) { server in
            let client = try server.client()
            try client.send("GET /roomy HTTP/1.1\r\nHost: x\r\n\r\nGET /cramped HTTP/1.1\r\nHost: x\r\n\r\nGET /roomy HTTP/1.1\r\nHost: x\r\n\r\n")
            for count in [40_000, 3_000, 40_000] {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body == Self.expectedBody(count))
            }
        }
    }
}
