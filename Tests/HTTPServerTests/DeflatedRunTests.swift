import CZlib
import Testing
@testable import HTTPServer

/// A gzip body that takes kept runs as they were deflated once (`Compression.gzip(_:runs:level:)`)
/// inflates, with the reference inflater, to exactly the bytes it was made from, wherever the runs
/// stand; runs that do not fit the body are ignored, never trusted.
@Suite struct DeflatedRunTests {
    static func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var input = bytes
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: out[0 ..< (out.count - Int(stream.avail_out))])
                }
            } while status == Z_OK
        }
        // The whole input is one gzip member, nothing after it.
        guard status == Z_STREAM_END, stream.avail_in == 0 else { return nil }
        return output
    }

    /// Markup-like text: repeats, so live stretches really compress and can look back.
    static func markup(_ seed: Int, count: Int) -> [UInt8] {
        var generator = SeededGenerator(state: UInt64(seed))
        let words = ["<div class=\"post\">", "</div>", "<form method=\"post\" action=\"/t/12/reply\">", "helped ",
                     "pension ", "board ", "<input type=\"hidden\" name=\"csrf\" value=\"", "\">", "é", "—", "\n"]
        var bytes: [UInt8] = []
        while bytes.count < count { bytes += Array(words[Int(generator.next() % UInt64(words.count))].utf8) }
        return Array(bytes.prefix(count))
    }

    /// A page cut into stretches, every other one a kept run.
    static func page(_ stretches: [(length: Int, kept: Bool)], seed: Int) -> (body: [UInt8], runs: [DeflatedRun.Placed]) {
        var body: [UInt8] = []
        var runs: [DeflatedRun.Placed] = []
        for (index, stretch) in stretches.enumerated() {
            let bytes = markup(seed * 1000 + index, count: stretch.length)
            if stretch.kept { runs.append(DeflatedRun.Placed(offset: body.count, run: DeflatedRun(bytes))) }
            body += bytes
        }
        return (body, runs)
    }

    @Test(arguments: [
        [(3000, false), (2000, true), (40, false), (1800, true), (40, false), (900, true), (2500, false)],  // a thread page
        [(2000, true), (1000, false)],                    // a run first
        [(1000, false), (2000, true)],                    // a run last
        [(1500, true), (0, false), (1500, true), (700, true)],  // runs side by side
        [(256, false), (300, true), (257, false), (300, true), (1, false)],  // stored and compressed gaps
        [(70_000, false), (70_000, true), (300, false)],  // longer than a stored block and a window
        [(0, true), (10, false), (0, true)],              // empty runs
    ])
    func aGzipBodyWithRunsInflatesToTheBody(_ stretches: [(Int, Bool)]) throws {
        for level: Int32 in [1, 6, 9] {
            let (body, runs) = Self.page(stretches.map { (length: $0.0, kept: $0.1) }, seed: Int(level))
            let gzip = try #require(Compression.gzip(body, runs: runs, level: level))
            #expect(Self.gunzip(gzip) == body)
            #expect(Array(gzip.prefix(3)) == [0x1F, 0x8B, 8])
        }
    }

    /// The runs really are taken as they were deflated: their blocks are in the gzip body.
    @Test func theRunsDeflatedFormIsTakenAsItIs() throws {
        let (body, runs) = Self.page([(3000, false), (4000, true), (40, false), (4000, true), (2000, false)], seed: 7)
        let gzip = try #require(Compression.gzip(body, runs: runs, level: 1))
        for placed in runs {
            #expect(contains(gzip, placed.run.deflated))
        }
        #expect(Self.gunzip(gzip) == body)
    }

    /// Runs out of place, out of order, overlapping, past the end or over other bytes are not
    /// trusted: the body is compressed as a whole.
    @Test func runsThatDoNotFitAreIgnored() throws {
        let body = Self.markup(3, count: 5000)
        let piece = Array(body[1000 ..< 2000])
        let run = DeflatedRun(piece)
        let other = DeflatedRun(Self.markup(4, count: 1000))
        let cases: [[DeflatedRun.Placed]] = [
            [.init(offset: 999, run: run)],                                   // one byte off
            [.init(offset: 1000, run: other)],                                // other bytes
            [.init(offset: 4500, run: run)],                                  // past the end
            [.init(offset: 1000, run: run), .init(offset: 1500, run: run)],  // overlapping
            [.init(offset: 1000, run: run), .init(offset: 0, run: run)],     // out of order
        ]
        for runs in cases {
            let gzip = try #require(Compression.gzip(body, runs: runs, level: 1))
            #expect(Self.gunzip(gzip) == body)
            #expect(gzip == Compression.gzip(body, level: 1))
        }
        #expect(DeflatedRun.fit([.init(offset: 1000, run: run)], in: body))
    }

    /// Stored blocks (what a run falls back to if zlib fails) inflate too, however long.
    @Test func storedRunsInflate() throws {
        for count in [0, 1, 65_535, 65_536, 140_000] {
            let bytes = Self.markup(count, count: count)
            let run = DeflatedRun(bytes: bytes, deflated: DeflatedRun.stored(bytes))
            let body = Self.markup(1, count: 500) + bytes + Self.markup(2, count: 500)
            let gzip = try #require(Compression.gzip(body, runs: [.init(offset: 500, run: run)], level: 6))
            #expect(Self.gunzip(gzip) == body)
        }
    }

    /// A response whose runs are placed is compressed with them, and loses them with its body.
    @Test func compressingAResponseUsesAndDropsItsRuns() throws {
        let (body, runs) = Self.page([(3000, false), (4000, true), (2000, false)], seed: 9)
        var response = Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]), body: body)
        response.deflatedRuns = runs
        var request = Request(method: .get, path: "/", pathSegments: [], isSecure: true)
        request.headers.add("Accept-Encoding", "gzip")
        let compressed = Compression.compress(response, for: request, level: 1)
        #expect(compressed.headers["content-encoding"] == "gzip")
        #expect(compressed.deflatedRuns.isEmpty)
        #expect(Self.gunzip(compressed.body) == body)
        #expect(contains(compressed.body, runs[0].run.deflated))
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        return (0 ... haystack.count - needle.count).contains { start in haystack[start ..< start + needle.count].elementsEqual(needle) }
    }
}
