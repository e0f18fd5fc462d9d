#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import CLinux
import Logging
import Synchronization

/// One accepted connection, owned by one reactor thread.
final class Connection {
    let fd: Int32
    let id: UInt64
    let listener: Int
    let remoteAddress: String
    /// The client's address for the request now being handled (`TrustedProxies`).
    var clientAddress: String
    var tls: OpaquePointer?
    var handshakeDone: Bool
    var state: ConnectionState
    var output: [UInt8] = []
    var outputIndex = 0
    var interest: UInt32 = 0
    var closeAfterFlush = false
    var lingering = false
    var tlsWantsWrite = false
    /// The request now with the responder, for the access log and HEAD handling.
    var inFlight: InFlight?
    /// The stream that owns this connection, once a streamed response started.
    var stream: EventStream?

    struct InFlight {
        var method: HTTPMethod
        var path: String
        var receivedAt: UInt64
        var version: HTTPVersion
        var requestID: UInt64
        /// The matched route pattern, for metrics and the access log.
        var route: String = RequestMetrics.unmatched
        /// Kept only when the access log is JSON.
        var userAgent: String?
    }

    /// Response bytes not yet taken by the socket: plain bytes still to send, or TLS records the
    /// write BIO holds (`mutuals_gather_new`) after `output` was all encrypted.
    var hasUnsentOutput: Bool {
        outputIndex < output.count || (tls.map { mutuals_gather_unsent($0) > 0 } ?? false)
    }

