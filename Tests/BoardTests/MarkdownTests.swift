import DemoContent
import Foundation
import Testing
import TestSupport
@testable import Board

/// Known XSS and markdown-injection payloads: each must render inert.
let markdownAttackCorpus: [String] = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=\"x\" onerror=\"alert(1)\"/>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<body onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"data:text/html,<script>alert(1)</script>\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<base href=\"javascript:alert(1)//\">",
    "<!-- comment --><script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?php echo 1 ?>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](javascript://%0aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "[x](//evil.example)",
    "![x](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://example.org/a.png)",
    "![x](https://example.org/a.png \"t\\\" onerror=\\\"alert(1)\")",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,alert(1)>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: data:text/html,alert(1) \"title\"",
    "[ref]\n\n[ref]: <javascript:alert(1)>",
    "[x](https://example.org/\"onmouseover=\"alert(1))",
    "[x](https://example.org/ \"a\\\" onmouseover=\\\"alert(1)\")",
    "[*x\" onmouseover=\"alert(1)*](https://example.org)",
    "**\"><script>alert(1)</script>**",
    "*<img src=x onerror=alert(1)>*",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "```js\" onload=\"alert(1)\n</code><script>alert(1)</script>\n```",
    "```javascript:alert(1)\ncode\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "# <script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<script>alert(1)\\</script>",
    "<a href=\"https://example.org\" onclick=\"alert(1)\">x</a>",
    "[x](https://example.org)<span onclick=alert(1)>y</span>",
    "@<script>alert(1)</script>",
    "@alice\"onmouseover=alert(1)",
    "<style>body{display:none}</style>",
    "<marquee onstart=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<x onclick=alert(1)>click",
    "<a href=\"&#1;javascript:alert(1)\">x</a>",
    "[x](\u{0}javascript:alert(1))",
    "[x](\u{1}javascript:alert(1))",
    "[x](https:&#47;&#47;ok)<script>",
    "<textarea><script>alert(1)</script></textarea>",
]

/// The tags and attributes a rendered post may contain.
let allowedTags: Set<String> = ["p", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
                                "h3", "h4", "h5", "h6", "hr", "br", "a"]
let allowedAttributes: Set<String> = ["href", "rel", "class", "start"]

/// Checks that `html` contains only allowlisted markup: every `<` starts an allowlisted tag whose
/// attributes are allowlisted, quoted, and whose links are http, https or mailto.
func inertProblems(_ html: String) -> [String] {
    var problems: [String] = []
    let lower = html.lowercased()
    if lower.contains("<script") { problems.append("script tag") }
    let tagPattern = /<(\/?)([a-zA-Z0-9]+)([^>]*)>/
    var remainder = html[...]
    var tagCount = 0
    while let match = remainder.firstMatch(of: tagPattern) {
        tagCount += 1
        let name = String(match.output.2).lowercased()
        if !allowedTags.contains(name) { problems.append("tag <\(name)>") }
        var attributes = match.output.3[...]
        while let attribute = attributes.firstMatch(of: /^\s+([a-z-]+)="([^"<>]*)"/) {
            let attributeName = String(attribute.output.1)
            let value = String(attribute.output.2)
            if !allowedAttributes.contains(attributeName) { problems.append("attribute \(attributeName)") }
            if attributeName == "href" {
                let v = value.lowercased()
                if !(v.hasPrefix("http://") || v.hasPrefix("https://") || v.hasPrefix("mailto:") || v.hasPrefix("/u/")) {
                    problems.append("href \(value)")
                }
            }
            attributes = attributes[attribute.range.upperBound...]
        }
        if !attributes.trimmingCharacters(in: .whitespaces).isEmpty && attributes != "/" {
            problems.append("unparsed attributes \(attributes)")
        }
        remainder = remainder[match.range.upperBound...]
    }
    // Every "<" must be the start of one of the tags seen above.
    let openings = html.filter { $0 == "<" }.count
    if openings != tagCount { problems.append("stray < (\(openings) vs \(tagCount) tags)") }
    for scheme in ["href=\"javascript:", "href=\"data:", "href=\"vbscript:"] where lower.contains(scheme) {
        problems.append("contains \(scheme)")
    }
    if lower.contains("<img") || lower.contains("<iframe") || lower.contains("<svg") { problems.append("embedded element") }
    return problems
}

