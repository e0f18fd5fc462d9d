import Database

/// Migration 16 (issue 14): how many visible mentor replies each thread has, kept by triggers,
/// so "Answered by a mentor" on every list is a column, not a walk over the thread's posts.
/// At 1,000,000 posts the walk cost ~200 µs of the home page's SQL for its 20 latest threads
/// (each has 50–160 posts and few from mentors).
///
/// A post counts when it is a reply (`position > 1`), visible (not hidden, not deleted by its
/// author, not waiting for approval) and its author's role is mentor now: the same condition
/// the lists computed before, so a role change moves the count at once (the last trigger).
enum Migration016MentorAnswers {
    static let migration = Migration(version: 16, name: "mentor replies per thread kept by triggers", sql: sql)

    /// Post `p` counts, given its author's row `u`.
    private static func counts(_ p: String) -> String {
        """
        (\(p).position > 1 AND \(p).hidden = 0 AND \(p).deleted_by_author = 0 AND \(p).held_for_approval = 0
         AND (SELECT role FROM users WHERE id = \(p).author_id) = 'mentor')
        """
    }

    /// Sets each thread's count from its posts; a thread with none is left as it is (a new
    /// column's 0). More conditions on `threads` may follow with `AND` (`DerivedCounts.recount`).
    static let recount = """
    UPDATE threads SET mentor_answers = c.n
    FROM (SELECT mp.thread_id, count(*) AS n FROM posts mp JOIN users mu ON mu.id = mp.author_id
          WHERE mp.position > 1 AND mp.hidden = 0 AND mp.deleted_by_author = 0 AND mp.held_for_approval = 0
            AND mu.role = 'mentor'
          GROUP BY mp.thread_id) AS c
    WHERE c.thread_id = threads.id
    """

    static let sql = """
    ALTER TABLE threads ADD COLUMN mentor_answers INTEGER NOT NULL DEFAULT 0 CHECK (mentor_answers >= 0);

    \(recount);

    CREATE TRIGGER mentor_answers_insert AFTER INSERT ON posts
    WHEN \(counts("NEW"))
    BEGIN
        UPDATE threads SET mentor_answers = mentor_answers + 1 WHERE id = NEW.thread_id;
    END;

    -- Hidden, restored, approved, deleted by its author (or moved): out of the old count, into
    -- the new one.
    CREATE TRIGGER mentor_answers_update
    AFTER UPDATE OF position, hidden, deleted_by_author, held_for_approval, thread_id, author_id ON posts
    BEGIN
        UPDATE threads SET mentor_answers = mentor_answers - 1 WHERE id = OLD.thread_id AND \(counts("OLD"));
        UPDATE threads SET mentor_answers = mentor_answers + 1 WHERE id = NEW.thread_id AND \(counts("NEW"));
    END;

    -- A post removed for good (its thread's own deletion removes the thread row first).
    CREATE TRIGGER mentor_answers_delete AFTER DELETE ON posts
    WHEN \(counts("OLD"))
    BEGIN
        UPDATE threads SET mentor_answers = mentor_answers - 1 WHERE id = OLD.thread_id;
    END;

    -- Someone becomes a mentor, or stops being one: their visible replies count, or stop.
    CREATE TRIGGER mentor_answers_role AFTER UPDATE OF role ON users
    WHEN (OLD.role = 'mentor') IS NOT (NEW.role = 'mentor')
    BEGIN
        UPDATE threads SET mentor_answers = mentor_answers
            + (CASE WHEN NEW.role = 'mentor' THEN 1 ELSE -1 END)
            * (SELECT count(*) FROM posts mp WHERE mp.thread_id = threads.id AND mp.author_id = NEW.id
                 AND mp.position > 1 AND mp.hidden = 0 AND mp.deleted_by_author = 0 AND mp.held_for_approval = 0)
        WHERE id IN (SELECT thread_id FROM posts WHERE author_id = NEW.id AND position > 1);
    END;
    """
}
