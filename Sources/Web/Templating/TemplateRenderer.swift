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

    /// What each context on the stack answered for a name, by `TemplateName.id`. A post in a
    /// list of fifty asks for its `id` ten times and for the page's form token four times;
    /// each answer costs a `switch` over strings in the view model (and in every context it
    /// passes on the way out), so it is asked once. `rows[level]` is a small open-addressed
    /// table whose entries are good while their stamp is that level's entry in `stamps`: a
    /// context pushed at the same level later gets a new stamp, so nothing is ever cleared.
    /// A view model is an immutable value whose answers depend only on itself, so remembering
    /// them changes nothing but the time.
    private var rows: [[Remembered]] = []
    private var stamps: [UInt32]
    private var nextStamp: UInt32 = 2

    private struct Remembered {
        var stamp: UInt32 = 0
        var id: Int32 = 0
        var value: TemplateValue?
    }

    /// Entries per level (a power of two), and how far a probe goes before giving up: a
    /// context asked for more distinct names than fit is simply asked again.
    private static let rowSize = 64
    private static let probes = 8

    /// Deepest nesting of partials rendered. A recursive partial whose data never ends (a name
    /// found again in an outer context) stops here instead of overflowing the thread's stack.
    static let maximumDepth = 100

    /// - Parameter roots: the outermost contexts, outermost first (a page in its layout is
    ///   the layout, the form and the page: `TemplateLayers`).
    init(templates: [CompiledTemplate], roots: [TemplateValue], capacity: Int) {
        self.templates = templates
        out = RenderBuffer(capacity: capacity)
        stack = roots
        stack.reserveCapacity(roots.count + 8)
        contexts = roots.map(Self.context(of:))
        contexts.reserveCapacity(roots.count + 8)
        stamps = roots.indices.map { UInt32($0) + 1 }
        stamps.reserveCapacity(roots.count + 8)
        nextStamp = UInt32(roots.count) + 1
    }

    private static func context(of value: TemplateValue) -> Unmanaged<TemplateContext>? {
        if case .object(let context) = value { return Unmanaged.passUnretained(context) }
        return nil
    }

    private mutating func push(_ value: TemplateValue) {
        stack.append(value)
        contexts.append(Self.context(of: value))
        stamps.append(nextStamp)
        nextStamp &+= 1
    }

    private mutating func pop() {
        stamps.removeLast()
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
                    case .text, .html, .int, .object:
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
    /// keyed one is asked by slot, others by name; each answer is remembered for as long as the
    /// context stays on the stack (`rows`).
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
                } else if let remembered = remembered(level: level, id: name.id) {
                    answer = remembered
                } else {
                    answer = context._withUnsafeGuaranteedRef { context in
                        slot >= 0 ? context.model.templateValue(slot: slot) : context.model.templateValue(for: name.first)
                    }
                    remember(answer, level: level, id: name.id)
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

    /// The answer remembered for name `id` at `level`: `.some(nil)` when the context had none.
    private func remembered(level: Int, id: Int32) -> TemplateValue?? {
        guard level < rows.count else { return nil }
        let stamp = stamps[level]
        return rows[level].withUnsafeBufferPointer { row in
            var slot = Int(id) & (Self.rowSize - 1)
            for _ in 0..<Self.probes {
                let entry = row[slot]
                guard entry.stamp == stamp else { return nil }
                if entry.id == id { return .some(entry.value) }
                slot = (slot + 1) & (Self.rowSize - 1)
            }
            return nil
        }
    }

    private mutating func remember(_ value: TemplateValue?, level: Int, id: Int32) {
        while rows.count <= level {
            rows.append(Array(repeating: Remembered(), count: Self.rowSize))
        }
        let stamp = stamps[level]
        var slot = Int(id) & (Self.rowSize - 1)
        for _ in 0..<Self.probes {
            if rows[level][slot].stamp != stamp || rows[level][slot].id == id {
                rows[level][slot] = Remembered(stamp: stamp, id: id, value: value)
                return
            }
            slot = (slot + 1) & (Self.rowSize - 1)
        }
    }

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
        case .int(let number):
            out.append(decimal: number)
        case .bool(let flag):
            out.append(raw: flag ? "true" : "false")
        case .list, .object:
            break
        }
    }
}
