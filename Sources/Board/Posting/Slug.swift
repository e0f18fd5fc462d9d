import Foundation

/// URL slugs: lower-case ASCII letters and digits joined by single hyphens, at most 80 long.
public enum Slug {
    public static func make(_ text: String, maximumLength: Int = 80) -> String {
        var slug = ""
        var pendingHyphen = false
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        for scalar in folded.unicodeScalars {
            let isWordCharacter = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if isWordCharacter {
                if pendingHyphen && !slug.isEmpty { slug.append("-") }
                pendingHyphen = false
                if slug.count >= maximumLength { break }
                slug.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "thread" : String(slug.prefix(maximumLength))
    }
}
