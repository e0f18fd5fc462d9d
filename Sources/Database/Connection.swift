import CSQLite
import Foundation

/// One SQLite connection, with its cache of prepared statements.
///
/// A connection has one owner at a time: the writer thread owns the writer connection, and a
/// reader connection belongs to the caller of `Store.read` until the closure returns. It is
/// therefore not `Sendable` (opened with `SQLITE_OPEN_NOMUTEX`: SQLite does no locking of its own).
public final class Connection {
    /// The role decides the pragmas set on open.
    public enum Role: Sendable {
        /// The single writer: `synchronous=FULL`, may write.
        case writer
        /// A reader: `query_only=ON`, cannot write even by mistake.
        case reader
        /// A private in-memory database (open it with the path `":memory:"`): nothing reaches a
        /// file; for scratch work on a few rows, such as highlighting search results.
        case memory
    }

    let handle: OpaquePointer
    public let path: String
    public let role: Role
    /// Where `bm25_estimated` keeps row lengths: its store's table, shared by its connections.
    private let rowLengths: RowLengths?
    private var statements: [String: Statement] = [:]
    /// The same statements by the address of their text's bytes (`statement(_:)`).
    private var statementsByAddress: [UnsafeRawPointer: Statement] = [:]
    private var savepointDepth = 0
    /// Statements run and transactions begun since the last `takeCounts` (reader statistics).
    private var statementsRun: UInt64 = 0
    private var transactionsBegun: UInt64 = 0

    /// Opens (creating if needed) the database at `path` and sets it up.
    ///
    /// Set-up order, each step for a reason:
    /// 0. `SQLITE_DBCONFIG_DEFENSIVE`: no `writable_schema`, no direct writes to FTS5's shadow
    ///    tables — features that can corrupt a file and that nothing here needs.
    /// 1. `busy_timeout` first, so every following statement waits for a lock instead of failing
    ///    with `SQLITE_BUSY` while another process (a backup, `mutuals check`) holds one.
    /// 2. `journal_mode=WAL` (writer only; it is persistent in the file): readers never block the
    ///    writer and the writer never blocks readers.
    /// 3. `synchronous=FULL` (writer only): in WAL mode, FULL syncs the WAL on every commit, so a
    ///    commit that returned survives power loss; NORMAL would not.
    /// 4. `foreign_keys=ON`: off by default in SQLite, and must be set outside a transaction.
    /// 5. `query_only=ON` (readers only).
    /// 6. `cache_size`: 64 MiB for the writer, whose every write touches index pages all over
    ///    the file; readers keep SQLite's 2 MiB and map the file instead (7).
    /// 7. `mmap_size` = `memoryMapBytes`, 2 GiB by default (readers only; SQLite caps it just
    ///    under): pages are read straight from the OS page cache with no read(2) and no copy,
    ///    which took the thread page's p99 down at 1M posts, and the searches' CPU. Each reader
    ///    maps the same file, so `ps` counts the mapped pages once per reader in RSS; see
    ///    docs/PERFORMANCE.md, "Memory".
    /// 8. `wal_autocheckpoint` = 10,000 pages (writer only; SQLite's default is 1,000): each
    ///    checkpoint copies every page written since the last one back into the database file
    ///    and syncs it, on the writer's commit path. Ten times fewer checkpoints copy each hot
    ///    index page once per ~40 MiB of WAL instead of once per ~4 MiB; measured at 1M posts
    ///    with 32 writers, about 1.7× more writes per second. The WAL stays bounded.
    /// 9. (every role) the FTS5 ranking function `bm25_estimated(table, 'df0 df1 …' [, rows [, kind,
    ///    generation]])`: bm25 with the phrases' document frequencies given by the caller, and
    ///    row lengths kept between calls of the same generation (see `CSQLite/shim.h`).
    /// - Throws: `DatabaseError` if the file cannot be opened or a pragma fails.
    ///   `rowLengths`: the store's kept row lengths (`RowLengths`), or nil to keep none.
    public init(path: String, role: Role, busyTimeoutMilliseconds: Int32 = 5_000, memoryMapBytes: Int64 = 2 << 30,
                rowLengths: RowLengths? = nil) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = DatabaseError.from(db, code: code, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        self.path = path
        self.role = role
        self.rowLengths = rowLengths
        sqlite3_extended_result_codes(db, 1)
        let defensive = mutuals_sqlite_db_config_bool(db, SQLITE_DBCONFIG_DEFENSIVE, 1)
        guard defensive == SQLITE_OK else {
            throw DatabaseError.from(db, code: defensive, sql: nil)
        }
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        switch role {
        case .writer:
            let mode = try scalar(String.self, "PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else {
                throw DatabaseError(extendedCode: SQLITE_ERROR,
                                    message: "could not switch \(path) to WAL (journal_mode is \(mode ?? "unknown"))")
            }
            try execute("PRAGMA synchronous = FULL")
            try execute("PRAGMA foreign_keys = ON")
            try execute("PRAGMA cache_size = -65536")
            try execute("PRAGMA wal_autocheckpoint = 10000")
        case .reader:
            try execute("PRAGMA foreign_keys = ON")
            try execute("PRAGMA query_only = ON")
            try execute("PRAGMA mmap_size = \(max(0, memoryMapBytes))")
        case .memory:
            try execute("PRAGMA foreign_keys = ON")
        }
        if role == .reader, Self.profiling {
            _ = mutuals_sqlite_profile_to_stderr(db)
        }
        let ranking = mutuals_sqlite_register_fts5_ranking(db, rowLengths?.table)
        guard ranking == SQLITE_OK else {
            throw DatabaseError.from(db, code: ranking, sql: "SELECT fts5(?1)")
        }
    }

