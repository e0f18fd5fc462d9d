import Board
import HTMLEscaping
import Testing
import Web

@Suite struct VariableTests {
    @Test(arguments: [
        ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;"), ("'", "&#39;"),
    ])
    func eachSpecialCharacterIsEscaped(raw: String, escaped: String) throws {
        #expect(try render("[{{x}}]", ["x": .text("a\(raw)b")]) == "[a\(escaped)b]")
        #expect(try render("[{{x}}]", ["x": .text(raw)]) == "[\(escaped)]")
    }

    @Test func runsOfSpecialCharactersAndPlainText() throws {
        #expect(try render("{{x}}", ["x": "<<&>>\"'plain"]) == "&lt;&lt;&amp;&gt;&gt;&quot;&#39;plain")
        #expect(try render("{{x}}", ["x": "no specials at all"]) == "no specials at all")
        #expect(try render("{{x}}", ["x": ""]) == "")
    }

    @Test func tripleBracesAndAmpersandWriteHTMLNamesRaw() throws {
        let value: TemplateValue = ["bodyHTML": .html("<p>Hi &amp; bye</p>")]
        #expect(try render("{{{bodyHTML}}}", value) == "<p>Hi &amp; bye</p>")
        #expect(try render("{{& bodyHTML}}", value) == "<p>Hi &amp; bye</p>")
        #expect(try render("{{{ bodyHTML }}}", value) == "<p>Hi &amp; bye</p>")
    }

    @Test func escapedTagShowsMarkupAsText() throws {
        #expect(try render("{{bodyHTML}}", ["bodyHTML": .html("<b>")]) == "&lt;b&gt;")
    }

    @Test func rawTagOnTextValueStillEscapes() throws {
        // A value not marked as safe markup never reaches the page unescaped.
        #expect(try render("{{{bodyHTML}}}", ["bodyHTML": .text("<script>")]) == "&lt;script&gt;")
    }

    @Test func rawTagOnNameNotEndingInHTMLIsACompileError() throws {
        let triple = compileError("line one\n{{{title}}}")
        #expect(triple?.kind == .rawNotHTML)
        #expect(triple?.line == 2)
        #expect(triple?.description.contains("page.mustache line 2") == true)
        #expect(compileError("{{& title}}")?.kind == .rawNotHTML)
        #expect(compileError("{{{.}}}")?.kind == .rawNotHTML)
        #expect(compileError("{{{post.bodyHTML}}}") == nil)
    }

    @Test func numbersBooleansAndMissingValues() throws {
        #expect(try render("{{n}} {{m}} {{z}}", ["n": 42, "m": -7, "z": 0]) == "42 -7 0")
        #expect(try render("{{n}}", ["n": .int(Int.min)]) == "\(Int.min)")
        #expect(try render("{{b}}/{{c}}", ["b": true, "c": false]) == "true/false")
        #expect(try render("[{{missing}}]") == "[]")
        #expect(try render("[{{list}}{{object}}]", ["list": [1, 2], "object": ["a": 1]]) == "[]")
    }

    @Test func dottedNames() throws {
        let value: TemplateValue = ["post": ["author": ["name": "Ada <3"]]]
        #expect(try render("{{post.author.name}}", value) == "Ada &lt;3")
        #expect(try render("[{{post.editor.name}}]", value) == "[]")
        #expect(try render("[{{post.author.name.more}}]", value) == "[]")
        #expect(try render("{{#post.author}}{{name}}{{/post.author}}", value) == "Ada &lt;3")
    }

    @Test func dottedNameRestIsNotLookedUpInOuterContexts() throws {
        // Mustache spec "Dotted Names - Context Precedence": only the first part uses the stack.
        let value: TemplateValue = ["a": ["b": [:]], "b": ["c": "ERROR"]]
        #expect(try render("{{#a}}[{{b.c}}]{{/a}}", value) == "[]")
    }

    @Test func whitespaceInsideTagsIsIgnored() throws {
        #expect(try render("{{ x }}|{{#  s  }}y{{/ s }}", ["x": "1", "s": true]) == "1|y")
    }
}

