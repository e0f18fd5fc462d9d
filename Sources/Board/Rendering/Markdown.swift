import CMark
import Database
import Foundation
import HTMLEscaping

/// Post bodies: CommonMark parsed by the system libcmark, turned into HTML by our own walk of
/// cmark's node tree with an allowlist. Nothing from the input reaches the output except as
/// escaped text or through an element this file writes itself:
///
/// - paragraphs, emphasis, strong, inline code, code blocks (a `language-x` class only for
///   `[a-z0-9+-]` info strings), block quotes, lists (ordered ones keep their start), thematic
///   breaks, line breaks;
/// - headings demoted below the page's own (h1 and h2 become h3; deeper ones one level down, at
///   most h6);
/// - links only to http, https and mailto URLs, with `rel="nofollow ugc noopener"`; any other
///   link is its text alone;
/// - images as a link to the image (same schemes) with the alt text, never an `<img>`, so reading
///   a post makes no third-party request;
/// - raw HTML (blocks and inline) as escaped text;
/// - `@handle` in text as a link to `/u/handle`.
///
/// HTML is rendered once, when a post is written, and stored with `Markdown.version` so that
/// `mutuals rerender` can bring older posts up to date.
public enum Markdown {
    /// The version stored with every post rendered by this renderer. Bump it when the output
    /// changes; `rerenderOutdated` upgrades every post with a lower one.
    public static let version = 1

    /// The `rel` every link in a post carries.
    public static let linkRel = "nofollow ugc noopener"

    /// Safe HTML for `markdown`.
    public static func render(_ markdown: String) -> String {
        var source = markdown
        let root: OpaquePointer? = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                cmark_parse_document(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT)
            }
        }
        guard let root else { return "" }
        defer { cmark_node_free(root) }
        var writer = HTMLWriter()
        writer.walk(root)
        return writer.output
    }

    /// The words of `markdown` without its markup, as a reader sees them: emphasis, links,
    /// headings and list markers go, a link or image leaves its text, code and raw HTML their
    /// literal text; blocks are separated by a blank line. What search indexes and shows
    /// (docs/search.md) and what an excerpt is cut from.
    /// - Parameters:
    ///   - skippingQuotes: leaves out block quotes (the words someone else wrote).
    ///   - layout: `.lines` keeps the author's line breaks (search); `.prose` joins soft line
    ///     breaks with a space and starts list items with "- " (mail, excerpts).
    public static func plainText(_ markdown: String, skippingQuotes: Bool = false, layout: PlainTextLayout = .lines) -> String {
        var source = markdown
        let root: OpaquePointer? = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                cmark_parse_document(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT)
            }
        }
        guard let root else { return "" }
        defer { cmark_node_free(root) }
        var writer = PlainTextWriter(skippingQuotes: skippingQuotes, layout: layout)
        writer.walk(root)
        return writer.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A short excerpt of `markdown` in plain text (block quotes left out, unless that leaves
    /// nothing): whitespace collapsed, cut at a word boundary within `limit` characters, "…"
    /// added when cut.
    public static func excerpt(_ markdown: String, limit: Int = 160) -> String {
        var text = plainText(markdown, skippingQuotes: true)
        if text.isEmpty { text = plainText(markdown) }
        let words = text.split(whereSeparator: { $0.isWhitespace })
        var result = ""
        for word in words {
            let next = result.isEmpty ? String(word) : result + " " + word
            if next.count > limit {
                if result.isEmpty { return String(word.prefix(limit)) + "…" }
                return result + "…"
            }
            result = next
        }
        return result
    }

    /// How `plainText` lays out the words.
    public enum PlainTextLayout: Sendable {
        /// Every line break kept as a line break (what search indexes and shows).
        case lines
        /// Lines of a paragraph joined with a space, list items marked "- " (mail, excerpts).
        case prose
    }

    /// At most `limit` characters of `markdown`'s plain text (`.prose`), blank lines between
    /// blocks kept, cut at a word with "…" when longer: mail and the admin queue.
    public static func plainExcerpt(_ markdown: String, limit: Int) -> String {
        let text = plainText(markdown, layout: .prose)
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let atWord = cut.lastIndex(where: \.isWhitespace).map { cut[..<$0] } ?? cut
        return atWord.trimmingCharacters(in: .whitespacesAndNewlines) + "…"
    }

    /// Whether `url` may be a link target in a post: http, https or mailto, compared without
    /// case after trimming whitespace and control characters.
    public static func isAllowedURL(_ url: String) -> Bool {
        allowedURL(url) != nil
    }

    /// `url` trimmed, if its scheme is allowed.
    static func allowedURL(_ url: String) -> String? {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))
        // Browsers drop tabs and newlines inside URLs; refuse them rather than reason about it.
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        let lower = trimmed.lowercased()
        for scheme in ["http://", "https://", "mailto:"] where lower.hasPrefix(scheme) {
            return lower.count > scheme.count ? trimmed : nil
        }
        return nil
    }

    /// The heading level a post's heading of `level` is shown at.
    static func demotedLevel(_ level: Int) -> Int {
        min(6, max(3, level + 1))
    }

    /// Re-renders every post stored with a renderer older than `version`, a chunk of posts per
    /// write so the writer is never held for long.
    /// - Returns: how many posts were re-rendered.
    @discardableResult
    public static func rerenderOutdated(_ store: Store, chunkSize: Int = 500) throws -> Int {
        var total = 0
        var afterID: Int64 = 0
        while true {
            let start = afterID
            let (count, lastID) = try store.write { tx in
                try rerenderOutdated(in: tx, afterID: start, limit: chunkSize)
            }
            total += count
            guard let lastID, count == chunkSize else { break }
            afterID = lastID
        }
        return total
    }

    /// Re-renders, in the current transaction, up to `limit` outdated posts with ids above `afterID`.
    /// - Returns: how many were re-rendered and the last id seen.
    @discardableResult
    public static func rerenderOutdated(in tx: Connection, afterID: Int64 = 0, limit: Int = Int.max) throws -> (count: Int, lastID: Int64?) {
        struct Outdated: RowDecodable {
            let id: Int64, markdown: String
            init(row: Row) throws { id = try row["id"]; markdown = try row["body_markdown"] }
        }
        let rows = try tx.query(Outdated.self, """
            SELECT id, body_markdown FROM posts WHERE id > ? AND renderer_version < ? ORDER BY id LIMIT ?
            """, afterID, version, limit)
        for row in rows {
            try tx.run("UPDATE posts SET body_html = ?, renderer_version = ? WHERE id = ?",
                       render(row.markdown), version, row.id)
        }
        return (rows.count, rows.last?.id)
    }
}

