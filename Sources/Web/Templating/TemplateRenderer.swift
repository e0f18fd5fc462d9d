import HTTPServer

/// Runs compiled template programs, writing bytes into one buffer.
struct TemplateRenderer: ~Copyable {
    private(set) var out: RenderBuffer
    /// The context stack: the root value, then each section's item.
    private var stack: [TemplateValue]
    /// The view model of each stack entry, if it is one. `stack` owns them; this copy lets a
    /// lookup probe each context without retaining and releasing it (a measured cost).
    private var contexts: [Unmanaged<TemplateContext>?]
    /// Block overrides in force, most derived first (a page's override beats its layout's).
    private var overrides: [TemplateProgram.Override] = []
    private let templates: [CompiledTemplate]
    /// Nesting of partials and layouts being rendered.
    private var depth = 0
    /// False for plain-text output (the text part of mail): values are written as they are.
    var escapes = true
    /// Where kept markup with a deflate form was written as it is (`CutMarkup.deflate`), in
    /// order: the response's gzip splices those forms in (`Response.keptDeflates`).
    private(set) var keptDeflates: [KeptDeflateSpan] = []

    /// Deepest nesting of partials rendered. A recursive partial whose data never ends (a name
    /// found again in an outer context) stops here instead of overflowing the thread's stack.
    static let maximumDepth = 100

    /// - Parameter roots: the outermost contexts, outermost first (a page in its layout is
    ///   the layout, the form and the page: `TemplateLayers`).
    init(templates: [CompiledTemplate], roots: [TemplateValue], capacity: Int) {
        self.init(templates: templates, roots: roots, out: RenderBuffer(capacity: capacity))
    }

    /// Renders into `out` (`RenderBuffer.init(into:)`: the response array's own storage).
    init(templates: [CompiledTemplate], roots: [TemplateValue], out: consuming RenderBuffer) {
        self.templates = templates
        self.out = out
        stack = roots
        stack.reserveCapacity(roots.count + 8)
        contexts = roots.map(Self.context(of:))
        contexts.reserveCapacity(roots.count + 8)
    }

    private static func context(of value: TemplateValue) -> Unmanaged<TemplateContext>? {
        if case .object(let context) = value { return Unmanaged.passUnretained(context) }
        return nil
    }

    private mutating func push(_ value: TemplateValue) {
        stack.append(value)
        contexts.append(Self.context(of: value))
    }

    private mutating func pop() {
        contexts.removeLast()
        stack.removeLast()
    }

    /// Renders template number `index`.
    mutating func render(template index: Int) {
        guard depth < Self.maximumDepth else { return }
        depth += 1
        let program = templates[index].program
        run(program, from: 0, to: program.instructions.count)
        depth -= 1
    }

    private mutating func run(_ program: TemplateProgram, from start: Int, to end: Int) {
        var index = start
        while index < end {
            let instruction = program.instructions[index]
            switch instruction.kind {
            case .text:
                program.bytes.withUnsafeBufferPointer { bytes in
                    out.append(UnsafeBufferPointer(rebasing: bytes[Int(instruction.a) ..< Int(instruction.a + instruction.b)]))
                }
                index += 1
            case .variable, .raw:
                if let value = lookup(program.names[Int(instruction.a)]) {
                    write(value, raw: instruction.kind == .raw)
                }
                index += 1
            case .section:
                let bodyEnd = Int(instruction.b)
                if let value = lookup(program.names[Int(instruction.a)]) {
                    switch value {
                    case .bool(let isTrue):
                        if isTrue { run(program, from: index + 1, to: bodyEnd) }
                    case .list(let items):
                        for item in items {
                            push(item)
                            run(program, from: index + 1, to: bodyEnd)
                            pop()
                        }
                    case .text, .html, .cutMarkup, .int, .object:
                        if value.isTruthy {
                            push(value)
                            run(program, from: index + 1, to: bodyEnd)
                            pop()
                        }
                    }
                }
                index = bodyEnd
            case .inverted:
                let bodyEnd = Int(instruction.b)
                if !(lookup(program.names[Int(instruction.a)])?.isTruthy ?? false) {
                    run(program, from: index + 1, to: bodyEnd)
                }
                index = bodyEnd
            case .partial:
                render(template: Int(instruction.a))
                index += 1
            case .block:
                let bodyEnd = Int(instruction.b)
                let name = program.blockNames[Int(instruction.a)]
                if let override = overrides.first(where: { $0.name == name }) {
                    run(templates[override.template].program, from: override.start, to: override.end)
                } else {
                    run(program, from: index + 1, to: bodyEnd)
                }
                index = bodyEnd
            case .parent:
                let saved = overrides.count
                overrides.append(contentsOf: program.overrides[Int(instruction.c)])
                render(template: Int(instruction.a))
                overrides.removeLast(overrides.count - saved)
                index = Int(instruction.b)
            }
        }
    }

