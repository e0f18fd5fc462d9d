import Board
import HTTPServer

/// What the operator's tools read (docs/operations.md): the health check and the metrics.
public struct OperationsEndpoints: Sendable {
    /// The metrics in the Prometheus text format, sampled when asked; nil turns `/metrics` off
    /// (404 for everyone). `mutuals serve` sets it.
    public var metrics: (@Sendable () -> [UInt8])?
    /// A token that lets a client read `/metrics` from any address with
    /// `Authorization: Bearer <token>`; without one, only loopback clients may.
    public var metricsToken: String?
    /// Seconds `/healthz` waits for a reader connection before calling the reader unhealthy.
    public var readerTimeout: Double = 1
    /// Seconds a write transaction may stay open before `/healthz` calls the writer stuck.
    public var writerStuckAfter: Double = 30

    public init() {}
}

/// `GET /healthz` and `GET /metrics`. Neither is behind "require sign-in to read"
/// (`ReadingGate.open`); `/metrics` has its own rule (`MetricsAccess`).
struct OperationsRoutes: RouteCollection {
    let app: AppContext

    func register(on routes: inout Routes) throws {
        // On the pool: the check reads the database, which may block.
        routes.get("/healthz", health)
        routes.get("/metrics", metrics)
    }

    /// 200 "ok" when a reader answers and the writer is alive, not stuck and writing; else 503
    /// with one line per problem ("writer: database or disk is full").
    func health(_ request: Request) -> Response {
        let endpoints = app.site.operations
        let problems = app.network.healthProblems(readerTimeout: endpoints.readerTimeout, stuckAfter: endpoints.writerStuckAfter)
        var response = problems.isEmpty
            ? Response.text("ok\n")
            : Response.text("unavailable\n" + problems.map { $0 + "\n" }.joined(), status: .serviceUnavailable)
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// The metrics, to loopback clients and bearers of the token; the ordinary 404 to anyone
    /// else, so the address gives nothing away.
    func metrics(_ request: Request) throws -> Response {
        let endpoints = app.site.operations
        guard let render = endpoints.metrics,
              MetricsAccess.allows(request, token: endpoints.metricsToken) else { throw HTTPError.notFound }
        return Response(status: .ok, headers: HTTPHeaders([
            ("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store"),
        ]), body: render())
    }
}

/// Who may read `/metrics`: a client on a loopback address that did not come through a proxy,
/// or one presenting the configured bearer token.
enum MetricsAccess {
    static func allows(_ request: Request, token: String?) -> Bool {
        allows(remoteAddress: request.remoteAddress, authorization: request.headers["authorization"],
               forwarded: request.headers.contains("forwarded") || request.headers.contains("x-forwarded-for"),
               token: token)
    }

    /// - Parameters:
    ///   - forwarded: the request names a client behind a proxy (`Forwarded`, `X-Forwarded-For`):
    ///     a reverse proxy on the same host connects from loopback on behalf of anyone.
    static func allows(remoteAddress: String, authorization: String?, forwarded: Bool, token: String?) -> Bool {
        if let token, !token.isEmpty, let authorization, authorization.hasPrefix("Bearer ") {
            if constantTimeEquals(Array(authorization.utf8.dropFirst(7)), Array(token.utf8)) { return true }
        }
        return !forwarded && isLoopback(remoteAddress)
    }

    /// 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6 (::ffff:127.x.x.x).
    static func isLoopback(_ address: String) -> Bool {
        let lowered = address.lowercased()
        if lowered == "::1" { return true }
        let v4 = lowered.hasPrefix("::ffff:") ? String(lowered.dropFirst(7)) : lowered
        let octets = v4.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil })
        else { return false }
        return octets[0] == "127"
    }

    /// Compares without returning early, so the time taken says nothing about how much of a
    /// guess was right (only the lengths' difference shows).
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { difference |= 1 }
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
