import Metrics

/// The server's metrics, recorded through the swift-metrics facade: no-ops until the process
/// bootstraps a backend (`mutuals serve` bootstraps Prometheus; docs/operations.md lists them).
/// Handles are made once here, or once per key in a reactor's `RequestMetrics`, never per request.
final class ServerMetrics: Sendable {
    let openPlainConnections = Meter(label: "mutuals_http_open_connections", dimensions: [("transport", "plain")])
    let openTLSConnections = Meter(label: "mutuals_http_open_connections", dimensions: [("transport", "tls")])
    let handshakes = Counter(label: "mutuals_tls_handshakes_total")
    let handshakeFailures = Counter(label: "mutuals_tls_handshake_failures_total")
    let queueDepth = Meter(label: "mutuals_http_worker_queue_depth")
    let busyRejections = Counter(label: "mutuals_http_busy_rejections_total")
}

/// One reactor's request counters and latency timers, cached by route pattern and status so a
/// request costs a dictionary lookup and two atomic updates. Used only on its reactor's thread.
struct RequestMetrics {
    /// The label of requests no route matched (404, 405, OPTIONS), and of requests refused
    /// before routing (malformed, too large): never the raw path, which would let any client
    /// mint label values.
    static let unmatched = "unmatched"

    private struct Key: Hashable {
        var route: String
        var method: HTTPMethod?
        var status: Int
    }

    private var counters: [Key: Counter] = [:]
    private var timers: [String: Metrics.Timer] = [:]

    mutating func record(route: String, method: HTTPMethod?, status: Int, nanoseconds: UInt64) {
        let key = Key(route: route, method: method, status: status)
        let counter: Counter
        if let cached = counters[key] {
            counter = cached
        } else {
            counter = Counter(label: "mutuals_http_requests_total", dimensions: [
                ("route", route), ("method", method?.rawValue ?? "other"), ("status", String(status)),
            ])
            counters[key] = counter
        }
        counter.increment()
        let timer: Metrics.Timer
        if let cached = timers[route] {
            timer = cached
        } else {
            timer = Metrics.Timer(label: "mutuals_http_request_duration_seconds", dimensions: [("route", route)])
            timers[route] = timer
        }
        timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }
}
