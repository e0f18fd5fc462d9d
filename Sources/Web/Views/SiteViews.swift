import Board
import Foundation
import HTTPServer

/// A page whose content is all in its template.
struct StaticPage: TemplateRenderable {
    func templateValue(for key: String) -> TemplateValue? { nil }
}
