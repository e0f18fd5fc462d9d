import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The process's memory as Linux counts it (`/proc/self/status`, `/proc/self/smaps`); see
/// docs/PERFORMANCE.md, "Reading the server's memory".
public struct ProcessMemory: Sendable, Equatable {
    /// Resident set size (`VmRSS`): every page of the process now in RAM, its own and mapped files'.
    public var residentBytes: Int = 0
    /// Resident anonymous memory (`RssAnon`): heaps, stacks, buffers. The server's own memory;
    /// what grows if something leaks.
    public var anonymousBytes: Int = 0
    /// Resident file-backed pages (`RssFile`): the binary, libraries and mapped files, the
    /// database included. The kernel can drop them under pressure and read them back.
    public var fileBytes: Int = 0

    public init(residentBytes: Int = 0, anonymousBytes: Int = 0, fileBytes: Int = 0) {
        self.residentBytes = residentBytes
        self.anonymousBytes = anonymousBytes
        self.fileBytes = fileBytes
    }

    /// Lets memory freed at the top of a thread's malloc heap stay in the process, up to `bytes`
    /// a heap, instead of going back to the kernel at once (glibc's `M_TRIM_THRESHOLD`; its
    /// default is 128 KiB). With the default, each response's buffers were given fresh pages
    /// again and again: ~0.7 page faults a signed-in page, ~12% of the reactor thread's time
    /// spent zeroing pages (docs/PERFORMANCE.md, fourth round). `RssAnon` then counts the
    /// memory kept, which is bounded by the busiest moment's working set.
    public static func keepFreedHeapMemory(upTo bytes: Int) {
        _ = mallopt(M_TRIM_THRESHOLD, Int32(clamping: bytes))
    }

    /// The current process's figures; zeros where `/proc` is not there.
    public static func current() -> ProcessMemory {
        parseStatus(readFile("/proc/self/status") ?? "")
    }

    /// Parses `/proc/<pid>/status` (values in kB).
    public static func parseStatus(_ text: String) -> ProcessMemory {
        var memory = ProcessMemory()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { memory.residentBytes = kilobytes(line) }
            else if line.hasPrefix("RssAnon:") { memory.anonymousBytes = kilobytes(line) }
            else if line.hasPrefix("RssFile:") { memory.fileBytes = kilobytes(line) }
        }
        return memory
    }

    /// Resident bytes of the mappings of the files at `paths` (such as the database and its
    /// `-shm` index, which SQLite's readers map with `mmap_size`), from `/proc/self/smaps`.
    public static func residentMappedBytes(of paths: Set<String>) -> Int {
        parseSmaps(readBytes("/proc/self/smaps") ?? [], paths: paths)
    }

    /// Sums the `Rss:` of every mapping in `smaps` whose path is in `paths`. Scans bytes: the
    /// file has a dozen lines per mapping and a threaded server has hundreds of mappings.
    public static func parseSmaps(_ smaps: [UInt8], paths: Set<String>) -> Int {
        let wanted = Set(paths.map { Array($0.utf8) })
        let rss = Array("Rss:".utf8)
        var total = 0
        var counting = false
        var start = 0
        while start < smaps.count {
            var end = start
            while end < smaps.count && smaps[end] != 0x0A { end += 1 }
            let line = smaps[start..<end]
            start = end + 1
            // A mapping's header is "start-end perms offset dev inode [path]"; the lines under
            // it are "Name:   value kB".
            guard let space = line.firstIndex(of: 0x20) else { continue }
            if smaps[space - 1] == 0x3A {  // "Name:"
                if counting, line.starts(with: rss) { total += kilobytes(Substring(decoding: line, as: UTF8.self)) }
                continue
            }
            // The path begins at the first "/" after the five fixed fields.
            counting = false
            if let slash = line.firstIndex(of: 0x2F) {
                counting = wanted.contains(Array(line[slash...]))
            }
        }
        return total
    }

    private static func kilobytes(_ line: Substring) -> Int {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, let value = Int(parts[1]) else { return 0 }
        return value * 1024
    }

    /// A `/proc` file's text.
    static func readFile(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A `/proc` file's bytes (their sizes read as 0, so read to the end).
    static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