/// A writer that visits every node of cmark's tree once, entering and leaving.
private protocol CMarkWalker {
    mutating func visit(_ node: OpaquePointer, entering: Bool)
}

extension CMarkWalker {
    mutating func walk(_ root: OpaquePointer) {
        guard let iterator = cmark_iter_new(root) else { return }
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE || event == CMARK_EVENT_NONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            visit(node, entering: event == CMARK_EVENT_ENTER)
        }
    }
}

/// Walks cmark's tree once, writing the text without markup (`Markdown.plainText`).
private struct PlainTextWriter: CMarkWalker {
    let skippingQuotes: Bool
    let layout: Markdown.PlainTextLayout
    var output = ""
    /// How deep inside block quotes being skipped the walk is.
    var skipping = 0

    mutating func visit(_ node: OpaquePointer, entering: Bool) {
        let type = cmark_node_get_type(node)
        if type == CMARK_NODE_BLOCK_QUOTE, skippingQuotes {
            skipping += entering ? 1 : -1
            return
        }
        guard skipping == 0 else { return }
        switch type {
        case CMARK_NODE_ITEM:
            if entering, layout == .prose { output += "- " }
            if !entering { blockEnd() }
        case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
            if !entering { blockEnd() }
        case CMARK_NODE_CODE_BLOCK, CMARK_NODE_HTML_BLOCK:
            output += literal(node).trimmingCharacters(in: .newlines)
            blockEnd()
        case CMARK_NODE_TEXT, CMARK_NODE_CODE, CMARK_NODE_HTML_INLINE:
            output += literal(node)
        case CMARK_NODE_SOFTBREAK:
            output += layout == .prose ? " " : "\n"
        case CMARK_NODE_LINEBREAK:
            output += "\n"
        case CMARK_NODE_THEMATIC_BREAK:
            blockEnd()
        default:
            break
        }
    }

    mutating func blockEnd() {
        if !output.isEmpty, !output.hasSuffix("\n\n") { output += output.hasSuffix("\n") ? "\n" : "\n\n" }
    }

    func literal(_ node: OpaquePointer) -> String {
        cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
    }
}

/// Walks cmark's tree once, writing the allowlisted HTML.
private struct HTMLWriter: CMarkWalker {
    var output = ""
    /// For each link or image entered: whether it wrote an `<a>` that its exit must close.
    var openAnchors: [Bool] = []
    /// Inside a written `<a>`: mentions are not linked there (no nested links).
    var anchorDepth = 0

