import Testing
@testable import Board

/// `DenseIDMap` answers as a dictionary would, for ids in its array and past it.
struct DenseIDMapTests {
    @Test func answersAsADictionaryKeepingTheFirstValue() {
        let ids: [Int64] = [3, 0, 7, 3, -5, DenseIDMap<String>.denseLimit, DenseIDMap<String>.denseLimit - 1, 9_000_000_000, 7]
        var expected: [Int64: String] = [:]
        var pairs: [(Int64, String)] = []
        for (index, id) in ids.enumerated() {
            pairs.append((id, "value \(index)"))
            if expected[id] == nil { expected[id] = "value \(index)" }
        }
        let map = DenseIDMap(pairs)
        for probe in Set(ids).union([1, 2, 4, 8, -1, Int64.max, Int64.min, DenseIDMap<String>.denseLimit + 1]) {
            #expect(map[probe] == expected[probe], "id \(probe)")
        }
        #expect(DenseIDMap<Int>([])[0] == nil)
    }
}
