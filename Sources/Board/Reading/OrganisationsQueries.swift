import Database
import Foundation

/// An organisation as a link or a label.
public struct OrganisationLink: RowDecodable, Sendable, Equatable {
    public let slug: String
    public let name: String
    /// `pathfinder`, `mentor_organisation` or `other`.
    public let kind: String

    public init(row: Row) throws {
        slug = try row["slug"]
        name = try row["name"]
        kind = try row["kind"]
    }

    init(slug: String, name: String, kind: String) {
        self.slug = slug
        self.name = name
        self.kind = kind
    }
}

/// A person listed on an organisation page.
public struct MemberSummary: RowDecodable, Sendable, Equatable {
    public let handle: String
    public let displayName: String
    public let role: String
    /// For a linked mentor: their own organisation.
    public let organisationName: String?

    public init(row: Row) throws {
        handle = try row["handle"]
        displayName = try row["display_name"]
        role = try row["role"]
        organisationName = try row["organisation_name"]
    }
}

/// What an organisation page needs.
public struct OrganisationPage: Sendable {
    public let id: Int64
    public let organisation: OrganisationLink
    public let description: String
    public let website: String?
    public let region: String
    public let members: [MemberSummary]
    /// Mentors currently linked to this organisation (pathfinders).
    public let linkedMentors: [MemberSummary]
    /// Organisations this organisation's mentors support (mentor organisations).
    public let supports: [OrganisationLink]
    /// Public threads started by the organisation's members.
    public let publicThreads: [ThreadSummary]
    /// The organisation's private space: empty unless the viewer may read it.
    public let privateThreads: [ThreadSummary]
    /// Whether the viewer may read the private space (its members, linked mentors, admins).
    public let canReadPrivateSpace: Bool
}

extension PageQueries {
    /// An organisation page, or nil if there is no such organisation.
    public static func organisation(_ conn: Connection, slug: String, viewer: Viewer, limit: Int = threadsPerPage) throws -> OrganisationPage? {
        struct OrganisationRow: RowDecodable {
            let id: Int64, link: OrganisationLink, description: String, website: String?, region: String
            init(row: Row) throws {
                id = try row["id"]
                link = try OrganisationLink(row: row)
                description = try row["description"]
                website = try row["website"]
                region = try row["region"]
            }
        }
        guard let organisation = try conn.queryOne(OrganisationRow.self, """
            SELECT id, slug, name, kind, description, website, region FROM organisations WHERE slug = ?
            """, slug) else { return nil }
        let members = try conn.query(MemberSummary.self, """
            SELECT u.handle, u.display_name, u.role, NULL AS organisation_name FROM users u
            WHERE u.organisation_id = ? AND u.organisation_confirmed = 1 AND u.deleted_at IS NULL
            ORDER BY u.display_name, u.id LIMIT 200
            """, organisation.id)
        let mentors = try conn.query(MemberSummary.self, """
            SELECT u.handle, u.display_name, u.role, o.name AS organisation_name FROM mentorships m
            JOIN users u ON u.id = m.mentor_id LEFT JOIN organisations o ON o.id = \(Visibility.confirmedOrganisation("u"))
            WHERE m.organisation_id = ? AND m.ended_at IS NULL AND u.deleted_at IS NULL ORDER BY u.display_name
            """, organisation.id)
        let supports = try conn.query(OrganisationLink.self, """
            SELECT DISTINCT o.slug, o.name, o.kind FROM users u
            JOIN mentorships m ON m.mentor_id = u.id AND m.ended_at IS NULL
            JOIN organisations o ON o.id = m.organisation_id
            WHERE u.organisation_id = ? AND u.organisation_confirmed = 1 ORDER BY o.name
            """, organisation.id)
        var publicThreads = try conn.query(ThreadSummary.self, """
            SELECT \(ThreadSummary.columns)
            FROM threads t
            JOIN users a ON a.id = t.author_id
            LEFT JOIN users lu ON lu.id = t.last_poster_id
            WHERE a.organisation_id = ?1 AND \(Visibility.confirmedOrganisation("a")) = ?1 AND t.organisation_id IS NULL AND t.hidden = 0 AND t.held = 0
            ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?2
            """, organisation.id, limit)
        try attachTopics(conn, to: &publicThreads)
        // The space's threads go through the same visibility rule as every other list, so an
        // outsider gets none whatever `canReadPrivateSpace` says.
        var privateThreads = try conn.query(ThreadSummary.self, """
            SELECT \(ThreadSummary.columns)
            FROM threads t INDEXED BY threads_of_organisation
            JOIN users a ON a.id = t.author_id
            LEFT JOIN users lu ON lu.id = t.last_poster_id
            WHERE t.organisation_id = ?4 AND t.hidden = 0 AND \(visible)
            ORDER BY t.last_activity_at DESC LIMIT ?5
            """, arguments: viewerArguments(viewer) + [organisation.id, limit])
        try attachTopics(conn, to: &privateThreads)
        let canRead = try canReadSpace(conn, organisationID: organisation.id, viewer: viewer)
        return OrganisationPage(id: organisation.id, organisation: organisation.link, description: organisation.description,
                                website: organisation.website, region: organisation.region, members: members,
                                linkedMentors: mentors, supports: supports, publicThreads: publicThreads,
                                privateThreads: canRead ? privateThreads : [], canReadPrivateSpace: canRead)
    }

    /// Whether `viewer` may read the private space of `organisationID`: the space part of the one rule.
    public static func canReadSpace(_ conn: Connection, organisationID: Int64, viewer: Viewer) throws -> Bool {
        try conn.scalar(Bool.self, "SELECT \(Visibility.spaceReadableByViewer(organisation: "?4"))",
                        arguments: viewerArguments(viewer) + [organisationID]) ?? false
    }
}
