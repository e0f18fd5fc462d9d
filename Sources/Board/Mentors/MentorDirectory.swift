import Database
import Foundation

/// Whether a mentor is taking on new pathfinders.
public enum MentorAvailability: String, Sendable, CaseIterable {
    case available, limited, unavailable

    /// What the directory and the profile say.
    public var label: String {
        switch self {
        case .available: "Taking new pathfinders"
        case .limited: "Limited time"
        case .unavailable: "Busy: not taking new pathfinders"
        }
    }
}

/// A mentor as the directory lists them.
public struct MentorCard: RowDecodable, Sendable {
    public let userID: Int64
    public let handle: String
    public let displayName: String
    public let headline: String
    public let availability: MentorAvailability
    public let organisationName: String?
    public let organisationSlug: String?
    public let bio: String
    public internal(set) var topics: [TopicTag] = []

    static let columns = """
        u.id AS user_id, u.handle, u.display_name, coalesce(mp.headline, 'Mentor') AS headline,
        coalesce(mp.availability, 'available') AS availability, o.name AS organisation_name, o.slug AS organisation_slug, u.bio
        """

    public init(row: Row) throws {
        userID = try row["user_id"]
        handle = try row["handle"]
        displayName = try row["display_name"]
        headline = try row["headline"]
        availability = MentorAvailability(rawValue: try row["availability"]) ?? .available
        organisationName = try row["organisation_name"]
        organisationSlug = try row["organisation_slug"]
        bio = try row["bio"]
    }
}

/// A pathfinder a mentor supports (an active mentorship), or a mentorship as admins see it.
public struct MentorshipSummary: RowDecodable, Sendable {
    public let id: Int64
    public let mentorHandle: String
    public let mentorName: String
    public let organisationSlug: String
    public let organisationName: String
    public let startedAt: Date
    public let endedAt: Date?
    public let note: String

    static let columns = """
        m.id, u.handle AS mentor_handle, u.display_name AS mentor_name, o.slug AS organisation_slug,
        o.name AS organisation_name, m.started_at, m.ended_at, m.note
        """

    public init(row: Row) throws {
        id = try row["id"]
        mentorHandle = try row["mentor_handle"]
        mentorName = try row["mentor_name"]
        organisationSlug = try row["organisation_slug"]
        organisationName = try row["organisation_name"]
        startedAt = try row["started_at"]
        endedAt = try row["ended_at"]
        note = try row["note"]
    }
}

/// A reply a mentor wrote, linking to its place in its thread.
public struct MentorAnswer: RowDecodable, Sendable {
    public let threadID: Int64
    public let threadSlug: String
    public let threadTitle: String
    public let postID: Int64
    public let position: Int
    public let createdAt: Date
    public let accepted: Bool

    public init(row: Row) throws {
        threadID = try row["thread_id"]
        threadSlug = try row["thread_slug"]
        threadTitle = try row["thread_title"]
        postID = try row["post_id"]
        position = try row["position"]
        createdAt = try row["created_at"]
        accepted = try row["accepted"]
    }
}

/// What `/mentors/{handle}` shows.
public struct MentorProfilePage: Sendable {
    public let mentor: MentorCard
    public let supports: [MentorshipSummary]
    public let recentAnswers: [MentorAnswer]
    public let acceptedAnswers: [MentorAnswer]
}

/// The directory's filters; nil means "any".
public struct MentorFilter: Sendable, Equatable {
    public var topicSlug: String?
    public var organisationSlug: String?
    public var availability: MentorAvailability?

    public init(topicSlug: String? = nil, organisationSlug: String? = nil, availability: MentorAvailability? = nil) {
        self.topicSlug = topicSlug
        self.organisationSlug = organisationSlug
        self.availability = availability
    }
}

/// Why a mentor action was refused.
public enum MentorError: Error, Sendable, Equatable {
    /// Not allowed: the reason to show with a 403.
    case denied(String)
    /// The thing does not exist (or must not be known to exist): 404.
    case notFound
    /// What the form must say next to its fields.
    case invalid([FieldError])
}

/// The reads behind the mentor pages: directory, profile. Privacy as in `PageQueries`: answers in
/// a private thread appear only to viewers who may read that thread.
public enum MentorDirectory {
    /// Mentors (role `mentor`, not deleted) passing the filter, by name.
    public static func mentors(_ conn: Connection, filter: MentorFilter = MentorFilter()) throws -> [MentorCard] {
        var cards = try conn.query(MentorCard.self, """
            SELECT \(MentorCard.columns)
            FROM users u LEFT JOIN mentor_profiles mp ON mp.user_id = u.id
            LEFT JOIN organisations o ON o.id = \(Visibility.confirmedOrganisation("u"))
            WHERE u.role = 'mentor' AND u.deleted_at IS NULL
              AND (?1 IS NULL OR EXISTS (SELECT 1 FROM mentor_expertise e JOIN topics tp ON tp.id = e.topic_id
                                         WHERE e.mentor_id = u.id AND tp.slug = ?1))
              AND (?2 IS NULL OR o.slug = ?2
                   OR EXISTS (SELECT 1 FROM mentorships m JOIN organisations so ON so.id = m.organisation_id
                              WHERE m.mentor_id = u.id AND m.ended_at IS NULL AND so.slug = ?2))
              AND (?3 IS NULL OR coalesce(mp.availability, 'available') = ?3)
            ORDER BY u.display_name COLLATE NOCASE, u.id
            """, filter.topicSlug, filter.organisationSlug, filter.availability?.rawValue)
        try attachExpertise(conn, to: &cards)
        return cards
    }

