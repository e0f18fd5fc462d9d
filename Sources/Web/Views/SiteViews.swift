import Board
import Foundation
import HTTPServer

/// A page whose content is all in its template.
struct StaticPage: TemplateRenderable {
    static let templateKeys = TemplateKeys([])
    func templateValue(for key: String) -> TemplateValue? { nil }
}

/// The welcome page's line about a mentor: "Name: headline, organisation", naming the
/// organisation only when the headline does not already (issue 18: "adviser, John Lewis
/// Partnership, John Lewis Partnership").
enum WelcomeMentorLine {
    /// The organisation to show after the headline, or nil when the headline names it.
    static func organisation(_ organisation: String?, headline: String) -> String? {
        guard let organisation, !organisation.isEmpty else { return nil }
        return headline.range(of: organisation, options: [.caseInsensitive, .diacriticInsensitive]) == nil ? organisation : nil
    }
}
