import Database
import Foundation
import HTMLEscaping
#if canImport(Glibc)
import Glibc
#endif

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
        try createPrivateDirectory(dataDirectory)
        let store = try Store(path: databasePath(dataDirectory: dataDirectory),
                              configuration: boardConfiguration(configuration))
        do {
            try store.migrate(Schema.migrator)
            try makePrivate(dataDirectory: dataDirectory)
        } catch {
            store.close()
            throw error
        }
        return store
    }

    /// `openStore` for the commands that work on a network's accounts and mail (`user`,
    /// `invite`, `mail list`, `rerender`): the database must exist. A mistyped or forgotten
    /// `--data` used to make a new empty database there, so `user add` added an admin nobody's
    /// server reads and `mail list` reported an empty outbox.
    /// - Throws: `StorageError.noDatabase` (nothing is created), or what `openStore` throws.
    public static func openExistingNetwork(dataDirectory: String) throws -> Store {
        let path = databasePath(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageError.noDatabase(path: path)
        }
        return try openStore(dataDirectory: dataDirectory)
    }

    // MARK: File modes

    /// The data folder holds password hashes, TOTP secrets, email addresses and private posts,
    /// so it is the owner's only (issue 16): folders 0700, files 0600. `mutuals` sets
    /// `umask(0o077)` before it opens anything, so what it creates is private from the start
    /// (SQLite gives `-wal` and `-shm` the database file's mode); this tightens what an older
    /// version or another tool left open, on every start.
    public static let privateDirectoryMode: mode_t = 0o700
    public static let privateFileMode: mode_t = 0o600

    /// Creates `path` (and missing parents) with mode 0700, and tightens it if it already exists.
    /// - Throws: `StorageError.dataFolder` naming the folder and why (Foundation's own error
    ///   was an `NSCocoaErrorDomain` dump that did not say it was `--data`).
    static func createPrivateDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw StorageError.dataFolder(path: path, reason: "it is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(privateDirectoryMode)])
        } catch {
            // Foundation's error has no POSIX reason here; mkdir(2) gives it (ENOTDIR, EACCES…).
            let reason = mkdir(path, privateDirectoryMode) == 0 ? "\(error)" : String(cString: strerror(errno))
            throw StorageError.dataFolder(path: path, reason: "it cannot be made: \(reason)")
        }
        chmod(path, privateDirectoryMode)
    }

    /// Sets the data folder and everything in it to 0700 (folders) and 0600 (files). Symbolic
    /// links are left alone (chmod would follow them out of the folder).
    public static func makePrivate(dataDirectory: String) throws {
        for (path, isDirectory, mode) in try entries(dataDirectory) where mode & 0o077 != 0 {
            chmod(path, isDirectory ? privateDirectoryMode : privateFileMode)
        }
    }

    /// The data folder's entries readable, writable or executable by group or others, as
    /// "path is 0644: run chmod 600 path" lines (`mutuals check` fails on any).
    public static func permissionProblems(dataDirectory: String) throws -> [String] {
        try entries(dataDirectory).filter { $0.mode & 0o077 != 0 }.map { path, isDirectory, mode in
            let wanted = isDirectory ? "700" : "600"
            return "\(path) is \(String(mode, radix: 8)), readable by others: run chmod \(wanted) \(path)"
        }
    }

    /// The folder itself and everything below it (symbolic links skipped), with permission bits.
    private static func entries(_ root: String) throws -> [(path: String, isDirectory: Bool, mode: mode_t)] {
        func status(_ path: String) -> stat? {
            var info = stat()
            return lstat(path, &info) == 0 ? info : nil
        }
        var result: [(String, Bool, mode_t)] = []
        var pending = [root]
        while let path = pending.popLast() {
            guard let info = status(path) else { continue }
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK { continue }
            let isDirectory = type == S_IFDIR
            result.append((path, isDirectory, info.st_mode & 0o777))
            if isDirectory {
                for name in try FileManager.default.contentsOfDirectory(atPath: path) {
                    pending.append(URL(fileURLWithPath: path).appendingPathComponent(name).path)
                }
            }
        }
        return result
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
        try createPrivateDirectory(dataDirectory)
        let store = try Store(path: databasePath(dataDirectory: dataDirectory))
        defer { store.close() }
        let outcome = try store.migrate(Schema.migrator)
        try makePrivate(dataDirectory: dataDirectory)
        return outcome
    }

    /// Integrity and foreign-key problems of the database in `dataDirectory`; empty when sound.
    public static func check(dataDirectory: String) throws -> [String] {
        let store = try openExistingStore(dataDirectory: dataDirectory)
        defer { store.close() }
        var problems = try store.integrityProblems()
        problems += try permissionProblems(dataDirectory: dataDirectory)
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
        // Checked under its temporary name: a copy that fails the check never replaces an older
        // backup at `destination` (it used to be renamed first and checked after).
        try store.backup(to: destination) { copyPath in
            // The copy holds everything the database does: the owner's only, wherever it is written.
            chmod(copyPath, privateFileMode)
            let copy = try Store(path: copyPath)
            defer { copy.close() }
            let problems = try copy.integrityProblems()
            if !problems.isEmpty {
                throw StorageError.backupFailedCheck(problems: problems)
            }
        }
    }
}

/// Failures of `Storage` beyond SQLite's own.
public enum StorageError: Error, CustomStringConvertible, Sendable {
    case noDatabase(path: String)
    case backupFailedCheck(problems: [String])
    case notEmpty(path: String)
    /// `--data` names something that cannot be the data folder.
    case dataFolder(path: String, reason: String)

    public var description: String {
        switch self {
        case .noDatabase(let path): "There is no database at \(path). Check --data (default ./data); to start a new network, run `mutuals migrate --data DIR` or start the server once."
        case .backupFailedCheck(let problems): "The backup failed its integrity check: \(problems.joined(separator: "; "))"
        case .notEmpty(let path): "The database at \(path) already has data; demo only seeds a new database."
        case .dataFolder(let path, let reason): "Cannot use \(path) as the data folder (--data): \(reason)."
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