@Suite struct SectionTests {
    @Test func booleans() throws {
        #expect(try render("[{{#b}}yes{{/b}}]", ["b": true]) == "[yes]")
        #expect(try render("[{{#b}}yes{{/b}}]", ["b": false]) == "[]")
    }

    @Test func listsRenderOncePerItem() throws {
        let value: TemplateValue = ["posts": [["n": 1], ["n": 2], ["n": 3]]]
        #expect(try render("{{#posts}}<{{n}}>{{/posts}}", value) == "<1><2><3>")
    }

    @Test func emptyListAndMissingRenderNothing() throws {
        #expect(try render("[{{#posts}}x{{/posts}}]", ["posts": []]) == "[]")
        #expect(try render("[{{#posts}}x{{/posts}}]") == "[]")
    }

    @Test func objectBecomesTheContext() throws {
        #expect(try render("{{#author}}{{name}} ({{role}}){{/author}}", ["author": ["name": "Sam", "role": "mentor"]]) == "Sam (mentor)")
    }

    @Test func stringsAndNumbersAreTruthyUnlessEmptyOrZero() throws {
        #expect(try render("[{{#s}}<{{.}}>{{/s}}]", ["s": "hi"]) == "[<hi>]")
        #expect(try render("[{{#s}}<{{.}}>{{/s}}]", ["s": ""]) == "[]")
        #expect(try render("[{{#n}}{{.}}{{/n}}]", ["n": 3]) == "[3]")
        #expect(try render("[{{#n}}{{.}}{{/n}}]", ["n": 0]) == "[]")
    }

    @Test func invertedSections() throws {
        let template = "[{{^x}}none{{/x}}]"
        #expect(try render(template, ["x": false]) == "[none]")
        #expect(try render(template, ["x": []]) == "[none]")
        #expect(try render(template) == "[none]")
        #expect(try render(template, ["x": ""]) == "[none]")
        #expect(try render(template, ["x": true]) == "[]")
        #expect(try render(template, ["x": [1]]) == "[]")
        #expect(try render(template, ["x": ["a": 1]]) == "[]")
    }

    @Test func namesMissingInAnItemAreLookedUpInOuterContexts() throws {
        let value: TemplateValue = [
            "threadTitle": "Capital",
            "posts": [["author": "Ana"], ["author": "Ben", "threadTitle": "shadowed"]],
        ]
        #expect(try render("{{#posts}}{{author}}: {{threadTitle}}; {{/posts}}", value) == "Ana: Capital; Ben: shadowed; ")
    }

    @Test func nestedSectionsAndDeepLookup() throws {
        let value: TemplateValue = [
            "site": "MN",
            "topics": [["name": "Governance", "threads": [["title": "Board size"], ["title": "Articles"]]]],
        ]
        let template = "{{#topics}}{{name}}:{{#threads}} {{title}}@{{site}}{{/threads}}{{/topics}}"
        #expect(try render(template, value) == "Governance: Board size@MN Articles@MN")
    }

    @Test func implicitIterator() throws {
        #expect(try render("{{#tags}}<li>{{.}}</li>{{/tags}}", ["tags": ["a&b", "c"]]) == "<li>a&amp;b</li><li>c</li>")
        #expect(try render("{{#n}}{{.}},{{/n}}", ["n": [1, 2]]) == "1,2,")
    }

    @Test func viewModelsWithoutReflection() throws {
        struct Post: TemplateRenderable {
            var author: String
            var bodyHTML: String
            func templateValue(for key: String) -> TemplateValue? {
                switch key {
                case "author": .text(author)
                case "bodyHTML": .html(bodyHTML)
                default: nil
                }
            }
        }
        struct Thread: TemplateRenderable {
            var title: String
            var posts: [Post]
            func templateValue(for key: String) -> TemplateValue? {
                switch key {
                case "title": .text(title)
                case "posts": .list(posts)
                default: nil
                }
            }
        }
        let thread = Thread(title: "Pensions & TUPE", posts: [Post(author: "Ana", bodyHTML: "<p>Yes</p>"), Post(author: "Ben", bodyHTML: "<p>No</p>")])
        let library = try TemplateLibrary(templates: ["t": "<h1>{{title}}</h1>{{#posts}}<article>{{author}} in {{title}}{{{bodyHTML}}}</article>{{/posts}}"])
        let html = String(decoding: try library.template("t").render(thread), as: UTF8.self)
        #expect(html == "<h1>Pensions &amp; TUPE</h1><article>Ana in Pensions &amp; TUPE<p>Yes</p></article><article>Ben in Pensions &amp; TUPE<p>No</p></article>")
    }
}

