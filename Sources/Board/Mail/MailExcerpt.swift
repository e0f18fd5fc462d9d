import CMark
import Foundation

/// The plain text of a post's stored Markdown, for mail: cmark's tree walked for its text, so
/// `**`, `[text](url)` and `>` never reach an inbox; paragraphs become blank-line separated,
/// link targets are dropped (the mail links to the post instead).
public enum MailExcerpt {
    /// At most `limit` characters of `markdown`'s text, cut at a word with "…" when longer.
    public static func text(fromMarkdown markdown: String, limit: Int = 600) -> String {
        var source = markdown
        let root: OpaquePointer? = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                cmark_parse_document(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT)
            }
        }
        guard let root else { return "" }
        defer { cmark_node_free(root) }
        guard let iterator = cmark_iter_new(root) else { return "" }
        defer { cmark_iter_free(iterator) }
        var output = ""
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE || event == CMARK_EVENT_NONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            let entering = event == CMARK_EVENT_ENTER
            switch cmark_node_get_type(node) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE, CMARK_NODE_HTML_INLINE:
                output += literal(node)
            case CMARK_NODE_CODE_BLOCK, CMARK_NODE_HTML_BLOCK:
                output += literal(node).trimmingCharacters(in: .newlines) + "\n\n"
            case CMARK_NODE_SOFTBREAK:
                output += " "
            case CMARK_NODE_LINEBREAK:
                output += "\n"
            case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
                if !entering { output += "\n\n" }
            case CMARK_NODE_ITEM:
                if entering { output += "- " }
            default:
                break
            }
        }
        let text = output.replacingOccurrences(of: "\n\n\n", with: "\n\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return shortened(text, limit: limit)
    }

    /// `text` cut to at most `limit` characters at a space, with "…".
    static func shortened(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return atWord.trimmingCharacters(in: .whitespacesAndNewlines) + "…"
    }

    private static func literal(_ node: OpaquePointer) -> String {
        guard let pointer = cmark_node_get_literal(node) else { return "" }
        return String(cString: pointer)
    }
}
