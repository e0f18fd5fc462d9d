import Testing
@testable import Board

/// `partitionPoint` finds where a sorted collection's prefix ends, also in a slice whose
/// indices do not start at 0.
struct SortedSearchTests {
    @Test func findsWhereEachValueIsOrWouldGo() {
        for count in 0...9 {
            let values = (0..<count).map { $0 * 2 + 1 }  // 1, 3, 5, …
            for probe in -1...(count * 2 + 1) {
                let expected = values.firstIndex { $0 >= probe } ?? values.count
                #expect(values.partitionPoint { $0 < probe } == expected, "\(probe) in \(values)")
            }
        }
        let slice = [1, 2, 3, 4, 5, 6, 7, 8][3...]
        #expect(slice.partitionPoint { $0 < 6 } == 5)
        #expect(slice.partitionPoint { $0 < 1 } == slice.startIndex)
        #expect(slice.partitionPoint { $0 < 100 } == slice.endIndex)
    }
}
