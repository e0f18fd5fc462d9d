/// Turns whatever a person typed into a search box into a valid FTS5 query, or a message saying
/// why there is nothing to search for. The FTS5 query is then bound as a parameter; it is never
/// spliced into SQL.
///
/// What people can write:
/// - words: `pension transfer` (every word must appear);
/// - phrases: `"pension transfer"` (an unbalanced quote runs to the end of the input);
/// - prefixes: `pens*` (at least `minimumPrefixLength` letters before the star);
/// - alternatives: `pension OR benefit` (an uppercase `OR` between two terms).
///
/// Everything else (FTS5 operators such as `AND`, `NOT`, `NEAR`, `^`, `:`, parentheses, stray
/// stars, punctuation, emoji) is treated as text: words are searched for as words, and anything
/// that is not a letter or digit separates words, as the index's tokenizer does. Every term is
/// emitted double-quoted and holds only letters and digits, so no input can reach FTS5's syntax.
public struct SearchQuery: Sendable, Equatable {
    /// A term of the parsed query.
    public enum Term: Sendable, Equatable {
        case word(String)
        case prefix(String)
        case phrase([String])

        /// The term as an FTS5 phrase: always double-quoted, holding only letters and digits.
        var fts5Expression: String {
            switch self {
            case .word(let word): "\"\(word)\""
            case .prefix(let word): "\"\(word)\"*"
            case .phrase(let words): "\"\(words.joined(separator: " "))\""
            }
        }
    }

    /// Groups of alternatives: every group must match; within a group any term may.
    public let groups: [[Term]]

    public static let maximumInputLength = 500
    public static let maximumTerms = 16
    public static let minimumPrefixLength = 2
    /// Longest word kept (longer runs of letters are cut, as no real word is that long).
    public static let maximumWordLength = 40

    /// Why a query cannot be run, in words for the person who typed it.
    public enum Problem: Error, Sendable, Equatable {
        case empty
        case nothingSearchable
        case tooLong
        case tooManyTerms

        public var message: String {
            switch self {
            case .empty: "Enter a word or phrase to search for."
            case .nothingSearchable: "Your search has no letters or numbers in it. Enter a word or phrase to search for."
            case .tooLong: "Your search is too long. Use \(SearchQuery.maximumInputLength) characters or fewer."
            case .tooManyTerms: "Your search has too many words. Use \(SearchQuery.maximumTerms) words or fewer."
            }
        }
    }

    /// - Throws: `Problem` when there is nothing to search for or the input is too large.
    public init(parsing input: String) throws(Problem) {
        let trimmed = input.trimmingWhitespace()
        if trimmed.isEmpty { throw .empty }
        if trimmed.unicodeScalars.count > Self.maximumInputLength { throw .tooLong }

        var groups: [[Term]] = []
        var pendingOr = false
        var termCount = 0
        let scalars = Array(trimmed.unicodeScalars)
        var index = 0

        func add(_ term: Term) throws(Problem) {
            termCount += 1
            if termCount > Self.maximumTerms { throw .tooManyTerms }
            if pendingOr, !groups.isEmpty {
                groups[groups.count - 1].append(term)
            } else {
                groups.append([term])
            }
            pendingOr = false
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\"" {
                // A phrase: up to the next quote, or the end of the input.
                var end = index + 1
                while end < scalars.count, scalars[end] != "\"" { end += 1 }
                let words = Self.words(in: scalars[(index + 1)..<end])
                if words.count == 1 {
                    try add(.word(words[0]))
                } else if !words.isEmpty {
                    if termCount + words.count > Self.maximumTerms { throw .tooManyTerms }
                    try add(.phrase(words))
                    termCount += words.count - 1
                }
                index = end + 1
                continue
            }
            if Self.isWordScalar(scalar) {
                var end = index
                while end < scalars.count, Self.isWordScalar(scalars[end]) { end += 1 }
                let raw = String(String.UnicodeScalarView(scalars[index..<end]))
                let word = String(raw.prefix(Self.maximumWordLength))
                let starred = end < scalars.count && scalars[end] == "*"
                index = starred ? end + 1 : end
                if raw == "OR", !groups.isEmpty, !pendingOr, !starred {
                    pendingOr = true
                    continue
                }
                if starred, word.count >= Self.minimumPrefixLength {
                    try add(.prefix(word.lowercased()))
                } else {
                    try add(.word(word.lowercased()))
                }
                continue
            }
            index += 1
        }
        if groups.isEmpty { throw .nothingSearchable }
        self.groups = groups
    }

    /// The FTS5 query expression: `"a" AND ("b" OR "c"*) AND "d e"`. The `AND` is spelled out:
    /// FTS5 reads two phrases side by side as both, but not a phrase beside a parenthesised
    /// group (`"a" ("b" OR "c")` is a syntax error).
    public var fts5Expression: String {
        groups.map { group in
            let terms = group.map(\.fts5Expression)
            return terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " OR ") + ")"
        }.joined(separator: " AND ")
    }

    /// True when a term is a prefix (`word*`).
    public var hasPrefixTerm: Bool {
        groups.contains { $0.contains { if case .prefix = $0 { true } else { false } } }
    }

    /// Each term on its own as an FTS5 expression, in the order FTS5 numbers the phrases of
    /// `fts5Expression` (left to right), for estimating how many rows each one matches.
    public var phraseExpressions: [String] {
        groups.flatMap { $0.map(\.fts5Expression) }
    }

    /// Letters, digits and combining marks: what the unicode61 tokenizer keeps in a token.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    static func words(in scalars: ArraySlice<Unicode.Scalar>) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in scalars {
            if isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(String(current).prefix(maximumWordLength)).lowercased())
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(String(current).prefix(maximumWordLength)).lowercased()) }
        return words
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
