import Database

/// Migration 7: per-topic thread counts kept by triggers, so the home page's "topics with
/// counts" reads a few rows instead of counting every thread (at 1,000,000 posts the count
/// query took ~0.7 s and held the home page to ~22 requests a second).
///
/// A row counts the visible (not hidden) threads of one topic in one space: organisation 0 is
/// the public network, any other the private space of that organisation. Readers sum the rows
/// they may see: the public row, their own organisation's, those they mentor, or all (admins).
enum Migration007TopicCounts {
    static let migration = Migration(version: 7, name: "topic thread counts kept by triggers", sql: sql)

    static let sql = """
    CREATE TABLE topic_thread_counts (
        topic_id        INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
        organisation_id INTEGER NOT NULL,   -- 0: public; no foreign key, 0 is no organisation
        threads         INTEGER NOT NULL CHECK (threads >= 0),
        PRIMARY KEY (topic_id, organisation_id)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO topic_thread_counts(topic_id, organisation_id, threads)
        SELECT tt.topic_id, coalesce(t.organisation_id, 0), count(*)
        FROM thread_topics tt JOIN threads t ON t.id = tt.thread_id
        WHERE t.hidden = 0
        GROUP BY tt.topic_id, coalesce(t.organisation_id, 0);

    -- A thread tagged (new thread, retag) counts where it lives, if visible.
    CREATE TRIGGER topic_counts_tag AFTER INSERT ON thread_topics
    WHEN (SELECT hidden FROM threads WHERE id = NEW.thread_id) = 0
    BEGIN
        INSERT INTO topic_thread_counts(topic_id, organisation_id, threads)
        VALUES (NEW.topic_id, (SELECT coalesce(organisation_id, 0) FROM threads WHERE id = NEW.thread_id), 1)
        ON CONFLICT(topic_id, organisation_id) DO UPDATE SET threads = threads + 1;
    END;

    -- A tag removed (retag). When the thread itself is being deleted, its BEFORE DELETE trigger
    -- has already taken it off the counts and the thread row is gone: nothing to do here.
    CREATE TRIGGER topic_counts_untag AFTER DELETE ON thread_topics
    WHEN (SELECT hidden FROM threads WHERE id = OLD.thread_id) = 0
    BEGIN
        UPDATE topic_thread_counts SET threads = threads - 1
        WHERE topic_id = OLD.topic_id
          AND organisation_id = (SELECT coalesce(organisation_id, 0) FROM threads WHERE id = OLD.thread_id);
    END;

    -- Hidden, restored or moved between spaces: out of the old place, into the new.
    CREATE TRIGGER topic_counts_thread_change AFTER UPDATE OF hidden, organisation_id ON threads
    WHEN OLD.hidden IS NOT NEW.hidden OR OLD.organisation_id IS NOT NEW.organisation_id
    BEGIN
        UPDATE topic_thread_counts SET threads = threads - 1
        WHERE OLD.hidden = 0 AND organisation_id = coalesce(OLD.organisation_id, 0)
          AND topic_id IN (SELECT topic_id FROM thread_topics WHERE thread_id = NEW.id);
        INSERT INTO topic_thread_counts(topic_id, organisation_id, threads)
            SELECT topic_id, coalesce(NEW.organisation_id, 0), 1 FROM thread_topics
            WHERE thread_id = NEW.id AND NEW.hidden = 0
        ON CONFLICT(topic_id, organisation_id) DO UPDATE SET threads = threads + 1;
    END;

    CREATE TRIGGER topic_counts_thread_delete BEFORE DELETE ON threads
    WHEN OLD.hidden = 0
    BEGIN
        UPDATE topic_thread_counts SET threads = threads - 1
        WHERE organisation_id = coalesce(OLD.organisation_id, 0)
          AND topic_id IN (SELECT topic_id FROM thread_topics WHERE thread_id = OLD.id);
    END;
    """
}