    /// One mentor by handle, or nil when there is none (or the user is not a mentor).
    public static func mentor(_ conn: Connection, handle: String) throws -> MentorCard? {
        guard var card = try conn.queryOne(MentorCard.self, """
            SELECT \(MentorCard.columns)
            FROM users u LEFT JOIN mentor_profiles mp ON mp.user_id = u.id
            LEFT JOIN organisations o ON o.id = \(Visibility.confirmedOrganisation("u"))
            WHERE u.handle = ? AND u.role = 'mentor' AND u.deleted_at IS NULL
            """, handle) else { return nil }
        var cards = [card]
        try attachExpertise(conn, to: &cards)
        card = cards[0]
        return card
    }

    /// The profile page: the mentor, the pathfinders they support, their latest replies and the
    /// replies accepted as answers, in threads the viewer may read.
    public static func profile(_ conn: Connection, handle: String, viewer: Viewer, limit: Int = 10) throws -> MentorProfilePage? {
        guard let mentor = try mentor(conn, handle: handle) else { return nil }
        let supports = try conn.query(MentorshipSummary.self, """
            SELECT \(MentorshipSummary.columns)
            FROM mentorships m JOIN users u ON u.id = m.mentor_id JOIN organisations o ON o.id = m.organisation_id
            WHERE m.mentor_id = ? AND m.ended_at IS NULL ORDER BY o.name
            """, mentor.userID)
        let answerSQL = """
            SELECT t.id AS thread_id, t.slug AS thread_slug, t.title AS thread_title, p.id AS post_id, p.position,
                   p.created_at, t.accepted_post_id IS p.id AS accepted
            FROM posts p JOIN threads t ON t.id = p.thread_id
            WHERE p.author_id = ?4 AND p.position > 1 AND p.hidden = 0 AND p.deleted_by_author = 0
              AND p.held_for_approval = 0 AND t.hidden = 0 AND \(PageQueries.visible)
              AND (?5 = 0 OR t.accepted_post_id = p.id)
            ORDER BY p.created_at DESC, p.id DESC LIMIT ?6
            """
        let base = PageQueries.viewerArguments(viewer)
        let recent = try conn.query(MentorAnswer.self, answerSQL, arguments: base + [mentor.userID, false, limit])
        let accepted = try conn.query(MentorAnswer.self, answerSQL, arguments: base + [mentor.userID, true, limit])
        return MentorProfilePage(mentor: mentor, supports: supports, recentAnswers: recent, acceptedAnswers: accepted)
    }

    /// Mentorships, active first, for the admin page.
    public static func mentorships(_ conn: Connection, includeEnded: Bool = true) throws -> [MentorshipSummary] {
        try conn.query(MentorshipSummary.self, """
            SELECT \(MentorshipSummary.columns)
            FROM mentorships m JOIN users u ON u.id = m.mentor_id JOIN organisations o ON o.id = m.organisation_id
            WHERE ?1 OR m.ended_at IS NULL
            ORDER BY m.ended_at IS NOT NULL, o.name, u.display_name, m.id DESC
            """, includeEnded)
    }

    /// Each card's expertise: topics not retired (a retired topic has no page; the expertise is
    /// kept and shows again when an admin brings the topic back).
    static func attachExpertise(_ conn: Connection, to cards: inout [MentorCard]) throws {
        guard !cards.isEmpty else { return }
        let ids = "[" + cards.map { String($0.userID) }.joined(separator: ",") + "]"
        var byMentor: [Int64: [TopicTag]] = [:]
        try conn.forEach("""
            SELECT e.mentor_id, tp.slug, tp.name FROM mentor_expertise e JOIN topics tp ON tp.id = e.topic_id
            WHERE e.mentor_id IN (SELECT value FROM json_each(?)) AND tp.retired = 0 ORDER BY tp.position
            """, arguments: [ids]) { row in
            byMentor[try row["mentor_id"], default: []].append(TopicTag(slug: try row["slug"], name: try row["name"]))
        }
        for index in cards.indices { cards[index].topics = byMentor[cards[index].userID] ?? [] }
    }
}
