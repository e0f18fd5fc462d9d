import Foundation
import Testing
@testable import Board

/// `KeptPerKeyUntilChange`: a value is given out again only under the version and within the
/// lifetime it was kept for, each key's own, and no shard keeps more than its share.
@Suite struct KeptPerKeyUntilChangeTests {
    final class Reads: @unchecked Sendable {
        var count = 0
    }

    @Test(arguments: [4, 4_096])
    func valuesAreKeptPerKeyUntilTheVersionMovesOrTheyAreOld(limit: Int) {
        let kept = KeptPerKeyUntilChange<Int, String>(lifetime: 10, limit: limit)
        let reads = Reads()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func value(_ key: Int, version: UInt64, at seconds: TimeInterval = 0) -> String {
            kept.value(for: key, version: version, now: start.addingTimeInterval(seconds)) {
                reads.count += 1
                return "\(key)@\(version)#\(reads.count)"
            }
        }
        #expect(value(1, version: 7) == "1@7#1")
        #expect(value(2, version: 7) == "2@7#2")
        #expect(value(1, version: 7, at: 5) == "1@7#1")  // kept
        #expect(value(2, version: 7, at: 5) == "2@7#2")
        #expect(value(1, version: 8, at: 5) == "1@8#3")  // a commit since: read again
        #expect(value(1, version: 8, at: 16) == "1@8#4")  // too old
        #expect(value(1, version: 8, at: 3) == "1@8#5")  // a clock that went back
        #expect(reads.count == 5)
    }

    @Test func aFullShardLetsOneGoAndMadeUpKeysFillNothing() throws {
        let kept = KeptPerKeyUntilChange<Int, String>(lifetime: 10, limit: 3)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let reads = Reads()
        for key in 0..<3 { _ = kept.value(for: key, version: 1, now: now) { reads.count += 1; return "v\(key)" } }
        for key in 0..<3 { _ = kept.value(for: key, version: 1, now: now) { reads.count += 1; return "v\(key)" } }
        #expect(reads.count == 3)
        _ = kept.value(for: 3, version: 1, now: now) { reads.count += 1; return "v3" }  // full: one of the three goes
        #expect(reads.count == 4)
        #expect((0..<4).filter { kept.kept(for: $0, version: 1, now: now) != nil }.count == 3)
        #expect(kept.kept(for: 3, version: 1, now: now) == "v3")
        _ = kept.value(for: 3, version: 1, now: now) { reads.count += 1; return "v3" }  // kept; nothing goes
        #expect((0..<4).filter { kept.kept(for: $0, version: 1, now: now) != nil }.count == 3)
        #expect(reads.count == 4)
        // `found` keeps only a value that exists.
        #expect(kept.found(for: 99, version: 1, now: now) { reads.count += 1; return nil } == nil)
        #expect(kept.found(for: 99, version: 1, now: now) { reads.count += 1; return nil } == nil)
        #expect(reads.count == 6)
    }
}