    mutating func visit(_ node: OpaquePointer, entering: Bool) {
        let type = cmark_node_get_type(node)
        switch type {
        case CMARK_NODE_DOCUMENT, CMARK_NODE_CUSTOM_BLOCK, CMARK_NODE_CUSTOM_INLINE:
            break
        case CMARK_NODE_PARAGRAPH:
            if isInTightList(node) {
                if !entering { output += "\n" }
            } else {
                output += entering ? "<p>" : "</p>\n"
            }
        case CMARK_NODE_BLOCK_QUOTE:
            output += entering ? "<blockquote>\n" : "</blockquote>\n"
        case CMARK_NODE_LIST:
            let ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST
            if entering {
                if ordered {
                    let start = cmark_node_get_list_start(node)
                    output += start == 1 ? "<ol>\n" : "<ol start=\"\(start)\">\n"
                } else {
                    output += "<ul>\n"
                }
            } else {
                output += ordered ? "</ol>\n" : "</ul>\n"
            }
        case CMARK_NODE_ITEM:
            output += entering ? "<li>" : "</li>\n"
        case CMARK_NODE_HEADING:
            let level = Markdown.demotedLevel(Int(cmark_node_get_heading_level(node)))
            output += entering ? "<h\(level)>" : "</h\(level)>\n"
        case CMARK_NODE_CODE_BLOCK:
            let info = string(cmark_node_get_fence_info(node))
            let language = info.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
            if isSafeLanguage(language) {
                output += "<pre><code class=\"language-\(language)\">"
            } else {
                output += "<pre><code>"
            }
            escape(string(cmark_node_get_literal(node)))
            output += "</code></pre>\n"
        case CMARK_NODE_HTML_BLOCK:
            // Raw HTML is never passed through: shown as the text it is.
            output += "<p>"
            escape(string(cmark_node_get_literal(node)).trimmingCharacters(in: .newlines))
            output += "</p>\n"
        case CMARK_NODE_THEMATIC_BREAK:
            output += "<hr>\n"
        case CMARK_NODE_TEXT:
            textWithMentions(string(cmark_node_get_literal(node)))
        case CMARK_NODE_SOFTBREAK:
            output += "\n"
        case CMARK_NODE_LINEBREAK:
            output += "<br>\n"
        case CMARK_NODE_CODE:
            output += "<code>"
            escape(string(cmark_node_get_literal(node)))
            output += "</code>"
        case CMARK_NODE_HTML_INLINE:
            escape(string(cmark_node_get_literal(node)))
        case CMARK_NODE_EMPH:
            output += entering ? "<em>" : "</em>"
        case CMARK_NODE_STRONG:
            output += entering ? "<strong>" : "</strong>"
        case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
            if entering {
                if let url = Markdown.allowedURL(string(cmark_node_get_url(node))) {
                    output += "<a href=\""
                    escape(url)
                    output += type == CMARK_NODE_IMAGE
                        ? "\" class=\"image-link\" rel=\"\(Markdown.linkRel)\">"
                        : "\" rel=\"\(Markdown.linkRel)\">"
                    if type == CMARK_NODE_IMAGE { output += "Image: " }
                    openAnchors.append(true)
                    anchorDepth += 1
                } else {
                    openAnchors.append(false)
                }
            } else if openAnchors.popLast() == true {
                output += "</a>"
                anchorDepth -= 1
            }
        default:
            break
        }
    }

    /// A paragraph directly inside an item of a tight list is written without `<p>` (CommonMark).
    func isInTightList(_ paragraph: OpaquePointer) -> Bool {
        guard let item = cmark_node_parent(paragraph), cmark_node_get_type(item) == CMARK_NODE_ITEM,
              let list = cmark_node_parent(item) else { return false }
        return cmark_node_get_list_tight(list) != 0
    }

    func isSafeLanguage(_ language: String) -> Bool {
        guard !language.isEmpty, language.utf8.count <= 32 else { return false }
        return language.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2D
        }
    }

    func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// Writes `text`, linking each `@handle` (3–30 of `[A-Za-z0-9_]`, not preceded by a word
    /// character nor followed by one) to its profile, unless already inside a link.
    mutating func textWithMentions(_ text: String) {
        guard anchorDepth == 0, text.utf8.contains(0x40) else {
            escape(text)
            return
        }
        let bytes = Array(text.utf8)
        var index = 0
        var plainStart = 0
        while index < bytes.count {
            if bytes[index] == 0x40, index == 0 || !isWordByte(bytes[index - 1]) {
                var end = index + 1
                while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
                let length = end - index - 1
                let nextIsNotWordLike = end == bytes.count || bytes[end] < 0x80
                if length >= 3, length <= 30, nextIsNotWordLike {
                    escape(String(decoding: bytes[plainStart..<index], as: UTF8.self))
                    let handle = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                    // The handle is only [A-Za-z0-9_]: safe in an attribute and in text.
                    output += "<a class=\"mention\" href=\"/u/\(handle.lowercased())\">@\(handle)</a>"
                    plainStart = end
                    index = end
                    continue
                }
                index = end
                continue
            }
            index += 1
        }
        escape(String(decoding: bytes[plainStart..<bytes.count], as: UTF8.self))
    }

    func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
    }

    /// Appends `text` escaped for HTML text and attribute values (`HTMLByteEscaper`).
    mutating func escape(_ text: String) {
        output += HTMLByteEscaper.escaped(text)
    }
}
