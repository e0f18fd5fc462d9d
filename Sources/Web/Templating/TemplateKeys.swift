import Synchronization

/// The names a view model answers, resolved to numbers once, so a render never compares a
/// name's text.
///
/// Every name has a process-wide number (`TemplateNameIDs`), given when a library is compiled
/// or a type's keys are built. A type's keys map each number to what the renderer does with
/// it, by one array read (`slot(for:)`):
/// - **a slot**: the type answers the name through `templateValue(slot:)`. A type with an enum
///   of its names (`KeyedTemplateRenderable`) has one slot per case, in the enum's order, so
///   its answer is a `switch` over the enum (an integer jump):
///
///       enum Key: String, CaseIterable, Sendable { case mayEdit, quoteURL }
///       static let templateKeys = TemplateKeys(Key.self, including: PostBylineView.templateKeys)
///
/// - **by name**: a type without an enum (`TemplateKeys(["name"])`, a name family such as the
///   form's `value_NAME`, or `.unknown`) is asked `templateValue(for:)` with the text, as before.
/// - **none**: the type has no such name; the renderer skips it unasked.
///
/// **Names passed on.** A keyed type that passes other names to models it wraps (`including:`)
/// numbers its slots as one flat space: its own cases first (`0..<ownCount`), then each
/// included type's whole space in turn, at an offset (`parts`). For a name it does not answer
/// itself, its table holds the first included type's slot plus that offset, so the name's
/// number still leads to one slot. Asked for a slot past its own, the type's
/// `templateValue(slot:)` finds the part and the slot inside it (`passedOn(_:)`) and calls
/// `templateValue(passedOn:to:)`, where it forwards to the wrapped model's `templateValue(slot:)`:
/// integers all the way down. Own cases win over included names, as the `switch`'s `default:`
/// did. Only keyed types with no name families can be included this way (checked at start).
///
/// A type's string entry point (`templateValue(for:)`, for tests, dotted names of dictionary
/// models and debug checks) goes through the same table, so the two paths cannot disagree.
/// Debug builds (every test) still ask the type for each name the renderer skips and stop on an
/// answer (`TemplateKeys.undeclared`), and `TemplateKeysTests` asks each type for every name of
/// every template. `TemplateKeys.unknown` (the default) means "ask by name for every name".
public final class TemplateKeys: Sendable {
    /// Keys not known: the type is asked by name for every name (dictionary-backed models).
    public static let unknown = TemplateKeys(isUnknown: true)

    /// What `slot(for:)` returns for a name the type does not answer.
    static let none: Int32 = -1
    /// What `slot(for:)` returns for a name the type answers through `templateValue(for:)`.
    static let byName: Int32 = -2

    /// The names this type answers itself.
    private let own: Set<String>
    /// The keys of the models it passes other names to.
    private let included: [TemplateKeys]
    /// Families of names, such as the form's `value_NAME` (its own and those included).
    public let prefixes: [String]
    /// `prefixes` as UTF-8 bytes, for `slot(id:text:)`.
    private let prefixBytes: [[UInt8]]
    public let isUnknown: Bool
    /// By name number: a slot, `byName` or `none`. Numbers past the end are `none`.
    private let table: [Int32]
    /// Slots `0..<ownCount` are the type's own enum cases, in order.
    let ownCount: Int32
    /// Every slot: its own and those of the types it includes.
    let slotCount: Int32
    /// Where each included type's slots start, in the order given.
    private let bases: [Int32]
    /// The enum's cases (`KeyCases<Key>`), so a slot becomes a case by one array read.
    private let cases: (any AnyObject & Sendable)?

    private init(isUnknown: Bool) {
        self.isUnknown = isUnknown
        own = []
        included = []
        prefixes = []
        prefixBytes = []
        table = []
        ownCount = 0
        slotCount = 0
        bases = []
        cases = nil
    }

    /// Keys of a type without an enum: every name listed is asked by name.
    /// - Parameters:
    ///   - names: the names this type's own `switch` answers.
    ///   - prefixes: name families it answers (`"value_"` for every `value_NAME`).
    ///   - including: the keys of the models it passes other names to; an unknown one makes these
    ///     unknown.
    public init(_ names: [String], prefixes: [String] = [], including: [TemplateKeys] = []) {
        own = Set(names)
        self.included = including
        var allPrefixes = prefixes
        var unknown = false
        var table: [Int32] = []
        func mark(_ id: Int32) {
            if Int(id) >= table.count { table += repeatElement(Self.none, count: Int(id) + 1 - table.count) }
            table[Int(id)] = Self.byName
        }
        for id in TemplateNameIDs.ids(names) { mark(id) }
        for other in including {
            allPrefixes += other.prefixes.filter { !allPrefixes.contains($0) }
            unknown = unknown || other.isUnknown
            for (id, slot) in other.table.enumerated() where slot != Self.none { mark(Int32(id)) }
        }
        self.prefixes = allPrefixes
        prefixBytes = allPrefixes.map { Array($0.utf8) }
        isUnknown = unknown
        self.table = table
        ownCount = 0
        slotCount = 0
        bases = []
        cases = nil
    }

    /// One type's keys with another's: `TemplateKeys([...], including: Other.templateKeys)`.
    public convenience init(_ names: [String], prefixes: [String] = [], including other: TemplateKeys) {
        self.init(names, prefixes: prefixes, including: [other])
    }