@Suite struct MarkdownTests {
    @Test func corpusIsLargeEnough() {
        #expect(markdownAttackCorpus.count >= 60)
    }

    @Test(arguments: markdownAttackCorpus)
    func attackRendersInert(payload: String) {
        let html = Markdown.render(payload)
        #expect(inertProblems(html) == [], "\(payload) → \(html)")
        // The same payload inside a list, a quote and emphasis stays inert too.
        for wrapped in ["- \(payload)", "> \(payload)", "*\(payload)*", "1. [\(payload)](https://example.org)"] {
            let nested = Markdown.render(wrapped)
            #expect(inertProblems(nested) == [], "\(wrapped) → \(nested)")
        }
    }

    @Test func pathologicalNestingRendersWithoutTrouble() {
        let inputs = [String(repeating: "> ", count: 5_000) + "deep",
                      String(repeating: "- ", count: 3_000) + "deep",
                      String(repeating: "*a", count: 10_000),
                      String(repeating: "[", count: 10_000) + String(repeating: "](https://example.org)", count: 100),
                      String(repeating: "<", count: 20_000)]
        for input in inputs {
            let html = Markdown.render(input)
            #expect(!html.isEmpty)
            #expect(inertProblems(html) == [])
        }
    }

    @Test func rawHTMLIsShownAsText() {
        #expect(Markdown.render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n")
        #expect(Markdown.render("a <b>bold</b> word") == "<p>a &lt;b&gt;bold&lt;/b&gt; word</p>\n")
    }

