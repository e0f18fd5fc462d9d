/// One parsed piece of a template. Trees are built at start, checked (blocks, partials), then
/// flattened into a `TemplateProgram`, which is what the renderer runs.
enum TemplateNode: Sendable {
    /// Literal template text, written with one copy.
    case text([UInt8])
    /// `{{name}}` (escaped) or `{{{nameHTML}}}` / `{{& nameHTML}}` (raw).
    case variable(TemplateName, raw: Bool)
    /// `{{#name}}...{{/name}}`
    case section(TemplateName, [TemplateNode])
    /// `{{^name}}...{{/name}}`
    case inverted(TemplateName, [TemplateNode])
    /// `{{> name}}`: the index of the compiled partial (an indented variant when it stood alone
    /// on an indented line).
    case partial(Int)
    /// `{{$name}}default{{/name}}`: a block a page extending this template may replace.
    case block(String, [TemplateNode])
    /// `{{< parent}}{{$name}}...{{/name}}{{/parent}}`: render the parent with these blocks.
    case parent(Int, [BlockOverride])
}

/// A variable or section name: `.` (the current item), `name` or `a.b.c`.
///
/// A class: the renderer takes a name out of its program for every tag it runs, and a struct's
/// copy retained and released its string and both arrays each time (~120 instructions; 340
/// tags on the home page, docs/PERFORMANCE.md, sixteenth round). Numbered once, when the
/// library is built (`numbered`).
final class TemplateName: Sendable {
    /// Looked up through the context stack; empty for `.`.
    let first: String
    /// Looked up only inside the value `first` found (Mustache dotted names).
    let rest: [String]
    /// `first` as a number shared by every library of the process (given when the library is
    /// built, `TemplateNameIDs`): the renderer finds a context's slot for it by this number.
    let id: Int32
    /// The numbers of `rest`.
    let restIDs: [Int32]

    init(first: String, rest: [String], id: Int32 = 0, restIDs: [Int32] = []) {
        self.first = first
        self.rest = rest
        self.id = id
        self.restIDs = restIDs
    }

    /// This name with its numbers.
    func numbered(id: Int32, restIDs: [Int32]) -> TemplateName {
        TemplateName(first: first, rest: rest, id: id, restIDs: restIDs)
    }

    var isImplicit: Bool { first.isEmpty }
}

/// A block's replacement content given inside `{{< parent}}`.
struct BlockOverride: Sendable {
    let name: String
    let nodes: [TemplateNode]
    let line: Int
}

/// Parses template sources into node trees, resolving partial and parent names to indices.
///
/// Indices 0..<names.count are the templates themselves, in name order. A partial tag alone on
/// a line is indented by that line's whitespace (Mustache spec): such a partial is compiled
/// again from its source with each line indented, as a variant with its own index, so
/// rendering never has to think about indentation.
struct TemplateCompiler {
    private struct Entry {
        let name: String
        let source: [UInt8]
    }

    private let sources: [String: [UInt8]]
    private var entries: [Entry] = []
    private var indexByKey: [String: Int] = [:]
    /// Compiled trees, by index.
    private(set) var trees: [[TemplateNode]] = []
    /// Where each `{{< parent}}` was used, to check its overrides once everything is compiled.
    private var parentUses: [(template: String, parent: Int, overrides: [BlockOverride])] = []

    /// Most indented partial variants, and the longest indentation, allowed: a partial that
    /// includes itself on an indented standalone line would otherwise be compiled forever.
    static let maximumVariants = 512
    static let maximumIndent = 256

    init(sources: [String: [UInt8]]) {
        self.sources = sources
        for name in sources.keys.sorted() {
            indexByKey[name] = entries.count
            entries.append(Entry(name: name, source: sources[name] ?? []))
        }
    }

    /// The names of the templates, in index order.
    var names: [String] { entries.prefix(sources.count).map(\.name) }

