import HTTPServer

/// Where to go after signing in: `/sign-in?next=PATH`, carried through the sign-in form (and
/// the two-factor step) as the hidden field `next`. Only a path on this site is ever followed,
/// so the parameter cannot be used as an open redirect.
enum ReturnPath {
    static let maximumLength = 500

    /// `candidate` when it is a local path, else nil. A local path starts with exactly one `/`
    /// (not `//`, which a browser reads as another host, nor `/\`, which some read the same way),
    /// is visible ASCII only (no control characters, spaces or backslashes, so no scheme can
    /// hide behind a tab or newline), and stays so once its percent-escapes are decoded (so
    /// `/%2F/evil.example` and `/%5Cevil.example` are refused too).
    static func validated(_ candidate: String?) -> String? {
        guard let candidate, candidate.utf8.count <= maximumLength, isLocal(candidate, encoded: true) else { return nil }
        // Without a `%` the decoded path is the candidate itself, and the encoded check above is
        // the stricter of the two.
        var text = candidate
        guard text.withUTF8({ $0.contains(UInt8(ascii: "%")) }) else { return candidate }
        guard let decoded = PercentDecoding.decode(candidate), isLocal(decoded, encoded: false) else { return nil }
        return candidate
    }

    /// As sent (`encoded`) a path is visible ASCII; decoded it may also hold spaces and UTF-8
    /// (escaped letters). Control bytes and backslashes are refused either way.
    private static func isLocal(_ path: String, encoded: Bool) -> Bool {
        // Over the bytes in place: every signed-in page works out its return path, and copying
        // them into an array first cost ~2,000 instructions a page.
        var path = path
        return path.withUTF8 { bytes in
            guard bytes.first == UInt8(ascii: "/") else { return false }
            if bytes.count > 1, bytes[1] == UInt8(ascii: "/") || bytes[1] == UInt8(ascii: "\\") { return false }
            for byte in bytes {
                guard byte >= 0x20, byte != 0x7F, byte != UInt8(ascii: "\\") else { return false }
                if encoded && !(byte > 0x20 && byte < 0x80) { return false }
            }
            return true
        }
    }

    /// `/sign-in?next=…` for `path` (a path this site made), or plain `/sign-in` when it is not local.
    static func signInURL(returningTo path: String?) -> String {
        guard let path = validated(path) else { return "/sign-in" }
        return "/sign-in?next=" + FormDecoder.encode(path)
    }

    /// The page to come back to after signing in: for a GET (or HEAD: the same page, so the same
    /// `Content-Length`) the page asked for, path and query; for a POST the page of this site its
    /// form was sent from (its `Referer`, when same-origin: `CSRF.isSameOrigin`). A notice on it
    /// is dropped (it was for the signed-out browser). nil for the sign-in and registration
    /// pages themselves and for anything that is not a local path.
    static func of(_ request: Request) -> String? {
        let path: String
        let query: String?
        switch request.method {
        case .get, .head:
            (path, query) = (request.path, request.query)
        case .post:
            let origin = (request.isSecure ? "https://" : "http://") + request.host.lowercased()
            guard CSRF.isSameOrigin(request), let referer = request.headers["referer"],
                  referer.lowercased().hasPrefix(origin + "/") else { return nil }
            let bare = referer.dropFirst(origin.count).prefix { $0 != "#" }
            let parts = bare.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            (path, query) = (parts.first.map(String.init) ?? "", parts.count > 1 ? String(parts[1]) : nil)
            if !path.hasPrefix("/") { return nil }
        default:
            return nil
        }
        if path == "/sign-in" || path.hasPrefix("/sign-in/") || path == "/register" { return nil }
        let kept = query?.split(separator: "&").filter { !$0.hasPrefix(Notice.parameter + "=") }.joined(separator: "&")
        return validated(path + (kept.flatMap { $0.isEmpty ? nil : "?" + $0 } ?? ""))
    }
}

extension ReturnPath {
    /// A page a visitor may be shown, by its path: one every visitor reads whenever reading is
    /// open (home, topics, briefing...), or one that depends on what it shows (a thread, an
    /// organisation, a profile), for the caller to ask the Board about.
    enum VisitorPage: Equatable {
        case open
        case thread(Int64)
        case organisation(String)
        case profile(String)
        case mentor(String)
    }

    /// Pages every visitor may read while reading is open to them (docs/security.md).
    static let openPages: Set<String> = ["/", "/topics", "/briefing", "/briefing/weekly", "/moderation", "/mentors", "/search", "/accessibility"]

    /// What `path` (a local path, perhaps with a query) is, for a visitor; nil for a page only
    /// members read (the account, notifications, admin pages, forms) or one this does not know.
    static func visitorPage(_ path: String) -> VisitorPage? {
        let bare = String(path.prefix { $0 != "?" && $0 != "#" })
        if openPages.contains(bare) { return .open }
        let segments = bare.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard segments.count == 2, !segments[1].isEmpty, !segments[1].hasSuffix(".atom") else { return nil }
        switch segments[0] {
        case "topics": return .open
        case "t": return ReadingRoutes.parseThreadPath(segments[1]).map { .thread($0.id) }
        case "o": return .organisation(segments[1])
        case "u": return .profile(segments[1])
        case "mentors": return .mentor(segments[1])
        default: return nil
        }
    }

    /// Where signing out leads: back to the page it was pressed on (`of(request)`: its form's
    /// same-origin `Referer`, a local path, its notice dropped) when a visitor may read that page
    /// (`visitorMayRead`, asked of the Board for a page that depends on what it shows), else home.
    static func afterSignOut(_ request: Request, visitorMayRead: (VisitorPage) throws -> Bool) rethrows -> String {
        guard let path = of(request), let page = visitorPage(path), try visitorMayRead(page) else { return "/" }
        return path
    }
}

