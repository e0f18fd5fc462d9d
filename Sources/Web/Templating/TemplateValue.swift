/// A value a template can show, without reflection.
///
/// Text is HTML-escaped wherever it is written. `html` is already-safe markup (a post body
/// rendered at write time); it is written unescaped only by a raw tag (`{{{nameHTML}}}`) on a
/// name ending in `HTML`, and escaped like text anywhere else, so a grep for `HTML}}}` finds
/// every place markup reaches a page.
public enum TemplateValue: Sendable {
    /// Plain text: always escaped.
    case text(String)
    /// Markup that is already safe (produced by our own renderers, never by a user directly).
    case html(String)
    /// Markup as `html`, one piece after the other, with `joint` at each of their cuts: the
    /// thread page's kept post blocks (a page's, joined, or each post's), cut where the form
    /// token goes, and this response's token. No string of the whole is made.
    case cutMarkup([CutMarkup], joint: String)
    case bool(Bool)
    case int(Int)
    case list([TemplateValue])
    /// A view model; make one with `.object(model)`.
    case object(TemplateContext)

    /// A view model as a value (a nested object, or a list item).
    public static func object(_ model: some TemplateRenderable) -> TemplateValue {
        .object(TemplateContext(model))
    }

    /// A list of view models.
    public static func list<Item: TemplateRenderable>(_ items: [Item]) -> TemplateValue {
        .list(items.map { .object($0) })
    }

    /// Text, or nothing (a missing value) when `text` is nil.
    public static func text(_ text: String?) -> TemplateValue? {
        text.map { .text($0) }
    }

    /// Mustache truthiness: false, 0, "", an empty list and a missing value are false.
    public var isTruthy: Bool {
        switch self {
        case .bool(let value): value
        case .int(let value): value != 0
        case .text(let value), .html(let value): !value.isEmpty
        case .cutMarkup(let pieces, let joint): pieces.contains { !$0.bytes.isEmpty || (!$0.cuts.isEmpty && !joint.isEmpty) }
        case .list(let items): !items.isEmpty
        case .object: true
        }
    }
}

/// A view model held by reference. Keeping `TemplateValue` free of protocol existentials makes
/// it a plain tagged reference: copying one while rendering is a retain, not a call through a
/// value witness table (measured: a third of the render time before this box).
public final class TemplateContext: Sendable {
    public let model: any TemplateRenderable
    /// The names `model` can answer: the renderer asks it for no other.
    let keys: TemplateKeys

    public convenience init(_ model: some TemplateRenderable) {
        self.init(held: model)
    }

    /// A model already held as `any TemplateRenderable` (a page in its layout, `InLayout`): kept
    /// as it is held. Passed as `some`, the value was opened and copied into a box of its own,
    /// retaining every field of a page's view model once more.
    init(held model: any TemplateRenderable) {
        self.model = model
        keys = model.templateKeys
        #if DEBUG
        // A keyed type whose keys are not built from its enum would answer nothing.
        precondition(keys.isKeyed || !(model is any KeyedTemplateRenderable), "\(type(of: model)): templateKeys must be TemplateKeys(Key.self)")
        #endif
    }

    /// The model's answer for the name numbered `id` (whose text is `name`), by slot when its
    /// type has one.
    func answer(id: Int32, name: String) -> TemplateValue? {
        let slot = keys.slot(id: id, text: name)
        if slot >= 0 { return model.templateValue(slot: slot) }
        return slot == TemplateKeys.byName ? model.templateValue(for: name) : nil
    }
}

/// A model rendered as several contexts, outermost first: a page inside the layout
/// (`InLayout`) is the layout's context, the form's and the page's, so a name the page does not
/// answer is found in the form or the layout by the renderer's own walk, each by its own keys.
protocol TemplateLayers: TemplateRenderable {
    var layers: [TemplateValue] { get }
}