    /// Compiles every template (and every indented partial variant they need).
    /// - Throws: `TemplateError` naming the template and line of the first problem.
    mutating func compileAll() throws {
        var index = 0
        while index < entries.count {
            let entry = entries[index]
            let parser = TemplateParser(name: entry.name, source: entry.source)
            let tokens = try parser.tokenize()
            let tree = try build(tokens, parser: parser)
            trees.append(tree)
            index += 1
        }
        for use in parentUses {
            var visited = Set<Int>()
            let declared = declaredBlocks(in: use.parent, visited: &visited)
            for override in use.overrides where !declared.contains(override.name) {
                throw TemplateError(
                    .unknownBlock, template: use.template, line: override.line,
                    "{{$\(override.name)}} is not a block of \(entries[use.parent].name).mustache (it declares: \(declared.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// The index of a template, or of its variant indented by `indent`; nil if there is no such template.
    private mutating func index(of name: String, indent: [UInt8]) -> Int? {
        if indent.isEmpty { return indexByKey[name] }
        let key = name + "\u{0}" + String(decoding: indent, as: UTF8.self)
        if let index = indexByKey[key] { return index }
        guard let source = sources[name], entries.count < sources.count + Self.maximumVariants,
              indent.count <= Self.maximumIndent
        else { return nil }
        var indented: [UInt8] = []
        indented.reserveCapacity(source.count + indent.count * 8)
        indented.append(contentsOf: indent)
        for (offset, byte) in source.enumerated() {
            indented.append(byte)
            // Every line gets the indent, except the empty "line" after a final newline.
            if byte == 0x0A && offset + 1 < source.count { indented.append(contentsOf: indent) }
        }
        indexByKey[key] = entries.count
        entries.append(Entry(name: name, source: indented))
        return entries.count - 1
    }

    private struct Frame {
        enum Kind { case root, section, inverted, block, parent(Int) }
        let kind: Kind
        let name: String
        let line: Int
        var nodes: [TemplateNode] = []
        var overrides: [BlockOverride] = []

        var opener: String {
            switch kind {
            case .root: ""
            case .section: "#"
            case .inverted: "^"
            case .block: "$"
            case .parent: "<"
            }
        }
    }

    private mutating func build(_ tokens: [TemplateToken], parser: TemplateParser) throws -> [TemplateNode] {
        let template = parser.name
        var frames = [Frame(kind: .root, name: "", line: 0)]
        var pending: [UInt8] = []

        func flush(into frames: inout [Frame]) {
            guard !pending.isEmpty else { return }
            append(.text(pending), to: &frames)
            pending.removeAll(keepingCapacity: true)
        }
        // Inside {{< parent}} only block overrides count; other content is ignored (Mustache spec).
        func append(_ node: TemplateNode, to frames: inout [Frame]) {
            if case .parent = frames[frames.count - 1].kind { return }
            frames[frames.count - 1].nodes.append(node)
        }

        for token in tokens where !token.removed {
            if token.kind == .text {
                pending.append(contentsOf: parser.source[token.start..<token.end])
                continue
            }
            flush(into: &frames)
            switch token.kind {
            case .text, .comment:
                break
            case .variable, .raw:
                append(.variable(try parser.name(token), raw: token.kind == .raw), to: &frames)
            case .section, .inverted:
                _ = try parser.name(token)
                frames.append(Frame(kind: token.kind == .section ? .section : .inverted, name: token.content, line: token.line))
            case .block:
                try parser.checkPlainName(token)
                frames.append(Frame(kind: .block, name: token.content, line: token.line))
            case .parent:
                try parser.checkTemplateName(token)
                guard let target = index(of: token.content, indent: []) else {
                    throw TemplateError(.missingPartial, template: template, line: token.line,
                                        "{{< \(token.content)}} names a template that does not exist (\(token.content).mustache)")
                }
                frames.append(Frame(kind: .parent(target), name: token.content, line: token.line))
            case .partial:
                try parser.checkTemplateName(token)
                if index(of: token.content, indent: []) == nil {
                    throw TemplateError(.missingPartial, template: template, line: token.line,
                                        "{{> \(token.content)}} names a partial that does not exist (\(token.content).mustache)")
                }
                guard let target = index(of: token.content, indent: token.indent) else {
                    throw TemplateError(.partialTooDeep, template: template, line: token.line,
                                        "{{> \(token.content)}} is indented inside itself without end")
                }
                append(.partial(target), to: &frames)
            case .close:
                guard frames.count > 1 else {
                    throw TemplateError(.mismatchedClose, template: template, line: token.line,
                                        "{{/\(token.content)}} closes a section that was never opened")
                }
                let frame = frames.removeLast()
                guard frame.name == token.content else {
                    throw TemplateError(.mismatchedClose, template: template, line: token.line,
                                        "{{/\(token.content)}} does not match {{\(frame.opener)\(frame.name)}} opened on line \(frame.line)")
                }
                let name = TemplateParser.splitName(frame.name)
                switch frame.kind {
                case .root:
                    break
                case .section:
                    append(.section(name, frame.nodes), to: &frames)
                case .inverted:
                    append(.inverted(name, frame.nodes), to: &frames)
                case .block:
                    if case .parent = frames[frames.count - 1].kind {
                        frames[frames.count - 1].overrides.append(BlockOverride(name: frame.name, nodes: frame.nodes, line: frame.line))
                    } else {
                        append(.block(frame.name, frame.nodes), to: &frames)
                    }
                case .parent(let target):
                    parentUses.append((template, target, frame.overrides))
                    append(.parent(target, frame.overrides), to: &frames)
                }
            }
        }
        flush(into: &frames)
        if frames.count > 1, let open = frames.last {
            throw TemplateError(.unclosedSection, template: template, line: open.line,
                                "{{\(open.opener)\(open.name)}} is never closed with {{/\(open.name)}}")
        }
        return frames[0].nodes
    }

    /// Names of the blocks a template declares (directly, in its partials, or in its own parent).
    private func declaredBlocks(in index: Int, visited: inout Set<Int>) -> Set<String> {
        guard index < trees.count, visited.insert(index).inserted else { return [] }
        var names = Set<String>()
        func walk(_ nodes: [TemplateNode], visited: inout Set<Int>) {
            for node in nodes {
                switch node {
                case .text, .variable: break
                case .section(_, let children), .inverted(_, let children): walk(children, visited: &visited)
                case .block(let name, let children):
                    names.insert(name)
                    walk(children, visited: &visited)
                case .partial(let target):
                    names.formUnion(declaredBlocks(in: target, visited: &visited))
                case .parent(let target, let overrides):
                    // A layout extending another declares what it overrides and any blocks
                    // inside its overrides.
                    for override in overrides {
                        names.insert(override.name)
                        walk(override.nodes, visited: &visited)
                    }
                    names.formUnion(declaredBlocks(in: target, visited: &visited))
                }
            }
        }
        walk(trees[index], visited: &visited)
        return names
    }
}
