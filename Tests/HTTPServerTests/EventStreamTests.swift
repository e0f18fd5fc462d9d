import Dispatch
import Foundation
import Synchronization
import Testing
@testable import HTTPServer
import TestSupport

/// Streams handed out by the test route, so a test can push events into them.
final class StreamHub: Sendable {
    private let streams = Mutex<[EventStream]>([])
    let closed = Atomic<Int>(0)

    func make() -> EventStream {
        let stream = EventStream(onClose: { [self] in _ = self.closed.add(1, ordering: .relaxed) })
        streams.withLock { $0.append(stream) }
        return stream
    }

    var all: [EventStream] { streams.withLock { $0 } }

    func waitForStreams(_ count: Int) -> Bool {
        for _ in 0..<500 {
            if all.count >= count { return true }
            usleep(10_000)
        }
        return false
    }

    func waitForClosed(_ count: Int) -> Bool {
        for _ in 0..<500 {
            if closed.load(ordering: .relaxed) >= count { return true }
            usleep(10_000)
        }
        return false
    }
}

func makeStreamRouter(hub: StreamHub) throws -> Router {
    var builder = RouterBuilder()
    builder.get("/") { _ in Response.text("hello") }
    builder.get("/events") { _ in
        let stream = hub.make()
        stream.send(event: "welcome", data: "first")  // sent before the connection takes it over
        return Response.eventStream(stream)
    }
    return try builder.build()
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct EventStreamTests {
    @Test(arguments: [false, true])
    func eventsArriveAsChunksUntilFinished(tls: Bool) throws {
        let hub = StreamHub()
        try withTestServer(router: try makeStreamRouter(hub: hub), tls: tls) { server in
            let client = try server.client()
            try client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try client.readHead()
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "text/event-stream; charset=utf-8")
            #expect(head.header("Transfer-Encoding") == "chunked")
            #expect(head.header("Content-Length") == nil)
            #expect(String(decoding: try #require(try client.readChunk()), as: UTF8.self) == "event: welcome\ndata: first\n\n")
            #expect(hub.waitForStreams(1))
            let stream = try #require(hub.all.first)
            #expect(stream.send(event: "reply", id: "7", data: "two\nlines"))
            #expect(String(decoding: try #require(try client.readChunk()), as: UTF8.self) == "event: reply\nid: 7\ndata: two\ndata: lines\n\n")
            stream.finish()
            #expect(try client.readChunk() == nil)
            #expect(client.isClosedByServer())
            #expect(hub.waitForClosed(1))
            #expect(!stream.send(data: "too late"))
        }
    }

    @Test func openStreamsHoldNoWorker() throws {
        let hub = StreamHub()
        try withTestServer(router: try makeStreamRouter(hub: hub), configure: { $0.workerThreads = 1 }) { server in
            var clients: [RawClient] = []
            for _ in 0..<50 {
                let client = try server.client()
                try client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try client.readHead().status == 200)
                clients.append(client)
            }
            // One worker thread, fifty open streams: pages are still answered.
            let page = try server.client()
            try page.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try page.readResponse().text == "hello")
            for stream in hub.all { stream.send(data: "all") }
            for client in clients {
                _ = try client.readChunk()  // welcome
                #expect(String(decoding: try #require(try client.readChunk()), as: UTF8.self) == "data: all\n\n")
            }
        }
    }

    @Test func clientLeavingClosesTheStream() throws {
        let hub = StreamHub()
        try withTestServer(router: try makeStreamRouter(hub: hub)) { server in
            let client = try server.client()
            try client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try client.readHead()
            #expect(hub.waitForStreams(1))
            client.close()
            #expect(hub.waitForClosed(1))
            #expect(hub.all.first?.isOpen == false)
        }
    }

    @Test func shutdownEndsStreamsCleanly() throws {
        let hub = StreamHub()
        let router = try makeStreamRouter(hub: hub)
        var configuration = ServerConfiguration(listeners: [ListenerConfiguration(port: 0, router: router)])
        configuration.shutdownGracePeriod = 30
        let server = Server(configuration: configuration)
        try server.start()
        let client = try RawClient(port: server.boundPorts[0])
        try client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try client.readHead()
        _ = try client.readChunk()
        let started = ContinuousClock.now
        server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))  // not the 30 s grace period
        #expect(try client.readChunk() == nil)
        #expect(hub.waitForClosed(1))
    }

    @Test func headAndHTTP10GetNoStream() throws {
        let hub = StreamHub()
        try withTestServer(router: try makeStreamRouter(hub: hub)) { server in
            let head = try server.client()
            try head.send("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try head.readResponse(isHead: true).status == 200)
            let old = try server.client()
            try old.send("GET /events HTTP/1.0\r\n\r\n")
            _ = try old.readResponse()
            #expect(old.isClosedByServer())
            #expect(hub.waitForClosed(2))
        }
    }

    @Test func sseFormatting() {
        #expect(String(decoding: EventStream.format(event: "a\nb", id: nil, data: "x\r\ny"), as: UTF8.self)
                == "event: ab\ndata: x\ndata: y\n\n")
        #expect(String(decoding: EventStream.format(event: nil, id: nil, data: ""), as: UTF8.self) == "data: \n\n")
    }
}