@Suite struct CommentAndWhitespaceTests {
    @Test func commentsRenderNothing() throws {
        #expect(try render("a{{! a comment }}b") == "ab")
        #expect(try render("a{{!\nmulti\nline\n}}b") == "ab")
    }

    @Test func standaloneCommentLineIsRemoved() throws {
        #expect(try render("Begin.\n  {{! Comment }}\nEnd.\n") == "Begin.\nEnd.\n")
        #expect(try render("Begin.\n{{!\n multi\n}}\nEnd.") == "Begin.\nEnd.")
    }

    @Test func standaloneSectionLinesAreRemoved() throws {
        // Mustache spec "Standalone Lines".
        let template = "| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n"
        #expect(try render(template, ["boolean": true]) == "| This Is\n|\n| A Line\n")
        #expect(try render("  {{#b}}\n  x\n  {{/b}}\n", ["b": true]) == "  x\n")
        #expect(try render("|\r\n{{#b}}\r\n{{/b}}\r\n|", ["b": true]) == "|\r\n|")
        #expect(try render("#{{#b}}\n/\n  {{/b}}", ["b": true]) == "#\n/\n")
    }

    @Test func tagsSharingALineAreNotStandalone() throws {
        #expect(try render(" {{#b}}x{{/b}} \n", ["b": true]) == " x \n")
        #expect(try render(" {{x}} {{! c }}\n", ["x": "1"]) == " 1 \n")
    }

    @Test func variablesAreNeverStandalone() throws {
        #expect(try render("  {{x}}\n", ["x": "v"]) == "  v\n")
    }
}

@Suite struct PartialTests {
    @Test func partialRendersInTheCurrentContext() throws {
        let templates = ["page": "{{#posts}}{{> post}}{{/posts}}", "post": "<{{author}}@{{site}}>"]
        let value: TemplateValue = ["site": "MN", "posts": [["author": "Ana"], ["author": "Ben"]]]
        #expect(try render(templates, "page", value) == "<Ana@MN><Ben@MN>")
    }

    @Test func recursivePartials() throws {
        let templates = ["page": "{{> node}}", "node": "{{text}}{{#children}}[{{> node}}]{{/children}}"]
        // Leaves say they have no children: a missing name would be found in the parent's context.
        let value: TemplateValue = ["text": "1", "children": [["text": "2", "children": [["text": "3", "children": []]]], ["text": "4", "children": []]]]
        #expect(try render(templates, "page", value) == "1[2[3]][4]")
    }

    @Test func runawayRecursionStopsInsteadOfCrashing() throws {
        // "children" missing in the leaf is found again in the parent: endless in plain Mustache.
        let templates = ["page": "{{> node}}", "node": "<{{#children}}{{> node}}{{/children}}>"]
        let html = try render(templates, "page", ["children": [[:]]])
        #expect(html.hasPrefix("<<<"))
        #expect(html.count < 1000)
    }

    @Test func standalonePartialIsIndented() throws {
        // Mustache spec "Standalone Indentation": the partial's own lines are indented,
        // interpolated values are not.
        let templates = ["page": "\\\n {{>partial}}\n/\n", "partial": "|\n{{{contentHTML}}}\n|\n"]
        #expect(try render(templates, "page", ["contentHTML": .html("<\n->")]) == "\\\n |\n <\n->\n |\n/\n")
    }

    @Test func standalonePartialLineEndingsAndLastLine() throws {
        #expect(try render(["page": "|\r\n{{>p}}\r\n|", "p": ">"]) == "|\r\n>|")
        #expect(try render(["page": ">\n  {{>p}}", "p": ">\n>"]) == ">\n  >\n  >")
    }

