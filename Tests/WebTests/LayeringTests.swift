import Foundation
import Testing
import TestSupport

/// The layers of docs/ARCHITECTURE.md, checked on the sources. SwiftPM on Linux lets a module
/// import any module the package builds, whatever `Package.swift` declares, so the layering
/// is held here: HTTPServer and Database know nothing of the board, Board nothing of HTTP, and
/// Web reaches the database only through Board's services (no SQL, no `import Database`).
@Suite struct LayeringTests {
    /// Every Swift file of a target, with its text.
    static func sources(_ target: String) throws -> [(path: String, text: String)] {
        let root = MutualsExecutable.packageRoot.appendingPathComponent("Sources/\(target)")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            files.append((url.path, try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }

    static func imports(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                  words[..<index].allSatisfy({ $0.hasPrefix("@") }) else { return nil }
            return String(words[index + 1])
        })
    }

    @Test(arguments: [
        ("HTTPServer", ["Board", "Web", "Database", "DemoContent"]),
        ("Database", ["Board", "Web", "HTTPServer", "DemoContent"]),
        ("Board", ["Web", "HTTPServer", "DemoContent"]),
        ("Web", ["Database", "DemoContent"]),
    ])
    func lowerLayersNeverImportHigherOnes(target: String, forbidden: [String]) throws {
        let files = try Self.sources(target)
        #expect(!files.isEmpty)
        for file in files {
            let found = Self.imports(file.text).intersection(forbidden)
            #expect(found.isEmpty, "\(file.path) imports \(found.sorted())")
        }
    }

    /// SQL statements in upper case, as every statement here is written; prose never matches.
    static let sql = try! NSRegularExpression(
        pattern: #"\b(SELECT\b.*\bFROM\b|SELECT (count|max|min|sum)\(|INSERT INTO\b|DELETE FROM\b|UPDATE \w+ SET\b|PRAGMA \w+|CREATE (TABLE|INDEX)\b)"#)

    @Test func webHoldsNoSQL() throws {
        let files = try Self.sources("Web")
        #expect(!files.isEmpty)
        for file in files {
            for line in file.text.split(separator: "\n").map(String.init) {
                let range = NSRange(line.startIndex..., in: line)
                #expect(Self.sql.firstMatch(in: line, range: range) == nil, "\(file.path): \(line)")
            }
        }
    }

    @Test func theSQLPatternFindsStatements() {
        for line in ["SELECT slug, name FROM topics", "try conn.run(\"DELETE FROM drafts WHERE id = ?\")",
                     "UPDATE threads SET hidden = 1", "INSERT INTO posts(x) VALUES (?)", "SELECT count(*) FROM x"] {
            #expect(Self.sql.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil, "\(line)")
        }
        for line in ["Select the topics it is about", "Update your profile", "/// Deletes from the list"] {
            #expect(Self.sql.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) == nil, "\(line)")
        }
    }
}