    init(fd: Int32, id: UInt64, listener: Int, remoteAddress: String, tls: OpaquePointer?, state: ConnectionState) {
        self.fd = fd
        self.id = id
        self.listener = listener
        self.remoteAddress = remoteAddress
        self.clientAddress = remoteAddress
        self.tls = tls
        self.handshakeDone = tls == nil
        self.state = state
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

/// An I/O thread: one epoll instance, its own listening sockets (SO_REUSEPORT), its connections.
/// Only the completion inbox is touched by other threads.
final class Reactor: @unchecked Sendable {
    // @unchecked: every stored property except `inbox` and `wakeFD` is used only on the reactor's
    // own thread (inside run()); `inbox` is locked (`PlainMutex`) and `wakeFD` is an eventfd, which is
    // thread-safe to write and stays open until the reactor is freed (`deinit`), so a worker
    // that writes it after the loop has ended writes to nothing that matters.

    private struct Inbox {
        var completions: [(fd: Int32, id: UInt64, response: Response)] = []
        /// Chunks for streamed responses; nil bytes end the stream.
        var streamEvents: [(fd: Int32, id: UInt64, bytes: [UInt8]?)] = []
        var shutdownDeadline: UInt64?
        var closed = false
        /// The eventfd has been written since the reactor last took the inbox: later arrivals
        /// need not write it again (one wake-up a batch, and no system call under the lock).
        var wakePending = false

        /// Whether the caller should write the eventfd after releasing the lock.
        mutating func markWake() -> Bool {
            guard !wakePending else { return false }
            wakePending = true
            return true
        }
    }

    private let index: Int
    private let configuration: ServerConfiguration
    private let listeners: [ListenerConfiguration]
    private var listeningSockets: [Int32]
    private let pool: WorkerPool
    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = PlainMutex(Inbox())
    /// Requests read in this pass over the ready connections, not yet queued (`submitStaged`).
    private var staged: [StagedJob] = []
    /// How long a pass may hold requests it has read before queueing them anyway: 1 ms.
    private static let longestHold: UInt64 = 1_000_000

    private struct StagedJob {
        let fd: Int32
        let id: UInt64
        let request: Request
        let job: WorkerPool.Job
    }
    private var connections: [Connection?] = []
    private var connectionCount = 0
    private var nextID: UInt64 = 1
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private var dateLine: [UInt8] = []
    private var dateSecond: time_t = 0
    private var draining = false
    private var shutdownDeadline: UInt64 = .max
    private let sweepInterval: UInt64
    private var nextSweep: UInt64 = 0
    private var listenerDefaults: [ResponseSerializer.Defaults]
    private var requestCounter: UInt64 = 0
    private var logLine = AccessLogLine()
    private var requestMetrics = RequestMetrics()
    private let metrics: ServerMetrics

    init(index: Int, configuration: ServerConfiguration, listeningSockets: [Int32], pool: WorkerPool, metrics: ServerMetrics) throws {
        self.index = index
        self.metrics = metrics
        self.configuration = configuration
        self.listeners = configuration.listeners
        self.listeningSockets = listeningSockets
        self.pool = pool
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError.system("epoll_create1", errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SocketError.system("eventfd", errno) }
        // Sweep deadlines often enough for the shortest timeout, but no more than 100 times a second.
        sweepInterval = max(10_000_000, min(250_000_000, nanoseconds(configuration.timeouts.smallest / 4)))
        listenerDefaults = configuration.listeners.map { listener in
            var headers = configuration.defaultHeaders
            if listener.tls != nil, let hsts = configuration.strictTransportSecurity {
                headers.set("Strict-Transport-Security", hsts)
            }
            return ResponseSerializer.Defaults(headers)
        }
        register(wakeFD, events: EPOLLIN.rawValue)
        for fd in listeningSockets { register(fd, events: EPOLLIN.rawValue) }
    }

    // MARK: Cross-thread entry points

    /// Hands a worker's response back to this reactor. Callable from any thread.
    ///
    /// The response is moved, here and on the reactor's side (`drainInbox`, `finish`), never
    /// copied: a second owner of a page's array makes writing its head into the room before it
    /// copy the whole page (`serialize`, `bodiesSentInPlace`).
    func complete(fd: Int32, id: UInt64, response: consuming Response) {
        var handed: Response? = consume response
        let mustWake = inbox.withLock { inbox -> Bool in
            guard !inbox.closed, let response = handed.take() else { return false }
            inbox.completions.append((fd, id, response))
            return inbox.markWake()
        }
        if mustWake { wake() }
    }

    /// Queues a chunk (or, with nil, the end) for a streamed response. Callable from any thread.
    func streamEvent(fd: Int32, id: UInt64, bytes: [UInt8]?) {
        let mustWake = inbox.withLock { inbox -> Bool in
            guard !inbox.closed else { return false }
            inbox.streamEvents.append((fd, id, bytes))
            return inbox.markWake()
        }
        if mustWake { wake() }
    }

    func beginShutdown(deadline: UInt64) {
        let mustWake = inbox.withLock { inbox -> Bool in
            guard !inbox.closed else { return false }
            inbox.shutdownDeadline = deadline
            return inbox.markWake()
        }
        if mustWake { wake() }
    }

    /// Written outside the inbox lock: a worker holding the lock across a system call made
    /// the others spin in `Mutex`'s slow path (measured: ~4% of a signed-in page's CPU).
    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    deinit {
        Glibc.close(wakeFD)
    }

    // MARK: The loop

    func run() {
        Self.lowerPriority(by: configuration.reactorNiceness)
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        while true {
            let timeout = Int32(sweepInterval / 1_000_000)
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epollFD, $0.baseAddress, Int32($0.count), timeout) }
            let now = monotonicNanoseconds()
            if count > 0 {
                var heldSince = now
                for i in 0..<Int(count) {
                    let event = events[i]
                    let fd = Int32(truncatingIfNeeded: event.data.u64)
                    if fd == wakeFD {
                        drainInbox(now: now)
                    } else if listeningSockets.contains(fd) {
                        accept(from: fd, now: now)
                    } else if let connection = connection(fd) {
                        if event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0,
                           event.events & EPOLLIN.rawValue == 0 {
                            close(connection)
                        } else {
                            service(connection, now: now)
                        }
                    }
                    // A long pass (TLS handshakes, many answers to write) does not hold what it
                    // has read back from workers that could run it now: at most 1 ms of it.
                    if !staged.isEmpty {
                        let time = monotonicNanoseconds()
                        if time &- heldSince > Self.longestHold {
                            submitStaged(now: now)
                            heldSince = time
                        }
                    }
                }
            }
            if now >= nextSweep {
                // Shutdown is signalled through the eventfd; look at the inbox here too, so a
                // lost wake-up can delay it by one sweep but never hang it.
                if !draining, let deadline = inbox.withLock({ $0.shutdownDeadline }) {
                    startDraining(deadline: deadline, now: now)
                }
                resumeAcceptingIfDue(now: now)
                sweep(now: now)
                nextSweep = now &+ sweepInterval
            }
            submitStaged(now: now)
            if draining && (connectionCount == 0 || now >= shutdownDeadline) { break }
        }
        for case let connection? in connections { close(connection) }
        inbox.withLock { inbox in
            inbox.closed = true
        }
        Glibc.close(epollFD)
    }

