// The storage benchmark (run by Benchmarks/database.sh in a release build):
// 1. builds (once) a database with the demo world plus N synthetic posts, timing the seed;
// 2. times the reads behind the thread, home and topic pages (p50/p99);
// 3. compares write throughput of 32 concurrent writers with group commit against one
//    transaction per write, both with synchronous=FULL.
import Board
import Database
import DemoContent
import Foundation
import Synchronization

struct Options {
    var data = "Benchmarks/out"
    var posts = 1_000_000
    var samples = 5_000
    var writers = 32
    var seconds = 5.0

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--data": data = value
            case "--posts": posts = Int(value) ?? posts
            case "--samples": samples = Int(value) ?? samples
            case "--writers": writers = Int(value) ?? writers
            case "--seconds": seconds = Double(value) ?? seconds
            default: print("unknown option \(flag)")
            }
        }
    }
}

func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

struct Timings {
    var nanoseconds: [UInt64] = []
    func percentile(_ p: Double) -> Double {
        let sorted = nanoseconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
        return Double(sorted[max(0, index)]) / 1_000
    }
}

func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
func micros(_ value: Double) -> String { String(format: "%.0f µs", value) }

let options = Options(CommandLine.arguments)
let readDirectory = options.data + "/read-\(options.posts)"
let databasePath = Storage.databasePath(dataDirectory: readDirectory)
var lines: [String] = []

// MARK: 1. Seed (once per size)

if !FileManager.default.fileExists(atPath: databasePath) {
    let store = try Storage.openStore(dataDirectory: readDirectory)
    _ = try Demo.seed(store)
    let report = try ScaleSeed.seed(store, posts: options.posts) { print("  seeding: \($0)") }
    store.close()
    let size = (try? FileManager.default.attributesOfItem(atPath: databasePath)[.size] as? Int) ?? 0
    let line = String(format: "Seeded %d posts in %d threads (%d users) in %.1f s; database file %.0f MB.",
                      report.posts, report.threads, report.users, report.seconds, Double(size) / 1_048_576)
    lines.append(line)
    try line.write(toFile: readDirectory + "/seed-report.txt", atomically: true, encoding: .utf8)
} else if let previous = try? String(contentsOfFile: readDirectory + "/seed-report.txt", encoding: .utf8) {
    lines.append(previous + " (seeded by an earlier run)")
}

// MARK: 2. Page reads

let store = try Storage.openStore(dataDirectory: readDirectory)
struct Sample: Sendable { let threadID: Int64; let page: Int }
let (threads, topicSlugs, viewers, postCount) = try store.read { db -> ([Sample], [String], [Viewer], Int) in
    var random = SystemRandomNumberGenerator()
    let maxThread = try db.scalar(Int64.self, "SELECT max(id) FROM threads") ?? 1
    var samples: [Sample] = []
    while samples.count < options.samples {
        let id = Int64.random(in: 1...maxThread, using: &random)
        guard let replies = try db.scalar(Int.self, "SELECT reply_count FROM threads WHERE id = ? AND organisation_id IS NULL", id) else { continue }
        let pages = (replies + PageQueries.postsPerPage) / PageQueries.postsPerPage
        samples.append(Sample(threadID: id, page: Int.random(in: 1...max(1, pages), using: &random)))
    }
    let slugs = try db.column(String.self, "SELECT slug FROM topics")
    var viewers: [Viewer] = [.visitor]
    try db.forEach("SELECT id, organisation_id FROM users WHERE organisation_id IS NOT NULL ORDER BY random() LIMIT 50") { row in
        viewers.append(Viewer(userID: try row["id"], organisationID: try row["organisation_id"], isAdmin: false))
    }
    let posts = try db.scalar(Int.self, "SELECT count(*) FROM posts") ?? 0
    return (samples, slugs, viewers, posts)
}

func measure(_ name: String, _ body: (Int) throws -> Void) rethrows -> Timings {
    for index in 0..<min(500, options.samples) { try body(index) }  // warm the page cache and statement caches
    var timings = Timings()
    timings.nanoseconds.reserveCapacity(options.samples)
    for index in 0..<options.samples {
        let start = monotonicNanoseconds()
        try body(index)
        timings.nanoseconds.append(monotonicNanoseconds() - start)
    }
    return timings
}

var postsShown = 0
let threadTimings = try measure("thread") { index in
    let sample = threads[index]
    let viewer = viewers[index % viewers.count]
    let page = try store.read { try PageQueries.thread($0, id: sample.threadID, page: sample.page, viewer: viewer) }
    postsShown += page?.posts.count ?? 0
}
let homeTimings = try measure("home") { index in
    let viewer = viewers[index % viewers.count]
    let list = try store.read { try PageQueries.home($0, viewer: viewer) }
    precondition(list.count == PageQueries.threadsPerPage, "home page should be full")
}
let topicTimings = try measure("topic") { index in
    let viewer = viewers[index % viewers.count]
    let page = try store.read { try PageQueries.topic($0, slug: topicSlugs[index % topicSlugs.count], viewer: viewer) }
    precondition(page?.threads.count == PageQueries.threadsPerPage, "topic page should be full")
}

