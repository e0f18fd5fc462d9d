import Board
import HTTPServer

extension MentorError: ResponseError {
    var status: HTTPStatus {
        switch self {
        case .denied: .forbidden
        case .notFound: .notFound
        case .invalid: .badRequest
        }
    }

    var message: String {
        switch self {
        case .denied(let message): message
        case .notFound: HTTPError.notFound.message
        case .invalid(let errors): errors.first?.message ?? "That cannot be done"
        }
    }
}
