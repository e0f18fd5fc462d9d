/// What a connection asks of its reactor. The state machine decides; the reactor does the I/O.
enum ConnectionAction {
    /// Write these bytes (after anything already queued).
    case send([UInt8])
    /// A complete request: run the responder, then call `responseQueued`.
    case dispatch(RequestHead, body: [UInt8], receivedAt: UInt64)
    /// Answer with an error status, then close once it is written.
    case reject(HTTPStatus, String)
    /// Close once everything queued is written (lingering so the peer reads it).
    case closeAfterSend
    /// Close at once.
    case closeNow
}

/// One HTTP/1.1 connection as a pure state machine: bytes and the time come in, actions go out.
/// Deadlines are absolute monotonic nanoseconds, so tests drive it with an injected clock.
struct ConnectionState {
    enum Phase {
        /// Kept alive between requests.
        case idle
        /// Reading a request head (the deadline runs from its first byte or the accept).
        case head
        /// Reading a body.
        case body(RequestHead, BodyProgress, receivedAt: UInt64)
        /// A request is with the responder; later bytes wait in the buffer (pipelining).
        case waiting(keepAlive: Bool)
        /// A streamed response (server-sent events) owns the connection until either side ends it;
        /// nothing more is parsed from the peer.
        case streaming
        /// The last response is queued; after it the connection closes.
        case closing
        case closed
    }

    enum BodyProgress {
        case length(remaining: Int)
        case chunked(ChunkedDecoder)
    }

    let limits: HTTPLimits
    let timeouts: HTTPTimeouts
    private(set) var phase: Phase = .head
    private(set) var deadline: UInt64?
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var body: [UInt8] = []
    private var draining = false
    private var writeBlocked = false

    init(limits: HTTPLimits, timeouts: HTTPTimeouts, now: UInt64) {
        self.limits = limits
        self.timeouts = timeouts
        deadline = now &+ nanoseconds(timeouts.head)
    }

    /// Whether the reactor should read from the socket now. False while a request is being
    /// answered and the pipelined backlog is already full, or while output is blocked.
    var wantsRead: Bool {
        switch phase {
        case .waiting: buffer.count - readIndex < limits.maxHeaderBytes
        case .streaming: true  // only to notice the peer closing; what it sends is dropped
        case .closed: false
        default: !writeBlocked
        }
    }

    var isIdle: Bool {
        if case .idle = phase { return buffer.count == readIndex }
        return false
    }

    var hasBufferedInput: Bool { buffer.count > readIndex }

