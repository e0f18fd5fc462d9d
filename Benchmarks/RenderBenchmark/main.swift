// Renders a 20-post thread page in the site's layout many times and prints p50/p99 µs per
// render and the output size; row 4 serves a real thread page from a SQLite store through the
// site's router (every query, the render and the Response), in this thread, as a visitor.
// Run through Benchmarks/render.sh (release build).
#if canImport(Glibc)
import DemoContent
import Glibc
#endif
import Board
import Database
import Foundation
import HTTPServer
import Web

struct Author: TemplateRenderable {
    var handle: String
    var name: String
    var role: String
    var badge: String?
    var organisation: String?

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "handle": .text(handle)
        case "name": .text(name)
        case "role": .text(role)
        case "badge": .text(badge)
        case "organisation": .text(organisation)
        default: nil
        }
    }
}

struct PostView: TemplateRenderable {
    var id: Int
    var author: Author
    var createdISO: String
    var createdText: String
    var edited: Bool
    var accepted: Bool
    var bodyHTML: String
    /// For the "escaped bodies" row: the body as text, so every byte goes through the escaper.
    var bodyAsText = false

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(id)
        case "author": .object(author)
        case "createdISO": .text(createdISO)
        case "createdText": .text(createdText)
        case "edited": .bool(edited)
        case "accepted": .bool(accepted)
        case "bodyHTML": bodyAsText ? .text(bodyHTML) : .html(bodyHTML)
        default: nil
        }
    }
}

struct Topic: TemplateRenderable {
    var slug: String
    var name: String
    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "slug": .text(slug)
        case "name": .text(name)
        default: nil
        }
    }
}

struct ThreadPage: TemplateRenderable {
    var id: Int
    var title: String
    var starter: Author
    var space: String
    var topics: [Topic]
    var posts: [PostView]
    var acceptedPostID: Int?
    var csrfToken: String
    var draft: String

    func templateValue(for key: String) -> TemplateValue? {
        switch key {
        case "id": .int(id)
        case "title": .text(title)
        case "starter": .object(starter)
        case "space": .text(space)
        case "topics": .list(topics)
        case "posts": .list(posts)
        case "postCount": .int(posts.count)
        case "acceptedPostID": acceptedPostID.map { .int($0) }
        case "csrfToken": .text(csrfToken)
        case "draft": .text(draft)
        case "hasMorePages": .bool(false)
        default: nil
        }
    }
}

/// A row as it would come from SQLite: the handler's work is turning rows into view models.
struct PostRow {
    var id: Int
    var handle: String
    var name: String
    var role: String
    var organisation: String?
    var createdISO: String
    var createdText: String
    var edited: Bool
    var bodyHTML: String
}

func body(_ index: Int) -> String {
    // About 1 KB of the HTML our CommonMark renderer stores: paragraphs, a list, a link, code.
    """
    <p>We spun out of the council's adult social care service in April and the pension question \
    is still the one that keeps our finance lead awake. Post \(index): the admitted-body agreement \
    with the Local Government Pension Scheme took four months, and the actuary asked for a bond \
    we had not budgeted for.</p>
    <ul>
    <li>Ask the commissioner early whether they will act as guarantor &amp; say so in the contract.</li>
    <li>Get the actuarial valuation before the business case goes to cabinet, not after.</li>
    <li>Check whether TUPE transfers the <em>whole</em> workforce or only those assigned.</li>
    </ul>
    <p>The Mutual Support Programme paid for our legal advice; see <a href="https://example.org/msp" \
    rel="nofollow ugc noopener">their guidance on pensions</a>. Our board paper is in the shared \
    space if anyone wants the <code>cost-model.xlsx</code> we used.</p>
    <blockquote><p>Start the pensions conversation on day one, it takes longer than anything else.</p></blockquote>
    """
}

let roles: [(role: String, badge: String?)] = [("member", nil), ("mentor", "Mentor"), ("admin", "Admin")]
let rows: [PostRow] = (1...20).map { index in
    let role = roles[index % 3]
    return PostRow(
        id: 1000 + index, handle: "member\(index)", name: index % 4 == 0 ? "Siân O'Brien-Ng" : "Alex Morgan \(index)",
        role: role.role, organisation: index % 2 == 0 ? "Tri-Borough Health & Care CIC" : nil,
        createdISO: "2026-11-\(10 + index % 18)T09:\(10 + index)Z", createdText: "\(10 + index % 18) November 2026 at 9:\(10 + index)am",
        edited: index % 5 == 0, bodyHTML: body(index))
}

