import Database

/// Migration 17 (issue 18, the admin journeys):
/// - `users.previous_organisation_id`: the confirmed organisation a member had when they asked
///   to move to another. Declining the request gives it back (`Moderation.answerMembership`);
///   NULL when they had none. SET NULL: a deleted organisation cannot be given back.
/// - `moderation_log.previous_title`, `renamed_to`: a renamed thread's old and new titles. Kept
///   out of `reason` (which everyone reads) so the log shows them only to those who may read
///   the thread, as its title; the new one because the thread may be renamed again.
enum Migration017AdminJourneys {
    static let migration = Migration(version: 17, name: "previous organisation; renamed thread's old title", sql: sql)

    static let sql = """
    ALTER TABLE users ADD COLUMN previous_organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL;
    ALTER TABLE moderation_log ADD COLUMN previous_title TEXT;
    ALTER TABLE moderation_log ADD COLUMN renamed_to TEXT;
    """
}
