/// A browser's `User-Agent` in a person's words, for the sessions page: "Chrome on Linux",
/// "Safari on iOS", "Firefox on Windows". Anything it does not recognise is "Unknown browser"
/// (with the operating system when that much is known), never the raw string.
enum UserAgentText {
    static func describe(_ userAgent: String) -> String {
        let browser = browserName(userAgent)
        let system = systemName(userAgent)
        switch (browser, system) {
        case (let browser?, let system?): return "\(browser) on \(system)"
        case (let browser?, nil): return browser
        case (nil, let system?): return "Unknown browser on \(system)"
        case (nil, nil): return "Unknown browser"
        }
    }

    /// The first rule that matches wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
    static func browserName(_ ua: String) -> String? {
        let rules: [(token: String, name: String)] = [
            ("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"),
            ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"), ("curl/", "curl"),
        ]
        return rules.first { ua.contains($0.token) }?.name
    }

    static func systemName(_ ua: String) -> String? {
        let rules: [(token: String, name: String)] = [
            ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
        ]
        return rules.first { ua.contains($0.token) }?.name
    }
}