func makePage(_ rows: [PostRow], bodiesAsText: Bool = false) -> ThreadPage {
    let posts = rows.map { row in
        PostView(
            id: row.id,
            author: Author(handle: row.handle, name: row.name, role: row.role,
                           badge: roles.first { $0.role == row.role }?.badge ?? nil, organisation: row.organisation),
            createdISO: row.createdISO, createdText: row.createdText, edited: row.edited,
            accepted: row.id == 1007, bodyHTML: row.bodyHTML, bodyAsText: bodiesAsText)
    }
    return ThreadPage(
        id: 42, title: "Pensions after spin-out: admitted body status & bonds",
        starter: Author(handle: "member1", name: "Alex Morgan 1", role: "member", badge: nil, organisation: "Tri-Borough Health & Care CIC"),
        space: "Public", topics: [Topic(slug: "capital-and-finance", name: "Capital and finance"),
                                  Topic(slug: "staff-ownership", name: "Staff ownership and shareholding")],
        posts: posts, acceptedPostID: 1007, csrfToken: "q9dK3v_Xw8S2fJ0aT7LmPzR4yB6cN1eH", draft: "")
}

func nanoseconds(_ clock: clockid_t) -> UInt64 {
    var now = timespec()
    clock_gettime(clock, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 20000 : 20000
/// Run only this row (1 to 6; 6 only when asked), for profiling: `perf record .build-bench/release/RenderBenchmark 20000 1`.
let onlyRow = arguments.count > 2 ? Int(arguments[2]) : nil
let library: TemplateLibrary
do {
    library = try TemplateLibrary(directories: ["Templates", "Benchmarks/RenderBenchmark/Fixtures"])
    try library.require(["layout", "bench-thread", "bench-post"])
} catch {
    print("cannot load templates: \(error)")
    exit(1)
}
let thread: Template
do { thread = try library.template("bench-thread") } catch { exit(1) }

var sink = 0
@MainActor func measure(_ label: String, _ work: () -> Int) {
    for _ in 0..<min(2000, iterations) { sink &+= work() }
    var samples: [UInt64] = []
    samples.reserveCapacity(iterations)
    var bytes = 0
    let cpuStart = nanoseconds(CLOCK_PROCESS_CPUTIME_ID)
    for _ in 0..<iterations {
        let start = nanoseconds(CLOCK_MONOTONIC)
        bytes = work()
        samples.append(nanoseconds(CLOCK_MONOTONIC) - start)
        sink &+= bytes
    }
    let cpu = Double(nanoseconds(CLOCK_PROCESS_CPUTIME_ID) - cpuStart) / Double(iterations) / 1000
    samples.sort()
    func percentile(_ p: Double) -> Double {
        Double(samples[min(samples.count - 1, Int(Double(samples.count) * p))]) / 1000
    }
    let line = "\(label.padding(46))  p50 \(format(percentile(0.50))) µs  p99 \(format(percentile(0.99))) µs  CPU/op \(format(cpu)) µs  \(format(Double(bytes) / 1024)) KB"
    print(line)
}

func format(_ value: Double) -> String {
    let scaled = Int((value * 10).rounded())
    return "\(scaled / 10).\(scaled % 10)".leftPadding(6)
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

let page = makePage(rows)
let escapedPage = makePage(rows, bodiesAsText: true)
print("Thread page, 20 posts, \(iterations) renders per row, release build")
if onlyRow == nil || onlyRow == 1 {
    measure("render (view models built once)") { thread.render(page).count }
}
if onlyRow == nil || onlyRow == 2 {
    measure("rows → view models → render → Response") { thread.response(makePage(rows)).bodyCount }
}
if onlyRow == nil || onlyRow == 3 {
    measure("render, bodies escaped as text (escaper)") { thread.render(escapedPage).count }
}
if onlyRow == nil || onlyRow == 4 || onlyRow == 5 {
    // A store: RENDER_STORE=DIR (e.g. Benchmarks/out/search-1000000), else a new one with the
    // demo world and 3,000 synthetic posts in a temporary directory.
    let given = ProcessInfo.processInfo.environment["RENDER_STORE"]
    let directory = given ?? NSTemporaryDirectory() + "render-benchmark-\(getpid())"
    do {
        let store = try Storage.openStore(dataDirectory: directory)
        defer {
            store.close()
            if given == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        if given == nil {
            _ = try Demo.seed(store, hasher: PasswordHasher(n: 1 << 10, r: 8, p: 1))
            _ = try ScaleSeed.seed(store, posts: 3_000)
        }
        struct Target: RowDecodable {
            let id: Int64, slug: String, posts: Int
            init(row: Row) throws { id = try row["id"]; slug = try row["slug"]; posts = try row["post_count"] }
        }
        // The public thread closest to 20 posts, so its first page shows 20.
        guard let target = try store.read({ try $0.queryOne(Target.self, """
            SELECT id, slug, reply_count + 1 AS post_count FROM threads WHERE organisation_id IS NULL AND hidden = 0 AND held = 0
            ORDER BY abs(reply_count + 1 - 20), id LIMIT 1
            """) }) else { throw HTTPError.notFound }
        let network = Network(store: store)
        let router = try WebApplication.makeRouter(
            site: SiteConfiguration(publicDirectory: "Public", templatesDirectory: "Templates"), network: network)
        let segments = ["t", "\(target.id)-\(target.slug)"]
        guard case .found(let route, let parameters) = router.match(.get, segments) else { throw HTTPError.notFound }
        var request = Request(method: .get, path: "/" + segments.joined(separator: "/"), pathSegments: segments, isSecure: true)
        request.parameters = parameters
        let first = try route.respond(to: request)
        guard first.status == .ok else { throw HTTPError(.internalServerError, "GET \(request.path) answered \(first.status)") }
        if onlyRow == nil || onlyRow == 4 {
            measure("thread page from the store (\(min(target.posts, 20)) posts)") {
                (try? route.respond(to: request).bodyCount) ?? 0
            }
        }
        // Row 5: the same page for a signed-in member (a session of the first plain member):
        // the session lookup, the header's counts, the post controls and the reply form.
        if onlyRow == nil || onlyRow == 5 {
            struct Member: RowDecodable {
                let id: Int64
                init(row: Row) throws { id = try row["id"] }
            }
            guard let member = try store.read({ try $0.queryOne(Member.self, """
                SELECT id FROM users WHERE role = 'member' AND deleted_at IS NULL AND organisation_confirmed = 1 ORDER BY id LIMIT 1
                """) }) else { throw HTTPError.notFound }
            let session = try network.accounts.startSession(userID: member.id, userAgent: "RenderBenchmark")
            var signedIn = request
            var route = route
            // RENDER_PATH: another page for this row (`/`, `/topics/SLUG`), as the same member.
            if let other = ProcessInfo.processInfo.environment["RENDER_PATH"] {
                let otherSegments = other.split(separator: "/").map(String.init)
                guard case .found(let otherRoute, let otherParameters) = router.match(.get, otherSegments) else { throw HTTPError.notFound }
                route = otherRoute
                signedIn = Request(method: .get, path: other, pathSegments: otherSegments, isSecure: true)
                signedIn.parameters = otherParameters
            }
            signedIn.headers.add("Cookie", "__Host-session=\(session.token)")
            // RENDER_GZIP=1: as a browser asks, so the page is compressed as it is made.
            if ProcessInfo.processInfo.environment["RENDER_GZIP"] == "1" { signedIn.headers.add("Accept-Encoding", "gzip") }
            let page = try route.respond(to: signedIn)
            guard page.status == .ok else { throw HTTPError(.internalServerError, "signed in: GET \(request.path) answered \(page.status)") }
            measure("\(signedIn.path == request.path ? "the same page" : signedIn.path), signed in (\(page.body.count / 1024) KB)") {
                (try? route.respond(to: signedIn).bodyCount) ?? 0
            }
        }
    } catch {
        print("thread page from the store: \(error)")
        exit(1)
    }
}
// Row 6: the search page (`GET /search?q=WORDS`, WORDS from SEARCH_QUERY, default `pension`)
// for a signed-in member (SEARCH_MEMBER, default sam_okafor, as Benchmarks/pages_bench.py signs
// in), from RENDER_STORE: the session, the people and posts searches, the highlighting and the
// page's HTML, as the server answers it. Under valgrind (Benchmarks/search_cpu.sh, PAGE=1) the
// difference of two iteration counts gives the instructions of one page.
if onlyRow == 6 {
    let environment = ProcessInfo.processInfo.environment
    guard let directory = environment["RENDER_STORE"] else {
        print("row 6 needs RENDER_STORE=DIR (a copy of a seeded store, e.g. of Benchmarks/out/pages-1000000)")
        exit(1)
    }
    let words = environment["SEARCH_QUERY"] ?? "pension"
    let handle = environment["SEARCH_MEMBER"] ?? "sam_okafor"
    do {
        let store = try Storage.openExistingStore(dataDirectory: directory)
        defer { store.close() }
        struct Member: RowDecodable {
            let id: Int64
            init(row: Row) throws { id = try row["id"] }
        }
        guard let member = try store.read({ try $0.queryOne(Member.self, "SELECT id FROM users WHERE handle = ?", handle) }) else {
            throw HTTPError(.notFound, "no user \(handle)")
        }
        let network = Network(store: store)
        let router = try WebApplication.makeRouter(
            site: SiteConfiguration(publicDirectory: "Public", templatesDirectory: "Templates"), network: network)
        guard case .found(let route, let parameters) = router.match(.get, ["search"]) else { throw HTTPError.notFound }
        let session = try network.accounts.startSession(userID: member.id, userAgent: "RenderBenchmark")
        var request = Request(method: .get, path: "/search", pathSegments: ["search"], query: "q=" + FormDecoder.encode(words), isSecure: true)
        request.parameters = parameters
        request.headers.add("Cookie", "__Host-session=\(session.token)")
        let page = try route.respond(to: request)
        guard page.status == .ok else { throw HTTPError(.internalServerError, "GET /search?\(request.query ?? "") answered \(page.status)") }
        // SEARCH_PAGE_OUT=FILE: the page as served, to compare two builds' output.
        if let file = environment["SEARCH_PAGE_OUT"] {
            _ = FileManager.default.createFile(atPath: file, contents: Data(page.body))
        }
        measure("search page, signed in, q=\(words) (\(page.body.count / 1024) KB)") {
            (try? route.respond(to: request).bodyCount) ?? 0
        }
    } catch {
        print("search page from the store: \(error)")
        exit(1)
    }
}
if sink == 42 { print("") }
