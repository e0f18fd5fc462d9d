import Board
import HTTPServer

extension PostingError: ResponseError {
    var status: HTTPStatus {
        switch self {
        case .threadNotFound, .postNotFound: .notFound
        default: .forbidden
        }
    }

    var message: String { status == .notFound ? HTTPError.notFound.message : message(for: nil) }

    /// The message for the form; a suspended actor is told why and until when.
    func message(for actor: Actor?) -> String {
        switch self {
        case .signInRequired: "Sign in to post"
        case .suspended: actor.map(Policy.suspensionMessage) ?? "Your account is suspended"
        case .slowMode(let seconds):
            "This thread is in slow mode: you can reply again in \(seconds < 120 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes")"
        case .threadNotFound: "That thread cannot be found"
        case .postNotFound: "The post you are replying to cannot be found"
        case .threadLocked: "This thread is locked, so no one can reply"
        case .spaceNotAllowed: "Only members of that organisation, its mentors and admins can post there"
        case .notPermitted: "You can only change your own posts"
        case .postRemoved: "That post has been removed"
        case .cannotAcceptOpeningPost: "The opening post cannot be the answer"
        case .refused(let reason): reason
        }
    }
}

extension PostValidationError: ResponseError {
    var status: HTTPStatus { .unprocessableContent }
    var message: String { problems.first?.message ?? "Check what you typed" }

    /// The problems as the form's field errors.
    var fieldErrors: [FieldError] { problems.map { FieldError($0.field, $0.message) } }
}
