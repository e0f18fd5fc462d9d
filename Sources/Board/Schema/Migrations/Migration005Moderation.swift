import Database

/// Migration 5 (moderation, issue 7): the log learns two thread actions, rename and slow mode.
/// SQLite cannot change a CHECK in place, so the append-only table is rebuilt with its rows,
/// indexes and triggers (DROP TABLE fires no DELETE triggers, and no table refers to the log, so
/// the rebuild loses nothing). Also adds the `flag_threshold` setting.
enum Migration005Moderation {
    static let migration = Migration(version: 5, name: "moderation log: rename and slow mode", sql: sql)

    static let sql = """
    CREATE TABLE moderation_log_rebuilt (
        id          INTEGER PRIMARY KEY,
        actor_id    INTEGER NOT NULL REFERENCES users(id),
        action      TEXT NOT NULL CHECK (action IN (
                        'hide_post', 'restore_post', 'approve_post', 'reject_post',
                        'hide_thread', 'restore_thread', 'lock_thread', 'unlock_thread',
                        'pin_thread', 'unpin_thread', 'move_thread', 'retag_thread', 'purge_thread',
                        'rename_thread', 'slow_mode_thread',
                        'resolve_flag', 'suspend_user', 'unsuspend_user', 'change_role',
                        'link_mentor', 'unlink_mentor', 'start_mentorship', 'end_mentorship',
                        'edit_topic', 'edit_briefing', 'edit_organisation',
                        'create_invite', 'revoke_invite', 'change_setting')),
        target_type TEXT NOT NULL CHECK (target_type IN (
                        'post', 'thread', 'flag', 'user', 'topic', 'briefing_item', 'organisation',
                        'mentorship', 'invite', 'setting')),
        target_id   INTEGER NOT NULL,
        reason      TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
        created_at  INTEGER NOT NULL
    ) STRICT;
    INSERT INTO moderation_log_rebuilt(id, actor_id, action, target_type, target_id, reason, created_at)
        SELECT id, actor_id, action, target_type, target_id, reason, created_at FROM moderation_log;
    DROP TABLE moderation_log;
    ALTER TABLE moderation_log_rebuilt RENAME TO moderation_log;
    CREATE INDEX moderation_log_latest ON moderation_log(created_at DESC);
    CREATE INDEX moderation_log_by_target ON moderation_log(target_type, target_id);
    CREATE TRIGGER moderation_log_no_update BEFORE UPDATE ON moderation_log BEGIN
        SELECT RAISE(ABORT, 'moderation_log is append-only');
    END;
    CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON moderation_log BEGIN
        SELECT RAISE(ABORT, 'moderation_log is append-only');
    END;
    -- The flag threshold starts explicit, like the other settings.
    INSERT INTO settings(key, value, updated_at) VALUES ('flag_threshold', '3', 0) ON CONFLICT(key) DO NOTHING;
    """
}