    deinit {
        // Finalise every cached statement before closing; close_v2 would otherwise leave a
        // zombie connection until the last statement goes.
        statementsByAddress.removeAll()
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// `PROFILE_SQL=1`: readers print each statement's run time (`mutuals_sqlite_profile_to_stderr`).
    private static let profiling = getenv("PROFILE_SQL").map { String(cString: $0) == "1" } ?? false

    // MARK: Statements

    /// The prepared statement for `sql`, from the cache or newly prepared.
    /// - Throws: `DatabaseError` when `sql` does not compile.
    public func statement(_ sql: String) throws -> Statement {
        // Most SQL is a literal, whose bytes never move: found by their address, a statement
        // costs no hash of its whole text (~1,500 instructions a statement, four or more a
        // page). The text comparison below is then one check that both share those bytes; an
        // address reused by other text fails it and goes the long way.
        // Small strings (15 bytes or fewer: BEGIN, COMMIT) live inside the `String` itself and
        // have no address of their own to find them by.
        let address = sql.utf8.count > 15 ? sql.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil : nil
        if let address, let cached = statementsByAddress[address], cached.sql == sql { return cached }
        let statement = try statementByText(sql)
        if let address {
            // Text built at run time has an address of its own each time: bounded.
            if statementsByAddress.count >= Self.mostAddresses { statementsByAddress.removeAll(keepingCapacity: true) }
            statementsByAddress[address] = statement
        }
        return statement
    }

    private static let mostAddresses = 512

    private func statementByText(_ sql: String) throws -> Statement {
        if let cached = statements[sql] { return cached }
        var stmt: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard code == SQLITE_OK, let stmt else {
            throw DatabaseError.from(handle, code: code, sql: sql)
        }
        let statement = Statement(handle: stmt, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs one statement to completion, e.g. an INSERT, UPDATE or DELETE.
    public func run(_ sql: String, _ arguments: (any Bindable)?...) throws {
        try run(sql, arguments: arguments)
    }

    /// Runs one statement to completion with an array of arguments.
    public func run(_ sql: String, arguments: [(any Bindable)?]) throws {
        statementsRun &+= 1
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.prepareForRun(arguments)
        while try statement.step() {}
    }

    /// Runs one or more statements that take no parameters (schema, pragmas), uncached.
    public func execute(_ sql: String) throws {
        statementsRun &+= 1
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw DatabaseError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// Calls `body` for each result row of `sql`.
    public func forEach(_ sql: String, arguments: [(any Bindable)?] = [], _ body: (Row) throws -> Void) throws {
        statementsRun &+= 1
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.prepareForRun(arguments)
        let row = statement.row
        while try statement.step() {
            try body(row)
        }
    }

    /// All rows of `sql`, each decoded by `T.init(row:)`.
    @inlinable
    public func query<T: RowDecodable>(_ type: T.Type, _ sql: String, _ arguments: (any Bindable)?...) throws -> [T] {
        try query(type, sql, arguments: arguments)
    }

    /// Inlinable (like `column`): specialized where it is called, the rows are appended to an
    /// array of their concrete type, not through `Array`'s generic code (`Row.subscript`).
    @inlinable
    public func query<T: RowDecodable>(_ type: T.Type, _ sql: String, arguments: [(any Bindable)?]) throws -> [T] {
        var rows: [T] = []
        try forEach(sql, arguments: arguments) { rows.append(try T(row: $0)) }
        return rows
    }

    /// The first row of `sql`, or nil when there is none.
    public func queryOne<T: RowDecodable>(_ type: T.Type, _ sql: String, _ arguments: (any Bindable)?...) throws -> T? {
        try queryOne(type, sql, arguments: arguments)
    }

    public func queryOne<T: RowDecodable>(_ type: T.Type, _ sql: String, arguments: [(any Bindable)?]) throws -> T? {
        statementsRun &+= 1
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.prepareForRun(arguments)
        return try statement.step() ? T(row: statement.row) : nil
    }

    /// The first column of the first row, or nil when there is no row or the value is NULL.
    public func scalar<T: ColumnValue>(_ type: T.Type, _ sql: String, _ arguments: (any Bindable)?...) throws -> T? {
        try scalar(type, sql, arguments: arguments)
    }

    public func scalar<T: ColumnValue>(_ type: T.Type, _ sql: String, arguments: [(any Bindable)?]) throws -> T? {
        statementsRun &+= 1
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.prepareForRun(arguments)
        guard try statement.step() else { return nil }
        let row = statement.row
        return row.isNull(at: 0) ? nil : try T.read(from: row, at: 0)
    }

    /// The values of the first column of every row.
    @inlinable
    public func column<T: ColumnValue>(_ type: T.Type, _ sql: String, _ arguments: (any Bindable)?...) throws -> [T] {
        try column(type, sql, arguments: arguments)
    }

    /// The values of the first column of every row, with the arguments as an array.
    @inlinable
    public func column<T: ColumnValue>(_ type: T.Type, _ sql: String, arguments: [(any Bindable)?]) throws -> [T] {
        var values: [T] = []
        try forEach(sql, arguments: arguments) { values.append(try T.read(from: $0, at: 0)) }
        return values
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    /// True while a transaction is open.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// How a top-level transaction takes its locks.
    public enum TransactionKind: String, Sendable {
        /// Takes the write lock at BEGIN, so it can never fail half-way with SQLITE_BUSY on upgrade.
        case immediate = "IMMEDIATE"
        /// Takes locks as statements need them (used for read snapshots).
        case deferred = "DEFERRED"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    /// Inside an open transaction it nests as a savepoint instead.
    /// - Throws: what `body` throws, or `DatabaseError` from BEGIN/COMMIT.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: (Connection) throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        // Transaction control goes through the statement cache: in the writer it runs for every
        // batch and every write, and re-parsing it each time was measurable.
        try run(kind == .immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        transactionsBegun &+= 1
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            try run("COMMIT")
        } catch {
            rollbackQuietly()
            throw error
        }
        return value
    }

    /// Runs `body` inside a SAVEPOINT: released when it returns, rolled back to (and released)
    /// when it throws, leaving the enclosing transaction usable.
    public func savepoint<T>(_ body: (Connection) throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "sp\(savepointDepth)"
        try run("SAVEPOINT \(name)")
        let value: T
        do {
            value = try body(self)
        } catch {
            // If SQLite already rolled the whole transaction back (e.g. SQLITE_FULL), the
            // savepoint is gone and there is nothing left to undo.
            if isInTransaction {
                try? run("ROLLBACK TO \(name)")
                try? run("RELEASE \(name)")
            }
            throw error
        }
        try run("RELEASE \(name)")
        return value
    }

    /// `PRAGMA data_version`: it changes when another connection (of this process or another)
    /// has committed since this one last asked. Not counted among the statements run.
    func dataVersion() throws -> Int64 {
        let statement = try statement("PRAGMA data_version")
        defer { statement.reset() }
        try statement.prepareForRun([])
        return try statement.step() ? statement.row[0] : 0
    }

    /// Begins a read transaction for a read scope (`Store.readScope`), which ends it later.
    func beginRead() throws {
        try run("BEGIN DEFERRED")
        transactionsBegun &+= 1
    }

    /// The statements run and transactions begun since the last call, and starts counting afresh.
    func takeCounts() -> (statements: UInt64, transactions: UInt64) {
        defer { statementsRun = 0; transactionsBegun = 0 }
        return (statementsRun, transactionsBegun)
    }

    func rollbackQuietly() {
        if isInTransaction {
            try? run("ROLLBACK")
        }
    }

    // MARK: Maintenance

    /// The problems `PRAGMA integrity_check` and `PRAGMA foreign_key_check` find; empty when sound.
    public func integrityProblems() throws -> [String] {
        var problems = try column(String.self, "PRAGMA integrity_check").filter { $0 != "ok" }
        try forEach("PRAGMA foreign_key_check") { row in
            let table: String = try row["table"]
            let rowid: Int64? = try row["rowid"]
            let parent: String = try row["parent"]
            problems.append("foreign key: \(table) row \(rowid.map(String.init) ?? "?") refers to a missing \(parent) row")
        }
        return problems
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

@available(*, unavailable)
extension Statement: Sendable {}

/// The row lengths `bm25_estimated` keeps between searches (`CSQLite/shim.h`), one table for a
/// store, shared by its connections: lengths are tagged with the store's own
/// `search_length_generation`, which means nothing in another file. 4 MB of address space,
/// touched only where rows are ranked.
public final class RowLengths: @unchecked Sendable {
    // `@unchecked Sendable` is sound: the pointer never changes, the C side reads and writes the
    // table's words only atomically, and every connection given it holds it until it closes.
    let table: UnsafeMutableRawPointer?

    public init() {
        table = mutuals_kept_lengths_table()
    }

    deinit {
        free(table)
    }
}
