import Database
import Foundation

/// Where the board keeps its data, and the one way to open it.
public enum Storage {
    /// The database file's name inside the data directory.
    public static let databaseFileName = "mutuals.sqlite3"

    /// The database file for `dataDirectory`.
    public static func databasePath(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent(databaseFileName).path
    }

    /// The store configuration the board needs: `configuration` with the search indexer
    /// installed as its `beforeCommit` (after any hook already there).
    public static func boardConfiguration(_ configuration: Store.Configuration = Store.Configuration()) -> Store.Configuration {
        var configuration = configuration
        let previous = configuration.beforeCommit
        configuration.beforeCommit = { connection in
            try previous?(connection)
            try SearchIndex.indexPending(connection)
        }
        return configuration
    }

    /// Creates `dataDirectory` if needed, opens its database and applies pending migrations.
    /// This is what `serve` and every CLI command call first.
    /// - Throws: `MigrationError.databaseIsNewer` for a file from a newer mutuals, `DatabaseError`,
    ///   or the file system's error creating the directory.
    public static func openStore(dataDirectory: String, configuration: Store.Configuration = Store.Configuration()) throws -> Store {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let store = try Store(path: databasePath(dataDirectory: dataDirectory),
                              configuration: boardConfiguration(configuration))
        do {
            try store.migrate(Schema.migrator)
        } catch {
            store.close()
            throw error
        }
        return store
    }

    /// Opens the database of `dataDirectory` without migrating (for `check` and `backup`, which
    /// must not change the schema). Fails if there is no database there yet.
    public static func openExistingStore(dataDirectory: String) throws -> Store {
        let path = databasePath(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageError.noDatabase(path: path)
        }
        return try Store(path: path, configuration: boardConfiguration())
    }

    /// Applies pending migrations to the database in `dataDirectory` (creating it if needed).
    /// - Returns: the schema versions before and after.
    public static func migrate(dataDirectory: String) throws -> MigrationOutcome {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let store = try Store(path: databasePath(dataDirectory: dataDirectory))
        defer { store.close() }
        return try store.migrate(Schema.migrator)
    }

    /// Integrity and foreign-key problems of the database in `dataDirectory`; empty when sound.
    public static func check(dataDirectory: String) throws -> [String] {
        let store = try openExistingStore(dataDirectory: dataDirectory)
        defer { store.close() }
        var problems = try store.integrityProblems()
        let version = try store.read { try Migrator.currentVersion(of: $0) }
        if version != Schema.migrator.latestVersion {
            problems.append("schema version is \(version), this build expects \(Schema.migrator.latestVersion): run `mutuals migrate`")
        }
        return problems
    }

    /// Writes a consistent copy of the database in `dataDirectory` to `destination` while it
    /// stays in use, then verifies the copy's integrity.
    public static func backup(dataDirectory: String, to destination: String) throws {
        let store = try openExistingStore(dataDirectory: dataDirectory)
        defer { store.close() }
        try store.backup(to: destination)
        let copy = try Store(path: destination)
        defer { copy.close() }
        let problems = try copy.integrityProblems()
        if !problems.isEmpty {
            throw StorageError.backupFailedCheck(problems: problems)
        }
    }
}

/// Failures of `Storage` beyond SQLite's own.
public enum StorageError: Error, CustomStringConvertible, Sendable {
    case noDatabase(path: String)
    case backupFailedCheck(problems: [String])
    case notEmpty(path: String)

    public var description: String {
        switch self {
        case .noDatabase(let path): "There is no database at \(path) (run `mutuals migrate` to create one)."
        case .backupFailedCheck(let problems): "The backup failed its integrity check: \(problems.joined(separator: "; "))"
        case .notEmpty(let path): "The database at \(path) already has data; demo only seeds a new database."
        }
    }
}

/// Markdown stored as HTML before the CommonMark renderer exists: each blank-line-separated
/// paragraph HTML-escaped inside `<p>`. Posts rendered this way have `renderer_version` 0, so
/// the re-render command can find and upgrade them.
public enum PlainTextRenderer {
    public static let version = 0

    public static func render(_ markdown: String) -> String {
        let normalised = markdown.replacingOccurrences(of: "\r\n", with: "\n")
        return normalised.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { "<p>" + escapeHTML($0).replacingOccurrences(of: "\n", with: "<br>\n") + "</p>" }
            .joined(separator: "\n")
    }

    /// Escapes the five characters that matter in HTML text and attribute values (`HTMLByteEscaper`).
    public static func escapeHTML(_ text: String) -> String {
        HTMLByteEscaper.escaped(text)
    }
}
