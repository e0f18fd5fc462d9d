#if canImport(Glibc)
import Glibc
#endif
import HTMLEscaping
import Logging
import Synchronization

/// One listening address and what it serves.
public struct ListenerConfiguration: Sendable {
    public var host: String
    /// The TCP port; 0 picks a free one (see `Server.boundPorts`).
    public var port: Int
    /// TLS for this listener, or nil for plain HTTP.
    public var tls: TLSContext?
    public var router: Router

    public init(host: String = "127.0.0.1", port: Int, tls: TLSContext? = nil, router: Router) {
        self.host = host
        self.port = port
        self.tls = tls
        self.router = router
    }
}

/// Renders the body of an error response (400, 404, 413, 500...) that the server or a handler produced.
public typealias ErrorPageRenderer = @Sendable (_ status: HTTPStatus, _ message: String, _ request: Request?) -> Response

public struct ServerConfiguration: Sendable {
    public var listeners: [ListenerConfiguration]
    public var limits = HTTPLimits()
    public var timeouts = HTTPTimeouts()
    /// I/O threads, each with its own epoll instance and listening sockets. Default: one per CPU.
    public var reactorThreads: Int = availableProcessors()
    /// Threads running `.pool` handlers. Default: 4 per CPU. Handlers wait for SQLite commits
    /// and for the writer, so there are more than cores; measured on one core at 1M posts,
    /// 4 workers served signed-in pages faster and with a lower p99 than 2 or 8
    /// (docs/PERFORMANCE.md).
    public var workerThreads: Int = max(4, availableProcessors() * 4)
    /// Added to each reactor thread's nice value (Linux; 0 leaves it). A reactor woken by a new
    /// request then does not preempt the worker that is running, and takes what is ready in
    /// fewer, fuller passes. Measured on one core at 1M posts with 64 connections, alternating
    /// builds: +10 took the signed-in thread page's p99 from 12.7 to 9.6 ms, with the same
    /// throughput (docs/PERFORMANCE.md, "Eleventh round"). A thread may always lower its own
    /// priority; raising it back needs privileges, so negative values are not applied.
    public var reactorNiceness: Int = 10
    /// Requests that may wait for a worker; past it: 503 with Retry-After. Default 1024.
    public var queueDepth: Int = 1024
    /// Headers added to every response that does not set them itself (security headers).
    public var defaultHeaders = HTTPHeaders()
    /// `Strict-Transport-Security` value added to every response on a TLS listener.
    public var strictTransportSecurity: String? = "max-age=63072000; includeSubDomains"
    /// How long a graceful shutdown waits for in-flight requests before closing everything.
    public var shutdownGracePeriod: Double = 10
    public var errorPage: ErrorPageRenderer = Server.plainErrorPage
    /// One line per request (method, path, status, bytes, microseconds, request id); nil for none.
    public var accessLog: Logger?
    /// How `accessLog` lines are written: text (default) or one JSON object per line.
    public var accessLogFormat: AccessLogFormat = .text
    /// Peers whose X-Forwarded-For names the client (`TrustedProxies`); default none.
    public var trustedProxies = TrustedProxies()
    /// Handler failures that are not `HTTPError`s.
    public var errorLog = Logger(label: "mutuals.http")
    /// Added to each reactor's index in the top byte of request ids. A second server in the
    /// same process (serve's redirect port, 0xFF) sets it, so its ids never repeat the main one's.
    public var requestIDTopByte: UInt8 = 0

    public init(listeners: [ListenerConfiguration]) {
        self.listeners = listeners
    }
}

/// The HTTP/1.1 server: reactor threads doing non-blocking socket and TLS I/O on epoll, and a
/// bounded worker pool for handlers. `start()` binds and returns; `shutdown()` drains gracefully.
public final class Server: Sendable {
    public let configuration: ServerConfiguration
    private let state = Mutex<RunState>(RunState())

    private struct RunState: ~Copyable {
        var reactors: [Reactor] = []
        var threads: [JoinableThread] = []
        var pool: WorkerPool?
        var ports: [Int] = []
        var stopped = false
    }

    public init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    /// Bodies sent from the array they were made in, not copied after their head
    /// (`Response(bodyAfter:in:)`), over all reactors since start: for tests.
    var bodiesSentInPlace: Int {
        state.withLock { $0.reactors.reduce(0) { $0 + $1.bodiesSentInPlace.load(ordering: .relaxed) } }
    }

    /// The port each listener is bound to, in configuration order (useful with port 0).
    public var boundPorts: [Int] { state.withLock { $0.ports } }

