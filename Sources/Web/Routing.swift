import Board
import HTTPServer

/// An error that knows the response it means: its status and the message the error page shows.
/// Board's errors conform in `Errors/` (one file per capability); a handler lets them propagate
/// instead of mapping them. Anything else a handler throws is a logged 500 whose page quotes
/// the request's reference (`HTTPServer`'s `Reactor.run`).
protocol ResponseError: Error {
    var status: HTTPStatus { get }
    var message: String { get }
}

/// A route file: a type with one named method per handler and a short table, `register`, at
/// its top (as Hummingbird's `RouterController` reads).
protocol RouteCollection {
    func register(on routes: inout Routes) throws
}

/// The site's route table as the route files fill it: `RouterBuilder` with every handler
/// wrapped so that a `ResponseError` becomes its error page.
struct Routes {
    private(set) var builder = RouterBuilder()

    mutating func get(_ pattern: String, execution: Execution = .pool, _ handler: @escaping Handler) {
        builder.get(pattern, execution: execution, Self.answering(handler))
    }

    mutating func post(_ pattern: String, execution: Execution = .pool, _ handler: @escaping Handler) {
        builder.post(pattern, execution: execution, Self.answering(handler))
    }

    /// A GET on the address of a form's POST (`/t/5/reply`), which the address bar shows after a
    /// form came back with a problem, and sign-in returns to: a 303 to the page the form lives
    /// on, not "this page cannot do that". `page` makes that page's path from the `{id}`.
    mutating func formPage(_ pattern: String, _ page: @escaping @Sendable (Int64) -> String) {
        get(pattern) { request in .redirect(to: page(try request.id())) }
    }

    mutating func add(_ collection: some RouteCollection) throws {
        try collection.register(on: &self)
    }

    /// Sends a visitor to sign in, told why, from every admin route added so far (`SignInFirst`).
    mutating func signInFirst(_ gate: SignInFirst) {
        gate.guardRoutes(&builder)
    }

    /// Gives back what was typed in a form sent signed out, from every route added so far (`SignedOutForms`).
    mutating func keepSignedOutText(_ forms: SignedOutForms) {
        forms.guardRoutes(&builder)
    }

    /// Puts the visitors' rate limit in front of every route added so far.
    mutating func limitVisitors(_ limit: VisitorRateLimit) {
        limit.guardRoutes(&builder)
    }

    /// Puts `gate` in front of every route added so far ("require sign-in to read").
    mutating func guardReading(_ gate: ReadingGate) {
        gate.guardRoutes(&builder)
    }

    /// Runs every GET and HEAD on the worker pool in one read scope (`Network.readScope`): the
    /// reads of a page share one reader connection and one transaction, one snapshot. Added last,
    /// so the reading gate's and the session's reads are in it; it ends when the handler returns.
    /// The live-update streams are left out: their handler returns at once, but nothing that
    /// stays open may ever be in a scope (a held snapshot would stop WAL checkpoints).
    mutating func readInOneTransaction(_ network: Network) {
        builder.wrapHandlers { pattern, execution, handler in
            guard execution == .pool, !NotificationRoutes.streams.contains(pattern) else { return handler }
            return { request in
                guard request.method == .get || request.method == .head else { return try handler(request) }
                return try network.readScope { try handler(request) }
            }
        }
    }

    /// `handler` with its `ResponseError`s (and Board's `StorageUnavailable`, which is one but
    /// arrives as the store's error) turned into the `HTTPError` the server renders.
    /// Error pages are never cached: they may follow a signed-in request.
    static func answering(_ handler: @escaping Handler) -> Handler {
        { request in
            do {
                // Compressed here, on the worker, when the client accepts gzip (`Compression`):
                // level 1, since a page is compressed once per request. Cached pages and static
                // files arrive already compressed (at level 9, once).
                return Compression.compress(try handler(request), for: request, level: 1)
            } catch let error as HTTPError {
                throw error
            } catch let error as any ResponseError {
                throw HTTPError(error.status, error.message, headers: HTTPHeaders([("Cache-Control", "no-store")]))
            } catch {
                // A write the storage refused is a "could not save, try again" page, not a 500.
                guard let failure = StorageUnavailable(error) else { throw error }
                throw HTTPError(failure.status, failure.logged().message, headers: StorageUnavailable.headers)
            }
        }
    }
}

extension HTTPError: ResponseError {}

extension Response {
    /// Marks a page that shows a secret beyond the (masked) form token — a private feed token, a
    /// two-factor key, recovery codes: never stored by any cache, and never compressed, so no
    /// reflected input can be used to guess it from the compressed size (BREACH).
    func carryingSecrets() -> Response {
        var response = self
        response.headers.set("Cache-Control", "no-store, no-transform")
        return response
    }
}

extension RequestContext {
    /// The gate of every admin page (`/admin/...`: the queue, users, mentors, outbox…): Policy's
    /// `viewModerationQueue`, so an admin who is suspended, or who has not turned on the
    /// two-factor sign-in the instance requires, is refused with why.
    /// - Throws: `HTTPError` 403 with Policy's reason (404 if Policy says so).
    func admitToAdminPages() throws {
        if let refusal = adminPagesRefusal { throw HTTPError(.forbidden, refusal) }
    }

    /// Why the admin pages are refused to this actor (`admitToAdminPages`), or nil.
    var adminPagesRefusal: String? {
        switch Policy.decide(actor, .viewModerationQueue, .network, now: now) {
        case .allowed: nil
        case .denied(let message): message
        case .notFound: HTTPError.notFound.message
        }
    }

    /// A 303 See Other (the POST-redirect-GET pattern) to `location`, carrying the context's cookies.
    func redirect(_ location: String) -> Response {
        finish(.redirect(to: location))
    }

    /// To sign in, told why (`SiteNotice.signInReason`), and back afterwards to the page asked
    /// for, or the page a POST was sent from (`ReturnPath`). A sign-in waiting for its
    /// two-factor code goes back to that step instead, keeping where to return.
    func signInRedirect() -> Response {
        if awaitingTwoFactor {
            return redirect("/sign-in/two-factor" + (ReturnPath.validated(returnPath).map { "?next=" + FormDecoder.encode($0) } ?? ""))
        }
        return redirect(ReturnPath.signInURL(returningTo: returnPath), notice: SiteNotice.signInReason(for: returnPath))
    }
}

extension Request {
    /// The `{id:int}` path parameter as a row id; 404 when absent.
    func id(_ name: String = "id") throws -> Int64 {
        guard let id = parameters.int(name).map(Int64.init) else { throw HTTPError.notFound }
        return id
    }
}
