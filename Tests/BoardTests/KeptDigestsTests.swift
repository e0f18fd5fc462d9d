import Foundation
import Testing
@testable import Board

/// `KeptDigests`: each token's digest is computed once while kept, always the digest the
/// function gives, malformed tokens are never kept, and it never holds more than its capacity.
@Suite struct KeptDigestsTests {
    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var made: [String] = []
        func note(_ token: String) { lock.withLock { made.append(token) } }
        var tokens: [String] { lock.withLock { made } }
    }

    @Test func eachTokensDigestIsMadeOnceAndIsTheFunctionsOwn() {
        let calls = Calls()
        let kept = KeptDigests(capacity: 16) { token in
            calls.note(token)
            return Digest.sha256(Array(token.utf8))
        }
        let first = kept.of("alpha")
        #expect(first == Digest.sha256(Array("alpha".utf8)))
        #expect(kept.of("alpha") == first)
        #expect(kept.of("beta") == Digest.sha256(Array("beta".utf8)))
        #expect(kept.of("alpha") == first)
        #expect(calls.tokens == ["alpha", "beta"])
    }

    @Test func malformedTokensAreNotKept() {
        let calls = Calls()
        let kept = KeptDigests(capacity: 16) { token in
            calls.note(token)
            return token.hasPrefix("ok") ? [1, 2, 3] : nil
        }
        #expect(kept.of("bad") == nil)
        #expect(kept.of("bad") == nil)
        #expect(kept.count == 0)
        #expect(calls.tokens == ["bad", "bad"])
        #expect(kept.of("ok1") == [1, 2, 3])
        #expect(kept.count == 1)
    }

    @Test func itNeverHoldsMoreThanItsCapacity() {
        let kept = KeptDigests(capacity: 8) { Digest.sha256(Array($0.utf8)) }
        for index in 0..<100 {
            let token = "token-\(index)"
            #expect(kept.of(token) == Digest.sha256(Array(token.utf8)))
            #expect(kept.count <= 8)
        }
        #expect(kept.count > 0)
    }

    @Test func manyThreadsAtOnceAllGetTheRightDigest() async {
        let kept = KeptDigests(capacity: 64) { Digest.sha256(Array($0.utf8)) }
        let wrong = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<500 {
                        let token = "t\((worker * 7 + round) % 100)"
                        if kept.of(token) != Digest.sha256(Array(token.utf8)) { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
        #expect(kept.count <= 64)
    }

    /// The kept session-token digests are `tokenHash` itself, and refuse what it refuses.
    @Test func sessionTokenHashesAreTheTokenHash() throws {
        let token = Digest.base64URL(try SecureRandom.bytes(32))
        #expect(Accounts.sessionTokenHashes.of(token) == Accounts.tokenHash(token))
        #expect(Accounts.sessionTokenHashes.of(token) != nil)
        #expect(Accounts.sessionTokenHashes.of("not a token") == nil)
        #expect(Accounts.sessionTokenHashes.of(Digest.base64URL([1, 2, 3])) == nil)  // too short
    }
}
