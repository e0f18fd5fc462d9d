// Search CPU benchmark (issue 14; run by Benchmarks/search_cpu.sh in a release build): the CPU
// time of one search through `SearchQueries.search`, as the search page runs it (SQL, ranking,
// privacy, highlighting; not the HTML), for the 15 queries of Benchmarks/pages_bench.py.
// Measures this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time: the machine may be
// shared. It only reads and never migrates, but opening a store may checkpoint its WAL: give it
// a copy of a database you care about.
//   SearchBenchmark --data DIR [--runs N] [--member HANDLE | --visitor] [--query TEXT (only this one)]
import Board
import Database
import Foundation

struct Options {
    var data = "Benchmarks/out/pages-1000000"
    var runs = 30
    var member: String? = "sam_okafor"
    var only: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--data": data = iterator.next() ?? data
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--member": member = iterator.next()
            case "--visitor": member = nil
            case "--query": only = iterator.next()
            default: print("unknown option \(flag)")
            }
        }
    }
}

/// The queries of Benchmarks/pages_bench.py's search row, in its order.
let queries = ["pension", "governance", "staff", "board", "contract", "commissioning", "the", "members",
               "\"staff council\"", "\"pension scheme\"", "commiss*", "govern*", "zebra", "tupe", "spin*"]

func threadCPUNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

struct ViewerRow: RowDecodable {
    let id: Int64, organisation: Int64?, isAdmin: Bool
    init(row: Row) throws { id = try row["id"]; organisation = try row["organisation"]; isAdmin = try row["is_admin"] }
}

let options = Options(CommandLine.arguments)
let store = try Storage.openExistingStore(dataDirectory: options.data)
var viewer = Viewer.visitor
if let handle = options.member {
    guard let row = try store.read({ try $0.queryOne(ViewerRow.self, """
        SELECT id, CASE WHEN organisation_confirmed = 1 THEN organisation_id END AS organisation, role = 'admin' AS is_admin
        FROM users WHERE handle = ?
        """, handle) }) else {
        print("no user \(handle)")
        exit(1)
    }
    viewer = Viewer(userID: row.id, organisationID: row.organisation, isAdmin: row.isAdmin)
}

print("\(options.data), \(options.runs) runs a query, viewer \(options.member ?? "visitor"); CPU time of this thread")
print("")
print("| query | hits | median ms | max ms |")
print("|---|---:|---:|---:|")
var medians: [Double] = []
var maxima: [Double] = []
for text in options.only.map({ [$0] }) ?? queries {
    let request = SearchRequest(query: try SearchQuery(parsing: text))
    var hits = 0
    _ = try store.read { try SearchQueries.search($0, request, viewer: viewer) }  // warm the page cache
    var samples: [Double] = []
    for _ in 0..<options.runs {
        let start = threadCPUNanoseconds()
        let results = try store.read { try SearchQueries.search($0, request, viewer: viewer) }
        samples.append(Double(threadCPUNanoseconds() - start) / 1_000_000)
        hits = results.hits.count
    }
    samples.sort()
    let median = samples[samples.count / 2], maximum = samples.last ?? 0
    medians.append(median)
    maxima.append(maximum)
    print("| `\(text)` | \(hits) | \(String(format: "%.2f", median)) | \(String(format: "%.2f", maximum)) |")
}
let sortedMedians = medians.sorted()
print("")
print(String(format: "Over the 15 queries: median of medians %.2f ms, largest median %.2f ms, largest single run %.2f ms, mean of medians %.2f ms (%.0f searches a second on one core)",
             sortedMedians[sortedMedians.count / 2], sortedMedians.last ?? 0, maxima.max() ?? 0,
             medians.reduce(0, +) / Double(medians.count), Double(medians.count) * 1000 / medians.reduce(0, +)))
