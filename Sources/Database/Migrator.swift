import CSQLite

/// One numbered schema change. Once shipped, a migration never changes: a new change is a new
/// migration with the next number.
public struct Migration: Sendable {
    /// 1, 2, 3… — the `PRAGMA user_version` the database has once it is applied.
    public let version: Int
    /// A few words for logs: "initial schema", "index posts by author".
    public let name: String
    /// The change itself, run inside the migration's transaction.
    public let apply: @Sendable (Connection) throws -> Void
    /// Rebuilds a table (SQLite's 12-step procedure): the migrator turns foreign keys off
    /// before BEGIN and back on after COMMIT or ROLLBACK, so dropping the old table neither
    /// cascades nor fails; `foreign_key_check` still runs before COMMIT.
    public let disablesForeignKeys: Bool

    public init(version: Int, name: String, disablesForeignKeys: Bool = false, apply: @escaping @Sendable (Connection) throws -> Void) {
        self.version = version
        self.name = name
        self.disablesForeignKeys = disablesForeignKeys
        self.apply = apply
    }

    /// A migration that is a script of SQL statements.
    public init(version: Int, name: String, disablesForeignKeys: Bool = false, sql: String) {
        self.init(version: version, name: name, disablesForeignKeys: disablesForeignKeys) { try $0.execute(sql) }
    }
}

/// Why migrating refused or failed.
public enum MigrationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file was written by a newer program; opening it would risk corrupting it.
    case databaseIsNewer(found: Int, supported: Int)
    /// A migration left rows that break a foreign key; it was rolled back.
    case foreignKeyViolations(version: Int, problems: [String])
    /// The list of migrations is not 1, 2, 3…
    case badSequence(String)

    public var description: String {
        switch self {
        case .databaseIsNewer(let found, let supported):
            "The database is at schema version \(found), but this build of mutuals only knows versions up to \(supported). It was written by a newer mutuals: upgrade the program (or restore a backup made by this version); the file was not changed."
        case .foreignKeyViolations(let version, let problems):
            "Migration \(version) left foreign key violations and was rolled back: \(problems.joined(separator: "; "))"
        case .badSequence(let detail):
            "The migrations are not numbered 1, 2, 3…: \(detail)"
        }
    }
}

/// The versions before and after `Migrator.migrate`.
public struct MigrationOutcome: Sendable, Equatable {
    public let from: Int
    public let to: Int

    public init(from: Int, to: Int) {
        self.from = from
        self.to = to
    }
}

/// Applies numbered migrations, tracking the version in `PRAGMA user_version`.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// The numbering (exactly 1...n, in order) is checked by `migrate`, before any change.
    public init(_ migrations: [Migration]) {
        self.migrations = migrations
    }

    /// - Throws: `MigrationError.badSequence` unless versions are exactly 1...n in order.
    public func validate() throws {
        for (offset, migration) in migrations.enumerated() where migration.version != offset + 1 {
            throw MigrationError.badSequence("migration \"\(migration.name)\" is numbered \(migration.version), expected \(offset + 1)")
        }
    }

    /// The version a fully migrated database has.
    public var latestVersion: Int { migrations.count }

    /// The schema version of the database open on `connection`.
    public static func currentVersion(of connection: Connection) throws -> Int {
        try connection.scalar(Int.self, "PRAGMA user_version") ?? 0
    }

    /// Applies every migration above the database's version, up to `target` (default: all).
    ///
    /// Each migration runs in its own `BEGIN IMMEDIATE` transaction with `defer_foreign_keys`
    /// (so a table can be rebuilt), then `PRAGMA foreign_key_check`, then the `user_version`
    /// bump, then COMMIT: a migration is applied whole or not at all.
    /// - Throws: `MigrationError.databaseIsNewer` before touching anything if the file is ahead
    ///   of this program; `MigrationError.foreignKeyViolations`; `DatabaseError`.
    @discardableResult
    public func migrate(_ connection: Connection, upTo target: Int? = nil) throws -> MigrationOutcome {
        try validate()
        let start = try Self.currentVersion(of: connection)
        guard start <= latestVersion else {
            throw MigrationError.databaseIsNewer(found: start, supported: latestVersion)
        }
        let goal = min(target ?? latestVersion, latestVersion)
        for migration in migrations where migration.version > start && migration.version <= goal {
            // PRAGMA foreign_keys is a no-op inside a transaction, so it changes around it.
            if migration.disablesForeignKeys { try connection.execute("PRAGMA foreign_keys = OFF") }
            defer { if migration.disablesForeignKeys { try? connection.execute("PRAGMA foreign_keys = ON") } }
            try connection.transaction(.immediate) { connection in
                try connection.execute("PRAGMA defer_foreign_keys = ON")
                try migration.apply(connection)
                var problems: [String] = []
                try connection.forEach("PRAGMA foreign_key_check") { row in
                    let table: String = try row["table"]
                    let parent: String = try row["parent"]
                    problems.append("\(table) → \(parent)")
                }
                if !problems.isEmpty {
                    throw MigrationError.foreignKeyViolations(version: migration.version, problems: problems)
                }
                // PRAGMA takes no bound parameters; the version is an Int from our own list.
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
        }
        return MigrationOutcome(from: start, to: max(start, goal))
    }
}
