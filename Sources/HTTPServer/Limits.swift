/// Request size limits. Each field names its default and the status a request over it gets.
public struct HTTPLimits: Sendable, Equatable {
    /// Largest request head (request line and header fields), in bytes. Default 16 KiB; over it: 431.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Longest request target, in bytes. Default 8 KiB; over it: 414.
    public var maxURILength: Int = 8 * 1024
    /// Most header fields in one request. Default 100; over it: 431.
    public var maxHeaderCount: Int = 100
    /// Largest request body, in bytes (after chunked decoding). Default 1 MiB; over it: 413, sent
    /// before the body is read when the length is declared.
    public var maxBodyBytes: Int = 1024 * 1024

    public init() {}
}

/// Connection timeouts, in seconds. Each is a deadline, not an inactivity timer: a client that
/// dribbles one byte at a time is cut off when the deadline passes, whatever it sends.
public struct HTTPTimeouts: Sendable, Equatable {
    /// From the first byte of a request (or the accept, or TLS handshake start) to the end of
    /// its head. Default 10 s; then 408 and close (slowloris).
    public var head: Double = 10
    /// From the end of the head to the end of the body. Default 30 s; then 408 and close (slow POST).
    public var body: Double = 30
    /// A kept-alive connection waiting for its next request. Default 60 s; then closed quietly.
    public var idle: Double = 60
    /// A response the client does not read. Default 30 s; then the connection is closed.
    public var write: Double = 30
    /// How long a closing connection drains the client's unread bytes so the last response is
    /// not lost to a TCP reset. Default 2 s.
    public var linger: Double = 2

    public init() {}

    var smallest: Double { min(head, body, idle, write, linger) }
}
