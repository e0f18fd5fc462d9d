/// Why a template library could not be built, or a template name was not found.
/// Every compile error names the template and the line.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The templates directory could not be read, or a file in it.
        case unreadable
        /// The code asked for a template that does not exist.
        case missingTemplate
        /// `{{> name}}` or `{{< name}}` names a template that does not exist.
        case missingPartial
        /// A tag opened with `{{` and never closed, or closed with the wrong braces.
        case unclosedTag
        /// A tag with no name, or a name with characters we do not allow.
        case invalidName
        /// `{{=<% %>=}}`: we do not support changing delimiters.
        case setDelimiter
        /// `{{{name}}}` or `{{& name}}` on a name that does not end in `HTML`.
        case rawNotHTML
        /// `{{/name}}` that closes nothing, or closes a different section.
        case mismatchedClose
        /// A section, block or parent still open at the end of the template.
        case unclosedSection
        /// A `{{$block}}` override the layout does not declare.
        case unknownBlock
        /// Standalone partials indented inside each other without end (recursion with indentation).
        case partialTooDeep
    }

    public var kind: Kind
    /// The template's name (its file name without `.mustache`).
    public var template: String
    /// 1-based line of the offending tag; 0 when the error is not about one line.
    public var line: Int
    public var message: String

    public init(_ kind: Kind, template: String, line: Int = 0, _ message: String) {
        self.kind = kind
        self.template = template
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(template).mustache line \(line): \(message)" : "\(template).mustache: \(message)"
    }
}