    @Test func paragraphsEmphasisAndCode() {
        #expect(Markdown.render("Hello *world* and **all** of `x < y`") ==
                "<p>Hello <em>world</em> and <strong>all</strong> of <code>x &lt; y</code></p>\n")
        #expect(Markdown.render("one\n\ntwo") == "<p>one</p>\n<p>two</p>\n")
        #expect(Markdown.render("line  \nbreak") == "<p>line<br>\nbreak</p>\n")
        #expect(Markdown.render("") == "")
    }

    @Test func codeBlocksKeepOnlySafeLanguageClasses() {
        #expect(Markdown.render("```swift\nlet a = \"<b>\"\n```") ==
                "<pre><code class=\"language-swift\">let a = &quot;&lt;b&gt;&quot;\n</code></pre>\n")
        #expect(Markdown.render("```c++\nx\n```").contains("class=\"language-c++\""))
        #expect(Markdown.render("```Swift\nx\n```") == "<pre><code>x\n</code></pre>\n")
        #expect(Markdown.render("```a\"b\nx\n```") == "<pre><code>x\n</code></pre>\n")
        #expect(Markdown.render("    indented") == "<pre><code>indented\n</code></pre>\n")
    }

    @Test func headingsAreDemoted() {
        #expect(Markdown.render("# One") == "<h3>One</h3>\n")
        #expect(Markdown.render("## Two") == "<h3>Two</h3>\n")
        #expect(Markdown.render("### Three") == "<h4>Three</h4>\n")
        #expect(Markdown.render("#### Four") == "<h5>Four</h5>\n")
        #expect(Markdown.render("##### Five") == "<h6>Five</h6>\n")
        #expect(Markdown.render("###### Six") == "<h6>Six</h6>\n")
        #expect(Markdown.render("Setext\n======") == "<h3>Setext</h3>\n")
    }

    @Test func listsAndQuotes() {
        #expect(Markdown.render("- a\n- b") == "<ul>\n<li>a\n</li>\n<li>b\n</li>\n</ul>\n")
        #expect(Markdown.render("3. c\n4. d") == "<ol start=\"3\">\n<li>c\n</li>\n<li>d\n</li>\n</ol>\n")
        #expect(Markdown.render("1. one").hasPrefix("<ol>\n"))
        #expect(Markdown.render("- a\n\n- b") == "<ul>\n<li><p>a</p>\n</li>\n<li><p>b</p>\n</li>\n</ul>\n")
        #expect(Markdown.render("> quoted") == "<blockquote>\n<p>quoted</p>\n</blockquote>\n")
        #expect(Markdown.render("---") == "<hr>\n")
    }

    @Test func linksAreAllowlisted() {
        #expect(Markdown.render("[site](https://example.org/a?b=1&c=2)") ==
                "<p><a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">site</a></p>\n")
        #expect(Markdown.render("[mail](mailto:someone@example.org)").contains("href=\"mailto:someone@example.org\""))
        #expect(Markdown.render("[up](HTTP://EXAMPLE.ORG)").contains("href=\"HTTP://EXAMPLE.ORG\""))
        #expect(Markdown.render("<https://example.org>").contains("<a href=\"https://example.org\" rel=\"nofollow ugc noopener\">https://example.org</a>"))
        #expect(Markdown.render("[bad](javascript:alert(1))") == "<p>bad</p>\n")
        #expect(Markdown.render("[relative](/admin)") == "<p>relative</p>\n")
        #expect(Markdown.render("[ref][r]\n\n[r]: https://example.org/r").contains("href=\"https://example.org/r\""))
    }

    @Test func imagesBecomeLinks() {
        let html = Markdown.render("![a chart](https://example.org/chart.png)")
        #expect(html == "<p><a href=\"https://example.org/chart.png\" class=\"image-link\" rel=\"nofollow ugc noopener\">Image: a chart</a></p>\n")
        #expect(!html.contains("<img"))
        #expect(Markdown.render("![pic](ftp://example.org/x.png)") == "<p>pic</p>\n")
    }

    @Test func mentionsLinkToProfiles() {
        #expect(Markdown.render("Thanks @helen_marsh!") ==
                "<p>Thanks <a class=\"mention\" href=\"/u/helen_marsh\">@helen_marsh</a>!</p>\n")
        #expect(Markdown.render("@Sam_Okafor said") .contains("href=\"/u/sam_okafor\">@Sam_Okafor</a>"))
        #expect(!Markdown.render("mail sam@example.org").contains("mention"))
        #expect(!Markdown.render("too short @ab").contains("mention"))
        #expect(!Markdown.render("@" + String(repeating: "a", count: 31)).contains("mention"))
        #expect(Markdown.render("@" + String(repeating: "a", count: 30)).contains("mention"))
        #expect(!Markdown.render("`@helen_marsh`").contains("mention"))
        #expect(!Markdown.render("[@helen_marsh](https://example.org)").contains("mention"))
    }

    @Test(arguments: [
        ("https://example.org", true), ("http://example.org", true), ("mailto:a@example.org", true),
        ("  HTTPS://example.org  ", true), ("javascript:alert(1)", false), ("JavaScript:alert(1)", false),
        ("data:text/html,x", false), ("vbscript:x", false), ("//example.org", false), ("/local", false),
        ("https://", false), ("http\t://example.org", false), ("ht\ntps://example.org", false), ("", false),
    ])
    func urlAllowlist(url: String, allowed: Bool) {
        #expect(Markdown.isAllowedURL(url) == allowed)
    }

    @Test func rerenderUpgradesOlderPosts() throws {
        try withTestNetwork { network in
            let store = network.store
            let user = try network.member(of: try network.organisation(), handle: "member")
            try network.thread(by: user, body: "Some **bold** text", topics: [try network.topic()])
            #expect(try store.read { try $0.scalar(Int.self, "SELECT renderer_version FROM posts") } == 0)
            #expect(try Markdown.rerenderOutdated(store, chunkSize: 1) == 1)
            let html = try store.read { try $0.scalar(String.self, "SELECT body_html FROM posts") }
            #expect(html == "<p>Some <strong>bold</strong> text</p>\n")
            #expect(try store.read { try $0.scalar(Int.self, "SELECT renderer_version FROM posts") } == Markdown.version)
            #expect(try Markdown.rerenderOutdated(store) == 0)
        }
    }

    @Test func demoBodiesAreRenderedByTheMarkdownRenderer() throws {
        try withTestNetwork { network in
            let store = network.store
            _ = try Demo.seed(store, hasher: TestNetwork.hasher)
            let outdated = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM posts WHERE renderer_version <> ?", Markdown.version) }
            #expect(outdated == 0)
            let bold = try store.read { try $0.scalar(Int.self, "SELECT count(*) FROM posts WHERE body_html LIKE '%<strong>risk</strong>%'") }
            #expect(bold == 1)
        }
    }
}
