import Dispatch
import CZlib
import Foundation
@testable import HTTPServer
import Synchronization
import Testing
import TestSupport
@testable import Web

/// gzip bodies with kept pieces spliced in (`KeptDeflate`, `Compression.gzip(_:keeping:)`):
/// the thread page's kept posts are compressed once and put into each reader's gzip page.
@Suite struct KeptDeflateTests {
    /// Text that compresses, with enough variety that a wrong splice shows.
    static func page(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var line = 0
        while bytes.count < count {
            bytes.append(contentsOf: Array("<li class=\"post\" id=\"post-\(line * 7919 % 100_003)\">Line \(line) of the page, \(line % 13) times</li>\n".utf8))
            line += 1
        }
        return Array(bytes.prefix(count))
    }

    static func spans(_ body: [UInt8], _ ranges: [Range<Int>]) -> [KeptDeflateSpan] {
        ranges.map { KeptDeflateSpan(offset: $0.lowerBound, kept: KeptDeflate(Array(body[$0]))) }
    }

    static func spliced(_ body: [UInt8], _ spans: [KeptDeflateSpan]) -> [UInt8]? {
        body.withUnsafeBufferPointer { Compression.gzip($0, keeping: spans) }
    }

    @Test(arguments: [
        [4_000 ..< 20_000],                      // in the middle, as on the thread page
        [0 ..< 9_000],                           // at the very start
        [25_000 ..< 30_000],                     // up to the very end
        [0 ..< 30_000],                          // the whole body
        [1_000 ..< 6_000, 6_000 ..< 14_000],     // two, one right after the other
        [100 ..< 3_000, 10_000 ..< 29_999],      // two apart
    ])
    func splicedGzipIsTheBody(ranges: [Range<Int>]) throws {
        let body = Self.page(30_000)
        let gzip = try #require(Self.spliced(body, Self.spans(body, ranges)))
        #expect(try PageCacheTests.gunzip(gzip) == body)
        // The kept stretches compressed, the rest as it is (in stored blocks of at most 64 KB).
        let kept = ranges.reduce(0) { $0 + $1.count }
        #expect(gzip.count < body.count - kept + kept / 3)
        // The same spans again: their deflate forms are the ones made the first time.
        let spans = Self.spans(body, ranges)
        #expect(try #require(Self.spliced(body, spans)) == (try #require(Self.spliced(body, spans))))
        #expect(try PageCacheTests.gunzip(try #require(Self.spliced(body, spans))) == body)
    }

    /// More of the response's own bytes than one stored block holds (64 KB), either side.
    @Test func longOwnPartsGoInSeveralStoredBlocks() throws {
        let body = Self.page(200_000)
        let gzip = try #require(Self.spliced(body, Self.spans(body, [70_000 ..< 75_000])))
        #expect(try PageCacheTests.gunzip(gzip) == body)
        // No span at all: the whole body stored.
        #expect(try PageCacheTests.gunzip(try #require(Self.spliced(body, []))) == body)
        #expect(try PageCacheTests.gunzip(try #require(Self.spliced([], []))) == [])
    }

    @Test func spansThatAreNotTheBodyAreRefused() {
        let body = Self.page(20_000)
        let good = Self.spans(body, [2_000 ..< 8_000])[0]
        // Other bytes than the body's at that place.
        var changed = Array(body[2_000 ..< 8_000])
        changed[3_000] ^= 0x20
        #expect(Self.spliced(body, [KeptDeflateSpan(offset: 2_000, kept: KeptDeflate(changed))]) == nil)
        // One place off.
        #expect(Self.spliced(body, [KeptDeflateSpan(offset: 2_001, kept: good.kept)]) == nil)
        // Past the end, and out of order (overlapping).
        #expect(Self.spliced(body, [KeptDeflateSpan(offset: 15_000, kept: good.kept)]) == nil)
        #expect(Self.spliced(body, Self.spans(body, [5_000 ..< 9_000, 4_000 ..< 4_500])) == nil)
    }

