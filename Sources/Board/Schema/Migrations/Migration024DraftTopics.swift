import Database

/// Migration 24: a new thread's draft keeps the topics chosen for it (`drafts.topics`, the
/// slugs separated by commas; empty for a reply's draft).
///
/// A draft kept the title and the body only: back on "Start a thread", the member found their
/// text and no topic ticked, and was refused for it when posting. Adding the column rewrites
/// nothing; existing drafts have no topics, as before.
enum Migration024DraftTopics {
    static let migration = Migration(version: 24, name: "a new thread's draft keeps its topics", sql: sql)

    static let sql = """
    ALTER TABLE drafts ADD COLUMN topics TEXT NOT NULL DEFAULT '' CHECK (length(topics) <= 1000);
    """
}
