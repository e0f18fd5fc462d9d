/// A template compiled to a flat list of instructions: what the renderer runs.
///
/// Instructions are plain integers (no references), text lives in one byte array, and a
/// section's body is the range of instructions up to its `end`, so rendering walks arrays by
/// index without retaining anything per node. A program is a class: the renderer holds it by one
/// reference, where a struct of five arrays cost five retains and releases each time a partial
/// or a section's body ran (measured: about 3% of a signed-in thread page).
final class TemplateProgram: Sendable {
    struct Instruction: Sendable {
        enum Kind: UInt8, Sendable {
            /// `bytes[a ..< a + b]`
            case text
            /// `names[a]`, escaped
            case variable
            /// `names[a]`, raw when the value is `.html`
            case raw
            /// `names[a]`; body `index + 1 ..< b`
            case section
            /// `names[a]`; body `index + 1 ..< b`
            case inverted
            /// render template `a`
            case partial
            /// `blockNames[a]`; default body `index + 1 ..< b`
            case block
            /// render template `a` with the overrides `overrides[c]` (their bodies lie in
            /// `index + 1 ..< b`, and are skipped in place)
            case parent
        }

        var kind: Kind
        var a: Int32
        var b: Int32 = 0
        var c: Int32 = 0
    }

    /// A block override: the instructions `start ..< end` of template `template`.
    struct Override: Sendable {
        let name: String
        let template: Int
        let start: Int
        let end: Int
    }

    let instructions: [Instruction]
    let bytes: [UInt8]
    let names: [TemplateName]
    let blockNames: [String]
    let overrides: [[Override]]

    /// Literal bytes in the program (for the first size hint).
    var staticByteCount: Int { bytes.count }

    /// Flattens a compiled tree of template number `template`; `number` gives each name its
    /// numbers (`TemplateNameIDs`) before the program is frozen.
    init(_ nodes: [TemplateNode], template: Int, number: (inout [TemplateName]) -> Void = { _ in }) {
        var builder = Builder()
        builder.emit(nodes, template: template)
        number(&builder.names)
        instructions = builder.instructions
        bytes = builder.bytes
        names = builder.names
        blockNames = builder.blockNames
        overrides = builder.overrides
    }
}

extension TemplateProgram {
    private struct Builder {
        var instructions: [Instruction] = []
        var bytes: [UInt8] = []
        var names: [TemplateName] = []
        var blockNames: [String] = []
        var overrides: [[Override]] = []

        mutating func emit(_ nodes: [TemplateNode], template: Int) {
            for node in nodes {
                switch node {
                case .text(let text):
                    instructions.append(Instruction(kind: .text, a: Int32(bytes.count), b: Int32(text.count)))
                    bytes.append(contentsOf: text)
                case .variable(let name, let raw):
                    instructions.append(Instruction(kind: raw ? .raw : .variable, a: Int32(names.count)))
                    names.append(name)
                case .section(let name, let children), .inverted(let name, let children):
                    let kind: Instruction.Kind
                    if case .section = node { kind = .section } else { kind = .inverted }
                    let at = instructions.count
                    instructions.append(Instruction(kind: kind, a: Int32(names.count)))
                    names.append(name)
                    emit(children, template: template)
                    instructions[at].b = Int32(instructions.count)
                case .partial(let index):
                    instructions.append(Instruction(kind: .partial, a: Int32(index)))
                case .block(let name, let children):
                    let at = instructions.count
                    instructions.append(Instruction(kind: .block, a: Int32(blockNames.count)))
                    blockNames.append(name)
                    emit(children, template: template)
                    instructions[at].b = Int32(instructions.count)
                case .parent(let index, let blocks):
                    let at = instructions.count
                    instructions.append(Instruction(kind: .parent, a: Int32(index), c: Int32(overrides.count)))
                    overrides.append([])
                    var table: [Override] = []
                    for block in blocks {
                        let start = instructions.count
                        emit(block.nodes, template: template)
                        table.append(Override(name: block.name, template: template, start: start, end: instructions.count))
                    }
                    overrides[Int(instructions[at].c)] = table
                    instructions[at].b = Int32(instructions.count)
                }
            }
        }
    }
}
