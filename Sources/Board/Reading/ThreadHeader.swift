import Database
import Foundation

/// What a thread page shows beside its posts, as one reader may see it: the thread, the briefing
/// item it is about, its private space, where its accepted answer sits, and the position of the
/// last post the reader may see (where its pages end).
struct ThreadHeader: RowDecodable, Sendable {
    let summary: ThreadSummary
    let acceptedPostID: Int64?
    let state: Resource.ThreadState
    let briefingItem: BriefingItemLink?
    let space: OrganisationLink?
    let acceptedPosition: Int?
    /// The position of the last post the reader may see (nil: none).
    var lastPosition: Int?

    init(row: Row) throws {
        summary = try ThreadSummary(row: row)
        acceptedPostID = try row["accepted_post_id"]
        state = try Resource.ThreadState(row: row)
        let briefingID: Int64? = try row["briefing_item_id"]
        briefingItem = try briefingID.map { BriefingItemLink(id: $0, title: try row["briefing_title"], url: try row["briefing_url"]) }
        let spaceSlug: String? = try row["space_slug"]
        space = try spaceSlug.map { OrganisationLink(slug: $0, name: try row["space_name"], kind: try row["space_kind"]) }
        acceptedPosition = try row["accepted_position"]
        lastPosition = try row["last_position"]
    }

    /// The statement, for thread ?4 where `condition` holds; its last post is the last one that
    /// `listed` (an SQL condition on post `lp`) lets through.
    static func sql(condition: String, listed: String, extraColumns: String = "") -> String {
        """
        SELECT \(ThreadSummary.columns), t.accepted_post_id, \(Resource.ThreadState.columns),\(extraColumns)
               b.id AS briefing_item_id, b.title AS briefing_title, b.url AS briefing_url,
               so.slug AS space_slug, so.name AS space_name, so.kind AS space_kind,
               ap.position AS accepted_position,
               -- Pages go by position: the last one is that of the last post this reader may
               -- see (a post held for approval is its author's and the admins' alone, and the
               -- reply count leaves it out until it is approved).
               (SELECT lp.position FROM posts lp
                 WHERE lp.thread_id = t.id AND \(listed)
                 ORDER BY lp.position DESC LIMIT 1) AS last_position
        FROM threads t
        JOIN users a ON a.id = t.author_id
        LEFT JOIN users lu ON lu.id = t.last_poster_id
        LEFT JOIN briefing_items b ON b.id = t.briefing_item_id
        LEFT JOIN organisations so ON so.id = t.organisation_id
        LEFT JOIN posts ap ON ap.id = t.accepted_post_id AND ap.thread_id = t.id
        WHERE t.id = ?4 AND \(condition)
        """
    }

    static let viewerSQL = sql(condition: PageQueries.visible, listed: Visibility.postListedByViewer(post: "lp"))

    /// Thread `id`'s header as `viewer` sees it, or nil when they may not read it (or there is none).
    static func read(_ conn: Connection, id: Int64, viewer: Viewer) throws -> ThreadHeader? {
        try conn.queryOne(ThreadHeader.self, viewerSQL, arguments: PageQueries.viewerArguments(viewer) + [id])
    }
}

/// A public thread's header as stored, the same for every reader, so it can be kept until the
/// store changes (`KeptThreadHeaders`): the thread page's largest statement (~58,000 of a
/// signed-in thread page's ~470,000 instructions) is then read once per thread, not once per
/// page view. What differs between readers is decided from it by the one rule: whether
/// they may open the thread (`Visibility.mayReadInSpace`: a public thread has no space to belong
/// to) and which of its last posts, held for approval, they see (`Visibility.postListed`).
/// A private thread is not kept: whether a mentor may read its space is read per reader.
struct StoredThreadHeader: Sendable {
    /// With `lastPosition` the last post listed to everyone.
    let header: ThreadHeader
    /// The posts awaiting approval after that one: each is listed to its author and admins.
    let heldAfter: [HeldPost]

    struct HeldPost: Sendable {
        let position: Int
        let authorID: Int64
    }

    /// Everyone's view: a reader who wrote none of the posts and is not an admin.
    private static let everyone = Visibility.ReaderSQL(organisation: "NULL", isAdmin: "0", user: "NULL", isMentor: "0")
    private static let listedToEveryone = Visibility.postListed(by: everyone, post: "lp")
    /// The header as everyone sees it, with the posts after its last one (all held for approval:
    /// the last post everyone sees is the last one not held) as `position:author,…`, in the same
    /// statement: the posts' index from that position on.
    static let storedSQL = ThreadHeader.sql(
        condition: "t.organisation_id IS NULL", listed: listedToEveryone,
        extraColumns: """

               (SELECT group_concat(h.position || ':' || h.author_id) FROM posts h
                 WHERE h.thread_id = t.id AND h.held_for_approval = 1
                   AND h.position > coalesce((SELECT lp.position FROM posts lp WHERE lp.thread_id = t.id AND \(listedToEveryone)
                                              ORDER BY lp.position DESC LIMIT 1), 0)) AS held_after,
        """)

    private struct StoredRow: RowDecodable {
        let header: ThreadHeader
        let heldAfter: String?
        init(row: Row) throws { header = try ThreadHeader(row: row); heldAfter = try row["held_after"] }
    }

    /// Public thread `id` as stored; nil when there is no such thread or it is private.
    static func read(_ conn: Connection, id: Int64) throws -> StoredThreadHeader? {
        // ?1–?3 are not used by the stored statement; ?4 is the thread, as in the reader's.
        guard let row = try conn.queryOne(StoredRow.self, storedSQL, arguments: [nil, nil, nil, id]) else { return nil }
        let held = (row.heldAfter ?? "").split(separator: ",").compactMap { pair -> HeldPost? in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let position = Int(parts[0]), let author = Int64(parts[1]) else { return nil }
            return HeldPost(position: position, authorID: author)
        }
        return StoredThreadHeader(header: row.header, heldAfter: held)
    }

    /// The header as `viewer` sees it, or nil when they may not read the thread.
    func header(for viewer: Viewer) -> ThreadHeader? {
        let state = header.state
        guard Visibility.mayReadInSpace(held: state.held, hidden: state.hidden, authorID: state.authorID,
                                        userID: viewer.userID, isAdmin: viewer.isAdmin) else { return nil }
        var seen = header
        for post in heldAfter
        where Visibility.postListed(held: true, authorID: post.authorID, userID: viewer.userID, isAdmin: viewer.isAdmin) {
            seen.lastPosition = max(seen.lastPosition ?? 0, post.position)
        }
        return seen
    }
}

/// Public threads' headers as stored (`StoredThreadHeader`; nil for a private or missing
/// thread, whose header is read per reader), kept until the store changes.
typealias KeptThreadHeaders = KeptPerKeyUntilChange<Int64, StoredThreadHeader?>