    @Test func inlinePartialIsNotIndented() throws {
        #expect(try render(["page": "  {{x}}  {{> p}}\n", "p": ">\n>"], "page", ["x": "|"]) == "  |  >\n>\n")
    }

    @Test func nestedStandalonePartialsAccumulateIndentation() throws {
        let templates = ["page": "<ul>\n  {{> list}}\n</ul>\n", "list": "{{#items}}\n  {{> item}}\n{{/items}}\n", "item": "<li>{{.}}</li>\n"]
        #expect(try render(templates, "page", ["items": ["a", "b"]]) == "<ul>\n    <li>a</li>\n    <li>b</li>\n</ul>\n")
    }

    @Test func partialIndentedInsideItselfIsACompileError() throws {
        let error = compileError(["page": "{{> tree}}", "tree": "{{#children}}\n  {{> tree}}\n{{/children}}\n"])
        #expect(error?.kind == .partialTooDeep)
        #expect(error?.template == "tree")
        #expect(error?.line == 2)
    }

    @Test func missingPartialIsACompileError() throws {
        let error = compileError(["page": "ok\n\n{{> nowhere}}"])
        #expect(error?.kind == .missingPartial)
        #expect(error?.line == 3)
        #expect(error?.description.contains("page.mustache line 3") == true)
        #expect(error?.description.contains("nowhere") == true)
    }
}

@Suite struct LayoutTests {
    let layout = "<title>{{$title}}Default title{{/title}}</title>\n<main>\n{{$main}}\n<p>Nothing here yet.</p>\n{{/main}}\n</main>\n"

    @Test func blocksOverrideTheLayoutsDefaults() throws {
        let page = "{{< layout}}\n{{$title}}Thread: {{name}}{{/title}}\n{{$main}}\n<h1>{{name}}</h1>\n{{/main}}\n{{/layout}}\n"
        let html = try render(["layout": layout, "page": page], "page", ["name": "Capital & grants"])
        #expect(html == "<title>Thread: Capital &amp; grants</title>\n<main>\n<h1>Capital &amp; grants</h1>\n</main>\n")
    }

    @Test func blocksNotOverriddenKeepTheirDefaults() throws {
        let html = try render(["layout": layout, "page": "{{< layout}}{{$main}}<p>Only main</p>\n{{/main}}{{/layout}}"])
        #expect(html == "<title>Default title</title>\n<main>\n<p>Only main</p>\n</main>\n")
        #expect(try render(["layout": layout, "page": "{{<layout}}{{/layout}}"]) == "<title>Default title</title>\n<main>\n<p>Nothing here yet.</p>\n</main>\n")
    }

    @Test func contentOutsideBlocksInsideTheParentIsIgnored() throws {
        let html = try render(["layout": "[{{$a}}A{{/a}}]", "page": "{{<layout}}ignored {{x}}{{$a}}B{{/a}}{{/layout}}"], "page", ["x": "y"])
        #expect(html == "[B]")
    }

    @Test func templateLevelBlocksRenderTheirDefault() throws {
        #expect(try render("[{{$a}}default{{/a}}]") == "[default]")
    }

    @Test func layoutsCanExtendLayouts() throws {
        let templates = [
            "base": "<{{$title}}base{{/title}}|{{$main}}m{{/main}}>",
            "narrow": "{{<base}}{{$main}}narrow:{{$inner}}i{{/inner}}{{/main}}{{/base}}",
            "page": "{{<narrow}}{{$title}}T{{/title}}{{$inner}}I{{/inner}}{{/narrow}}",
        ]
        #expect(try render(templates, "page") == "<T|narrow:I>")
    }

    @Test func partialsInsideTheLayoutSeeThePageContext() throws {
        let templates = ["layout": "{{> header}}{{$main}}{{/main}}", "header": "<h>{{user}}</h>", "page": "{{<layout}}{{$main}}body{{/main}}{{/layout}}"]
        #expect(try render(templates, "page", ["user": "Ana"]) == "<h>Ana</h>body")
    }

