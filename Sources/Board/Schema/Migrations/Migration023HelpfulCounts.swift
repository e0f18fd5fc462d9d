import Database

/// Migration 23: each post keeps its number of "This helped" marks (`posts.helpful_count`),
/// kept by triggers on `helpful_marks`, as `topic_helpful` is.
///
/// The thread page read each post's marks with two probes of the marks' key, a count and the
/// reader's own, for every post, though most posts have none: about a sixth of the posts
/// statement's time on a page of eleven posts. With the count on the row, the reader's own mark
/// is looked for only on posts that have marks. The count is filled from the marks here, so an
/// existing database starts right; adding the column rewrites nothing.
enum Migration023HelpfulCounts {
    static let migration = Migration(version: 23, name: "each post keeps its number of helpful marks", sql: sql)

    /// Sets every post's count from its marks (here, and wherever the counts are rebuilt).
    static let recount = """
    UPDATE posts SET helpful_count = c.n
    FROM (SELECT post_id, count(*) AS n FROM helpful_marks GROUP BY post_id) AS c
    WHERE c.post_id = posts.id;
    """

    static let sql = """
    ALTER TABLE posts ADD COLUMN helpful_count INTEGER NOT NULL DEFAULT 0 CHECK (helpful_count >= 0);

    \(recount)

    CREATE TRIGGER posts_helpful_mark AFTER INSERT ON helpful_marks BEGIN
        UPDATE posts SET helpful_count = helpful_count + 1 WHERE id = NEW.post_id;
    END;
    CREATE TRIGGER posts_helpful_unmark AFTER DELETE ON helpful_marks BEGIN
        UPDATE posts SET helpful_count = helpful_count - 1 WHERE id = OLD.post_id;
    END;
    """
}
