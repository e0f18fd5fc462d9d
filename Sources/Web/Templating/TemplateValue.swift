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

    public init(_ model: some TemplateRenderable) {
        self.model = model
        keys = model.templateKeys
    }
}

/// A view model: answers the names its templates use, usually with a `switch` over `key`.
///
///     struct PostView: TemplateRenderable {
///         var author: String
///         var bodyHTML: String
///         func templateValue(for key: String) -> TemplateValue? {
///             switch key {
///             case "author": .text(author)
///             case "bodyHTML": .html(bodyHTML)
///             default: nil
///             }
///         }
///     }
///
/// Return nil for names you do not know, so that Mustache looks them up in the enclosing
/// contexts (the page, the layout).
///
/// List the names in `templateKeys` (every `case`, and the keys of a model the `default`
/// passes names on to):
///
///     static let templateKeys = TemplateKeys(["author", "bodyHTML"])
///
/// The renderer then never asks a context for a name its type does not list: a post in a list
/// of fifty is not walked through its `switch` for the page's form token or the thread's title,
/// names that belong to an outer context. Each name has a number when the templates are
/// compiled, so the test is one bit. The list must be exact: debug builds still ask for every
/// name they skip and stop if the answer is not nil, and `TemplateKeysTests` asks a full
/// instance of each type for every name the templates use. A type without a list (the
/// default, `TemplateKeys.unknown`) is asked for every name, as before.
public protocol TemplateRenderable: Sendable {
    /// Every name `templateValue(for:)` can answer; `.unknown` (the default) to be asked for all.
    static var templateKeys: TemplateKeys { get }
    /// This value's keys: the type's, unless they depend on what it wraps (`InLayout`).
    var templateKeys: TemplateKeys { get }
    func templateValue(for key: String) -> TemplateValue?
}

extension TemplateRenderable {
    public static var templateKeys: TemplateKeys { .unknown }
    public var templateKeys: TemplateKeys { Self.templateKeys }
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
