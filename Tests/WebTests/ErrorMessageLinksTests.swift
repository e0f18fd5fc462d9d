import Foundation
import Testing
import TestSupport
@testable import Web

/// An inline error is read out with its field only when the field names it (`aria-describedby`,
/// the GOV.UK pattern; WCAG 1.3.1 and 3.3.1). Thirty-odd messages on thirteen pages (the flag
/// form, new thread's "Who can read it", the briefing form, every admin form…) had no id or no
/// field pointing at them, so a screen reader moving to the field heard nothing of what was wrong
/// (found by the sweep). This walks every template, as a lint rule would.
@Suite struct ErrorMessageLinksTests {
    @Test func everyInlineErrorIsNamedByItsField() throws {
        let directory = repositoryRoot + "/Templates"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }.sorted()
        var checked = 0
        var unlinked: [String] = []
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            // Every id a field's aria-describedby names, with the Mustache sections taken out.
            var described: Set<String> = []
            for match in text.matches(of: /aria-describedby="([^"]*)"/) {
                let value = String(match.1).replacing(/\{\{[#\/^][^}]*\}\}/, with: " ")
                described.formUnion(value.split(separator: " ").map(String.init))
            }
            for match in text.matches(of: /<p class="error-message"([^>]*)>/) {
                checked += 1
                guard let id = String(match.1).firstMatch(of: /id="([^"]+)"/).map({ String($0.1) }) else {
                    unlinked.append("\(file): an error message with no id")
                    continue
                }
                // A message with no field of its own is the error summary's target itself.
                guard id.hasSuffix("-error") else { continue }
                if !described.contains(id) { unlinked.append("\(file): \(id)") }
            }
        }
        #expect(checked > 60)
        #expect(unlinked.isEmpty, "error messages no field names: \(unlinked)")
    }

    /// One page as served: the flag form's reason, a fieldset of radios, names its error, and a
    /// reason chosen stays chosen when the form comes back.
    @Test func theFlagFormsReasonNamesItsError() throws {
        try withTestSite { site in
            let asker = try site.member(handle: "asker")
            let writer = try site.member(handle: "writer")
            try site.member(handle: "reporter")
            let thread = try site.thread(by: asker)
            let reply = try site.reply(to: thread, by: writer)
            let reporter = try site.signedIn("reporter")
            _ = try reporter.get("/p/\(reply)/flag")
            let refused = try reporter.post("/p/\(reply)/flag", [("note", "")])
            #expect(refused.status == 422)
            #expect(refused.text.contains("<fieldset class=\"fieldset\" id=\"reason\" aria-describedby=\"reason-error\">"))
            #expect(refused.text.contains("<p class=\"error-message\" id=\"reason-error\">"))

            // "Something else" with no note comes back asking for one, with the reason still
            // chosen (it came back unchosen, so sending the note alone was refused again).
            let noNote = try reporter.post("/p/\(reply)/flag", [("reason", "other"), ("note", "")])
            #expect(noNote.status == 422)
            #expect(noNote.text.contains("<textarea class=\"textarea\" id=\"note\" name=\"note\" rows=\"4\" maxlength=\"1000\" aria-describedby=\"note-error\">"))
            #expect(noNote.text.contains("id=\"reason-other\" name=\"reason\" type=\"radio\" value=\"other\" checked>"))
            #expect(!noNote.text.contains("value=\"spam\" checked"))
        }
    }
}