lines.append("")
lines.append("Page reads at \(postCount) posts (\(options.samples) samples each, one `store.read` per page: pool checkout, BEGIN, every query the page needs, decoding, COMMIT):")
lines.append("")
lines.append(row(["page", "queries", "p50", "p99", "max"]))
lines.append(row(["---", "---", "---", "---", "---"]))
lines.append(row(["thread (20 posts + authors, topics, mentors)", "4", micros(threadTimings.percentile(0.5)), micros(threadTimings.percentile(0.99)), micros(threadTimings.percentile(1))]))
lines.append(row(["home (pinned + 30 latest visible + topics)", "3", micros(homeTimings.percentile(0.5)), micros(homeTimings.percentile(0.99)), micros(homeTimings.percentile(1))]))
lines.append(row(["topic (topic + briefing + 30 latest + topics)", "4", micros(topicTimings.percentile(0.5)), micros(topicTimings.percentile(0.99)), micros(topicTimings.percentile(1))]))
print(lines.joined(separator: "\n"))
store.close()

// MARK: 3. Group commit against one transaction per write

/// Copies the seeded database with the online backup API (timed), so each write mode starts
/// from the same 1,000,000-post database and the read database stays as it was.
func copyOfReadDatabase(into directory: String) throws -> Double {
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let source = try Store(path: databasePath)
    defer { source.close() }
    let start = monotonicNanoseconds()
    try source.backup(to: Storage.databasePath(dataDirectory: directory))
    let seconds = Double(monotonicNanoseconds() - start) / 1e9
    // Let the kernel write the copy back now, or its writeback competes with the fsyncs measured next.
    sync()
    return seconds
}

