import Database

/// Migration 18 (issue 14): each topic's "This helped" counts per post, kept by triggers, so the
/// topic page's most helpful answers walk an index from the most marked down instead of
/// counting every mark on the network (the old query read all of `helpful_marks` for every
/// topic page: ~100 ms with 30,000 marks).
///
/// A row is (topic, post, marks) for each topic the post's thread carries and each post with at
/// least one mark. Who may read the post is still decided when the page is read (the one rule);
/// the count only says how many marks there are, as the old query's `count(*)` did. Posts never
/// move between threads (nothing updates `posts.thread_id`); if that changes, a trigger on it
/// must move the post's rows here too.
enum Migration018TopicHelpful {
    static let migration = Migration(version: 18, name: "helpful marks per topic and post kept by triggers", sql: sql)

    /// Fills `topic_helpful` from the marks (into an empty table: `DerivedCounts.recount`
    /// empties it first).
    static let fill = """
    INSERT INTO topic_helpful(topic_id, post_id, marks)
    SELECT tt.topic_id, h.post_id, count(*)
    FROM helpful_marks h JOIN posts p ON p.id = h.post_id JOIN thread_topics tt ON tt.thread_id = p.thread_id
    GROUP BY tt.topic_id, h.post_id;
    """

    static let sql = """
    CREATE TABLE topic_helpful (
        topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
        post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        marks    INTEGER NOT NULL CHECK (marks > 0),
        PRIMARY KEY (topic_id, post_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX topic_helpful_ranked ON topic_helpful(topic_id, marks DESC, post_id DESC);
    CREATE INDEX topic_helpful_by_post ON topic_helpful(post_id);

    \(fill)

    -- A mark: one more in every topic of the post's thread.
    CREATE TRIGGER topic_helpful_mark AFTER INSERT ON helpful_marks
    BEGIN
        INSERT INTO topic_helpful(topic_id, post_id, marks)
        SELECT tt.topic_id, NEW.post_id, 1 FROM posts p JOIN thread_topics tt ON tt.thread_id = p.thread_id
        WHERE p.id = NEW.post_id
        ON CONFLICT(topic_id, post_id) DO UPDATE SET marks = marks + 1;
    END;

    -- A mark taken back (or gone with its post or its account): one fewer; no row at none.
    CREATE TRIGGER topic_helpful_unmark AFTER DELETE ON helpful_marks
    BEGIN
        DELETE FROM topic_helpful WHERE post_id = OLD.post_id AND marks = 1;
        UPDATE topic_helpful SET marks = marks - 1 WHERE post_id = OLD.post_id;
    END;

    -- A thread tagged with a topic: its marked posts join the topic's counts.
    CREATE TRIGGER topic_helpful_tag AFTER INSERT ON thread_topics
    BEGIN
        INSERT INTO topic_helpful(topic_id, post_id, marks)
        SELECT NEW.topic_id, h.post_id, count(*) FROM posts p JOIN helpful_marks h ON h.post_id = p.id
        WHERE p.thread_id = NEW.thread_id
        GROUP BY h.post_id
        ON CONFLICT(topic_id, post_id) DO UPDATE SET marks = excluded.marks;
    END;

    -- A tag taken off: the thread's posts leave the topic's counts.
    CREATE TRIGGER topic_helpful_untag AFTER DELETE ON thread_topics
    BEGIN
        DELETE FROM topic_helpful
        WHERE topic_id = OLD.topic_id AND post_id IN (SELECT id FROM posts WHERE thread_id = OLD.thread_id);
    END;
    """
}
