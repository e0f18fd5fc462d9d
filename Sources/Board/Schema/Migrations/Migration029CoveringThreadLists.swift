import Database

/// Migration 29 (issue 14): the home page's two thread lists are chosen from their indexes alone.
///
/// The latest and the unanswered threads are chosen by walking `threads_latest` and
/// `threads_unanswered` newest first, and keeping the threads the reader may read
/// (`Visibility.threadReadable`). Those indexes held only the order, so every thread walked was
/// looked up again in the `threads` table for the columns the one rule reads: about 30 table
/// searches a home page, ~1,700 instructions each, a tenth of a signed-in home page. Each index now
/// carries those columns (and `last_post_id`, which the reader's "new since your last visit"
/// compares), so the walk reads no thread row (`USING COVERING INDEX`; tested in
/// `CoveringThreadListTests`). `last_activity_at` changes with every post, so these entries were
/// rewritten on every post already; the wider entries cost no extra writes, only bytes.
enum Migration029CoveringThreadLists {
    static let migration = Migration(version: 29, name: "home thread lists from their indexes alone", sql: sql)

    static let sql = """
    DROP INDEX threads_latest;
    CREATE INDEX threads_latest ON threads(last_activity_at DESC, id DESC,
        pinned, hidden, organisation_id, held, author_id, last_post_id) WHERE hidden = 0;
    DROP INDEX threads_unanswered;
    CREATE INDEX threads_unanswered ON threads(last_activity_at DESC,
        reply_count, accepted_post_id, hidden, organisation_id, held, author_id, last_post_id)
        WHERE reply_count = 0 AND accepted_post_id IS NULL AND hidden = 0;
    """
}