    @Test func unknownBlockIsACompileError() throws {
        let error = compileError(["layout": layout, "page": "{{< layout}}\n{{$titel}}Oops{{/titel}}\n{{/layout}}"])
        #expect(error?.kind == .unknownBlock)
        #expect(error?.template == "page")
        #expect(error?.line == 2)
        #expect(error?.description.contains("titel") == true)
    }

    @Test func missingLayoutIsACompileError() throws {
        let error = compileError(["page": "{{< nolayout}}{{/nolayout}}"])
        #expect(error?.kind == .missingPartial)
        #expect(error?.line == 1)
    }
}

@Suite struct CompileErrorTests {
    @Test func unclosedSectionNamesTheOpeningLine() throws {
        let error = compileError(["home": "a\nb\n{{#posts}}\nc\n"])
        #expect(error?.kind == .unclosedSection)
        #expect(error?.line == 3)
        #expect(error?.description == "home.mustache line 3: {{#posts}} is never closed with {{/posts}}")
    }

    @Test func mismatchedClose() throws {
        let error = compileError("{{#a}}\n{{^b}}\n{{/a}}\n{{/b}}")
        #expect(error?.kind == .mismatchedClose)
        #expect(error?.line == 3)
        #expect(error?.description.contains("{{^b}} opened on line 2") == true)
    }

    @Test func closeWithoutOpen() throws {
        #expect(compileError("x\n{{/a}}")?.kind == .mismatchedClose)
        #expect(compileError("x\n{{/a}}")?.line == 2)
    }

    @Test func unclosedTags() throws {
        #expect(compileError("a {{name")?.kind == .unclosedTag)
        #expect(compileError("\n\n{{{bodyHTML}}")?.kind == .unclosedTag)
        #expect(compileError("\n\n{{{bodyHTML}}")?.line == 3)
    }

    @Test func setDelimiterIsRejected() throws {
        let error = compileError("ok\n{{=<% %>=}}")
        #expect(error?.kind == .setDelimiter)
        #expect(error?.line == 2)
        #expect(error?.description.contains("not supported") == true)
    }

    @Test(arguments: ["{{}}", "{{ }}", "{{{}}}", "{{& }}", "{{a b}}", "{{a..b}}", "{{.a}}", "{{#}}x{{/}}", "{{> }}", "{{$ }}{{/ }}", "{{<a b}}{{/a b}}"])
    func invalidNames(source: String) throws {
        #expect(compileError(source)?.kind == .invalidName)
    }

    @Test func requireNamesTheMissingTemplate() throws {
        let library = try TemplateLibrary(templates: ["home": "x"])
        try library.require(["home"])
        #expect(throws: TemplateError.self) { try library.require(["home", "thread"]) }
        do {
            try library.require(["thread"])
        } catch let error as TemplateError {
            #expect(error.kind == .missingTemplate)
            #expect(error.description.contains("thread.mustache"))
        }
    }

    @Test func missingDirectoryIsAnError() throws {
        #expect(throws: TemplateError.self) { try TemplateLibrary(directory: "/nonexistent/templates") }
    }
}

@Suite struct TextSafetyTests {
    @Test func unicodeAndMultibyteTextPassesThroughIntact() throws {
        let text = "Zoë’s co-op — 日本語, Ελληνικά, emoji 🙂👩🏽‍💻, combining é, RTL שלום"
        #expect(try render("{{t}}", ["t": .text(text)]) == text)
        #expect(try render("{{{tHTML}}}", ["tHTML": .html(text)]) == text)
        #expect(try render("{{#l}}{{.}}|{{/l}}", ["l": [.text(text), "ü<"]]) == text + "|ü&lt;|")
        #expect(try render("Café ☕ {{t}} ✓", ["t": "naïve & ß"]) == "Café ☕ naïve &amp; ß ✓")
    }

