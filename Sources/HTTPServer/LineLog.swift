#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Appends lines to a file descriptor through a buffer flushed every 100 ms (or at 64 KiB), so
/// an access-log line per request costs a memcpy, not a write(2).
public final class LineWriter: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var stampSecond: time_t = 0
        var stamp: [UInt8] = []
        var closed = false
    }

    /// The descriptor, swapped by `reopen()`; held while writing so it is never closed mid-write.
    private let output: Mutex<Int32>
    private let ownsDescriptor: Bool
    /// The file, for `reopen()`; nil for standard output.
    private let path: String?
    private let state = Mutex(State())
    private let flusher = Mutex<JoinableThread?>(nil)
    private let stopping = Atomic<Bool>(false)

    /// Writes to standard output.
    public static func standardOutput() -> LineWriter { LineWriter(fd: 1, owns: false, path: nil) }

    /// Appends to a file, creating it (mode 0640).
    public static func appending(to path: String) throws -> LineWriter {
        LineWriter(fd: try openForAppending(path), owns: true, path: path)
    }

    private static func openForAppending(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SocketError.system("open \(path)", errno) }
        return fd
    }

    private init(fd: Int32, owns: Bool, path: String?) {
        output = Mutex(fd)
        ownsDescriptor = owns
        self.path = path
        let thread = JoinableThread.start(name: "mutuals-log") { [self] in
            while !self.stopping.load(ordering: .relaxed) {
                usleep(100_000)
                self.flush()
            }
        }
        flusher.withLock { $0 = thread }
    }

    /// Queues one line (a newline is added), prefixed with a UTC timestamp unless `stamped` is
    /// false (for lines that carry their own time, such as JSON).
    public func write(_ line: String, stamped: Bool = true) {
        let full: Bool = state.withLock { state in
            guard !state.closed else { return false }
            let now = time(nil)
            if stamped && now != state.stampSecond {
                state.stampSecond = now
                var t = now
                var parts = tm()
                gmtime_r(&t, &parts)
                func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
                state.stamp = Array("\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z ".utf8)
            }
            if stamped { state.buffer.append(contentsOf: state.stamp) }
            state.buffer.append(contentsOf: line.utf8)
            state.buffer.append(0x0A)
            return state.buffer.count >= 64 * 1024
        }
        if full { flush() }
    }

    /// Writes out whatever is buffered.
    public func flush() {
        let bytes: [UInt8] = state.withLock { state in
            let taken = state.buffer
            state.buffer = []
            return taken
        }
        guard !bytes.isEmpty else { return }
        output.withLock { fd in
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Writes out what is buffered, then opens the file again by its path: after logrotate has
    /// renamed it, later lines go to a new file at the path (SIGUSR1). Standard output is kept.
    /// - Throws: `SocketError` when the file cannot be opened; the old one stays in use.
    public func reopen() throws {
        guard let path, ownsDescriptor else { return }
        flush()
        let fresh = try Self.openForAppending(path)
        let old = output.withLock { fd in
            let old = fd
            fd = fresh
            return old
        }
        Glibc.close(old)
    }

    /// Flushes and stops the background flusher.
    public func close() {
        stopping.store(true, ordering: .relaxed)
        let thread = flusher.withLock { t -> JoinableThread? in
            let taken = t
            t = nil
            return taken
        }
        thread?.join()
        flush()
        state.withLock { $0.closed = true }
        if ownsDescriptor { Glibc.close(output.withLock { $0 }) }
    }
}

/// A swift-log handler writing "LEVEL label: message key=value" lines through a `LineWriter`.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let writer: LineWriter
    private let includeLevel: Bool
    private let stamped: Bool

    /// - Parameter stamped: false for lines that carry their own time (the JSON access log).
    public init(label: String, writer: LineWriter, includeLevel: Bool = true, stamped: Bool = true) {
        self.label = label
        self.writer = writer
        self.includeLevel = includeLevel
        self.stamped = stamped
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = includeLevel ? "\(event.level.rawValue) \(label): " + event.message.description : event.message.description
        if metadata.isEmpty && (event.metadata?.isEmpty ?? true) {
            writer.write(text, stamped: stamped)
            return
        }
        let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(value)"
        }
        writer.write(text, stamped: stamped)
    }
}