    /// Binds every listener and starts the threads.
    /// - Throws: `SocketError` when an address cannot be bound.
    public func start() throws {
        // A peer closing mid-write must not kill the process: OpenSSL writes with plain write(2),
        // which raises SIGPIPE on a closed socket.
        signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
        let reactorCount = max(1, configuration.reactorThreads)
        // Bind each listener once per reactor with SO_REUSEPORT: the kernel spreads new
        // connections across reactors without a shared accept lock.
        var sockets: [[Int32]] = Array(repeating: [], count: reactorCount)
        var ports: [Int] = []
        do {
            for listener in configuration.listeners {
                var port = listener.port
                // SO_REUSEPORT would also let a second server (a stale one, or one started twice)
                // share the port and silently take half the connections. Bind it alone first:
                // that fails while anyone listens there, so the second server refuses to start.
                try Self.refuseServedPorts(host: listener.host, ports: [port])
                for index in 0..<reactorCount {
                    let (fd, bound) = try Socket.listen(host: listener.host, port: port)
                    port = bound
                    sockets[index].append(fd)
                }
                ports.append(port)
            }
        } catch {
            for group in sockets { for fd in group { close(fd) } }
            throw error
        }
        let metrics = ServerMetrics()
        let pool = WorkerPool(threads: configuration.workerThreads, capacity: configuration.queueDepth, depth: metrics.queueDepth)
        var reactors: [Reactor] = []
        var threads: [JoinableThread] = []
        for index in 0..<reactorCount {
            let reactor = try Reactor(index: index, configuration: configuration, listeningSockets: sockets[index], pool: pool,
                                      metrics: metrics)
            reactors.append(reactor)
            threads.append(JoinableThread.start(name: "mutuals-io\(index)") { reactor.run() })
        }
        state.withLock {
            $0.reactors = reactors
            $0.threads = threads
            $0.pool = pool
            $0.ports = ports
        }
    }

    /// Throws as `start()` would for a port someone already listens on (port 0 is never served),
    /// binding each alone for a moment: a command checks before it writes anything.
    /// - Throws: `SocketError.inUse` (or another `SocketError`) for the first port that cannot be bound.
    public static func refuseServedPorts(host: String, ports: [Int]) throws {
        for port in ports where port != 0 {
            let (probe, _) = try Socket.listen(host: host, port: port, shared: false)
            close(probe)
        }
    }

    /// Stops accepting, closes idle connections, lets in-flight requests finish (up to the grace
    /// period), then stops every thread. Safe to call more than once.
    public func shutdown() {
        let (reactors, threads, pool) = state.withLock { s -> ([Reactor], [JoinableThread], WorkerPool?) in
            if s.stopped { return ([], [], nil) }
            s.stopped = true
            return (s.reactors, s.threads, s.pool)
        }
        let deadline = monotonicNanoseconds() &+ nanoseconds(configuration.shutdownGracePeriod)
        for reactor in reactors { reactor.beginShutdown(deadline: deadline) }
        for thread in threads { thread.join() }
        pool?.stop()
        // Each reactor closes its eventfd when freed: let them go now the workers are done.
        state.withLock {
            $0.reactors = []
            $0.threads = []
        }
    }

    /// Signals the main thread takes with sigwait: SIGINT and SIGTERM stop the server, the
    /// others run their handler from `runUntilSignalled(handlers:)` (SIGHUP: read the TLS
    /// certificate again; SIGUSR1: reopen the access log) and are otherwise ignored.
    public static let handledSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGUSR1]

    /// Blocks the calling thread until SIGINT or SIGTERM, then shuts down gracefully. Other
    /// signals in `handledSignals` run their handler here, on this thread, and the wait goes on.
    /// Call after `start()`, from the main thread.
    public func runUntilSignalled(handlers: [Int32: () -> Void] = [:]) {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in Self.handledSignals { sigaddset(&signals, signal) }
        while true {
            var received: Int32 = 0
            sigwait(&signals, &received)
            if received == SIGINT || received == SIGTERM { break }
            handlers[received]?()
        }
        shutdown()
    }

    /// Blocks `handledSignals` in this thread and every thread it starts afterwards, so
    /// `runUntilSignalled` can receive them with sigwait. Call before `start()`.
    public static func blockTerminationSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in handledSignals { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// The default error page: a small HTML document saying what happened.
    /// It shows the request's reference (`X-Request-Id`) when the server gave one.
    public static let plainErrorPage: ErrorPageRenderer = { status, message, request in
        let escaped = HTMLByteEscaper.escaped(message)
        let reference = request.flatMap { $0.requestID == 0 ? nil : "<p>Reference \($0.reference)</p>" } ?? ""
        return Response.html("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(status.reason)</title></head>
            <body><h1>\(status.reason)</h1><p>\(escaped)</p>\(reference)</body></html>

            """, status: status)
    }

    private func raiseFileLimit() {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}

public enum SocketError: Error, CustomStringConvertible {
    case resolve(String, String)
    case system(String, Int32)
    /// Someone already listens on this address and port: most often a server already running.
    case inUse(String, Int)

    public var description: String {
        switch self {
        case .resolve(let host, let detail): "Cannot resolve \(host): \(detail)"
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .inUse(let host, let port): "\(host):\(port) is already in use: is another server running there?"
        }
    }
}

enum Socket {
    /// A non-blocking listening socket with SO_REUSEADDR, and SO_REUSEPORT when `shared`.
    static func listen(host: String, port: Int, shared: Bool = true) throws -> (Int32, Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw SocketError.resolve(host, String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.system("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if shared { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            close(fd)
            if code == EADDRINUSE { throw SocketError.inUse(host, port) }
            throw SocketError.system("bind \(host):\(port)", code)
        }
        guard Glibc.listen(fd, 4096) == 0 else {
            let code = errno
            close(fd)
            throw SocketError.system("listen", code)
        }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SocketError.system("getsockname", code)
        }
        return (fd, Self.port(of: address))
    }

    static func port(of address: sockaddr_storage) -> Int {
        var address = address
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return 0
        }
    }

    static func describe(_ address: sockaddr_storage) -> String {
        var address = address
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(address.ss_family) {
        case AF_INET:
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    var addr = $0.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                }
            }
        case AF_INET6:
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    var addr = $0.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                }
            }
        default:
            return "unknown"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