/// A view model: answers the names its templates use.
///
/// Most view models list their names as an enum and answer with a `switch` over it
/// (`KeyedTemplateRenderable`): the renderer then reaches an answer by the name's number, never
/// by its text. A type may instead answer `templateValue(for:)` with a `switch` over strings
/// and list the names in `templateKeys` (or not at all: `TemplateKeys.unknown`, asked for
/// every name), as dictionary-backed models do:
///
///     struct PostView: TemplateRenderable {
///         var author: String
///         static let templateKeys = TemplateKeys(["author"])
///         func templateValue(for key: String) -> TemplateValue? {
///             key == "author" ? .text(author) : nil
///         }
///     }
///
/// Return nil for names you do not know, so that Mustache looks them up in the enclosing
/// contexts (the page, the layout). The renderer never asks a context for a name its type does
/// not list: a post in a list of fifty is not asked for the page's form token. A string list
/// must be exact: debug builds still ask for every name they skip and stop if the answer is not
/// nil, and `TemplateKeysTests` checks each list against the type's `switch`.
public protocol TemplateRenderable: Sendable {
    /// Every name the type can answer; `.unknown` (the default) to be asked for all by name.
    static var templateKeys: TemplateKeys { get }
    /// This value's keys: the type's, unless they depend on what it wraps.
    var templateKeys: TemplateKeys { get }
    /// The answer for a name given as text.
    func templateValue(for key: String) -> TemplateValue?
    /// The answer for slot `slot` of `templateKeys` (see `TemplateKeys`); only keyed types have slots.
    func templateValue(slot: Int32) -> TemplateValue?
}

extension TemplateRenderable {
    public static var templateKeys: TemplateKeys { .unknown }
    public var templateKeys: TemplateKeys { Self.templateKeys }
    public func templateValue(slot: Int32) -> TemplateValue? { nil }
}

/// A view model whose names are the cases of an enum (raw values are the template names),
/// answered by a `switch` over it:
///
///     struct PostView: KeyedTemplateRenderable {
///         enum Key: String, CaseIterable, Sendable { case author, bodyHTML }
///         static let templateKeys = TemplateKeys(Key.self)
///         var author: String
///         var bodyHTML: String
///         func templateValue(for key: Key) -> TemplateValue? {
///             switch key {
///             case .author: .text(author)
///             case .bodyHTML: .html(bodyHTML)
///             }
///         }
///     }
///
/// A type that passes other names to a model it wraps includes that model's keys
/// (`TemplateKeys(Key.self, including: Item.templateKeys)`) and forwards in
/// `templateValue(passedOn:to:)`: `item.templateValue(slot: slot)`. `templateKeys` must be
/// `TemplateKeys(Key.self, ...)` of this type's own `Key`.
public protocol KeyedTemplateRenderable: TemplateRenderable {
    associatedtype Key: RawRepresentable & CaseIterable & Sendable where Key.RawValue == String
    func templateValue(for key: Key) -> TemplateValue?
    /// A name this type passes on: `slot` of the model whose keys are number `part` of the
    /// `including:` list.
    func templateValue(passedOn slot: Int32, to part: Int) -> TemplateValue?
}

extension KeyedTemplateRenderable {
    public func templateValue(passedOn slot: Int32, to part: Int) -> TemplateValue? { nil }

    @inline(__always)
    public func templateValue(slot: Int32) -> TemplateValue? {
        let keys = Self.templateKeys
        if slot < keys.ownCount { return templateValue(for: keys.key(slot, as: Key.self)) }
        let (part, inner) = keys.passedOn(slot)
        return templateValue(passedOn: inner, to: part)
    }

    /// The string entry point, through the same table as the renderer's.
    public func templateValue(for key: String) -> TemplateValue? {
        guard let id = TemplateNameIDs.existing(key) else { return nil }
        let slot = Self.templateKeys.slot(id: id, text: key)
        return slot >= 0 ? templateValue(slot: slot) : nil
    }
}

/// A small dictionary-backed view model, for pages with a handful of values and for tests.
public struct TemplateObject: TemplateRenderable, ExpressibleByDictionaryLiteral {
    public var values: [String: TemplateValue]

    public init(_ values: [String: TemplateValue] = [:]) {
        self.values = values
    }

    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        var values: [String: TemplateValue] = [:]
        for (key, value) in elements { values[key] = value }
        self.values = values
    }

    public func templateValue(for key: String) -> TemplateValue? {
        values[key]
    }

    public subscript(key: String) -> TemplateValue? {
        get { values[key] }
        set { values[key] = newValue }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        var values: [String: TemplateValue] = [:]
        for (key, value) in elements { values[key] = value }
        self = .object(TemplateContext(TemplateObject(values)))
    }
}