    /// Keys of a type whose names are the cases of `Key` (raw values are the names), passing
    /// other names to the models whose keys are `including` (keyed too, without name families).
    public init<Key: RawRepresentable & CaseIterable & Sendable>(_ key: Key.Type, including: [TemplateKeys] = [])
    where Key.RawValue == String {
        let all = Array(Key.allCases)
        let names = all.map(\.rawValue)
        own = Set(names)
        self.included = including
        prefixes = []
        prefixBytes = []
        isUnknown = false
        cases = KeyCases(all)
        ownCount = Int32(all.count)
        var table: [Int32] = []
        func set(_ id: Int, _ slot: Int32) {
            if id >= table.count { table += repeatElement(Self.none, count: id + 1 - table.count) }
            if table[id] == Self.none { table[id] = slot }
        }
        for (slot, id) in TemplateNameIDs.ids(names).enumerated() { set(Int(id), Int32(slot)) }
        var base = Int32(all.count)
        var bases: [Int32] = []
        for other in including {
            precondition(!other.isUnknown && other.prefixes.isEmpty && !other.table.contains(Self.byName),
                         "\(Key.self): a keyed type can pass names on only to keyed types")
            bases.append(base)
            for (id, slot) in other.table.enumerated() where slot >= 0 { set(id, base + slot) }
            base += other.slotCount
        }
        self.table = table
        self.bases = bases
        slotCount = base
    }

    /// A keyed type's keys with another's: `TemplateKeys(Key.self, including: Other.templateKeys)`.
    public convenience init<Key: RawRepresentable & CaseIterable & Sendable>(_ key: Key.Type, including other: TemplateKeys)
    where Key.RawValue == String {
        self.init(key, including: [other])
    }

    /// What a type with these keys does with `name`: a slot (>= 0), `byName` or `none`. One
    /// array read for a listed name.
    @inline(__always)
    func slot(for name: TemplateName) -> Int32 {
        slot(id: name.id, text: name.first)
    }

    @inline(__always)
    func slot(id: Int32, text: String) -> Int32 {
        let id = Int(id)
        if id < table.count, table[id] != Self.none { return table[id] }
        if isUnknown { return Self.byName }
        if !prefixBytes.isEmpty, Self.starts(text, withAnyOf: prefixBytes) { return Self.byName }
        return Self.none
    }

    /// Whether `text` starts with one of `prefixes`, compared as bytes: `String.hasPrefix`
    /// compares by Unicode rules, and a page asks this for ~60 names that miss a form's table.
    @inline(__always)
    private static func starts(_ text: String, withAnyOf prefixes: [[UInt8]]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            prefixes.contains { prefix in
                bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 }
            }
        }
    }

    /// The enum case of own slot `slot` (below `ownCount`).
    @inline(__always)
    func key<Key: Sendable>(_ slot: Int32, as: Key.Type) -> Key {
        // `cases` is the `KeyCases<Key>` these keys were built with (`Self.templateKeys` of the
        // type whose `Key` this is); checked in debug builds.
        unsafeDowncast(cases.unsafelyUnwrapped, to: KeyCases<Key>.self).cases[Int(slot)]
    }

    /// For a slot past the own ones: which included type (its index in `including:`) and the
    /// slot inside it.
    @inline(__always)
    func passedOn(_ slot: Int32) -> (part: Int, slot: Int32) {
        var part = bases.count - 1
        while part > 0 && bases[part] > slot { part -= 1 }
        return (part, slot - bases[part])
    }

    /// Every name listed (this type's and those of the keys it includes).
    public var names: Set<String> {
        included.reduce(own) { $0.union($1.names) }
    }

    /// Whether this type's keys are its enum's cases (`KeyedTemplateRenderable`).
    public var isKeyed: Bool { cases != nil }

    /// Whether a type with these keys may answer `name`.
    public func contains(_ name: String) -> Bool {
        isUnknown || own.contains(name) || prefixes.contains { name.hasPrefix($0) } || included.contains { $0.contains(name) }
    }

    /// The names among `names` that `model` answers (non-nil) although its keys do not list
    /// them: empty when its keys are right for those names. The renderer asks this in debug
    /// builds for every name it skips; tests ask it for every name of every template.
    public static func undeclared(by model: any TemplateRenderable, among names: some Sequence<String>) -> [String] {
        let keys = model.templateKeys
        return names.filter { !keys.contains($0) && model.templateValue(for: $0) != nil }
    }
}

/// A keyed type's enum cases in slot order, built once with its keys.
final class KeyCases<Key: Sendable>: Sendable {
    let cases: [Key]
    init(_ cases: [Key]) { self.cases = cases }
}

/// A number for every name a template or a `TemplateKeys` uses, the same across every library
/// in the process, so a type's keys are a table built once (`static let`) that any library's
/// renderer can index. Only building a library or a type's keys, and the string entry point of
/// a keyed type, take the lock.
enum TemplateNameIDs {
    private static let table = Mutex<[String: Int32]>([:])

    /// The numbers of `names`, giving new ones to names never seen.
    static func ids(_ names: [String]) -> [Int32] {
        table.withLock { table in
            names.map { name in
                if let id = table[name] { return id }
                let id = Int32(table.count)
                table[name] = id
                return id
            }
        }
    }

    /// The number of `name` if it has one (a name without one is answered by no keyed type).
    static func existing(_ name: String) -> Int32? {
        table.withLock { $0[name] }
    }
}
