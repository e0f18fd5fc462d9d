import Database

/// Migration 27: a thread's accepted answer that stops standing (hidden by an admin or by
/// members' flags, or deleted by its author) stops making the thread "Answered", and a hidden one
/// is accepted again when it is restored.
///
/// Before, `threads.accepted_post_id` kept pointing at a hidden answer: lists, the answered
/// filters, search and the weekly mail said "Answered", and the thread page linked to a post no
/// one could read. Every reader of "answered" reads `accepted_post_id`, so the rule is kept here,
/// in the one place every hide, restore and deletion passes: triggers on `posts` move the answer
/// to `threads.set_aside_answer_id` while it does not stand, and back when a hidden one is
/// restored (unless the author has accepted another meanwhile, which also forgets the set-aside
/// one). Clearing it for good on a hide would let three flags strip a genuine answer.
enum Migration027AnswerSetAside {
    static let migration = Migration(version: 27, name: "an accepted answer that is hidden stops answering its thread", sql: sql)

    /// Post `p` stands: neither hidden nor deleted by its author.
    private static func stands(_ p: String) -> String { "(\(p).hidden = 0 AND \(p).deleted_by_author = 0)" }

    static let sql = """
    ALTER TABLE threads ADD COLUMN set_aside_answer_id INTEGER REFERENCES posts(id) ON DELETE SET NULL;

    UPDATE threads SET set_aside_answer_id = accepted_post_id, accepted_post_id = NULL
    WHERE accepted_post_id IN (SELECT id FROM posts WHERE hidden = 1 OR deleted_by_author = 1);

    CREATE TRIGGER answer_set_aside AFTER UPDATE OF hidden, deleted_by_author ON posts
    WHEN \(stands("OLD")) AND NOT \(stands("NEW"))
    BEGIN
        UPDATE threads SET set_aside_answer_id = NEW.id, accepted_post_id = NULL
        WHERE id = NEW.thread_id AND accepted_post_id = NEW.id;
    END;

    CREATE TRIGGER answer_restored AFTER UPDATE OF hidden, deleted_by_author ON posts
    WHEN NOT \(stands("OLD")) AND \(stands("NEW"))
    BEGIN
        UPDATE threads SET accepted_post_id = NEW.id, set_aside_answer_id = NULL
        WHERE id = NEW.thread_id AND set_aside_answer_id = NEW.id AND accepted_post_id IS NULL;
    END;

    CREATE TRIGGER answer_set_aside_forgotten AFTER UPDATE OF accepted_post_id ON threads
    WHEN NEW.accepted_post_id IS NOT NULL AND NEW.set_aside_answer_id IS NOT NULL
    BEGIN
        UPDATE threads SET set_aside_answer_id = NULL WHERE id = NEW.id;
    END;
    """
}
