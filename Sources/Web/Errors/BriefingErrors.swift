import Board
import HTTPServer

extension BriefingError: ResponseError {
    var status: HTTPStatus {
        switch self {
        case .denied: .forbidden
        case .notFound: .notFound
        case .invalid: .unprocessableContent
        }
    }

    var message: String {
        switch self {
        case .denied(let message): message
        case .notFound: HTTPError.notFound.message
        case .invalid(let errors): errors.first?.message ?? "Check what you typed"
        }
    }
}