    /// Finds `name`'s first part in the innermost context that has it, then the rest of a
    /// dotted name inside that value only (Mustache spec). Each context's keys turn the name's
    /// number into a slot (`TemplateKeys`): a context without the name is passed unasked, a
    /// keyed one is asked by slot, others by name. Answers are not remembered: asking a keyed
    /// model again is an integer `switch`, and a micro-benchmark of the thread page rendered
    /// as fast or faster without the per-level memo this renderer used to keep.
    private mutating func lookup(_ name: TemplateName) -> TemplateValue? {
        if name.isImplicit { return stack.last }
        var found: TemplateValue?
        var level = contexts.count - 1
        while level >= 0 {
            if let context = contexts[level] {
                let answer: TemplateValue?
                let slot = context._withUnsafeGuaranteedRef { $0.keys.slot(for: name) }
                if slot == TemplateKeys.none {
                    // Not a name of this context's type (`TemplateKeys`): skipped unasked.
                    #if DEBUG
                    context._withUnsafeGuaranteedRef { Self.checkSkipped($0.model, name.first) }
                    #endif
                    answer = nil
                } else {
                    answer = context._withUnsafeGuaranteedRef { context in
                        slot >= 0 ? context.model.templateValue(slot: slot) : context.model.templateValue(for: name.first)
                    }
                }
                if let answer {
                    found = answer
                    break
                }
            }
            level -= 1
        }
        guard var value = found else { return nil }
        for (part, id) in zip(name.rest, name.restIDs) {
            guard case .object(let object) = value, let next = object.answer(id: id, name: part) else { return nil }
            value = next
        }
        return value
    }

    #if DEBUG
    /// Debug builds (every test) still ask for each name skipped, and stop if the type has an
    /// answer its `templateKeys` does not list: the list would be hiding a value from the page.
    private static func checkSkipped(_ model: any TemplateRenderable, _ name: String) {
        if !TemplateKeys.undeclared(by: model, among: [name]).isEmpty {
            preconditionFailure("\(type(of: model)) answers \"\(name)\" but its templateKeys do not list it")
        }
    }
    #endif

    private mutating func write(_ value: TemplateValue, raw: Bool) {
        switch value {
        case .text(let text) where !escapes:
            out.append(raw: text)
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
        case .cutMarkup(let pieces, let joint):
            // Through buffer pointers: a `for` loop over the arrays retained and released each.
            pieces.withUnsafeBufferPointer { pieces in
                for piece in pieces.indices {
                    if raw, let deflate = pieces[piece].deflate {
                        keptDeflates.append(KeptDeflateSpan(offset: out.count, kept: deflate))
                    }
                    pieces[piece].bytes.withUnsafeBufferPointer { bytes in
                        pieces[piece].cuts.withUnsafeBufferPointer { cuts in
                            var start = 0
                            for cut in cuts {
                                let part = UnsafeBufferPointer(rebasing: bytes[start ..< cut])
                                raw ? out.append(part) : out.append(escaping: part)
                                raw ? out.append(raw: joint) : out.append(escaping: joint)
                                start = cut
                            }
                            let rest = UnsafeBufferPointer(rebasing: bytes[start...])
                            raw ? out.append(rest) : out.append(escaping: rest)
                        }
                    }
                }
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
