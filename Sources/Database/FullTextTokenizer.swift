import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One of SQLite's FTS5 tokenizers, made as an FTS5 table's `tokenize` option makes it
/// (`"porter unicode61 remove_diacritics 2"`), to tokenize texts outside a table: the tokens a
/// table would index, each with its bytes in the text. Used from one thread at a time; it keeps
/// its connection (whose FTS5 module it belongs to) open.
public final class FullTextTokenizer {
    /// What a text is tokenized as (FTS5 tells its tokenizers; the built-in ones do the same for all).
    public enum Purpose: Sendable {
        /// A row's text, as it is indexed.
        case document
        /// A word or phrase of a query.
        case query
        /// The last word of a query's prefix term (`word*`).
        case prefixQuery

        var flags: Int32 {
            switch self {
            case .document: FTS5_TOKENIZE_DOCUMENT
            case .query: FTS5_TOKENIZE_QUERY
            case .prefixQuery: FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX
            }
        }
    }

    private let connection: Connection
    private let tokenizer: UnsafeMutablePointer<mutuals_fts5_tokenizer>

    /// - Parameter specification: the name and arguments, as in `tokenize = '…'`.
    /// - Throws: `DatabaseError` when the connection has no such tokenizer or it rejects the arguments.
    public init(_ connection: Connection, specification: String) throws {
        let words = specification.split(separator: " ").map(String.init)
        guard let name = words.first else {
            throw DatabaseError(extendedCode: SQLITE_MISUSE, message: "no tokenizer named")
        }
        let arguments = words.dropFirst().map { strdup($0) }
        defer { arguments.forEach { free($0) } }
        var pointers = arguments.map { UnsafePointer<CChar>($0) }
        let made = pointers.withUnsafeMutableBufferPointer { buffer in
            mutuals_fts5_tokenizer_new(connection.handle, name, buffer.baseAddress, Int32(buffer.count))
        }
        guard let made else {
            throw DatabaseError(extendedCode: SQLITE_ERROR, message: "no FTS5 tokenizer \(specification)")
        }
        self.connection = connection
        tokenizer = made
    }

    deinit {
        mutuals_fts5_tokenizer_free(tokenizer)
    }

    /// Tokenizes `text` into `tokens` (emptied first).
    public func tokenize(_ text: UnsafeBufferPointer<UInt8>, as purpose: Purpose, into tokens: FullTextTokens) throws {
        guard text.count <= Int(Int32.max) else {
            throw DatabaseError(extendedCode: SQLITE_TOOBIG, message: "text too long to tokenize")
        }
        let code = text.withMemoryRebound(to: CChar.self) { bytes in
            mutuals_fts5_tokenize(tokenizer, purpose.flags, bytes.baseAddress, Int32(bytes.count), tokens.list)
        }
        guard code == SQLITE_OK else {
            tokens.list.pointee.count = 0
            throw DatabaseError(extendedCode: code, message: "the FTS5 tokenizer failed")
        }
    }

    /// Tokenizes `text` into `tokens` (emptied first).
    public func tokenize(_ text: String, as purpose: Purpose, into tokens: FullTextTokens) throws {
        var text = text
        try text.withUTF8 { try tokenize($0, as: purpose, into: tokens) }
    }
}

/// The tokens of the last text a `FullTextTokenizer` tokenized into it, in order: each one's
/// bytes in that text and its term (what the tokenizer made of it: folded, stemmed). Its
/// buffers are kept for the next text.
public final class FullTextTokens {
    // On the heap behind a constant pointer: reading a class's `var` checks exclusive access
    // each time, and a snippet reads these hundreds of times a text.
    @usableFromInline let list: UnsafeMutablePointer<mutuals_fts5_token_list>

    public init() {
        list = .allocate(capacity: 1)
        list.initialize(to: mutuals_fts5_token_list())
    }

    deinit {
        mutuals_fts5_token_list_free(list)
        list.deallocate()
    }

    @inlinable public var count: Int { Int(list.pointee.count) }

    /// The byte offsets of token `index` in the text: `start..<end`.
    @inlinable public func start(_ index: Int) -> Int { Int(list.pointee.tokens[index].start) }
    @inlinable public func end(_ index: Int) -> Int { Int(list.pointee.tokens[index].end) }

    /// The term of token `index`, valid until the next tokenizing.
    public func term(_ index: Int) -> UnsafeRawBufferPointer {
        let token = list.pointee.tokens[index]
        return UnsafeRawBufferPointer(start: list.pointee.terms.map { UnsafeRawPointer($0 + Int(token.term)) }, count: Int(token.termLength))
    }

    /// Whether the term of token `index` is `bytes`, or starts with them when `prefix`.
    @inlinable public func term(_ index: Int, matches bytes: UnsafeRawBufferPointer, prefix: Bool) -> Bool {
        let token = list.pointee.tokens[index]
        let length = Int(token.termLength)
        guard prefix ? length >= bytes.count : length == bytes.count else { return false }
        guard let terms = list.pointee.terms, let wanted = bytes.baseAddress, !bytes.isEmpty else { return bytes.isEmpty }
        return memcmp(terms + Int(token.term), wanted, bytes.count) == 0
    }
}
