import Database

/// The board's schema as numbered migrations, one file each in `Migrations/`, all in one shape:
/// `enum MigrationNNNName { static let migration = Migration(version: NNN, ...) }`. Shipped
/// migrations never change: a change to the schema is a new file with the next number, appended
/// to `migrations`. Migration 1 creates the tables these rules describe.
///
/// Conventions, so every table reads the same way:
/// - dates are INTEGER milliseconds since 1970 (`Date` binds that way), names end in `_at`;
/// - booleans are INTEGER 0/1 with a CHECK; enumerations are TEXT with a CHECK listing the cases;
/// - every free text has a length CHECK matching the form's limit;
/// - tables are STRICT, so a wrongly typed value is an error rather than silently stored.
///
/// ON DELETE rules, chosen per relation:
/// - Users are never deleted (an account is anonymised: `deleted_at` set, email and name
///   scrubbed), because posts, threads and the moderation log must keep an author. References to
///   users from content are therefore plain (NO ACTION): deleting a user with content fails.
///   Rows that only exist for one user (sessions, notifications, subscriptions, bookmarks,
///   drafts, mentor profile) CASCADE.
/// - `threads.organisation_id` is NO ACTION on purpose: SET NULL would silently turn an
///   organisation's private threads public. Move or delete the threads first.
/// - Topics are retired (`retired = 1`), not deleted; thread and briefing links to a topic are
///   NO ACTION, so deleting a topic in use fails instead of untagging history.
/// - Deleting a thread (an admin purging spam) CASCADEs to its posts, topics, mentor links;
///   deleting a post CASCADEs to its revisions, flags and bookmarks.
/// - `moderation_log` has no foreign keys to content on purpose: it is append-only (triggers
///   refuse UPDATE and DELETE), so it must never be the target of a cascade, and it must outlive
///   the content it describes.
public enum Schema {
    /// Every migration, in order. `migrations[i].version == i + 1`.
    public static let migrations: [Migration] = [
        Migration001Initial.migration,
        Migration002PostsByAuthor.migration,
        Migration003Accounts.migration,
        Migration004Posting.migration,
        Migration005Moderation.migration,
        Migration006NotificationSettings.migration,
        Migration007TopicCounts.migration,
        Migration008HeldThreads.migration,
        Migration009RecentSearch.migration,
        Migration010MailOutbox.migration,
        Migration011JourneyNotifications.migration,
        Migration012PlainTextSearch.migration,
        Migration013HelpfulMarks.migration,
        Migration014AccountTokens.migration,
        Migration015MailPreferences.migration,
        Migration016MentorAnswers.migration,
        Migration017AdminJourneys.migration,
        Migration018TopicHelpful.migration,
        Migration019PeopleSearch.migration,
        Migration020ThreadTopicIDs.migration,
        Migration021HeldPostsUncounted.migration,
        Migration022ReleasesAndJoinedNames.migration,
        Migration023HelpfulCounts.migration,
        Migration024DraftTopics.migration,
        Migration025DraftSpaceAndBriefing.migration,
        Migration026SearchLengthGeneration.migration,
        Migration027AnswerSetAside.migration,
        Migration028RetiredHandles.migration,
        Migration029CoveringThreadLists.migration,
    ]

    /// The migrator for `migrations`.
    public static let migrator = Migrator(migrations)
}