    static let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onmouseover='alert(1)",
        "</textarea><script>alert(1)</script>",
        "<svg/onload=alert(1)>",
        "&lt;script&gt;",
        "{{bodyHTML}}",
        "\" autofocus onfocus=\"alert(1)",
        "<!--",
        "<a href=\"javascript:alert(1)\">x</a>",
    ]

    @Test(arguments: hostile)
    func hostileTextIsInert(payload: String) throws {
        let library = try TemplateLibrary(templates: [
            "page": "<p title=\"{{v}}\">{{v}}</p><input value='{{v}}'><textarea>{{v}}</textarea>{{#l}}<li>{{.}}</li>{{/l}}",
        ])
        let html = String(decoding: try library.template("page").render(["v": .text(payload), "l": [.text(payload)]]), as: UTF8.self)
        let template = "<p title=\"\"></p><input value=''><textarea></textarea><li></li>"
        // Every < > " ' in the output comes from the template, none from the value.
        for special in "<>\"'".utf8 {
            #expect(html.utf8.count(where: { $0 == special }) == template.utf8.count(where: { $0 == special }),
                    "\(Character(UnicodeScalar(special))) leaked from \(payload)")
        }
        // And template tags inside values are not interpreted.
        if payload == "{{bodyHTML}}" { #expect(html.contains("{{bodyHTML}}")) }
    }
}

@Suite struct EscaperTests {
    /// Every special byte at every offset of a text longer than the 8-byte fast path.
    @Test func specialBytesAtEveryOffset() throws {
        let library = try TemplateLibrary(templates: ["page": "{{t}}"])
        let page = try library.template("page")
        let entities: [(Character, String)] = [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;"), ("'", "&#39;")]
        for (special, entity) in entities {
            for length in [1, 7, 8, 9, 16, 17, 33] {
                for offset in 0..<length {
                    var text = Array(repeating: Character("a"), count: length)
                    text[offset] = special
                    var expected = Array(repeating: "a", count: length)
                    expected[offset] = entity
                    let html = String(decoding: page.render(["t": .text(String(text))]), as: UTF8.self)
                    #expect(html == expected.joined(), "\(special) at \(offset) of \(length)")
                }
            }
        }
    }

    @Test func nearMissBytesAreNotEscaped() throws {
        // Bytes next to the special ones, and high bytes, must pass through.
        let text = "!#$%()*+,-./0123456789:;=?@ABC[]^_`{|}~\u{7F}é€😀" + String(repeating: "%=;?", count: 8)
        #expect(try render("{{t}}", ["t": .text(text)]) == text)
    }

    @Test func publicEscaperMatchesTheRenderer() {
        #expect(HTMLByteEscaper.escaped("a<b>&\"c'd ü") == "a&lt;b&gt;&amp;&quot;c&#39;d ü")
        var bytes = Array("x".utf8)
        HTMLByteEscaper.append(escaping: "<ok>", to: &bytes)
        #expect(bytes == Array("x&lt;ok&gt;".utf8))
    }
}

/// A page is rendered into the array the response sends (`RenderBuffer.init(into:)`), moving
/// to memory of its own when it outgrows it: every size comes out whole, whatever the page
/// rendered before it with the same template.
@Suite struct RenderIntoResponseTests {
    @Test func pagesOfEverySizeComeOutWholeInAnyOrder() throws {
        let library = try TemplateLibrary(templates: ["page": "<ul>{{#items}}<li>{{text}} &amp; {{number}}</li>{{/items}}</ul>"])
        let template = try library.template("page")
        func page(_ count: Int) -> TemplateValue {
            .object(TemplateObject(["items": .list((0..<count).map { index in
                .object(TemplateObject(["text": .text("item <\(index)>"), "number": .int(index)]))
            })]))
        }
        func expected(_ count: Int) -> String {
            "<ul>" + (0..<count).map { "<li>item &lt;\($0)&gt; &amp; \($0)</li>" }.joined() + "</ul>"
        }
        // Small, then past the first size hint (4 KB) and past the largest (256 KB), then small
        // again into the array sized for the big ones, then big again.
        for count in [1, 10, 200, 20_000, 3, 0, 5_000, 20_000, 1] {
            let bytes = template.render(page(count))
            #expect(String(decoding: bytes, as: UTF8.self) == expected(count))
            // A small page does not keep a big page's array.
            #expect(bytes.capacity <= max(64 << 10, bytes.count * 2))
        }
    }
}
