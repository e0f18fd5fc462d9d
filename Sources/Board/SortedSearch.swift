extension RandomAccessCollection {
    /// The first index at which `isBefore` turns false, by binary search; the elements must be
    /// ordered so that it holds for a prefix of them and fails for the rest (a sorted array and
    /// `{ $0 < value }` gives where `value` is or would go).
    func partitionPoint(where isBefore: (Element) throws -> Bool) rethrows -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if try isBefore(self[middle]) {
                low = index(after: middle)
                count -= half + 1
            } else {
                count = half
            }
        }
        return low
    }
}
