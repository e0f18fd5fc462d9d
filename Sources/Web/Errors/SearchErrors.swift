import Board
import HTTPServer

extension SearchError: ResponseError {
    var status: HTTPStatus { .unprocessableContent }
    var message: String { "That search could not be run. Try fewer or simpler words." }
}