    /// Bytes arrived from the peer.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> [ConnectionAction] {
        switch phase {
        case .closing, .closed, .streaming:
            return []
        case .idle:
            phase = .head
            deadline = now &+ nanoseconds(timeouts.head)
        default:
            break
        }
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
        var actions: [ConnectionAction] = []
        process(now: now, into: &actions)
        return actions
    }

    /// Parses as far as the buffered bytes allow.
    private mutating func process(now: UInt64, into actions: inout [ConnectionAction]) {
        while true {
            switch phase {
            case .head:
                guard readIndex < buffer.count else {
                    compact()
                    return
                }
                let result = buffer.withUnsafeBufferPointer { all in
                    RequestParser.parseHead(UnsafeBufferPointer(rebasing: all[readIndex...]), limits: limits)
                }
                switch result {
                case .incomplete:
                    compact()
                    return
                case .failure(let error):
                    fail(error.status, error.message, into: &actions)
                    return
                case .complete(let head, let consumed):
                    readIndex += consumed
                    switch head.framing {
                    case .none:
                        dispatch(head, receivedAt: now, into: &actions)
                    case .length(let n):
                        body = []
                        body.reserveCapacity(n)
                        startBody(head, .length(remaining: n), now: now, into: &actions)
                    case .chunked:
                        body = []
                        startBody(head, .chunked(ChunkedDecoder()), now: now, into: &actions)
                    }
                }
            case .body(let head, var progress, let receivedAt):
                guard readIndex < buffer.count else {
                    compact()
                    return
                }
                switch progress {
                case .length(let remaining):
                    let n = min(remaining, buffer.count - readIndex)
                    body.append(contentsOf: buffer[readIndex..<(readIndex + n)])
                    readIndex += n
                    if remaining == n {
                        dispatch(head, receivedAt: receivedAt, into: &actions)
                    } else {
                        phase = .body(head, .length(remaining: remaining - n), receivedAt: receivedAt)
                    }
                case .chunked(var decoder):
                    let outcome: Result<Int, HTTPParseError> = buffer.withUnsafeBufferPointer { all in
                        do throws(HTTPParseError) {
                            return .success(try decoder.decode(
                                UnsafeBufferPointer(rebasing: all[readIndex...]), into: &body, limits: limits))
                        } catch {
                            return .failure(error)
                        }
                    }
                    switch outcome {
                    case .failure(let error):
                        fail(error.status, error.message, into: &actions)
                        return
                    case .success(let consumed):
                        readIndex += consumed
                        if decoder.isDone {
                            dispatch(head, receivedAt: receivedAt, into: &actions)
                        } else {
                            progress = .chunked(decoder)
                            phase = .body(head, progress, receivedAt: receivedAt)
                        }
                    }
                }
            case .idle:
                guard readIndex < buffer.count else {
                    compact()
                    return
                }
                phase = .head
                deadline = now &+ nanoseconds(timeouts.head)
            case .waiting, .streaming, .closing, .closed:
                return
            }
        }
    }

    private mutating func startBody(
        _ head: RequestHead, _ progress: BodyProgress, now: UInt64, into actions: inout [ConnectionAction]
    ) {
        phase = .body(head, progress, receivedAt: now)
        deadline = now &+ nanoseconds(timeouts.body)
        // RFC 9110 §10.1.1: send 100 only when the body has not started arriving.
        if head.expectContinue, readIndex == buffer.count {
            actions.append(.send(Self.continueBytes))
        }
    }

    static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private mutating func dispatch(_ head: RequestHead, receivedAt: UInt64, into actions: inout [ConnectionAction]) {
        let requestBody = body
        body = []
        phase = .waiting(keepAlive: head.keepAlive)
        deadline = nil
        actions.append(.dispatch(head, body: requestBody, receivedAt: receivedAt))
    }

    private mutating func fail(_ status: HTTPStatus, _ message: String, into actions: inout [ConnectionAction]) {
        phase = .closing
        deadline = nil
        buffer = []
        readIndex = 0
        actions.append(.reject(status, message))
        actions.append(.closeAfterSend)
    }

    /// Whether the response now being written may keep the connection open.
    func keepAlive(responseAsksClose: Bool) -> Bool {
        guard case .waiting(let keepAlive) = phase else { return false }
        return keepAlive && !responseAsksClose && !draining
    }

    /// The response just queued is a stream: the connection now belongs to it.
    mutating func streamStarted() {
        phase = .streaming
        deadline = nil
        buffer = []
        readIndex = 0
    }

    var isStreaming: Bool {
        if case .streaming = phase { return true }
        return false
    }

    /// The end of a chunked body (RFC 9112 §7.1): a zero-size chunk and no trailers.
    static let lastChunk = Array("0\r\n\r\n".utf8)

    /// The reactor queued the response to the dispatched request.
    mutating func responseQueued(keepAlive: Bool, now: UInt64) -> [ConnectionAction] {
        guard case .waiting = phase else { return [] }
        if !keepAlive {
            phase = .closing
            deadline = nil
            return [.closeAfterSend]
        }
        phase = .idle
        deadline = now &+ nanoseconds(timeouts.idle)
        var actions: [ConnectionAction] = []
        if !writeBlocked { process(now: now, into: &actions) }
        return actions
    }

    /// The socket would not take all the output: a write deadline starts.
    mutating func outputBlocked(now: UInt64) {
        if !writeBlocked {
            writeBlocked = true
            deadline = now &+ nanoseconds(timeouts.write)
        }
    }

    /// Everything queued has been written.
    mutating func outputDrained(now: UInt64) -> [ConnectionAction] {
        guard writeBlocked else { return [] }
        writeBlocked = false
        switch phase {
        case .idle:
            deadline = now &+ nanoseconds(timeouts.idle)
            var actions: [ConnectionAction] = []
            process(now: now, into: &actions)
            return actions
        case .head:
            deadline = now &+ nanoseconds(timeouts.head)
        case .waiting, .streaming, .closing, .closed:
            deadline = nil
        case .body:
            deadline = now &+ nanoseconds(timeouts.body)
        }
        return []
    }

    /// The reactor is about to close after the final write: drain unread input for a while.
    mutating func startLinger(now: UInt64) {
        phase = .closed
        deadline = now &+ nanoseconds(timeouts.linger)
    }

    /// How long a connection that has sent nothing yet may still send its first request once
    /// shutdown starts.
    static let freshConnectionGrace: Double = 1

    /// The server is shutting down: idle connections close now, busy ones after their response.
    /// - Parameters:
    ///   - unreadInput: bytes wait in the socket (or TLS) that the reactor has not read yet: a
    ///     request the client has already sent. Such a connection is not idle; closing it with
    ///     unread data would reset it (RFC 9112 §9.6), so it is read and answered, with
    ///     `Connection: close`, within the shutdown grace.
    ///   - now: the monotonic time.
    mutating func startDraining(unreadInput: Bool = false, now: UInt64 = 0) -> [ConnectionAction] {
        draining = true
        switch phase {
        case .idle where !hasBufferedInput && !unreadInput:
            return [.closeNow]
        case .head where !hasBufferedInput && !unreadInput:
            // Accepted, nothing sent yet: a client connects and then sends, in two steps, and
            // closing between them resets its request. It gets a moment to send (Go's
            // `Server.Shutdown` gives new connections 5 s), then the head timer closes it.
            let moment = now &+ nanoseconds(Self.freshConnectionGrace)
            deadline = min(deadline ?? moment, moment)
            return []
        case .streaming:
            // End the stream cleanly: the last chunk, then close.
            phase = .closing
            return [.send(Self.lastChunk), .closeAfterSend]
        default:
            return []
        }
    }

    /// The peer closed its side.
    mutating func peerClosed() -> [ConnectionAction] {
        switch phase {
        case .waiting:
            // The request is being answered; the answer cannot be delivered, but the handler
            // finishes. The reactor closes when the response arrives.
            return []
        default:
            phase = .closed
            return [.closeNow]
        }
    }

    /// Frees the input buffer of a connection waiting between requests, so an idle connection
    /// holds no buffer memory.
    mutating func releaseMemory() {
        if isIdle, buffer.capacity > 0 {
            buffer = []
            readIndex = 0
        }
    }

    /// The clock has passed `deadline`.
    mutating func timerFired(now: UInt64) -> [ConnectionAction] {
        guard let deadline, now >= deadline else { return [] }
        self.deadline = nil
        if writeBlocked { return [.closeNow] }
        switch phase {
        case .idle, .closing, .closed, .waiting, .streaming:
            return [.closeNow]
        case .head:
            if readIndex < buffer.count {
                var actions: [ConnectionAction] = []
                fail(.requestTimeout, "The request head did not arrive in time.", into: &actions)
                return actions
            }
            return [.closeNow]
        case .body:
            var actions: [ConnectionAction] = []
            fail(.requestTimeout, "The request body did not arrive in time.", into: &actions)
            return actions
        }
    }

    /// Drops consumed bytes, keeping the capacity for the next request on a busy connection
    /// (`releaseMemory` frees it once the connection goes idle).
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}

@inline(__always)
func nanoseconds(_ seconds: Double) -> UInt64 {
    UInt64(max(0, seconds) * 1_000_000_000)
}
