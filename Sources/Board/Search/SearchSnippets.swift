import Database

/// The snippet and the highlighted title of search hits, made as FTS5's `snippet()` and
/// `highlight()` make them for a row of a table with the columns (body, title) matched by the
/// query, but from one tokenization of each text: copying twenty texts into an FTS5 table
/// tokenized each of them once to index it, and `snippet()` tokenized the body twice more (once
/// to find where sentences start, once to write the snippet), about a third of a search page's
/// instructions (docs/PERFORMANCE.md, sixteenth round).
///
/// What FTS5 does, and so what this does:
/// - The query's terms are its phrases, numbered left to right (`SearchQuery.phraseExpressions`);
///   each is tokenized as FTS5 tokenizes the quoted text, a prefix term's last token matching
///   any term it starts.
/// - A row matches when every group of the query has a phrase in the body or the title.
/// - An instance is a phrase at a token position of one column; instances that share tokens are
///   highlighted as one.
/// - The snippet is `tokensWanted` tokens of the body. Each instance scores the window of that
///   many tokens from it (1,000 for each phrase's first instance in it, 1 for each further
///   one), centred on the instances it holds; the window from the start of that instance's
///   sentence scores the same plus 100 (120 at the body's start). The best first window wins,
///   with "…" where text is left out at either end.
/// `SearchHighlightTests` holds the output to FTS5's own, on the same texts and queries.
struct SearchSnippets {
    /// A phrase of the query: its tokens' terms (ranges of `termBytes`), the last one a prefix
    /// when `prefix`.
    struct Phrase {
        var terms: [Range<Int>]
        var prefix: Bool
        var group: Int
    }

    /// A phrase at a token position of one text.
    struct Instance {
        var phrase: Int
        var position: Int
    }

    let phrases: [Phrase]
    /// The terms of all phrases, one after the other.
    let termBytes: [UInt8]
    let groupCount: Int
    let open: [UInt8]
    let close: [UInt8]
    let ellipsis: [UInt8]
    let tokensWanted: Int

    init(query: SearchQuery, tokenizer: FullTextTokenizer, scratch: FullTextTokens,
         open: String, close: String, ellipsis: String, tokensWanted: Int) throws {
        var phrases: [Phrase] = []
        var termBytes: [UInt8] = []
        for (group, terms) in query.groups.enumerated() {
            for term in terms {
                let text: String
                var prefix = false
                switch term {
                case .word(let word): text = word
                case .prefix(let word): text = word; prefix = true
                case .phrase(let words): text = words.joined(separator: " ")
                }
                try tokenizer.tokenize(text, as: prefix ? .prefixQuery : .query, into: scratch)
                var ranges: [Range<Int>] = []
                for index in 0..<scratch.count {
                    let start = termBytes.count
                    termBytes.append(contentsOf: scratch.term(index))
                    ranges.append(start..<termBytes.count)
                }
                phrases.append(Phrase(terms: ranges, prefix: prefix, group: group))
            }
        }
        self.phrases = phrases
        self.termBytes = termBytes
        groupCount = query.groups.count
        self.open = Array(open.utf8)
        self.close = Array(close.utf8)
        self.ellipsis = Array(ellipsis.utf8)
        self.tokensWanted = tokensWanted
    }

    /// The instances of the phrases in a tokenized text, by position, then phrase (FTS5's order).
    func instances(in tokens: FullTextTokens) -> [Instance] {
        var found: [Instance] = []
        let count = tokens.count
        termBytes.withUnsafeBytes { all in
            for position in 0..<count {
                for index in phrases.indices {
                    let terms = phrases[index].terms
                    guard !terms.isEmpty, position + terms.count <= count else { continue }
                    var matches = true
                    for offset in terms.indices {
                        let prefix = offset == terms.count - 1 && phrases[index].prefix
                        if !tokens.term(position + offset, matches: UnsafeRawBufferPointer(rebasing: all[terms[offset]]), prefix: prefix) {
                            matches = false
                            break
                        }
                    }
                    if matches { found.append(Instance(phrase: index, position: position)) }
                }
            }
        }
        return found
    }

    /// Whether a row with these instances in its columns matches: each group has a phrase in one.
    func matches(_ columns: [Instance]...) -> Bool {
        var present = [Bool](repeating: false, count: groupCount)
        for column in columns {
            for instance in column { present[phrases[instance.phrase].group] = true }
        }
        return !present.contains(false)
    }

