import Database

/// Migration 20 (issue 14): each thread's topic ids kept on its row (`threads.topic_ids`, e.g.
/// "1,9,10"), so the lists read a thread's tags with the thread instead of looking each one up in
/// `thread_topics` (a B-tree descent per thread; on the topic page at 1M posts that was ~160 µs
/// of the page's ~560 µs in SQL, measured with `PROFILE_SQL=1`). `TopicDirectory` names them.
///
/// The triggers write the ids from `thread_topics` after every change to it, whichever code path
/// makes it (a new thread, the edit form, a moderator's retag, a thread deleted). Topics are never
/// deleted (they are retired), so an id always names one. NULL means "not kept": a thread with no
/// topics, or one written with the triggers set aside (the scale seed sets them aside, then fills
/// the column itself); the lists then read `thread_topics` as before (`ThreadSummary.columns`),
/// so a tag is never missing.
enum Migration020ThreadTopicIDs {
    static let migration = Migration(version: 20, name: "threads keep their topic ids", sql: sql)

    /// The ids of thread `thread`'s topics (an SQL expression), NULL when it has none.
    static func ids(ofThread thread: String) -> String {
        "(SELECT group_concat(topic_id) FROM thread_topics WHERE thread_id = \(thread))"
    }

    /// Sets every thread's topic ids from `thread_topics` (a `WHERE` may follow: `DerivedCounts.recount`).
    static let recount = "UPDATE threads SET topic_ids = \(ids(ofThread: "threads.id"))"

    static let sql = """
    ALTER TABLE threads ADD COLUMN topic_ids TEXT;
    \(recount);

    CREATE TRIGGER thread_topic_ids_tag AFTER INSERT ON thread_topics
    BEGIN
        UPDATE threads SET topic_ids = \(ids(ofThread: "NEW.thread_id")) WHERE id = NEW.thread_id;
    END;

    CREATE TRIGGER thread_topic_ids_untag AFTER DELETE ON thread_topics
    BEGIN
        UPDATE threads SET topic_ids = \(ids(ofThread: "OLD.thread_id")) WHERE id = OLD.thread_id;
    END;

    CREATE TRIGGER thread_topic_ids_move AFTER UPDATE OF thread_id, topic_id ON thread_topics
    BEGIN
        UPDATE threads SET topic_ids = \(ids(ofThread: "OLD.thread_id")) WHERE id = OLD.thread_id;
        UPDATE threads SET topic_ids = \(ids(ofThread: "NEW.thread_id")) WHERE id = NEW.thread_id;
    END;
    """
}