func writeThroughput(maximumBatchSize: Int, onSeededCopy: Bool) throws -> (perSecond: Double, writes: Int, batches: Int, backupSeconds: Double, breakdown: String) {
    let directory = options.data + "/writes-\(maximumBatchSize)"
    var backupSeconds = 0.0
    if onSeededCopy {
        backupSeconds = try copyOfReadDatabase(into: directory)
    } else {
        try? FileManager.default.removeItem(atPath: directory)
    }
    var configuration = Store.Configuration()
    configuration.maximumBatchSize = maximumBatchSize
    let writeStore = try Storage.openStore(dataDirectory: directory, configuration: configuration)
    defer {
        writeStore.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
    if !onSeededCopy {
        _ = try Demo.seed(writeStore, hasher: PasswordHasher(n: 1 << 10, r: 8, p: 1))
    }
    // Replies go where a forum's replies go: to the recently active threads (the 1,000 latest
    // public ones, the first 33 pages of the home page), by random authors.
    let (threadIDs, authorIDs) = try writeStore.read { db in
        (try db.column(Int64.self, "SELECT id FROM threads WHERE organisation_id IS NULL AND hidden = 0 ORDER BY last_activity_at DESC LIMIT 1000"),
         try db.column(Int64.self, "SELECT id FROM users ORDER BY random() LIMIT 1000"))
    }
    let before = writeStore.writerStatistics
    let deadline = monotonicNanoseconds() + UInt64(options.seconds * 1e9)
    let started = monotonicNanoseconds()
    let finished = Mutex(0)
    let completed = Atomic<Int>(0)
    var workers: [Thread] = []
    for writer in 0..<options.writers {
        let thread = Thread {
            var n = 0
            while monotonicNanoseconds() < deadline {
                let threadID = threadIDs[(writer * 7_919 + n * 31) % threadIDs.count]
                let authorID = authorIDs[(writer + n) % authorIDs.count]
                let body = "Benchmark reply \(n) from writer \(writer): the commissioner agreed to drop the bond."
                let html = "<p>" + body + "</p>"
                let when = Date()
                // A realistic write: a reply, with its position, counters and FTS triggers.
                try? writeStore.write { tx in
                    try tx.run("""
                        INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                        VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, ?4, ?5)
                        """, threadID, authorID, body, html, when)
                }
                completed.add(1, ordering: .relaxed)
                n += 1
            }
            finished.withLock { $0 += 1 }
        }
        workers.append(thread)
        thread.start()
    }
    while finished.withLock({ $0 }) < options.writers { usleep(10_000) }
    let elapsed = Double(monotonicNanoseconds() - started) / 1e9
    let after = writeStore.writerStatistics
    let writes = completed.load(ordering: .relaxed)
    _ = workers
    let batches = Double(max(1, after.batches - before.batches))
    let breakdown = row([onSeededCopy ? "\(postCount) posts" : "demo database", maximumBatchSize == 1 ? "one per write" : "group commit",
                          String(format: "%.1f", Double(after.writes - before.writes) / batches),
                          String(format: "%.0f µs", Double(after.applyNanoseconds - before.applyNanoseconds) / 1_000 / batches),
                          String(format: "%.0f µs", Double(after.beforeCommitNanoseconds - before.beforeCommitNanoseconds) / 1_000 / batches),
                          String(format: "%.0f µs", Double(after.commitNanoseconds - before.commitNanoseconds) / 1_000 / batches)])
    return (Double(writes) / elapsed, after.writes - before.writes, after.batches - before.batches, backupSeconds, breakdown)
}

/// The naive alternative to a writer thread: every writer thread has its own connection and runs
/// its own BEGIN IMMEDIATE … COMMIT, waiting on SQLite's busy handler for the write lock.
func ownConnectionThroughput() throws -> (perSecond: Double, writes: Int, failures: Int, backupSeconds: Double) {
    let directory = options.data + "/writes-own-connections"
    let backupSeconds = try copyOfReadDatabase(into: directory)
    let path = Storage.databasePath(dataDirectory: directory)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (threadIDs, authorIDs) = try { () throws -> ([Int64], [Int64]) in
        let db = try Connection(path: path, role: .reader)
        return (try db.column(Int64.self, "SELECT id FROM threads WHERE organisation_id IS NULL AND hidden = 0 ORDER BY last_activity_at DESC LIMIT 1000"),
                try db.column(Int64.self, "SELECT id FROM users ORDER BY random() LIMIT 1000"))
    }()
    let deadline = monotonicNanoseconds() + UInt64(options.seconds * 1e9)
    let started = monotonicNanoseconds()
    let finished = Mutex(0)
    let completed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    for writer in 0..<options.writers {
        Thread {
            defer { finished.withLock { $0 += 1 } }
            guard let db = try? Connection(path: path, role: .writer) else { return }
            var n = 0
            while monotonicNanoseconds() < deadline {
                let threadID = threadIDs[(writer * 7_919 + n * 31) % threadIDs.count]
                let authorID = authorIDs[(writer + n) % authorIDs.count]
                let body = "Benchmark reply \(n) from writer \(writer): the commissioner agreed to drop the bond."
                do {
                    try db.transaction(.immediate) { tx in
                        try tx.run("""
                            INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, created_at)
                            VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), ?3, ?4, ?5)
                            """, threadID, authorID, body, "<p>" + body + "</p>", Date())
                        try SearchIndex.indexPending(tx)
                    }
                    completed.add(1, ordering: .relaxed)
                } catch {
                    failed.add(1, ordering: .relaxed)
                }
                n += 1
            }
        }.start()
    }
    while finished.withLock({ $0 }) < options.writers { usleep(10_000) }
    let elapsed = Double(monotonicNanoseconds() - started) / 1e9
    let writes = completed.load(ordering: .relaxed)
    return (Double(writes) / elapsed, writes, failed.load(ordering: .relaxed), backupSeconds)
}

/// The writer's own overhead: 32 threads inserting one-column rows into an empty table, so the
/// fsync is nearly all of a transaction's cost.
func trivialWriteThroughput(maximumBatchSize: Int) throws -> (perSecond: Double, writes: Int, batches: Int) {
    let directory = options.data + "/writes-trivial"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = Store.Configuration()
    configuration.maximumBatchSize = maximumBatchSize
    let trivialStore = try Store(path: directory + "/trivial.sqlite3", configuration: configuration)
    defer { trivialStore.close() }
    try trivialStore.writeWithoutTransaction { try $0.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)") }
    let deadline = monotonicNanoseconds() + UInt64(options.seconds * 1e9)
    let started = monotonicNanoseconds()
    let finished = Mutex(0)
    let completed = Atomic<Int>(0)
    for writer in 0..<options.writers {
        Thread {
            while monotonicNanoseconds() < deadline {
                if (try? trivialStore.write({ tx in try tx.run("INSERT INTO counter(value) VALUES (?)", writer) })) != nil {
                    completed.add(1, ordering: .relaxed)
                }
            }
            finished.withLock { $0 += 1 }
        }.start()
    }
    while finished.withLock({ $0 }) < options.writers { usleep(10_000) }
    let elapsed = Double(monotonicNanoseconds() - started) / 1e9
    let statistics = trivialStore.writerStatistics
    return (Double(completed.load(ordering: .relaxed)) / elapsed, statistics.writes, statistics.batches)
}

let ownConnections = try ownConnectionThroughput()
let single = try writeThroughput(maximumBatchSize: 1, onSeededCopy: true)
let grouped = try writeThroughput(maximumBatchSize: 256, onSeededCopy: true)
let singleTrivial = try trivialWriteThroughput(maximumBatchSize: 1)
let groupedTrivial = try trivialWriteThroughput(maximumBatchSize: 256)
let singleSmall = try writeThroughput(maximumBatchSize: 1, onSeededCopy: false)
let groupedSmall = try writeThroughput(maximumBatchSize: 256, onSeededCopy: false)
var writeLines: [String] = []
writeLines.append("")
writeLines.append("Writes: \(options.writers) threads each inserting replies (post + thread counters + topic activity + search index) into the 1,000 most recently active threads of the \(postCount)-post database, \(options.seconds) s per mode, synchronous=FULL, WAL:")
writeLines.append("")
writeLines.append(row(["mode", "writes/s", "writes", "transactions (fsyncs)", "writes per commit"]))
writeLines.append(row(["---", "---", "---", "---", "---"]))
writeLines.append(row(["32 connections, each write its own transaction (busy handler)", String(format: "%.0f", ownConnections.perSecond),
                       "\(ownConnections.writes) (+\(ownConnections.failures) timed out)", "\(ownConnections.writes)", "1.0"]))
writeLines.append(row(["writer thread, one transaction per write", String(format: "%.0f", single.perSecond), "\(single.writes)", "\(single.batches)",
                       String(format: "%.1f", Double(single.writes) / Double(max(1, single.batches)))]))
writeLines.append(row(["writer thread, group commit", String(format: "%.0f", grouped.perSecond), "\(grouped.writes)", "\(grouped.batches)",
                       String(format: "%.1f", Double(grouped.writes) / Double(max(1, grouped.batches)))]))
writeLines.append(row(["(demo database, 6 threads) writer thread, one transaction per write", String(format: "%.0f", singleSmall.perSecond), "\(singleSmall.writes)", "\(singleSmall.batches)",
                       String(format: "%.1f", Double(singleSmall.writes) / Double(max(1, singleSmall.batches)))]))
writeLines.append(row(["(demo database, 6 threads) writer thread, group commit", String(format: "%.0f", groupedSmall.perSecond), "\(groupedSmall.writes)", "\(groupedSmall.batches)",
                       String(format: "%.1f", Double(groupedSmall.writes) / Double(max(1, groupedSmall.batches)))]))
writeLines.append(row(["(one-row inserts into an empty table) writer thread, one transaction per write", String(format: "%.0f", singleTrivial.perSecond), "\(singleTrivial.writes)", "\(singleTrivial.batches)",
                       String(format: "%.1f", Double(singleTrivial.writes) / Double(max(1, singleTrivial.batches)))]))
writeLines.append(row(["(one-row inserts into an empty table) writer thread, group commit", String(format: "%.0f", groupedTrivial.perSecond), "\(groupedTrivial.writes)", "\(groupedTrivial.batches)",
                       String(format: "%.1f", Double(groupedTrivial.writes) / Double(max(1, groupedTrivial.batches)))]))
writeLines.append("")
writeLines.append(String(format: "The writer's own machinery (one-row inserts, the fsync is the whole cost): group commit %.1f×.",
                         groupedTrivial.perSecond / max(1, singleTrivial.perSecond)))
writeLines.append(String(format: "On the small demo database (every reply lands on the same few pages): group commit %.1f×.",
                         groupedSmall.perSecond / max(1, singleSmall.perSecond)))
writeLines.append(String(format: "At 1M posts: group commit: %.1f× the writes per second of one transaction per write through the same writer thread, %.1f× that of one connection per writer.",
                         grouped.perSecond / max(1, single.perSecond), grouped.perSecond / max(1, ownConnections.perSecond)))
writeLines.append(String(format: "Each write run starts from a copy of the seeded database made with the online backup API (%.1f s, %.1f s and %.1f s for the three copies).",
                         ownConnections.backupSeconds, single.backupSeconds, grouped.backupSeconds))
writeLines.append("")
writeLines.append("Time inside the writer per transaction (from `Store.writerStatistics`):")
writeLines.append("")
writeLines.append(row(["database", "mode", "writes per transaction", "applying (BEGIN, savepoints, bodies)", "search indexing (beforeCommit)", "COMMIT (WAL write, fsync, checkpoints)"]))
writeLines.append(row(["---", "---", "---", "---", "---", "---"]))
writeLines += [single.breakdown, grouped.breakdown, singleSmall.breakdown, groupedSmall.breakdown]
print(writeLines.joined(separator: "\n"))
lines += writeLines
try (lines.joined(separator: "\n") + "\n").write(toFile: options.data + "/results.md", atomically: true, encoding: .utf8)
