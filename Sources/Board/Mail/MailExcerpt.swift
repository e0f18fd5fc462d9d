/// The plain text of a post's stored Markdown, for mail: `Markdown.plainText` (the one walk of
/// cmark's tree for its words), so `**`, `[text](url)` and `>` never reach an inbox;
/// paragraphs become blank-line separated, link targets are dropped (the mail links to the
/// post instead).
public enum MailExcerpt {
    /// At most `limit` characters of `markdown`'s text, cut at a word with "…" when longer.
    public static func text(fromMarkdown markdown: String, limit: Int = 600) -> String {
        Markdown.plainExcerpt(markdown, limit: limit)
    }
}
