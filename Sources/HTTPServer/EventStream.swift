import Synchronization

/// A response body that keeps coming: server-sent events and other long-lived responses.
///
/// A handler returns a `Response` whose `stream` is set; the server sends the head with
/// `Transfer-Encoding: chunked` and keeps the connection open, holding no worker thread. Any
/// thread may then `send` chunks; each becomes one chunk on the wire, written by the
/// connection's reactor. The stream ends when the handler's side calls `finish()`, when the
/// client goes away, or when the server shuts down (which sends the last chunk cleanly);
/// `onClose` runs once in every case.
public final class EventStream: Sendable {
    private struct State {
        var sink: (reactor: Reactor, fd: Int32, id: UInt64)?
        var pending: [[UInt8]] = []
        var finishRequested = false
        var closed = false
    }

    private let state = Mutex(State())
    private let onClose: @Sendable () -> Void

    /// - Parameter onClose: runs once when the stream ends, however it ends (unsubscribe here).
    public init(onClose: @escaping @Sendable () -> Void = {}) {
        self.onClose = onClose
    }

    /// Whether the stream can still deliver.
    public var isOpen: Bool { state.withLock { !$0.closed && !$0.finishRequested } }

    /// Queues bytes as one chunk. Returns false when the stream has ended.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return isOpen }
        let target: (Reactor, Int32, UInt64)? = state.withLock { state in
            guard !state.closed, !state.finishRequested else { return nil }
            if let sink = state.sink { return (sink.reactor, sink.fd, sink.id) }
            state.pending.append(bytes)
            return nil
        }
        guard let (reactor, fd, id) = target else { return isOpen }
        reactor.streamEvent(fd: fd, id: id, bytes: bytes)
        return true
    }

    /// Sends one server-sent event (WHATWG HTML §9.2): optional `event` and `id` fields, and
    /// `data` split into one `data:` line per line. CR and LF are removed from `event` and `id`,
    /// which cannot contain them.
    @discardableResult
    public func send(event: String? = nil, id: String? = nil, data: String) -> Bool {
        send(Self.format(event: event, id: id, data: data))
    }

    /// An SSE comment line, which keeps intermediaries from timing the connection out. Like every
    /// chunk it is written under the server's write deadline (`HTTPTimeouts.write`): a client
    /// that stops reading is closed once its socket buffers fill and the deadline passes, and
    /// one that vanishes without a FIN once the kernel has waited that long for an ACK
    /// (`TCP_USER_TIMEOUT`, set when the stream starts).
    @discardableResult
    public func sendHeartbeat() -> Bool {
        send(Array(": keep-alive\n\n".utf8))
    }

    /// The reconnection time the browser waits after the stream ends (WHATWG HTML §9.2.6,
    /// the `retry` field): EventSource then reconnects by itself.
    @discardableResult
    public func sendRetry(milliseconds: Int) -> Bool {
        send(Array("retry: \(max(0, milliseconds))\n\n".utf8))
    }

    /// Ends the stream: the server sends the last chunk and closes the connection.
    public func finish() {
        let target: (Reactor, Int32, UInt64)? = state.withLock { state in
            guard !state.closed, !state.finishRequested else { return nil }
            state.finishRequested = true
            return state.sink.map { ($0.reactor, $0.fd, $0.id) }
        }
        if let (reactor, fd, id) = target { reactor.streamEvent(fd: fd, id: id, bytes: nil) }
    }

    static func format(event: String?, id: String?, data: String) -> [UInt8] {
        func clean(_ text: String) -> String { String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }) }
        var text = ""
        if let event { text += "event: \(clean(event))\n" }
        if let id { text += "id: \(clean(id))\n" }
        // CR, LF and CRLF all end a line in an event stream; "\r\n" is one Character in Swift.
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            text += "data: \(line)\n"
        }
        text += "\n"
        return Array(text.utf8)
    }

    /// The reactor took the stream over: returns what was sent before, and whether it already ended.
    func attach(reactor: Reactor, fd: Int32, id: UInt64) -> (pending: [[UInt8]], finished: Bool) {
        state.withLock { state in
            state.sink = (reactor, fd, id)
            let pending = state.pending
            state.pending = []
            return (pending, state.finishRequested)
        }
    }

    /// The connection is gone.
    func detach() {
        let first = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.closed = true
            state.sink = nil
            state.pending = []
            return true
        }
        if first { onClose() }
    }
}
