import Database

/// Migration 21: a post held for approval is not counted in its thread until it is approved.
///
/// Only its author and the admins may read a held post (docs/visibility.md), but the thread's
/// counters took it in at once: every list showed one more reply, "last activity … by" its
/// author, and "new replies" to members who could never see it (a badge that stayed until the
/// post was approved). Now `reply_count`, `last_post_id`, `last_poster_id` and
/// `last_activity_at` count a post from the moment anyone may read it: when it is written if it
/// is not held, when it leaves the queue (approved, or hidden by a moderator, whose placeholder
/// everyone sees) if it was. A held post rejected (deleted) never counted. The thread page pages
/// by position, so the page count follows the last post the reader may see
/// (`PageQueries.thread`), not the reply count.
///
/// Existing threads with held posts are counted again from their posts (`recount`).
enum Migration021HeldPostsUncounted {
    static let migration = Migration(version: 21, name: "held posts not counted in their thread until approved", sql: sql)

    /// Counts a thread's posts anew (its `WHERE` is added where it is used).
    static let recount = """
        UPDATE threads
           SET reply_count = (SELECT count(*) FROM posts p
                              WHERE p.thread_id = threads.id AND p.position > 1 AND p.held_for_approval = 0),
               last_post_id = (SELECT max(p.id) FROM posts p WHERE p.thread_id = threads.id AND p.held_for_approval = 0),
               last_poster_id = (SELECT p.author_id FROM posts p WHERE p.thread_id = threads.id AND p.held_for_approval = 0
                                 ORDER BY p.id DESC LIMIT 1),
               last_activity_at = coalesce((SELECT max(p.created_at) FROM posts p
                                            WHERE p.thread_id = threads.id AND p.held_for_approval = 0), created_at)
        """

    static let sql = """
    DROP TRIGGER posts_after_insert;
    CREATE TRIGGER posts_after_insert AFTER INSERT ON posts WHEN NEW.held_for_approval = 0 BEGIN
        UPDATE threads
           SET reply_count = reply_count + (NEW.position > 1),
               last_activity_at = max(last_activity_at, NEW.created_at),
               last_post_id = NEW.id,
               last_poster_id = NEW.author_id
         WHERE id = NEW.thread_id;
    END;

    DROP TRIGGER posts_after_delete;
    CREATE TRIGGER posts_after_delete AFTER DELETE ON posts WHEN OLD.held_for_approval = 0 BEGIN
        UPDATE threads SET reply_count = max(0, reply_count - (OLD.position > 1))
         WHERE id = OLD.thread_id;
    END;

    -- Out of the queue: counted now, in its place (a newer post stays the thread's last).
    CREATE TRIGGER posts_leave_queue AFTER UPDATE OF held_for_approval ON posts
    WHEN OLD.held_for_approval = 1 AND NEW.held_for_approval = 0 BEGIN
        UPDATE threads
           SET reply_count = reply_count + (NEW.position > 1),
               last_activity_at = max(last_activity_at, NEW.created_at),
               last_post_id = CASE WHEN NEW.id > coalesce(last_post_id, 0) THEN NEW.id ELSE last_post_id END,
               last_poster_id = CASE WHEN NEW.id > coalesce(last_post_id, 0) THEN NEW.author_id ELSE last_poster_id END
         WHERE id = NEW.thread_id;
    END;

    -- Back into the queue (nothing in the app does this; kept right all the same): counted again
    -- from the thread's posts, since it may have been the last.
    CREATE TRIGGER posts_enter_queue AFTER UPDATE OF held_for_approval ON posts
    WHEN OLD.held_for_approval = 0 AND NEW.held_for_approval = 1 BEGIN
        \(recount) WHERE id = NEW.thread_id;
    END;

    \(recount) WHERE id IN (SELECT thread_id FROM posts WHERE held_for_approval = 1);
    """
}