    /// Spliced only when the response's own bytes, which go uncompressed, are few
    /// (`Compression.largestStoredBytes`): a page with a long draft is compressed whole.
    @Test func onlyPagesWithFewOwnBytesAreSpliced() throws {
        let body = Self.page(30_000)
        func response(_ ranges: [Range<Int>]) -> Response {
            Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]),
                     bodyAfter: 0, in: body, keptDeflates: Self.spans(body, ranges))
        }
        let few = 30_000 - Compression.largestStoredBytes
        #expect(Compression.splices(response([4_000 ..< 4_000 + few])))
        #expect(Compression.splices(response([0 ..< 10_000, 10_000 ..< few])))
        #expect(!Compression.splices(response([4_000 ..< 3_999 + few])))
        #expect(!Compression.splices(response([])))
        var request = Request(method: .get, path: "/", pathSegments: [], isSecure: true)
        request.headers.add("Accept-Encoding", "gzip")
        let spliced = Compression.compress(response([4_000 ..< 4_000 + few]), for: request, level: 1)
        let whole = Compression.compress(response([4_000 ..< 3_999 + few]), for: request, level: 1)
        #expect(try PageCacheTests.gunzip(spliced.body) == body)
        #expect(try PageCacheTests.gunzip(whole.body) == body)
        // The spliced body holds the page's own bytes as they are; the whole one is compressed.
        #expect(spliced.body.count > Compression.largestStoredBytes)
        #expect(whole.body.count < Compression.largestStoredBytes)
    }

    /// A response whose spans do not match its body is still compressed, whole, correctly.
    @Test func compressFallsBackToTheWholeBody() throws {
        let body = Self.page(20_000)
        let wrong = KeptDeflateSpan(offset: 10, kept: KeptDeflate(Array(body[0 ..< 5_000])))
        let response = Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]),
                                bodyAfter: 0, in: body, keptDeflates: [wrong])
        var request = Request(method: .get, path: "/", pathSegments: [], isSecure: true)
        request.headers.add("Accept-Encoding", "gzip")
        let compressed = Compression.compress(response, for: request, level: 1)
        #expect(compressed.headers["content-encoding"] == "gzip")
        #expect(compressed.keptDeflates.isEmpty && !Self.isSpliced(compressed.body))
        #expect(try PageCacheTests.gunzip(compressed.body) == body)
    }

    /// Many responses asking for the same kept piece at once all get a right body.
    @Test func firstUsesAtOnceAgree() throws {
        let body = Self.page(40_000)
        let kept = KeptDeflate(Array(body[5_000 ..< 35_000]))
        let results = Mutex<[[UInt8]?]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let result = Self.spliced(body, [KeptDeflateSpan(offset: 5_000, kept: kept)])
            results.withLock { $0.append(result) }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 8)
        for result in all {
            #expect(try PageCacheTests.gunzip(try #require(result)) == body)
        }
    }

    /// The thread page as a signed-in member reads it: its kept posts are a span of the
    /// response, and the gzip page is the page.
    @Test func theThreadPageSplicesItsKeptPosts() throws {
        try withTestNetwork(limits: .noNewAccountPeriod, content: .demo) { network in
            let thread = try Self.threadWithLongPosts(network)
            let reader = try network.userID("sam_okafor")
            let session = try network.accounts.startSession(userID: reader, userAgent: "KeptDeflateTests")
            let router = try network.router()
            let segments = thread.path.split(separator: "/").map(String.init)
            guard case .found(let route, let parameters) = router.match(.get, segments) else {
                Issue.record("no route for \(thread.path)")
                return
            }
            var request = Request(method: .get, path: thread.path, pathSegments: segments, isSecure: true)
            request.parameters = parameters
            request.headers.add("Cookie", "__Host-session=\(session.token)")
            request.headers.add("Accept-Encoding", "gzip")
            // The page's blocks are kept from their second reading, the page from its third.
            var last: Response?
            for _ in 0 ..< 4 { last = try route.respond(to: request) }
            let response = try #require(last)
            #expect(response.headers["content-encoding"] == "gzip")
            #expect(Self.isSpliced(response.body))
            let page = String(decoding: try PageCacheTests.gunzip(response.body), as: UTF8.self)
            #expect(page.hasSuffix("</html>\n"))
            #expect(page.contains("Sign out") && page.components(separatedBy: "<li class=\"post").count - 1 == 6)
            // Built again without gzip: the same page, and its posts are one kept span.
            request.headers.remove("accept-encoding")
            let plain = try route.respond(to: request)
            #expect(plain.headers["content-encoding"] == nil)
            let span = try #require(plain.keptDeflates.first)
            #expect(plain.keptDeflates.count == 1 && span.kept.count > CutMarkup.smallestDeflated)
            // Few bytes of the page's own: its gzip body is spliced.
            #expect(Compression.splices(plain))
            let plainText = String(decoding: plain.body, as: UTF8.self)
            #expect(Self.maskingTokens(plainText) == Self.maskingTokens(page))
            let posts = Array(plain.body[span.offset ..< span.offset + span.kept.count])
            #expect(String(decoding: posts, as: UTF8.self).hasPrefix("<li class=\"post\""))
        }
    }

    /// Over the network, as a browser asks: every gzip reading of the page is the page.
    @Test func gzipThreadPagesReadAgainAreThePage() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { site in
            let thread = try Self.threadWithLongPosts(site.network)
            let member = try site.signedIn("sam_okafor")
            let plain = try member.get(thread.path)
            for reading in 0 ..< 4 {
                let gzipped = try member.get(thread.path, headers: [("Accept-Encoding", "gzip")])
                // The page's blocks are kept from their second reading, the page from its third:
                // from then on the gzip body is spliced, and still the page.
                if reading >= 2 { #expect(Self.isSpliced(gzipped.body), "reading \(reading + 1)") }
                #expect(gzipped.header("content-encoding") == "gzip")
                #expect(gzipped.header("vary")?.lowercased().contains("accept-encoding") == true)
                let text = String(decoding: try PageCacheTests.gunzip(gzipped.body), as: UTF8.self)
                #expect(Self.maskingTokens(text) == Self.maskingTokens(plain.text))
                // The token is still masked afresh for each response (BREACH).
                #expect(PageCacheTests.formToken(text) != PageCacheTests.formToken(plain.text))
            }
        }
    }

    /// A thread of one short post: its kept markup is small, and its gzip page is spliced all
    /// the same (compressing the whole page each time cost far more CPU than the bytes it saved).
    @Test func aThreadOfOneShortPostIsSplicedToo() throws {
        try withTestSite(limits: .noNewAccountPeriod, content: .demo) { site in
            let author = try site.network.member(handle: "short_author")
            let thread = try site.network.thread(by: author, title: "One short question", body: "Who chairs your staff council?")
            let member = try site.signedIn("sam_okafor")
            let plain = try member.get(thread.path)
            for reading in 0 ..< 4 {
                let gzipped = try member.get(thread.path, headers: [("Accept-Encoding", "gzip")])
                if reading >= 2 { #expect(Self.isSpliced(gzipped.body), "reading \(reading + 1)") }
                let text = String(decoding: try PageCacheTests.gunzip(gzipped.body), as: UTF8.self)
                #expect(Self.maskingTokens(text) == Self.maskingTokens(plain.text))
                #expect(text.contains("Who chairs your staff council?"))
            }
        }
    }

    /// Streams are kept and reset between bodies (`DeflateStreams`): bodies of every size, one
    /// after another and at once, at each level and window used, each come out as themselves.
    @Test func keptStreamsCompressEachBodyAfresh() throws {
        let bodies = [Self.page(30_000), Self.page(6_000), Array("short".utf8), [], Self.page(100_000),
                      Array(Self.page(20_000).reversed())]
        for level: Int32 in [1, 6, 9] {
            for body in bodies {
                #expect(try PageCacheTests.gunzip(try #require(Compression.gzip(body, level: level))) == body)
            }
        }
        let results = Mutex<[([UInt8], [UInt8]?)]>([])
        DispatchQueue.concurrentPerform(iterations: 24) { index in
            let body = bodies[index % bodies.count]
            let result = Compression.gzip(body, level: 1)
            results.withLock { $0.append((body, result)) }
        }
        for (body, result) in results.withLock({ $0 }) {
            #expect(try PageCacheTests.gunzip(try #require(result)) == body)
        }
        // Kept for reuse, but not more than the bound of each kind.
        let streams = DeflateStreams(keptPerKind: 2)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            _ = streams.withStream(level: 1, windowBits: 31) { stream in deflateBound(stream, 100) }
        }
        #expect(streams.idleCount >= 1 && streams.idleCount <= 2)
        _ = streams.withStream(level: 6, windowBits: -15) { _ in 0 }
        #expect(streams.idleCount <= 3)
    }

    /// A public thread of six posts by others than sam_okafor, each long enough that the page's
    /// posts are well past `CutMarkup.smallestDeflated`.
    static func threadWithLongPosts(_ network: TestNetwork) throws -> TestThread {
        let author = try network.member(handle: "deflate_author")
        let other = try network.member(handle: "deflate_other")
        let paragraph = String(repeating: "Our staff council met the commissioner about the contract terms. ", count: 6)
        let thread = try network.thread(by: author, title: "Kept posts compressed once", body: paragraph)
        for index in 0 ..< 5 {
            _ = try network.reply(to: thread, by: index % 2 == 0 ? other : author, body: "Reply \(index). " + paragraph)
        }
        return thread
    }

    /// Whether `gzip` is a spliced body (`Compression.gzip(_:keeping:)`), told by how it begins:
    /// no extra flags (zlib's level 1 writes XFL 4), then a stored block, whose length and its
    /// complement agree.
    static func isSpliced(_ gzip: [UInt8]) -> Bool {
        guard gzip.count > 15, gzip[8] == 0, gzip[10] == 0 else { return false }
        let length = UInt16(gzip[11]) | UInt16(gzip[12]) << 8, complement = UInt16(gzip[13]) | UInt16(gzip[14]) << 8
        return length ^ complement == 0xFFFF
    }

    /// The page with its form tokens (masked afresh for each response) blanked.
    static func maskingTokens(_ page: String) -> String {
        page.replacingOccurrences(of: #"name="csrf" value="[^"]*""#, with: #"name="csrf" value="""#, options: .regularExpression)
    }
}
