import Database

/// Migration 1: the whole first schema — organisations, users, topics, mentors and mentorships,
/// the briefing, threads and posts with the triggers that keep their counters, revisions, flags,
/// the append-only moderation log, sessions, login attempts, notifications, subscriptions,
/// bookmarks, drafts, invites, settings, and the FTS5 indexes `post_search` and `thread_search`.
/// The conventions and ON DELETE rules are explained on `Schema`.
enum Migration001Initial {
    static let migration = Migration(version: 1, name: "initial schema", sql: sql)

    static let sql = """
    CREATE TABLE organisations (
        id          INTEGER PRIMARY KEY,
        slug        TEXT NOT NULL UNIQUE
                    CHECK (length(slug) BETWEEN 2 AND 60 AND slug NOT GLOB '*[^a-z0-9-]*'),
        name        TEXT NOT NULL CHECK (length(name) BETWEEN 2 AND 120),
        kind        TEXT NOT NULL CHECK (kind IN ('pathfinder', 'mentor_organisation', 'other')),
        description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
        website     TEXT CHECK (website IS NULL OR (length(website) <= 500
                    AND (website LIKE 'https://%' OR website LIKE 'http://%'))),
        region      TEXT NOT NULL DEFAULT '' CHECK (length(region) <= 120),
        created_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE users (
        id                INTEGER PRIMARY KEY,
        handle            TEXT NOT NULL UNIQUE COLLATE NOCASE
                          CHECK (length(handle) BETWEEN 2 AND 30 AND handle NOT GLOB '*[^A-Za-z0-9_]*'),
        display_name      TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
        email             TEXT NOT NULL UNIQUE COLLATE NOCASE
                          CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
        password_hash     TEXT NOT NULL CHECK (length(password_hash) <= 300),
        role              TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'mentor', 'admin')),
        -- A member leaving an organisation that is then removed stays a user.
        organisation_id   INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
        bio               TEXT NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
        suspended_until   INTEGER,
        suspension_reason TEXT CHECK (suspension_reason IS NULL OR length(suspension_reason) <= 500),
        created_at        INTEGER NOT NULL,
        last_seen_at      INTEGER,
        deleted_at        INTEGER,
        CHECK ((suspended_until IS NULL) = (suspension_reason IS NULL))
    ) STRICT;
    CREATE INDEX users_by_organisation ON users(organisation_id) WHERE organisation_id IS NOT NULL;
    CREATE INDEX users_by_role ON users(role) WHERE role <> 'member';

    CREATE TABLE topics (
        id          INTEGER PRIMARY KEY,
        slug        TEXT NOT NULL UNIQUE
                    CHECK (length(slug) BETWEEN 2 AND 60 AND slug NOT GLOB '*[^a-z0-9-]*'),
        name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 2 AND 80),
        description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
        position    INTEGER NOT NULL,
        retired     INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1))
    ) STRICT;
    CREATE INDEX topics_in_order ON topics(position) WHERE retired = 0;

    CREATE TABLE mentor_profiles (
        user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        headline     TEXT NOT NULL CHECK (length(headline) BETWEEN 1 AND 160),
        availability TEXT NOT NULL DEFAULT 'available'
                     CHECK (availability IN ('available', 'limited', 'unavailable')),
        updated_at   INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE mentor_expertise (
        mentor_id INTEGER NOT NULL REFERENCES mentor_profiles(user_id) ON DELETE CASCADE,
        topic_id  INTEGER NOT NULL REFERENCES topics(id),
        PRIMARY KEY (mentor_id, topic_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX mentor_expertise_by_topic ON mentor_expertise(topic_id, mentor_id);

    -- A mentor supporting an organisation; ended ones stay as history.
    CREATE TABLE mentorships (
        id              INTEGER PRIMARY KEY,
        mentor_id       INTEGER NOT NULL REFERENCES users(id),
        organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        started_at      INTEGER NOT NULL,
        ended_at        INTEGER,
        note            TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
        created_by      INTEGER REFERENCES users(id),
        CHECK (ended_at IS NULL OR ended_at >= started_at)
    ) STRICT;
    CREATE UNIQUE INDEX mentorships_active ON mentorships(mentor_id, organisation_id) WHERE ended_at IS NULL;
    CREATE INDEX mentorships_of_organisation ON mentorships(organisation_id, mentor_id) WHERE ended_at IS NULL;

    CREATE TABLE briefing_items (
        id           INTEGER PRIMARY KEY,
        title        TEXT NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
        url          TEXT NOT NULL CHECK (length(url) <= 2000 AND (url LIKE 'https://%' OR url LIKE 'http://%')),
        source       TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 120),
        published_at INTEGER NOT NULL,
        summary      TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
        added_by     INTEGER REFERENCES users(id),
        created_at   INTEGER NOT NULL,
        retired      INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1))
    ) STRICT;
    CREATE INDEX briefing_latest ON briefing_items(published_at DESC) WHERE retired = 0;

    CREATE TABLE briefing_item_topics (
        briefing_item_id INTEGER NOT NULL REFERENCES briefing_items(id) ON DELETE CASCADE,
        topic_id         INTEGER NOT NULL REFERENCES topics(id),
        PRIMARY KEY (briefing_item_id, topic_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX briefing_item_topics_by_topic ON briefing_item_topics(topic_id, briefing_item_id);

    -- organisation_id NULL: public to the network; otherwise private to that organisation,
    -- its linked mentors and admins. reply_count, last_activity_at, last_post_id and
    -- last_poster_id are kept by the posts triggers below (last_poster_id saves every thread
    -- list a lookup of the last post's row, which is large and on a random page).
    CREATE TABLE threads (
        id                INTEGER PRIMARY KEY,
        title             TEXT NOT NULL CHECK (length(title) BETWEEN 5 AND 200),
        slug              TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 80 AND slug NOT GLOB '*[^a-z0-9-]*'),
        author_id         INTEGER NOT NULL REFERENCES users(id),
        organisation_id   INTEGER REFERENCES organisations(id),
        briefing_item_id  INTEGER REFERENCES briefing_items(id) ON DELETE SET NULL,
        pinned            INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
        locked            INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
        hidden            INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
        hidden_reason     TEXT CHECK (hidden_reason IS NULL OR length(hidden_reason) <= 500),
        hidden_by         INTEGER REFERENCES users(id),
        accepted_post_id  INTEGER REFERENCES posts(id) ON DELETE SET NULL,
        created_at        INTEGER NOT NULL,
        last_activity_at  INTEGER NOT NULL,
        last_post_id      INTEGER REFERENCES posts(id) ON DELETE SET NULL,
        last_poster_id    INTEGER REFERENCES users(id),
        reply_count       INTEGER NOT NULL DEFAULT 0 CHECK (reply_count >= 0),
        slow_mode_seconds INTEGER NOT NULL DEFAULT 0 CHECK (slow_mode_seconds BETWEEN 0 AND 86400),
        CHECK (hidden = 0 OR hidden_by IS NOT NULL)
    ) STRICT;
    -- Home page: latest visible threads; pinned ones first (a separate, tiny index).
    CREATE INDEX threads_latest ON threads(last_activity_at DESC, id DESC) WHERE hidden = 0;
    CREATE INDEX threads_pinned ON threads(last_activity_at DESC) WHERE pinned = 1 AND hidden = 0;
    -- Unanswered questions (the mentor queue and the "unanswered" list).
    CREATE INDEX threads_unanswered ON threads(last_activity_at DESC)
        WHERE reply_count = 0 AND accepted_post_id IS NULL AND hidden = 0;
    -- An organisation's private space.
    CREATE INDEX threads_of_organisation ON threads(organisation_id, last_activity_at DESC)
        WHERE organisation_id IS NOT NULL;
    CREATE INDEX threads_by_author ON threads(author_id, created_at DESC);
    CREATE INDEX threads_about_briefing_item ON threads(briefing_item_id) WHERE briefing_item_id IS NOT NULL;

    -- last_activity_at is a copy of the thread's, kept by triggers, so a topic page is one
    -- index range scan in activity order instead of a sort of every thread in the topic.
    CREATE TABLE thread_topics (
        thread_id        INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        topic_id         INTEGER NOT NULL REFERENCES topics(id),
        last_activity_at INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (thread_id, topic_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX topic_threads_latest ON thread_topics(topic_id, last_activity_at DESC, thread_id DESC);

    -- A mentor asked to a thread (by a member) or linked by an admin.
    CREATE TABLE thread_mentors (
        thread_id    INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        mentor_id    INTEGER NOT NULL REFERENCES users(id),
        requested_by INTEGER REFERENCES users(id),
        status       TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'linked', 'declined')),
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (thread_id, mentor_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX mentor_threads ON thread_mentors(mentor_id, status, created_at DESC);

    CREATE TABLE posts (
        id                INTEGER PRIMARY KEY,
        thread_id         INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        author_id         INTEGER NOT NULL REFERENCES users(id),
        position          INTEGER NOT NULL CHECK (position >= 1),
        reply_to_post_id  INTEGER REFERENCES posts(id) ON DELETE SET NULL,
        body_markdown     TEXT NOT NULL CHECK (length(body_markdown) BETWEEN 1 AND 20000),
        body_html         TEXT NOT NULL,
        renderer_version  INTEGER NOT NULL DEFAULT 0,
        created_at        INTEGER NOT NULL,
        edited_at         INTEGER,
        hidden            INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
        hidden_reason     TEXT CHECK (hidden_reason IS NULL OR length(hidden_reason) <= 500),
        hidden_by         INTEGER REFERENCES users(id),
        hidden_at         INTEGER,
        deleted_by_author INTEGER NOT NULL DEFAULT 0 CHECK (deleted_by_author IN (0, 1)),
        held_for_approval INTEGER NOT NULL DEFAULT 0 CHECK (held_for_approval IN (0, 1)),
        CHECK (hidden = 0 OR hidden_by IS NOT NULL),
        -- Thread page: posts by position; also makes a post's place in its thread unique.
        UNIQUE (thread_id, position)
    ) STRICT;
    CREATE INDEX posts_held ON posts(created_at) WHERE held_for_approval = 1;
    -- No index on renderer_version: the re-render command walks posts by id in chunks, once,
    -- offline; an index would cost every reply an extra b-tree insert for that.

    CREATE TRIGGER posts_after_insert AFTER INSERT ON posts BEGIN
        UPDATE threads
           SET reply_count = reply_count + (NEW.position > 1),
               last_activity_at = max(last_activity_at, NEW.created_at),
               last_post_id = NEW.id,
               last_poster_id = NEW.author_id
         WHERE id = NEW.thread_id;
    END;
    CREATE TRIGGER posts_after_delete AFTER DELETE ON posts BEGIN
        UPDATE threads SET reply_count = max(0, reply_count - (OLD.position > 1))
         WHERE id = OLD.thread_id;
    END;
    CREATE TRIGGER threads_activity_to_topics AFTER UPDATE OF last_activity_at ON threads BEGIN
        UPDATE thread_topics SET last_activity_at = NEW.last_activity_at WHERE thread_id = NEW.id;
    END;
    CREATE TRIGGER thread_topics_after_insert AFTER INSERT ON thread_topics BEGIN
        UPDATE thread_topics
           SET last_activity_at = (SELECT last_activity_at FROM threads WHERE id = NEW.thread_id)
         WHERE thread_id = NEW.thread_id AND topic_id = NEW.topic_id;
    END;

    CREATE TABLE post_revisions (
        id            INTEGER PRIMARY KEY,
        post_id       INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        body_markdown TEXT NOT NULL CHECK (length(body_markdown) BETWEEN 1 AND 20000),
        edited_by     INTEGER NOT NULL REFERENCES users(id),
        created_at    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX post_revisions_of_post ON post_revisions(post_id, id);

    CREATE TABLE flags (
        id          INTEGER PRIMARY KEY,
        post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        reporter_id INTEGER NOT NULL REFERENCES users(id),
        reason      TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'confidential', 'other')),
        note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
        status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
        created_at  INTEGER NOT NULL,
        resolved_at INTEGER,
        resolved_by INTEGER REFERENCES users(id),
        UNIQUE (post_id, reporter_id),
        CHECK ((status = 'open') = (resolved_at IS NULL))
    ) STRICT;
    CREATE INDEX flags_open ON flags(created_at) WHERE status = 'open';

    -- Append-only: see the triggers. No foreign keys to content (see Schema's comment).
    CREATE TABLE moderation_log (
        id          INTEGER PRIMARY KEY,
        actor_id    INTEGER NOT NULL REFERENCES users(id),
        action      TEXT NOT NULL CHECK (action IN (
                        'hide_post', 'restore_post', 'approve_post', 'reject_post',
                        'hide_thread', 'restore_thread', 'lock_thread', 'unlock_thread',
                        'pin_thread', 'unpin_thread', 'move_thread', 'retag_thread', 'purge_thread',
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
    CREATE INDEX moderation_log_latest ON moderation_log(created_at DESC);
    CREATE INDEX moderation_log_by_target ON moderation_log(target_type, target_id);
    CREATE TRIGGER moderation_log_no_update BEFORE UPDATE ON moderation_log BEGIN
        SELECT RAISE(ABORT, 'moderation_log is append-only');
    END;
    CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON moderation_log BEGIN
        SELECT RAISE(ABORT, 'moderation_log is append-only');
    END;

    -- The token itself is only in the cookie; a stolen database yields no usable sessions.
    CREATE TABLE sessions (
        id           INTEGER PRIMARY KEY,
        token_hash   BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        user_agent   TEXT NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500)
    ) STRICT;
    CREATE INDEX sessions_of_user ON sessions(user_id);
    CREATE INDEX sessions_by_expiry ON sessions(expires_at);

    -- For login rate limits, per account and per client address.
    CREATE TABLE login_attempts (
        id           INTEGER PRIMARY KEY,
        scope        TEXT NOT NULL CHECK (scope IN ('account', 'address')),
        key          TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 254),
        attempted_at INTEGER NOT NULL,
        succeeded    INTEGER NOT NULL CHECK (succeeded IN (0, 1))
    ) STRICT;
    CREATE INDEX login_attempts_recent ON login_attempts(scope, key, attempted_at);

    CREATE TABLE notifications (
        id         INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL CHECK (kind IN (
                       'reply', 'mention', 'quote', 'accepted', 'new_thread_in_topic',
                       'mentor_requested', 'mentor_linked', 'moderation')),
        thread_id  INTEGER REFERENCES threads(id) ON DELETE CASCADE,
        post_id    INTEGER REFERENCES posts(id) ON DELETE CASCADE,
        actor_id   INTEGER REFERENCES users(id),
        created_at INTEGER NOT NULL,
        read_at    INTEGER
    ) STRICT;
    CREATE INDEX notifications_of_user ON notifications(user_id, created_at DESC);
    CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

    -- Exactly one of thread_id and topic_id. muted: follow nothing from this thread/topic.
    CREATE TABLE subscriptions (
        id         INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        thread_id  INTEGER REFERENCES threads(id) ON DELETE CASCADE,
        topic_id   INTEGER REFERENCES topics(id) ON DELETE CASCADE,
        muted      INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
        created_at INTEGER NOT NULL,
        CHECK ((thread_id IS NULL) <> (topic_id IS NULL))
    ) STRICT;
    CREATE UNIQUE INDEX subscriptions_to_thread ON subscriptions(user_id, thread_id) WHERE thread_id IS NOT NULL;
    CREATE UNIQUE INDEX subscriptions_to_topic ON subscriptions(user_id, topic_id) WHERE topic_id IS NOT NULL;
    CREATE INDEX thread_followers ON subscriptions(thread_id, user_id) WHERE thread_id IS NOT NULL;
    CREATE INDEX topic_followers ON subscriptions(topic_id, user_id) WHERE topic_id IS NOT NULL;

    CREATE TABLE bookmarks (
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, post_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX bookmarks_of_user ON bookmarks(user_id, created_at DESC);
    CREATE INDEX bookmarks_of_post ON bookmarks(post_id);

    -- Unsent text, so nothing typed is lost: thread_id NULL is a draft of a new thread.
    CREATE TABLE drafts (
        id            INTEGER PRIMARY KEY,
        user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        thread_id     INTEGER REFERENCES threads(id) ON DELETE CASCADE,
        title         TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),
        body_markdown TEXT NOT NULL DEFAULT '' CHECK (length(body_markdown) <= 20000),
        updated_at    INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX drafts_reply ON drafts(user_id, thread_id) WHERE thread_id IS NOT NULL;
    CREATE UNIQUE INDEX drafts_new_thread ON drafts(user_id) WHERE thread_id IS NULL;
    CREATE INDEX drafts_of_thread ON drafts(thread_id) WHERE thread_id IS NOT NULL;

    CREATE TABLE invites (
        id              INTEGER PRIMARY KEY,
        code_hash       BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
        email           TEXT CHECK (email IS NULL OR (length(email) <= 254 AND email LIKE '%_@_%')),
        role            TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'mentor', 'admin')),
        organisation_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
        created_by      INTEGER NOT NULL REFERENCES users(id),
        created_at      INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL,
        used_at         INTEGER,
        used_by         INTEGER REFERENCES users(id),
        revoked_at      INTEGER,
        CHECK ((used_at IS NULL) = (used_by IS NULL))
    ) STRICT;
    CREATE INDEX invites_by_creator ON invites(created_by, created_at DESC);

    CREATE TABLE settings (
        key        TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64 AND key NOT GLOB '*[^a-z0-9_]*'),
        value      TEXT NOT NULL CHECK (length(value) <= 4000),
        updated_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;

    -- Full-text search: external-content FTS5 tables over the text columns, kept in step by
    -- triggers; search results are joined back to threads/posts, where visibility is checked.
    --
    -- New post text is indexed once per write batch rather than once per write: the insert
    -- trigger only queues the id in post_search_pending, and SearchIndex.indexPending (run by
    -- the writer before each COMMIT, in the same transaction) indexes the queue in one
    -- statement. Measured reason: SQLite 3.40's FTS5 writes a new index segment at every
    -- savepoint, and the writer gives every write its own savepoint, so indexing in the trigger
    -- cost ~45 µs per post and capped group commit at about 5x; queued, it is one segment per
    -- batch. Readers never see the difference: the queue is drained before COMMIT.
    -- Edits and deletes stay immediate ('delete' needs the old text), skipping posts that are
    -- still queued and so not yet in the index.
    CREATE VIRTUAL TABLE post_search USING fts5(
        body_markdown, content = 'posts', content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2');
    CREATE TABLE post_search_pending (
        post_id INTEGER PRIMARY KEY
    ) STRICT;
    CREATE TRIGGER post_search_insert AFTER INSERT ON posts BEGIN
        INSERT INTO post_search_pending(post_id) VALUES (NEW.id);
    END;
    CREATE TRIGGER post_search_delete AFTER DELETE ON posts BEGIN
        INSERT INTO post_search(post_search, rowid, body_markdown)
            SELECT 'delete', OLD.id, OLD.body_markdown
            WHERE NOT EXISTS (SELECT 1 FROM post_search_pending WHERE post_id = OLD.id);
        DELETE FROM post_search_pending WHERE post_id = OLD.id;
    END;
    CREATE TRIGGER post_search_update AFTER UPDATE OF body_markdown ON posts BEGIN
        INSERT INTO post_search(post_search, rowid, body_markdown)
            SELECT 'delete', OLD.id, OLD.body_markdown
            WHERE NOT EXISTS (SELECT 1 FROM post_search_pending WHERE post_id = OLD.id);
        INSERT OR IGNORE INTO post_search_pending(post_id) VALUES (NEW.id);
    END;

    CREATE VIRTUAL TABLE thread_search USING fts5(
        title, content = 'threads', content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2');
    CREATE TRIGGER thread_search_insert AFTER INSERT ON threads BEGIN
        INSERT INTO thread_search(rowid, title) VALUES (NEW.id, NEW.title);
    END;
    CREATE TRIGGER thread_search_delete AFTER DELETE ON threads BEGIN
        INSERT INTO thread_search(thread_search, rowid, title) VALUES ('delete', OLD.id, OLD.title);
    END;
    CREATE TRIGGER thread_search_update AFTER UPDATE OF title ON threads BEGIN
        INSERT INTO thread_search(thread_search, rowid, title) VALUES ('delete', OLD.id, OLD.title);
        INSERT INTO thread_search(rowid, title) VALUES (NEW.id, NEW.title);
    END;
    """
}
