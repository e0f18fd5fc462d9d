import Synchronization

/// The names a view model's `templateValue(for:)` can answer, so the renderer never asks a
/// context for a name its type never answers (a `switch` over strings that ends in `nil`).
///
/// A type lists every name its `switch` has a case for, and the keys of whatever it passes
/// other names to (`including:`):
///
///     static let templateKeys = TemplateKeys(["mayEdit", "quoteURL"], including: PostItemView.templateKeys)
///
/// A name missing from the list would make the renderer skip a value the type has: debug builds
/// (every test) still ask the type for each name they skip and stop on an answer
/// (`TemplateKeys.undeclared`), and `TemplateKeysTests` asks each type for every name of every
/// template. `TemplateKeys.unknown` (the default) means "ask for every name".
public final class TemplateKeys: Sendable {
    /// Keys not known: the type is asked for every name (dictionary-backed models, wrappers of them).
    public static let unknown = TemplateKeys(isUnknown: true)

    /// The names this type's own `switch` answers.
    private let own: Set<String>
    /// The keys of the models it passes other names to.
    private let included: [TemplateKeys]
    /// Families of names, such as the form's `value_NAME` (its own and those included).
    public let prefixes: [String]
    public let isUnknown: Bool
    /// Bit `id` is set for each listed name's process-wide number (`TemplateNameIDs`), its own
    /// and those of the keys it includes.
    private let bits: [UInt64]

    private init(isUnknown: Bool) {
        self.isUnknown = isUnknown
        own = []
        included = []
        prefixes = []
        bits = []
    }

    /// - Parameters:
    ///   - names: the names this type's own `switch` answers.
    ///   - prefixes: name families it answers (`"value_"` for every `value_NAME`).
    ///   - including: the keys of the models it passes other names to; an unknown one makes these
    ///     unknown. Including takes no lock (`InLayout` builds its keys on every page).
    public init(_ names: [String], prefixes: [String] = [], including: [TemplateKeys] = []) {
        own = Set(names)
        self.included = including
        var allPrefixes = prefixes
        var unknown = false
        var bits: [UInt64] = []
        if !names.isEmpty {
            let ids = TemplateNameIDs.ids(names)
            bits = [UInt64](repeating: 0, count: (Int(ids.max() ?? 0) >> 6) + 1)
            for id in ids { bits[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        }
        for other in including {
            allPrefixes += other.prefixes.filter { !allPrefixes.contains($0) }
            unknown = unknown || other.isUnknown
            if other.bits.count > bits.count { bits += repeatElement(0, count: other.bits.count - bits.count) }
            for (word, value) in other.bits.enumerated() { bits[word] |= value }
        }
        self.prefixes = allPrefixes
        isUnknown = unknown
        self.bits = bits
    }

    /// Every name listed (this type's and those of the keys it includes).
    public var names: Set<String> {
        included.reduce(own) { $0.union($1.names) }
    }

    /// One type's keys with another's: `TemplateKeys([...], including: Other.templateKeys)`.
    public convenience init(_ names: [String], prefixes: [String] = [], including other: TemplateKeys) {
        self.init(names, prefixes: prefixes, including: [other])
    }

    /// Whether a type with these keys may answer `name`. Cheap: a bit test by the name's number.
    @inline(__always)
    func mayAnswer(_ name: TemplateName) -> Bool {
        let id = Int(name.id)
        let word = id >> 6
        if word < bits.count, bits[word] & (1 << UInt64(id & 63)) != 0 { return true }
        if isUnknown { return true }
        return !prefixes.isEmpty && prefixes.contains { name.first.hasPrefix($0) }
    }

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

/// A number for every name a template or a `TemplateKeys` uses, the same across every library
/// in the process, so a type's keys are a bit set built once (`static let`) that any library's
/// renderer can test. Only building a library or a type's keys takes the lock.
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
}