    /// Adds `steps` to this thread's nice value (Linux threads each have their own), up to 19.
    private static func lowerPriority(by steps: Int) {
        guard steps > 0 else { return }
        let thread = id_t(gettid())
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread)
        guard errno == 0 else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, min(19, current + Int32(clamping: steps)))
    }

    private func drainInbox(now: UInt64) {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
        var (completions, streamEvents, deadline) = inbox.withLock { inbox in
            // Cleared after the read above: an arrival from here on writes the eventfd again.
            inbox.wakePending = false
            let taken = (inbox.completions, inbox.streamEvents)
            inbox.completions = []
            inbox.streamEvents = []
            return (taken.0, taken.1, inbox.shutdownDeadline)
        }
        for index in completions.indices {
            // Moved out, and consumed below, not copied: the response's array then has one
            // owner, and its head can be written into the room before its body (`serialize`).
            // Passed without `consume`, the loop's copy was a second owner and every page was
            // copied whole (2% of a signed-in thread page's CPU).
            var response = Response()
            swap(&response, &completions[index].response)
            guard let connection = connection(completions[index].fd), connection.id == completions[index].id else { continue }
            finish(connection, response: consume response, now: now)
        }
        var touched: [Connection] = []
        for event in streamEvents {
            guard let connection = connection(event.fd), connection.id == event.id, connection.state.isStreaming,
                  !connection.closeAfterFlush else { continue }
            if let bytes = event.bytes {
                ResponseSerializer.appendChunk(bytes, into: &connection.output)
                // A client that stops reading while events pile up is cut off, not buffered forever.
                if connection.output.count - connection.outputIndex > Self.maxStreamBacklog {
                    close(connection)
                    continue
                }
            } else {
                connection.output.append(contentsOf: ConnectionState.lastChunk)
                connection.closeAfterFlush = true
            }
            if !touched.contains(where: { $0 === connection }) { touched.append(connection) }
        }
        for connection in touched where connections[Int(connection.fd)] === connection {
            flush(connection, now: now)
            if connections[Int(connection.fd)] === connection { updateInterest(connection) }
        }
        if let deadline, !draining {
            startDraining(deadline: deadline, now: now)
        }
    }

    private func startDraining(deadline: UInt64, now: UInt64) {
        draining = true
        shutdownDeadline = deadline
        for fd in listeningSockets {
            // Connections the kernel completed but nobody accepted yet would be reset when the
            // listening socket closes: take them in first, so their requests are answered.
            for _ in 0..<16 { accept(from: fd, now: now) }
            epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
            Glibc.close(fd)
        }
        listeningSockets = []
        for case let connection? in connections {
            let unread = Self.hasUnreadInput(connection)
            perform(connection.state.startDraining(unreadInput: unread, now: now), on: connection, now: now)
        }
    }

    /// Bytes wait in the connection's socket, or decrypted in its TLS session, unread.
    private static func hasUnreadInput(_ connection: Connection) -> Bool {
        if let tls = connection.tls, SSL_has_pending(tls) == 1 { return true }
        var byte: UInt8 = 0
        return recv(connection.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    // MARK: Accepting

    private func accept(from listeningFD: Int32, now: UInt64) {
        guard let listenerIndex = listeningSockets.firstIndex(of: listeningFD) else { return }
        for _ in 0..<64 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(listeningFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    // Out of descriptors or memory: stop watching the listening sockets for a
                    // moment instead of spinning on a readiness we cannot act on.
                    pauseAccepting(now: now)
                }
                return  // EAGAIN: accepted everything pending
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var ssl: OpaquePointer?
            if let tls = listeners[listenerIndex].tls {
                guard let made = tls.makeConnection() else {
                    Glibc.close(fd)
                    continue
                }
                // Reads from the socket as OpenSSL does; writes gather a response's records
                // and send them in one system call (`mutuals_gather_new` in the COpenSSL shim).
                guard SSL_set_fd(made, fd) == 1, let gather = mutuals_gather_new(fd) else {
                    SSL_free(made)
                    Glibc.close(fd)
                    continue
                }
                SSL_set0_wbio(made, gather)
                SSL_set_accept_state(made)
                ssl = made
            }
            let connection = Connection(
                fd: fd, id: nextID, listener: listenerIndex, remoteAddress: Socket.describe(address), tls: ssl,
                state: ConnectionState(limits: configuration.limits, timeouts: configuration.timeouts, now: now)
            )
            nextID &+= 1
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) - connections.count + 1024))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            (ssl == nil ? metrics.openPlainConnections : metrics.openTLSConnections).increment()
            connection.interest = EPOLLIN.rawValue
            register(fd, events: connection.interest)
        }
    }

    /// Unsent bytes a streamed response may accumulate before its client is cut off.
    static let maxStreamBacklog = 1 << 20

    private var acceptPausedUntil: UInt64?

    private func pauseAccepting(now: UInt64) {
        guard acceptPausedUntil == nil else { return }
        acceptPausedUntil = now &+ 100_000_000
        for fd in listeningSockets { epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil) }
        configuration.errorLog.warning("out of file descriptors or memory; pausing accept for 100 ms")
    }

    private func resumeAcceptingIfDue(now: UInt64) {
        guard let until = acceptPausedUntil, now >= until else { return }
        acceptPausedUntil = nil
        for fd in listeningSockets { register(fd, events: EPOLLIN.rawValue) }
    }

    // MARK: Servicing a connection

    private func connection(_ fd: Int32) -> Connection? {
        fd >= 0 && Int(fd) < connections.count ? connections[Int(fd)] : nil
    }

    /// Does whatever I/O the connection can make progress on, then updates its epoll interest.
    private func service(_ connection: Connection, now: UInt64) {
        if !connection.handshakeDone {
            guard handshake(connection) else { return }
        }
        if connection.hasUnsentOutput {
            flush(connection, now: now)
            if connections[Int(connection.fd)] !== connection { return }
        }
        if connection.lingering {
            drainLinger(connection)
            return
        }
        readLoop(connection, now: now)
        if connections[Int(connection.fd)] === connection { updateInterest(connection) }
    }

    /// Advances a TLS handshake. Returns true when it is complete.
    private func handshake(_ connection: Connection) -> Bool {
        guard let ssl = connection.tls else { return true }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            connection.handshakeDone = true
            metrics.handshakes.increment()
            return true
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            setInterest(connection, EPOLLIN.rawValue)
        case SSL_ERROR_WANT_WRITE:
            setInterest(connection, EPOLLOUT.rawValue)
        default:
            // Not TLS (plain HTTP on the TLS port), a protocol we refuse, or a reset.
            ERR_clear_error()
            close(connection)
        }
        return false
    }

    private enum ReadResult {
        case bytes(Int)
        case wouldBlock
        case end
    }

    private func receive(_ connection: Connection) -> ReadResult {
        if let ssl = connection.tls {
            ERR_clear_error()
            var count = 0
            let ok = scratch.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
            if ok == 1 { return .bytes(count) }
            switch SSL_get_error(ssl, ok) {
            case SSL_ERROR_WANT_READ: return .wouldBlock
            case SSL_ERROR_WANT_WRITE:
                connection.tlsWantsWrite = true
                return .wouldBlock
            default:
                ERR_clear_error()
                return .end
            }
        }
        while true {
            let n = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if n > 0 { return .bytes(n) }
            if n == 0 { return .end }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .end
        }
    }

    private func readLoop(_ connection: Connection, now: UInt64) {
        while connection.state.wantsRead && !connection.closeAfterFlush {
            switch receive(connection) {
            case .bytes(let n):
                let actions = scratch.withUnsafeBytes { connection.state.receive(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now) }
                perform(actions, on: connection, now: now)
                if connections[Int(connection.fd)] !== connection { return }
                // Level-triggered epoll tells us when more arrives; TLS may hold bytes it has
                // read from the socket (read ahead) or decrypted, which epoll cannot see.
                if n < scratch.count && (connection.tls == nil || SSL_has_pending(connection.tls) == 0) { return }
            case .wouldBlock:
                return
            case .end:
                perform(connection.state.peerClosed(), on: connection, now: now)
                return
            }
        }
    }

    /// Carries out the state machine's actions, including any that finishing a request produces.
    private func perform(_ initial: [ConnectionAction], on connection: Connection, now: UInt64) {
        guard !initial.isEmpty else { return }
        var queue = initial
        var index = 0
        while index < queue.count {
            let action = queue[index]
            index += 1
            switch action {
            case .send(let bytes):
                connection.output.append(contentsOf: bytes)
            case .dispatch(let head, let body, let receivedAt):
                if let more = dispatch(head, body: body, receivedAt: receivedAt, on: connection, now: now) {
                    queue.append(contentsOf: more)
                }
            case .reject(let status, let message):
                let response = configuration.errorPage(status, message, nil)
                let requestID = nextRequestID()
                let bytes = serialize(response, on: connection, isHead: false, keepAlive: false, version: .http11, requestID: requestID)
                let rejected = Connection.InFlight(method: .get, path: "-", receivedAt: now, version: .http11, requestID: requestID)
                record(rejected, method: nil, status: status.code, bytes: bytes, remote: connection)
            case .closeAfterSend:
                connection.closeAfterFlush = true
            case .closeNow:
                close(connection)
                return
            }
        }
        flush(connection, now: now)
    }

    /// Routes a request. Reactor routes answer at once; pool routes are queued.
    /// - Returns: further actions when the response was produced inline, nil when it is pending.
    private func dispatch(
        _ head: RequestHead, body: [UInt8], receivedAt: UInt64, on connection: Connection, now: UInt64
    ) -> [ConnectionAction]? {
        let requestID = nextRequestID()
        connection.inFlight = Connection.InFlight(
            method: head.method, path: head.path, receivedAt: receivedAt, version: head.version, requestID: requestID,
            userAgent: configuration.accessLogFormat == .json ? head.headers["user-agent"] : nil)
        let listener = listeners[connection.listener]
        connection.clientAddress = configuration.trustedProxies.clientAddress(peer: connection.remoteAddress, headers: head.headers)
        var request = Request(
            method: head.method, path: head.path, pathSegments: head.pathSegments, query: head.query,
            headers: head.headers, body: body, version: head.version, host: head.host,
            isSecure: connection.tls != nil || configuration.trustedProxies.forwardsHTTPS(peer: connection.remoteAddress, headers: head.headers),
            remoteAddress: connection.clientAddress
        )
        request.requestID = requestID
        if head.isAsteriskForm {
            // RFC 9110 §9.3.7: OPTIONS * asks about the server as a whole.
            let allow = listener.router.allMethods.map(\.rawValue).joined(separator: ", ")
            return finishInline(connection, Response(status: .noContent, headers: HTTPHeaders([("Allow", allow)])), now: now)
        }
        switch listener.router.match(head.method, head.pathSegments) {
        case .notFound:
            return finishInline(connection, configuration.errorPage(.notFound, "There is no page at this address.", request), now: now)
        case .methodNotAllowed(let allow):
            let allowValue = allow.map(\.rawValue).joined(separator: ", ")
            if head.method == .options {
                return finishInline(connection, Response(status: .noContent, headers: HTTPHeaders([("Allow", allowValue)])), now: now)
            }
            var response = configuration.errorPage(.methodNotAllowed, "This address does not accept \(head.method.rawValue) requests.", request)
            response.headers.set("Allow", allowValue)
            return finishInline(connection, response, now: now)
        case .found(let route, let parameters):
            request.parameters = parameters
            connection.inFlight?.route = route.pattern
            switch route.execution {
            case .reactor:
                let response = Self.run(route.handler, request, configuration: configuration)
                return finishInline(connection, response, now: now)
            case .pool:
                let fd = connection.fd
                let id = connection.id
                let configuration = self.configuration
                let request = request
                // Queued when this pass over the ready connections ends (`submitStaged`).
                staged.append(StagedJob(fd: fd, id: id, request: request) { [self] in
                    self.complete(fd: fd, id: id, response: Self.run(route.handler, request, configuration: configuration))
                })
                return nil
            }
        }
    }

    /// Runs a handler, turning thrown errors into error pages.
    private static func run(_ handler: Handler, _ request: Request, configuration: ServerConfiguration) -> Response {
        do {
            return try handler(request)
        } catch let error as HTTPError {
            var response = configuration.errorPage(error.status, error.message, request)
            for field in error.headers { response.headers.set(field.name, field.value) }
            return response
        } catch {
            let reference = request.reference
            configuration.errorLog.error("handler failed", metadata: [
                "request": "\(reference)", "method": "\(request.method.rawValue)", "path": "\(request.path)",
                "error": "\(String(reflecting: error))",
            ])
            return configuration.errorPage(
                .internalServerError, "Something went wrong on our side. If it keeps happening, quote reference \(reference).", request)
        }
    }

    /// Hands the requests read in this pass to the pool in one batch: one lock and the signals
    /// after the reactor has read everything that was ready. Submitting each as it was read
    /// woke a worker that, on one core, preempted the reactor mid-pass; the responses already
    /// finished then waited for the reactor to get back to its loop (docs/PERFORMANCE.md).
    /// Requests that find the queue full are answered 503 with `Retry-After`.
    private func submitStaged(now: UInt64) {
        while !staged.isEmpty {
            let batch = staged
            staged.removeAll(keepingCapacity: true)
            let queued = pool.submit(batch: batch.map(\.job))
            for refused in batch[queued...] {
                metrics.busyRejections.increment()
                guard let connection = connection(refused.fd), connection.id == refused.id else { continue }
                var response = configuration.errorPage(.serviceUnavailable, "The server is busy. Please try again in a moment.", refused.request)
                response.headers.set("Retry-After", "1")
                finish(connection, response: consume response, now: now)
            }
        }
    }

    private func finishInline(_ connection: Connection, _ response: Response, now: UInt64) -> [ConnectionAction] {
        writeResponse(response, on: connection, now: now)
    }

    /// A pool response arrived.
    private func finish(_ connection: Connection, response: consuming Response, now: UInt64) {
        let actions = writeResponse(response, on: connection, now: now)
        perform(actions, on: connection, now: now)
        if connections[Int(connection.fd)] === connection {
            flush(connection, now: now)
            if connections[Int(connection.fd)] === connection {
                // Pipelined bytes in our buffer were taken up by `responseQueued`; those in the
                // socket, epoll (level-triggered, EPOLLIN kept) reports. Only bytes OpenSSL has
                // already read need a read here: asking the socket after every response cost a
                // read(2) that found nothing.
                if connection.state.wantsRead && !connection.closeAfterFlush && !connection.lingering,
                   let tls = connection.tls, SSL_has_pending(tls) == 1 {
                    readLoop(connection, now: now)
                }
                if connections[Int(connection.fd)] === connection { updateInterest(connection) }
            }
        }
    }

    private func writeResponse(_ response: consuming Response, on connection: Connection, now: UInt64) -> [ConnectionAction] {
        guard let inFlight = connection.inFlight else { return [] }
        connection.inFlight = nil
        let asksClose = response.headers["connection"].map { asciiCaseInsensitiveEquals($0, "close") } ?? false
        let keepAlive = connection.state.keepAlive(responseAsksClose: asksClose)
        let status = response.status.code
        if let stream = response.stream {
            // A stream owns the connection until it ends; HTTP/1.0 has no chunked coding.
            guard inFlight.method != .head, inFlight.version == .http11, !response.status.forbidsBody else {
                stream.detach()
                var plain = response
                plain.stream = nil
                serialize(plain, on: connection, isHead: inFlight.method == .head, keepAlive: false, version: inFlight.version,
                          requestID: inFlight.requestID)
                return connection.state.responseQueued(keepAlive: false, now: now)
            }
            let bytes = serialize(response, on: connection, isHead: false, keepAlive: true, version: inFlight.version,
                                  requestID: inFlight.requestID)
            record(inFlight, method: inFlight.method, status: status, bytes: bytes, remote: connection)
            connection.state.streamStarted()
            connection.stream = stream
            // A stream's bytes (heartbeats included) unacknowledged for the write timeout end
            // the connection: a peer that vanished without a FIN does not hold it for hours.
            var unacknowledged = UInt32(clamping: Int(configuration.timeouts.write * 1000))
            setsockopt(connection.fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &unacknowledged, socklen_t(MemoryLayout<UInt32>.size))
            let (pending, finished) = stream.attach(reactor: self, fd: connection.fd, id: connection.id)
            for chunk in pending { ResponseSerializer.appendChunk(chunk, into: &connection.output) }
            if finished || draining {
                connection.output.append(contentsOf: ConnectionState.lastChunk)
                connection.closeAfterFlush = true
            }
            return []
        }
        let bytes = serialize(response, on: connection, isHead: inFlight.method == .head, keepAlive: keepAlive, version: inFlight.version,
                              requestID: inFlight.requestID)
        record(inFlight, method: inFlight.method, status: status, bytes: bytes, remote: connection)
        return connection.state.responseQueued(keepAlive: keepAlive, now: now)
    }

    // MARK: Output

    /// Queues `response` on `connection`'s output; returns how many bytes it adds.
    ///
    /// A response with room before its body (`Response.headroom`, a rendered page) going out on
    /// a connection with nothing else waiting gets its head written into that room, and its own
    /// array becomes the output: the body, most of the bytes, is not copied (the copy was 2% of a
    /// signed-in thread page's CPU). Otherwise the head and body are copied into the output.
    @discardableResult
    private func serialize(_ response: consuming Response, on connection: Connection, isHead: Bool, keepAlive: Bool,
                           version: HTTPVersion, requestID: UInt64) -> Int {
        refreshDate()
        let defaults = listenerDefaults[connection.listener]
        if response.headroom > 0, connection.outputIndex == connection.output.count,
           ResponseSerializer.sendsBody(response, isHead: isHead) {
            headScratch.removeAll(keepingCapacity: true)
            ResponseSerializer.appendHead(response, isHead: isHead, keepAlive: keepAlive, version: version, dateLine: dateLine,
                                          defaults: defaults, requestID: requestID, into: &headScratch)
            if headScratch.count <= response.headroom {
                var (storage, headroom) = response.takeStorage()
                let start = headroom - headScratch.count
                // Writing copies the whole page if anything else still holds its array (a
                // response copied, not moved, on its way here): counted, so tests see it.
                let before = storage.withUnsafeBytes { $0.baseAddress }
                storage.withUnsafeMutableBufferPointer { out in
                    if UnsafeRawPointer(out.baseAddress) == before { bodiesSentInPlace.add(1, ordering: .relaxed) }
                    headScratch.withUnsafeBufferPointer { head in
                        _ = UnsafeMutableBufferPointer(rebasing: out[start ..< headroom]).update(fromContentsOf: head)
                    }
                }
                connection.output = storage
                connection.outputIndex = start
                return storage.count - start
            }
        }
        let before = connection.output.count
        ResponseSerializer.serialize(
            response, isHead: isHead, keepAlive: keepAlive, version: version, dateLine: dateLine,
            defaults: defaults, requestID: requestID, into: &connection.output
        )
        return connection.output.count - before
    }

    /// Where a head is put together before it goes into a response's headroom (`serialize`).
    private var headScratch: [UInt8] = []

    /// Bodies sent from the array they were made in, the head written into their room and
    /// nothing copied (`serialize`). Read by tests (`Server.bodiesSentInPlace`).
    let bodiesSentInPlace = Atomic<Int>(0)

    /// A new request id: this reactor's index (plus the server's `requestIDTopByte`) in the top
    /// byte, its own counter below, so reactors never share one and never need a lock.
    private func nextRequestID() -> UInt64 {
        requestCounter &+= 1
        let top = (UInt64(configuration.requestIDTopByte) &+ UInt64(index)) & 0xFF
        return top << 56 | (requestCounter & 0x00FF_FFFF_FFFF_FFFF)
    }

    private func refreshDate() {
        let now = time(nil)
        if now != dateSecond {
            dateSecond = now
            dateLine = Array("Date: \(HTTPDate.format(now))\r\n".utf8)
        }
    }

    private enum WriteResult {
        case wrote(Int)
        case wouldBlock
        case failed
    }

    private func send(_ connection: Connection) -> WriteResult {
        let remaining = connection.output.count - connection.outputIndex
        if let ssl = connection.tls {
            // Records encrypted earlier and not yet taken by the socket go first.
            switch mutuals_gather_flush(ssl) {
            case 1: break
            case 0: return .wouldBlock
            default: return .failed
            }
            guard remaining > 0 else { return .wrote(0) }
            // SSL_write returns after each record (SSL_MODE_ENABLE_PARTIAL_WRITE): all of them
            // are made first, gathered in the write BIO, then sent in one write(2). What the
            // socket does not take now is sent on the next call.
            var taken = 0
            while taken < remaining {
                ERR_clear_error()
                var written = 0
                let ok = connection.output.withUnsafeBytes {
                    SSL_write_ex(ssl, $0.baseAddress! + connection.outputIndex + taken, remaining - taken, &written)
                }
                if ok == 1 {
                    taken += written
                    continue
                }
                // Records already made are sent; this one is asked again on the next call.
                if taken > 0 { break }
                switch SSL_get_error(ssl, ok) {
                case SSL_ERROR_WANT_WRITE, SSL_ERROR_WANT_READ: return .wouldBlock
                default:
                    ERR_clear_error()
                    return .failed
                }
            }
            return mutuals_gather_flush(ssl) < 0 ? .failed : .wrote(taken)
        }
        while true {
            let n = connection.output.withUnsafeBytes {
                Glibc.send(connection.fd, $0.baseAddress! + connection.outputIndex, remaining, Int32(MSG_NOSIGNAL))
            }
            if n >= 0 { return .wrote(n) }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
        }
    }

    private func flush(_ connection: Connection, now: UInt64) {
        guard connections[Int(connection.fd)] === connection, connection.handshakeDone else { return }
        while connection.hasUnsentOutput {
            switch send(connection) {
            case .wrote(let n):
                connection.outputIndex += n
            case .wouldBlock:
                connection.state.outputBlocked(now: now)
                updateInterest(connection)
                return
            case .failed:
                close(connection)
                return
            }
        }
        connection.output.removeAll(keepingCapacity: true)
        connection.outputIndex = 0
        let more = connection.state.outputDrained(now: now)
        if connection.closeAfterFlush {
            beginLinger(connection, now: now)
            return
        }
        if !more.isEmpty { perform(more, on: connection, now: now) }
    }

    /// Half-closes and drains what the client still sends, so our last response is not lost
    /// to a reset (RFC 9112 §9.6).
    private func beginLinger(_ connection: Connection, now: UInt64) {
        guard !connection.lingering else { return }
        connection.lingering = true
        if let ssl = connection.tls {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
        }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.state.startLinger(now: now)
        setInterest(connection, EPOLLIN.rawValue)
    }

    private func drainLinger(_ connection: Connection) {
        while true {
            let n = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if n > 0 { continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            close(connection)
            return
        }
    }

    private func updateInterest(_ connection: Connection) {
        guard !connection.lingering else { return }
        var events: UInt32 = 0
        if connection.hasUnsentOutput || connection.tlsWantsWrite { events |= EPOLLOUT.rawValue }
        if connection.state.wantsRead { events |= EPOLLIN.rawValue }
        connection.tlsWantsWrite = false
        setInterest(connection, events)
    }

    private func setInterest(_ connection: Connection, _ events: UInt32) {
        guard connection.interest != events else { return }
        connection.interest = events
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(UInt32(bitPattern: connection.fd))
        epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event)
    }

    private func register(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(UInt32(bitPattern: fd))
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    private func close(_ connection: Connection) {
        guard connections[Int(connection.fd)] === connection else { return }
        connections[Int(connection.fd)] = nil
        connectionCount -= 1
        if connection.tls == nil {
            metrics.openPlainConnections.decrement()
        } else {
            metrics.openTLSConnections.decrement()
            // A handshake that never finished failed: refused, reset, timed out or cut by shutdown.
            if !connection.handshakeDone { metrics.handshakeFailures.increment() }
        }
        epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        if connection.hasUnsentOutput {
            // Closing with output the peer never read (write timeout, reset): abort with an RST
            // so the kernel does not keep trickling megabytes to a client that stopped reading.
            var abort = linger(l_onoff: 1, l_linger: 0)
            setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
        }
        if let ssl = connection.tls {
            SSL_free(ssl)
            connection.tls = nil
        }
        Glibc.close(connection.fd)
        if let stream = connection.stream {
            connection.stream = nil
            stream.detach()
        }
    }

    // MARK: Timers

    private func sweep(now: UInt64) {
        for case let connection? in connections {
            // Buffers kept for a busy connection are given back once it is idle.
            if connection.state.isIdle {
                connection.state.releaseMemory()
                if connection.output.capacity > 0 && connection.outputIndex == connection.output.count {
                    connection.output = []
                }
            }
            guard let deadline = connection.state.deadline, now >= deadline else { continue }
            if connection.lingering {
                close(connection)
                continue
            }
            perform(connection.state.timerFired(now: now), on: connection, now: now)
            if connections[Int(connection.fd)] === connection { updateInterest(connection) }
        }
    }

    // MARK: Metrics and the access log

    /// Counts an answered request and writes its access-log line.
    private func record(_ request: Connection.InFlight, method: HTTPMethod?, status: Int, bytes: Int, remote: Connection) {
        let elapsed = monotonicNanoseconds() &- request.receivedAt
        requestMetrics.record(route: request.route, method: method, status: status, nanoseconds: elapsed)
        guard let logger = configuration.accessLog else { return }
        let entry = AccessLogEntry(
            // A path that carries a secret (a mailed link's {token}) is logged as its route pattern.
            requestID: request.requestID, method: method, route: request.route,
            path: request.route.contains("{token}") ? request.route : request.path, status: status,
            bytes: bytes, nanoseconds: elapsed, client: remote.clientAddress, userAgent: request.userAgent)
        logger.info(Logger.Message(stringLiteral: logLine.render(entry, as: configuration.accessLogFormat)))
    }
}
