/// A piece of template source: literal text (split at line ends) or one tag.
struct TemplateToken {
    enum Kind: Equatable { case text, variable, raw, section, inverted, close, comment, partial, block, parent }

    let kind: Kind
    /// Byte range of the whole token in the source.
    let start: Int
    let end: Int
    /// The tag's content without its sigil and surrounding whitespace (empty for text).
    let content: String
    /// 1-based line where the token starts.
    let line: Int
    /// Dropped because it is whitespace on a standalone tag's line.
    var removed = false
    /// For a standalone partial: the whitespace before it, which indents every line of the partial.
    var indent: [UInt8] = []

    /// Tags that, alone on a line with only whitespace, take the whole line with them (Mustache spec).
    var canStandAlone: Bool {
        switch kind {
        case .section, .inverted, .close, .comment, .partial, .block, .parent: true
        case .text, .variable, .raw: false
        }
    }
}

/// Splits one template's source into tokens and applies the spec's standalone-line rule.
struct TemplateParser {
    let name: String
    let source: [UInt8]

    private static let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D, newline: UInt8 = 0x0A

    /// The tokens of the source, with standalone lines' whitespace marked `removed`.
    /// - Throws: `TemplateError` for an unclosed tag, a set-delimiter tag, or a raw tag on a
    ///   name not ending in `HTML`.
    func tokenize() throws -> [TemplateToken] {
        var tokens: [TemplateToken] = []
        let count = source.count
        var position = 0
        var line = 1
        while position < count {
            var open = position
            while open + 1 < count && !(source[open] == Self.openBrace && source[open + 1] == Self.openBrace) {
                open += 1
            }
            if open + 1 >= count { open = count }
            appendText(from: position, to: open, line: &line, into: &tokens)
            if open >= count { break }

            var contentStart = open + 2
            var kind = TemplateToken.Kind.variable
            var triple = false
            if contentStart < count {
                switch source[contentStart] {
                case Self.openBrace: kind = .raw; triple = true
                case UInt8(ascii: "&"): kind = .raw
                case UInt8(ascii: "#"): kind = .section
                case UInt8(ascii: "^"): kind = .inverted
                case UInt8(ascii: "/"): kind = .close
                case UInt8(ascii: "!"): kind = .comment
                case UInt8(ascii: ">"): kind = .partial
                case UInt8(ascii: "<"): kind = .parent
                case UInt8(ascii: "$"): kind = .block
                case UInt8(ascii: "="):
                    throw TemplateError(.setDelimiter, template: name, line: line,
                                        "set-delimiter tags ({{=<% %>=}}) are not supported; keep {{ }}")
                default: break
                }
                if kind != .variable { contentStart += 1 }
            }
            let closer = triple ? 3 : 2
            var close = contentStart
            var found = false
            while close + closer <= count {
                if source[close] == Self.closeBrace && source[close + 1] == Self.closeBrace
                    && (!triple || source[close + 2] == Self.closeBrace)
                {
                    found = true
                    break
                }
                close += 1
            }
            guard found else {
                throw TemplateError(.unclosedTag, template: name, line: line,
                                    triple ? "{{{ is never closed with }}}" : "{{ is never closed with }}")
            }
            let content = Self.trimmed(source[contentStart..<close])
            let end = close + closer
            let token = TemplateToken(kind: kind, start: open, end: end, content: content, line: line)
            if kind == .raw {
                let tagName = content
                if tagName.isEmpty { throw invalidName(token) }
                guard tagName.hasSuffix("HTML") else {
                    throw TemplateError(.rawNotHTML, template: name, line: line,
                                        "{{{\(tagName)}}} would write \"\(tagName)\" unescaped, but only names ending in HTML may be raw; use {{\(tagName)}}, or give the value a name ending in HTML if it is safe markup")
                }
            }
            for byte in source[open..<end] where byte == Self.newline { line += 1 }
            tokens.append(token)
            position = end
        }
        markStandaloneLines(&tokens)
        return tokens
    }

    /// Text tokens end at each newline, so that a line is a run of tokens ending in one.
    private func appendText(from start: Int, to end: Int, line: inout Int, into tokens: inout [TemplateToken]) {
        var lineStart = start
        var index = start
        while index < end {
            if source[index] == Self.newline {
                tokens.append(TemplateToken(kind: .text, start: lineStart, end: index + 1, content: "", line: line))
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart < end {
            tokens.append(TemplateToken(kind: .text, start: lineStart, end: end, content: "", line: line))
        }
    }

    /// A line holding only whitespace and one section, inverted, close, comment, partial, block
    /// or parent tag is removed entirely; the tag stays (Mustache spec, "standalone" tags).
    private func markStandaloneLines(_ tokens: inout [TemplateToken]) {
        var lineStart = 0
        for index in tokens.indices {
            let token = tokens[index]
            let endsLine = index == tokens.count - 1
                || (token.kind == .text && source[token.end - 1] == Self.newline)
            guard endsLine else { continue }
            let range = lineStart...index
            lineStart = index + 1
            let tags = range.filter { tokens[$0].kind != .text }
            guard tags.count == 1, let tag = tags.first, tokens[tag].canStandAlone else { continue }
            guard range.allSatisfy({ tokens[$0].kind != .text || isBlank(tokens[$0]) }) else { continue }
            var indent: [UInt8] = []
            for position in range where tokens[position].kind == .text {
                if position < tag { indent.append(contentsOf: source[tokens[position].start..<tokens[position].end]) }
                tokens[position].removed = true
            }
            if tokens[tag].kind == .partial { tokens[tag].indent = indent }
        }
    }

    /// Spaces and tabs, optionally ending in `\n` or `\r\n`.
    private func isBlank(_ token: TemplateToken) -> Bool {
        var end = token.end
        if end > token.start && source[end - 1] == Self.newline {
            end -= 1
            if end > token.start && source[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        }
        return source[token.start..<end].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        var slice = bytes
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// A variable or section name: `.`, or dot-separated parts of letters, digits, `_` and `-`.
    func name(_ token: TemplateToken) throws -> TemplateName {
        let text = token.content
        if text == "." { return TemplateName(first: "", rest: []) }
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Self.isNameByte) }) else {
            throw invalidName(token)
        }
        return Self.splitName(text)
    }

    /// A block name: letters, digits, `_` and `-`.
    func checkPlainName(_ token: TemplateToken) throws {
        guard !token.content.isEmpty, token.content.utf8.allSatisfy(Self.isNameByte) else { throw invalidName(token) }
    }

    /// A template name for `{{>` and `{{<`: letters, digits, `_`, `-`, `.` and `/`.
    func checkTemplateName(_ token: TemplateToken) throws {
        guard !token.content.isEmpty,
              token.content.utf8.allSatisfy({ Self.isNameByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/") })
        else { throw invalidName(token) }
    }

    private func invalidName(_ token: TemplateToken) -> TemplateError {
        TemplateError(.invalidName, template: name, line: token.line,
                      token.content.isEmpty ? "a tag has no name" : "\"\(token.content)\" is not a valid name (letters, digits, _ and -, parts joined by dots)")
    }

    static func splitName(_ text: String) -> TemplateName {
        if text == "." { return TemplateName(first: "", rest: []) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return TemplateName(first: parts.first ?? "", rest: Array(parts.dropFirst()))
    }
}
