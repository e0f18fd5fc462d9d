import Database

/// The values the triggers on `posts`, `threads` and `thread_topics` keep, counted again from the
/// tables they describe: for a bulk load that sets those triggers aside (`mutuals demo --scale`),
/// which writes the facts (threads, their topics, posts) and then calls `recount` once.
///
/// Each statement is the one its migration ran to fill the value for existing databases, shared
/// here rather than written twice. What each trigger keeps, and how it is made right:
///
/// - `threads.reply_count`, `last_post_id`, `last_poster_id`, `last_activity_at`
///   (`posts_after_insert`, `posts_leave_queue`, …): migration 21's recount.
/// - `thread_topics.last_activity_at` (`thread_topics_after_insert`, `threads_activity_to_topics`):
///   copied from the thread, here.
/// - `threads.topic_ids` (`thread_topic_ids_*`): migration 20's recount.
/// - `threads.mentor_answers` (`mentor_answers_*`): migration 16's recount.
/// - `topic_thread_counts` (`topic_counts_*`): migration 8's recount.
/// - `topic_helpful` (`topic_helpful_tag`, `topic_helpful_untag`): migration 18's fill.
/// - Not counted: `threads.held` (`thread_held_*`) remembers that a rejected opening post was
///   held, which no table says; a bulk load writes no held posts, so its 0 is right. The
///   full-text indexes (`post_search_*`, `thread_search_*`) are rebuilt by the loader.
///   `posts_released` and `posts_enter_queue` fire only when a post leaves or re-enters the
///   approval queue, which a bulk load never does.
///
/// A trigger added to these tables must be added here too: the scale seed's test compares a load
/// with the triggers set aside against the same load with them in place, table by table.
public enum DerivedCounts {
    /// Recounts every value above for the threads with ids above `threadsAfter` (the ones written
    /// with the triggers set aside), and the per-topic tables in full. Run it in the loader's
    /// transaction, after its last write.
    public static func recount(_ tx: Connection, threadsAfter: Int64) throws {
        try tx.run(Migration021HeldPostsUncounted.recount + " WHERE id > ?", threadsAfter)
        try tx.run("""
            UPDATE thread_topics SET last_activity_at = (SELECT last_activity_at FROM threads WHERE id = thread_topics.thread_id)
            WHERE thread_id > ?
            """, threadsAfter)
        try tx.run(Migration020ThreadTopicIDs.recount + " WHERE id > ?", threadsAfter)
        // Migration 16's statement sets only threads with mentor replies; the others are 0.
        try tx.run("UPDATE threads SET mentor_answers = 0 WHERE id > ? AND mentor_answers <> 0", threadsAfter)
        try tx.run(Migration016MentorAnswers.recount + " AND threads.id > ?", threadsAfter)
        try tx.execute(Migration008HeldThreads.topicCountsRecount)
        try tx.execute("DELETE FROM topic_helpful")
        try tx.execute(Migration018TopicHelpful.fill)
    }
}
