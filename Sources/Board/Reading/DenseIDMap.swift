/// Values by a row id, in an array indexed by the id: a lookup is an index, not a hash. A Swift
/// `Dictionary` hashes an `Int64` key with SipHash (about 200 instructions), and the home page
/// looked up each listed thread's topics that way twice (docs/PERFORMANCE.md, sixteenth round).
/// For ids that stay small, such as the topics' (a curated list); an id past `denseLimit`, or
/// below 0, is kept in a dictionary instead, so any id works.
struct DenseIDMap<Value: Sendable>: Sendable {
    static var denseLimit: Int64 { 4_096 }

    private var slots: [Value?] = []
    private var others: [Int64: Value] = [:]

    /// The pairs, the first value for an id kept.
    init<Pairs: Sequence>(_ pairs: Pairs) where Pairs.Element == (Int64, Value) {
        for (id, value) in pairs where self[id] == nil {
            if id >= 0 && id < Self.denseLimit {
                let index = Int(id)
                if index >= slots.count { slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count)) }
                slots[index] = value
            } else {
                others[id] = value
            }
        }
    }

    subscript(id: Int64) -> Value? {
        if id >= 0 && id < Int64(slots.count) { return slots[Int(id)] }
        return others.isEmpty ? nil : others[id]
    }
}
