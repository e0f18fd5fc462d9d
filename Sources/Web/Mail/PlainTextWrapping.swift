/// The plain-text part of every message is wrapped here, once, after its template is rendered
/// (docs/mail.md, "Plain text"). Templates write each paragraph on one line; this breaks lines
/// longer than 72 characters at spaces, so a name or a title put into a sentence cannot leave
/// it ragged. A word longer than the width (a link, above all) is never broken: it gets a line
/// of its own, so a mail client can still open it. No `format=flowed`: the lines are fixed.
enum PlainTextWrapping {
    /// RFC 5322 §2.1.1 asks for lines of at most 78 characters; 72 leaves room for the "> "
    /// of a few levels of quoting in a reply.
    static let width = 72

    /// `text` with every line longer than `width` broken at spaces. A continuation keeps the
    /// line's indent, and a list item's ("* " or "- ") continues under its text. The signature
    /// separator ("-- ") and lines within the width are left as they are.
    static func wrapped(_ text: String, width: Int = width) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.count <= width ? String(line) : wrap(line, width: width) }
            .joined(separator: "\n")
    }

    static func wrap(_ line: Substring, width: Int) -> String {
        let indent = line.prefix { $0 == " " }
        var rest = line.dropFirst(indent.count)
        var hanging = String(indent)
        if rest.hasPrefix("* ") || rest.hasPrefix("- ") { hanging += "  " }
        var first = String(indent)
        if hanging.count > indent.count {
            first += rest.prefix(2)
            rest = rest.dropFirst(2)
        }
        var lines: [String] = []
        var current = first
        var currentHasWord = false
        for word in rest.split(separator: " ") {
            if currentHasWord, current.count + 1 + word.count > width {
                lines.append(current)
                current = hanging + word
            } else {
                current += (currentHasWord ? " " : "") + word
            }
            currentHasWord = true
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }
}
