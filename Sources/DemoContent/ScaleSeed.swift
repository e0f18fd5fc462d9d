import Board
import Database
import Foundation

/// Synthetic data at scale for benchmarks: `mutuals demo --scale N`.
///
/// Adds N posts of plausible practitioner text to a database that already holds the demo world,
/// spread over threads (about 15 posts each, long-tailed), users (one per 100 posts), synthetic
/// pathfinder organisations (one per 50,000 posts, ~10% of threads private to one) and the
/// briefing topics (1–3 per thread), over the two years before the demo's own threads.
///
/// Everything is written in one transaction with the triggers on posts, threads and thread_topics
/// set aside: only the facts are written (threads, their topics, posts), then every value those
/// triggers keep is counted once (`DerivedCounts.recount`) and the FTS indexes are rebuilt, which
/// is much faster than a million trigger-driven updates. The triggers are restored from their own
/// saved SQL before COMMIT, so the schema after is exactly the schema before.
public enum ScaleSeed {
    public struct Report: Sendable {
        public let posts: Int
        public let threads: Int
        public let users: Int
        public let organisations: Int
        public let seconds: Double
    }

    /// - Parameters:
    ///   - posts: how many posts to add.
    ///   - seed: the pseudo-random seed, so a benchmark database can be rebuilt identically.
    ///   - progress: called now and then with a line to show.
    /// - Throws: `ScaleSeedError.noTopics` unless the demo topics exist; `DatabaseError`.
    public static func seed(_ store: Store, posts: Int, seed: UInt64 = 2012,
                            progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> Report {
        let started = Date()
        let counts = try store.writeWithoutTransaction { connection in
            try connection.transaction(.immediate) { tx in
                try generate(tx, posts: posts, seed: seed, progress: progress)
            }
        }
        return Report(posts: counts.posts, threads: counts.threads, users: counts.users,
                      organisations: counts.organisations, seconds: Date().timeIntervalSince(started))
    }

    struct Counts: Sendable {
        var posts = 0, threads = 0, users = 0, organisations = 0
    }

    /// - Parameter setTriggersAside: false writes through the triggers, as live posting does
    ///   (slow at scale): the tests compare that with the recount.
    static func generate(_ tx: Connection, posts total: Int, seed: UInt64, setTriggersAside: Bool = true,
                         progress: @Sendable (String) -> Void) throws -> Counts {
        var random = SplitMix64(seed: seed)
        var counts = Counts()
        let topicIDs = try tx.column(Int64.self, "SELECT id FROM topics WHERE retired = 0 ORDER BY position")
        guard !topicIDs.isEmpty else { throw ScaleSeedError.noTopics }

        // Set the triggers on posts, threads and thread_topics aside (restored before COMMIT).
        var savedTriggers: [(name: String, sql: String)] = []
        if setTriggersAside {
            try tx.forEach("""
                SELECT name, sql FROM sqlite_master
                WHERE type = 'trigger' AND tbl_name IN ('posts', 'threads', 'thread_topics') ORDER BY name
                """) { row in savedTriggers.append((try row["name"], try row["sql"])) }
        }
        for trigger in savedTriggers {
            // The name comes from sqlite_master, not from input; quoted as an identifier anyway.
            try tx.execute("DROP TRIGGER \"\(trigger.name.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }

        // Organisations: the demo's pathfinders plus synthetic ones.
        var pathfinderIDs = try tx.column(Int64.self, "SELECT id FROM organisations WHERE kind = 'pathfinder'")
        let now = Demo.day("2012-01-01")
        let span: Double = 730 * 86_400
        let extraOrganisations = max(3, total / 50_000)
        for index in 0..<extraOrganisations {
            let place = Words.places[random.below(Words.places.count)]
            let service = Words.services[random.below(Words.services.count)]
            let name = "\(place) \(service) Mutual"
            let id = try tx.insertOrganisation(
                slug: Slug.make("\(name) \(index + 1)", maximumLength: 60), name: name, kind: "pathfinder",
                description: "Staff-led \(service.lowercased()) spinning out in \(place).", website: nil,
                region: place, at: now - span)
            pathfinderIDs.append(id)
        }
        counts.organisations = extraOrganisations

        // Users: one per hundred posts; about one in twenty a mentor.
        let userCount = max(50, total / 100)
        let firstUser = (try tx.scalar(Int64.self, "SELECT coalesce(max(id), 0) FROM users") ?? 0) + 1
        for index in 0..<userCount {
            let first = Words.firstNames[random.below(Words.firstNames.count)]
            let last = Words.lastNames[random.below(Words.lastNames.count)]
            let role = random.below(20) == 0 ? "mentor" : "member"
            // "!" can never verify: these synthetic accounts cannot sign in.
            _ = try tx.insertUser(
                handle: "member\(index + 1)", displayName: "\(first) \(last)",
                email: "member\(index + 1)@scale.example.org", passwordHash: "!", role: role,
                organisationID: pathfinderIDs[random.below(pathfinderIDs.count)], bio: "", at: now - span)
        }
        counts.users = userCount

        // Only the facts: a thread's counters and last post are counted afterwards (or by the
        // triggers, when they are kept), from its posts.
        let insertThread = """
            INSERT INTO threads(title, slug, author_id, organisation_id, created_at, last_activity_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?5)
            """
        let insertPost = """
            INSERT INTO posts(thread_id, author_id, position, body_markdown, body_text, body_html, renderer_version, created_at)
            VALUES (?1, ?2, ?3, ?4, ?4, ?5, 0, ?6)
            """
        let threadsBefore = try tx.scalar(Int64.self, "SELECT coalesce(max(id), 0) FROM threads") ?? 0
        var written = 0
        var nextReport = 100_000
        while written < total {
            // Long-tailed thread length, mean about 15.
            let wanted = 1 + Int(-log(max(random.unit(), 1e-12)) * 14)
            let length = min(wanted, 400, total - written)
            let topicCount = 1 + random.below(3)
            var threadTopics: [Int64] = []
            while threadTopics.count < topicCount {
                let topic = topicIDs[random.below(topicIDs.count)]
                if !threadTopics.contains(topic) { threadTopics.append(topic) }
            }
            let mainTopic = Int((threadTopics[0] - 1) % Int64(Words.topicPhrases.count))
            let title = Words.title(topic: mainTopic, random: &random)
            let authorID = firstUser + Int64(random.below(userCount))
            let organisationID: Int64? = random.below(10) == 0 ? pathfinderIDs[random.below(pathfinderIDs.count)] : nil
            let created = now - span + random.unit() * span
            // Post times: minutes to days apart.
            var times: [Date] = [created]
            for _ in 1..<max(length, 1) {
                times.append(times[times.count - 1] + 60 + random.unit() * random.unit() * 3 * 86_400)
            }
            try tx.run(insertThread, title, Slug.make(title), authorID, organisationID, created)
            let threadID = tx.lastInsertedRowID
            for topic in threadTopics {
                try tx.run("INSERT INTO thread_topics(thread_id, topic_id, last_activity_at) VALUES (?, ?, ?)",
                           threadID, topic, created)
            }
            for position in 1...length {
                let poster = position == 1 ? authorID : firstUser + Int64(random.below(userCount))
                let paragraphs = Words.post(topic: mainTopic, opening: position == 1, random: &random)
                let markdown = paragraphs.joined(separator: "\n\n")
                let html = paragraphs.map { "<p>" + PlainTextRenderer.escapeHTML($0) + "</p>" }.joined(separator: "\n")
                try tx.run(insertPost, threadID, poster, position, markdown, html, times[position - 1])
            }
            written += length
            counts.threads += 1
            if written >= nextReport {
                progress("\(written) posts in \(counts.threads) threads")
                nextReport += 100_000
            }
        }
        counts.posts = written

        progress("rebuilding the full-text indexes")
        try tx.execute("INSERT INTO post_search(post_search) VALUES ('rebuild')")
        try tx.execute("DELETE FROM post_search_pending")  // 'rebuild' indexed everything
        // 'rebuild' leaves many segments; without merging them now, FTS5's automerge would do
        // that work piecemeal on the first thousands of live writes (measured: ~0.4 ms a post).
        progress("merging the full-text index segments")
        try tx.execute("INSERT INTO post_search(post_search) VALUES ('optimize')")
        try tx.execute("INSERT INTO thread_search(thread_search) VALUES ('optimize')")
        try tx.execute("INSERT INTO thread_search(thread_search) VALUES ('rebuild')")
        try SearchIndex.rebuildRecent(tx)
        if setTriggersAside {
            progress("counting what the triggers keep")
            try DerivedCounts.recount(tx, threadsAfter: threadsBefore)
        }
        for trigger in savedTriggers {
            try tx.execute(trigger.sql)
        }
        progress("committing")
        return counts
    }
}

public enum ScaleSeedError: Error, CustomStringConvertible, Sendable {
    case noTopics
    public var description: String { "There are no topics: seed the demo world first." }
}

/// A small, fast, deterministic PRNG (SplitMix64): synthetic data must be reproducible.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
