import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The writing half of the crash test: concurrent acknowledged writes, each id printed only
/// after `Store.write` returned. A test kills the process with SIGKILL, reopens the file and
/// checks that every printed id is there. Also usable by hand to check that a disk honours fsync
/// (`mutuals _durability-writer --path FILE`, then pull the plug).
public enum DurabilityProbe {
    /// Writes until killed (or `limit` writes), from `writers` threads, printing each
    /// acknowledged id on its own line to standard output.
    public static func run(path: String, writers: Int, limit: Int?) throws {
        let store = try Store(path: path)
        try store.writeWithoutTransaction { connection in
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS durability_probe (
                    id INTEGER PRIMARY KEY,
                    writer INTEGER NOT NULL,
                    payload TEXT NOT NULL
                ) STRICT
                """)
        }
        let remaining = LockedCondition(limit ?? Int.max)
        let finished = LockedCondition(0)
        let writerCount = max(1, writers)
        for writer in 0..<writerCount {
            let thread = Thread {
                defer { finished.update { $0 += 1 } }
                while remaining.withLock({ count -> Bool in
                    guard count > 0 else { return false }
                    count -= 1
                    return true
                }) {
                    guard let id = try? store.write({ tx -> Int64 in
                        try tx.run("INSERT INTO durability_probe(writer, payload) VALUES (?, ?)",
                                   writer, String(repeating: "x", count: 200))
                        return tx.lastInsertedRowID
                    }) else { return }
                    // One write(2) per line: lines from different threads never interleave.
                    let line = Array("\(id)\n".utf8)
                    _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                }
            }
            thread.start()
        }
        finished.wait(until: { $0 == writerCount }) { _ in }
        store.close()
    }
}