    /// `highlight()`: the whole text with each (coalesced) instance between the markers.
    func highlight(_ text: UnsafeBufferPointer<UInt8>, tokens: FullTextTokens, instances: [Instance]) -> String {
        var writer = Writer(text: text, instances: coalesced(instances), open: open, close: close)
        for index in 0..<tokens.count { writer.token(start: tokens.start(index), end: tokens.end(index)) }
        writer.finish()
        writer.append(from: writer.copied, to: text.count)
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// `snippet()`: `tokensWanted` tokens of the text around its best instances, as described above.
    func snippet(_ text: UnsafeBufferPointer<UInt8>, tokens: FullTextTokens, instances: [Instance]) -> String {
        let size = tokens.count
        // Windows from a sentence's start are tried only when the text is longer than one.
        let sentences = size > tokensWanted && !instances.isEmpty ? sentenceStarts(text, tokens: tokens) : []
        var seen = [Bool](repeating: false, count: phrases.count)
        var bestScore = 0
        var bestStart = 0
        for instance in instances {
            let position = instance.position
            let (score, adjusted) = self.score(instances, from: position, size: size, seen: &seen)
            if score > bestScore {
                bestScore = score
                bestStart = adjusted
            }
            if !sentences.isEmpty {
                var sentence = 0
                while sentence < sentences.count - 1, sentences[sentence + 1] <= position { sentence += 1 }
                let start = sentences[sentence]
                if start < position {
                    let bonus = start == 0 ? 120 : 100
                    let fromSentence = self.score(instances, from: start, size: size, seen: &seen).score + bonus
                    if fromSentence > bestScore {
                        bestScore = fromSentence
                        bestStart = start
                    }
                }
            }
        }
        var writer = Writer(text: text, instances: coalesced(instances), open: open, close: close)
        writer.range = bestStart...(bestStart + tokensWanted - 1)
        if bestStart > 0 { writer.output += ellipsis }
        writer.skip(before: bestStart)
        // Tokens past the window add nothing.
        for index in bestStart..<min(size, bestStart + tokensWanted) {
            writer.position = index
            writer.token(start: tokens.start(index), end: tokens.end(index))
        }
        writer.finish()
        if bestStart + tokensWanted - 1 >= size - 1 {
            writer.append(from: writer.copied, to: text.count)
        } else {
            writer.output += ellipsis
        }
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// The score of the window of `tokensWanted` tokens from `start`, and where a window holding
    /// the same instances, centred on them, starts (within the text). `instances` are in order of
    /// position: the window's are found by a binary search, so a long post full of a common word
    /// costs its instances times the window, not its instances squared.
    private func score(_ instances: [Instance], from start: Int, size: Int, seen: inout [Bool]) -> (score: Int, start: Int) {
        for index in seen.indices { seen[index] = false }
        var score = 0
        var first = -1
        var last = 0
        for instance in instances[instances.partitionPoint { $0.position < start }...] {
            guard instance.position < start + tokensWanted else { break }
            score += seen[instance.phrase] ? 1 : 1000
            seen[instance.phrase] = true
            if first < 0 { first = instance.position }
            last = instance.position + phrases[instance.phrase].terms.count
        }
        var adjusted = first - (tokensWanted - (last - first)) / 2
        if adjusted + tokensWanted > size { adjusted = size - tokensWanted }
        if adjusted < 0 { adjusted = 0 }
        return (score, adjusted)
    }

    /// The positions of the tokens that start a sentence: the first, and each after a "." or ":"
    /// followed by white space.
    private func sentenceStarts(_ text: UnsafeBufferPointer<UInt8>, tokens: FullTextTokens) -> [Int] {
        var starts: [Int] = []
        for position in 0..<tokens.count {
            if position == 0 {
                starts.append(0)
                continue
            }
            let tokenStart = tokens.start(position)
            var index = tokenStart - 1
            var byte: UInt8 = 0
            while index >= 0 {
                byte = text[index]
                if byte != 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D { break }
                index -= 1
            }
            if index != tokenStart - 1, byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") {
                starts.append(position)
            }
        }
        return starts
    }

    /// Instances that share tokens merged, as first and last token positions.
    private func coalesced(_ instances: [Instance]) -> [ClosedRange<Int>] {
        var merged: [ClosedRange<Int>] = []
        for instance in instances {
            let end = instance.position + phrases[instance.phrase].terms.count - 1
            if let last = merged.last, instance.position <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, end)
            } else {
                merged.append(instance.position...end)
            }
        }
        return merged
    }

    /// Copies the text token by token, opening and closing the markers around instances
    /// (FTS5's highlight callback), within `range` when there is one.
    private struct Writer {
        let text: UnsafeBufferPointer<UInt8>
        let instances: [ClosedRange<Int>]
        let open: [UInt8]
        let close: [UInt8]
        var range: ClosedRange<Int>?
        var next = 0
        /// The position of the next token.
        var position = 0
        var copied = 0
        var isOpen = false
        var output: [UInt8] = []

        init(text: UnsafeBufferPointer<UInt8>, instances: [ClosedRange<Int>], open: [UInt8], close: [UInt8]) {
            self.text = text
            self.instances = instances
            self.open = open
            self.close = close
            output.reserveCapacity(min(text.count, 512) + 64)
        }

        var current: ClosedRange<Int>? { next < instances.count ? instances[next] : nil }

        mutating func append(from start: Int, to end: Int) {
            guard end > start else { return }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<end]))
        }

        /// Moves past the instances that start before `start`.
        mutating func skip(before start: Int) {
            while let instance = current, instance.lowerBound < start { next += 1 }
        }

        mutating func token(start: Int, end: Int) {
            let at = position
            position += 1
            if let range {
                guard range.contains(at) else { return }
                if range.lowerBound > 0, at == range.lowerBound { copied = start }
            }
            if isOpen, current.map({ at <= $0.lowerBound }) ?? true, start > copied {
                output += close
                isOpen = false
            }
            if let instance = current, at == instance.lowerBound, !isOpen {
                append(from: copied, to: start)
                output += open
                copied = start
                isOpen = true
            }
            if let instance = current, at == instance.upperBound {
                if !isOpen {
                    output += open
                    isOpen = true
                }
                append(from: copied, to: end)
                copied = end
                next += 1
            }
            if let range, at == range.upperBound {
                if isOpen {
                    if let instance = current, at >= instance.lowerBound {
                        append(from: copied, to: end)
                        copied = end
                    }
                    output += close
                    isOpen = false
                }
                append(from: copied, to: end)
                copied = end
            }
        }

        mutating func finish() {
            if isOpen {
                output += close
                isOpen = false
            }
        }
    }
}
