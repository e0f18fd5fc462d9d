import Database

/// Migration 8: a thread whose opening post awaits approval is not listed.
///
/// `threads.held` is 1 while the opening post has not been approved: set when the post is held
/// (`Moderation.holdIfNewAuthor`), cleared when an admin approves it. Hiding a held opening post
/// (rejecting it) leaves the thread held; restoring the post later clears it, as approving
/// would. A thread whose opening post is hidden after it was approved keeps `held = 0`, as
/// before. Triggers on `posts` keep the column, so every writer (the posting services, the
/// queue, automatic hiding by flags) is covered.
///
/// `PageQueries.visible` reads it: a held thread is shown only to its author and admins.
/// Migration 7's counters count listed threads only (not hidden, not held), so its triggers are
/// replaced with ones that read both columns, and the counts are rebuilt.
enum Migration008HeldThreads {
    static let migration = Migration(version: 8, name: "threads held for approval are not listed", sql: sql)

    /// Counts every topic's listed threads anew, in each space (also `DerivedCounts.recount`).
    static let topicCountsRecount = """
    DELETE FROM topic_thread_counts;
    INSERT INTO topic_thread_counts(topic_id, organisation_id, threads)
        SELECT tt.topic_id, coalesce(t.organisation_id, 0), count(*)
        FROM thread_topics tt JOIN threads t ON t.id = tt.thread_id
        WHERE t.hidden = 0 AND t.held = 0
        GROUP BY tt.topic_id, coalesce(t.organisation_id, 0);
    """

    static let sql = """
    ALTER TABLE threads ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));

    UPDATE threads SET held = 1
    WHERE EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = threads.id AND p.position = 1 AND p.held_for_approval = 1);

    -- The opening post held, approved, hidden or restored: the thread follows it.
    CREATE TRIGGER thread_held_follows_opening_post AFTER UPDATE OF held_for_approval, hidden ON posts
    WHEN NEW.position = 1 AND (OLD.held_for_approval IS NOT NEW.held_for_approval OR OLD.hidden IS NOT NEW.hidden)
    BEGIN
        UPDATE threads SET held = CASE WHEN NEW.held_for_approval = 1 THEN 1 WHEN NEW.hidden = 1 THEN held ELSE 0 END
        WHERE id = NEW.thread_id;
    END;

    CREATE TRIGGER thread_held_opening_post_inserted AFTER INSERT ON posts
    WHEN NEW.position = 1 AND NEW.held_for_approval = 1
    BEGIN
        UPDATE threads SET held = 1 WHERE id = NEW.thread_id;
    END;

    DROP TRIGGER topic_counts_tag;
    DROP TRIGGER topic_counts_untag;
    DROP TRIGGER topic_counts_thread_change;
    DROP TRIGGER topic_counts_thread_delete;

    \(topicCountsRecount)

    -- As migration 7's triggers, with "listed" (not hidden, not held) for "visible".
    CREATE TRIGGER topic_counts_tag AFTER INSERT ON thread_topics
    WHEN (SELECT hidden = 0 AND held = 0 FROM threads WHERE id = NEW.thread_id)
    BEGIN
        INSERT INTO topic_thread_counts(topic_id, organisation_id, threads)
        VALUES (NEW.topic_id, (SELECT coalesce(organisation_id, 0) FROM threads WHERE id = NEW.thread_id), 1)
        ON CONFLICT(topic_id, organisation_id) DO UPDATE SET threads = threads + 1;
    END;

    CREATE TRIGGER topic_counts_untag AFTER DELETE ON thread_topics
    WHEN (SELECT hidden = 0 AND held = 0 FROM threads WHERE id = OLD.thread_id)
    BEGIN
        UPDATE topic_thread_counts SET threads = threads - 1
        WHERE topic_id = OLD.topic_id
          AND organisation_id = (SELECT coalesce(organisation_id, 0) FROM threads WHERE id = OLD.thread_id);
    END;

    CREATE TRIGGER topic_counts_thread_change AFTER UPDATE OF hidden, held, organisation_id ON threads
    WHEN OLD.hidden IS NOT NEW.hidden OR OLD.held IS NOT NEW.held OR OLD.organisation_id IS NOT NEW.organisation_id
    BEGIN
        UPDATE topic_thread_counts SET threads = threads - 1
        WHERE OLD.hidden = 0 AND OLD.held = 0 AND organisation_id = coalesce(OLD.organisation_id, 0)
          AND topic_id IN (SELECT topic_id FROM thread_topics WHERE thread_id = NEW.id);
        INSERT INTO topic_thread_counts(topic_id, organisation_id, threads)
            SELECT topic_id, coalesce(NEW.organisation_id, 0), 1 FROM thread_topics
            WHERE thread_id = NEW.id AND NEW.hidden = 0 AND NEW.held = 0
        ON CONFLICT(topic_id, organisation_id) DO UPDATE SET threads = threads + 1;
    END;

    CREATE TRIGGER topic_counts_thread_delete BEFORE DELETE ON threads
    WHEN OLD.hidden = 0 AND OLD.held = 0
    BEGIN
        UPDATE topic_thread_counts SET threads = threads - 1
        WHERE organisation_id = coalesce(OLD.organisation_id, 0)
          AND topic_id IN (SELECT topic_id FROM thread_topics WHERE thread_id = OLD.id);
    END;
    """
}
