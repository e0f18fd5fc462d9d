import Board
import HTTPServer
import Logging

/// A write the storage refused (disk full, read-only database, I/O error): the one place it
/// becomes a response. Every handler's error page says "could not save, try again" with 503 and
/// `Retry-After` (`Routes.answering`); the posting forms come back with what was typed instead
/// (`notSaved`), as they do for a validation error, but saving no draft, which is a write too.
extension StorageUnavailable: ResponseError {
    var status: HTTPStatus { .serviceUnavailable }
    var message: String { "We could not save that just now. Nothing was lost: try again in a minute." }

    /// Headers of every "could not save" response: when to try again, and never cache it.
    static let headers = HTTPHeaders([("Retry-After", "30"), ("Cache-Control", "no-store")])

    /// Operators learn why from the log (and /healthz); members only see the message.
    static let log = Logger(label: "mutuals.web")

    /// Logs the failure once per refused request, with SQLite's words.
    func logged() -> Self {
        Self.log.warning("\(description)")
        return self
    }
}

extension Response {
    /// This response as a "could not save" answer: 503 with `Retry-After`, never cached.
    func notSaved() -> Response {
        var response = self
        response.status = .serviceUnavailable
        for field in StorageUnavailable.headers { response.headers.set(field.name, field.value) }
        return response
    }
}

extension FormState {
    /// The form again with what was typed and the "could not save" message, when `error` is a
    /// storage failure; rethrows anything else.
    static func notSaved(_ items: [FormItem], after error: any Error) throws -> FormState {
        guard let failure = StorageUnavailable(error) else { throw error }
        return FormState(items: items, formMessage: failure.logged().message)
    }
}
