/// Walks a compiled tree once, writing bytes into one buffer.
struct TemplateRenderer: ~Copyable {
    private(set) var out: RenderBuffer
    /// The context stack: the root value, then each section's item.
    private var stack: [TemplateValue]
    /// Block overrides in force, most derived first (a page's override beats its layout's).
    private var overrides: [BlockOverride] = []
    private let templates: [CompiledTemplate]
    /// Nesting of partials and layouts being rendered.
    private var depth = 0

    /// Deepest nesting of partials rendered. A recursive partial whose data never ends (a name
    /// found again in an outer context) stops here instead of overflowing the thread's stack.
    static let maximumDepth = 100

    init(templates: [CompiledTemplate], root: TemplateValue, capacity: Int) {
        self.templates = templates
        out = RenderBuffer(capacity: capacity)
        stack = [root]
        stack.reserveCapacity(8)
    }

    mutating func render(_ nodes: [TemplateNode]) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                out.append(bytes)
            case .variable(let name, let raw):
                if let value = lookup(name) { write(value, raw: raw) }
            case .section(let name, let children):
                guard let value = lookup(name) else { continue }
                switch value {
                case .bool(let isTrue):
                    if isTrue { render(children) }
                case .list(let items):
                    for item in items {
                        stack.append(item)
                        render(children)
                        stack.removeLast()
                    }
                case .text, .html, .int, .object:
                    guard value.isTruthy else { continue }
                    stack.append(value)
                    render(children)
                    stack.removeLast()
                }
            case .inverted(let name, let children):
                if !(lookup(name)?.isTruthy ?? false) { render(children) }
            case .partial(let index):
                guard depth < Self.maximumDepth else { continue }
                depth += 1
                render(templates[index].nodes)
                depth -= 1
            case .block(let name, let defaults):
                if let override = overrides.first(where: { $0.name == name }) {
                    render(override.nodes)
                } else {
                    render(defaults)
                }
            case .parent(let index, let blocks):
                guard depth < Self.maximumDepth else { continue }
                depth += 1
                let saved = overrides.count
                overrides.append(contentsOf: blocks)
                render(templates[index].nodes)
                overrides.removeLast(overrides.count - saved)
                depth -= 1
            }
        }
    }

    /// Finds `name`'s first part in the innermost context that has it, then the rest of a
    /// dotted name inside that value only (Mustache spec).
    private func lookup(_ name: TemplateName) -> TemplateValue? {
        if name.isImplicit { return stack.last }
        var found: TemplateValue?
        var index = stack.count - 1
        while index >= 0 {
            if case .object(let object) = stack[index], let value = object.model.templateValue(for: name.first) {
                found = value
                break
            }
            index -= 1
        }
        guard var value = found else { return nil }
        for part in name.rest {
            guard case .object(let object) = value, let next = object.model.templateValue(for: part) else { return nil }
            value = next
        }
        return value
    }

    private mutating func write(_ value: TemplateValue, raw: Bool) {
        switch value {
        case .text(let text):
            out.append(escaping: text)
        case .html(let html):
            // Markup is written as is only through a raw tag, whose name the compiler has
            // checked ends in HTML; `{{nameHTML}}` shows the markup as text.
            if raw {
                out.append(raw: html)
            } else {
                out.append(escaping: html)
            }
        case .int(let number):
            out.append(decimal: number)
        case .bool(let flag):
            out.append(raw: flag ? "true" : "false")
        case .list, .object:
            break
        }
    }
}
