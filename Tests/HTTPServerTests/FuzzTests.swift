import Testing
@testable import HTTPServer

/// A seeded generator (SplitMix64) so every run feeds the same 100,000 inputs and a failure
/// can be replayed from its index.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum FuzzCorpus {
    static let seeds: [String] = [
        "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /t/42-capital?page=2&x=%20y HTTP/1.1\r\nHost: example.org:8443\r\nCookie: a=1; b=2\r\nAccept: */*\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\ntitle=Bonds",
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: v\r\n\r\n",
        "HEAD /static/site.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://example.org/a/b HTTP/1.1\r\nHost: example.org\r\n\r\n",
        "POST /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    static let tokens: [String] = [
        "\r\n", "\r", "\n", " ", "\t", ":", "\0", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n",
        "Host: y\r\n", "0\r\n\r\n", "ffffffffffffffff\r\n", "%", "%2e%2e/", "..", "HTTP/1.1", "\u{7F}", ";",
        "Content-Length: -1\r\n", " chunked", "Expect: 100-continue\r\n", "\r\n\r\n",
    ]
}

@Suite struct FuzzTests {
    /// 100,000 mutated and random requests, each fed in random pieces: the parser must never
    /// crash or hang, and whatever it accepts must satisfy the invariants below.
    @Test(.timeLimit(.minutes(5))) func hundredThousandMutatedRequests() {
        var random = SeededGenerator(state: 0x4D55_5455_414C_53)  // "MUTUALS"
        var limits = HTTPLimits()
        limits.maxBodyBytes = 4096
        limits.maxHeaderBytes = 2048
        limits.maxURILength = 512
        var accepted = 0
        var rejected = 0
        for iteration in 0..<100_000 {
            let input = Self.makeInput(&random, iteration: iteration)
            var state = ConnectionState(limits: limits, timeouts: HTTPTimeouts(), now: 0)
            var offset = 0
            var steps = 0
            var finished = false
            while offset < input.count && !finished {
                let size = min(input.count - offset, Int.random(in: 1...64, using: &random))
                var actions = input[offset..<(offset + size)].withUnsafeBytes { state.receive($0, now: UInt64(steps)) }
                offset += size
                // Answer every dispatched request so pipelined ones proceed.
                while !actions.isEmpty {
                    steps += 1
                    if steps > 10_000 {
                        Issue.record("no progress on input \(iteration)")
                        return
                    }
                    var next: [ConnectionAction] = []
                    for action in actions {
                        switch action {
                        case .dispatch(let head, let body, _):
                            accepted += 1
                            #expect(body.count <= limits.maxBodyBytes)
                            #expect(head.path.hasPrefix("/") || head.path == "*", "input \(iteration)")
                            #expect(head.target.utf8.count <= limits.maxURILength)
                            next += state.responseQueued(keepAlive: true, now: UInt64(steps))
                        case .reject(let status, _):
                            rejected += 1
                            #expect([400, 408, 413, 414, 417, 431, 501, 505].contains(status.code))
                            finished = true
                        case .closeAfterSend, .closeNow:
                            finished = true
                        case .send:
                            break
                        }
                    }
                    actions = next
                }
            }
            _ = state.timerFired(now: .max)
        }
        // The generator must exercise both sides, or the test proves little.
        #expect(accepted > 5_000)
        #expect(rejected > 5_000)
    }

    static func makeInput(_ random: inout SeededGenerator, iteration: Int) -> [UInt8] {
        if iteration % 10 == 0 {
            // Pure noise, sometimes starting like a request.
            var bytes = iteration % 20 == 0 ? Array("GET /".utf8) : []
            for _ in 0..<Int.random(in: 0...300, using: &random) { bytes.append(UInt8.random(in: 0...255, using: &random)) }
            return bytes
        }
        var bytes = Array(FuzzCorpus.seeds.randomElement(using: &random)!.utf8)
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            case 1: bytes.remove(at: position)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 3: bytes.insert(contentsOf: Array(FuzzCorpus.tokens.randomElement(using: &random)!.utf8), at: position)
            case 4:
                let end = min(bytes.count, position + Int.random(in: 1...20, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default:
                bytes += Array(FuzzCorpus.seeds.randomElement(using: &random)!.utf8)
            }
        }
        return bytes
    }
}
