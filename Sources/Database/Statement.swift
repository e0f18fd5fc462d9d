import CSQLite
import Foundation

/// A prepared statement. Created and cached by `Connection.statement(_:)`; finalised in `deinit`.
///
/// Not `Sendable`: it belongs to its connection's owner.
public final class Statement {
    let handle: OpaquePointer
    /// The SQL text it was prepared from (used in errors; never the bound values).
    public let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK {
            throw DatabaseError.from(sqlite3_db_handle(handle), code: code, sql: sql)
        }
    }

    public func bindInt64(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }
    public func bindDouble(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }
    public func bindText(_ value: String, at index: Int32) throws {
        var value = value
        let code = value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                // SQLITE_TRANSIENT: SQLite copies the bytes, which live only for this closure.
                guard let base = chars.baseAddress else {
                    // An empty string may have no storage; a NULL pointer would bind SQL NULL.
                    return sqlite3_bind_text(handle, index, "", 0, mutuals_sqlite_transient())
                }
                return sqlite3_bind_text(handle, index, base, Int32(chars.count), mutuals_sqlite_transient())
            }
        }
        try check(code)
    }
    public func bindBlob(_ value: Data, at index: Int32) throws {
        let code = value.withUnsafeBytes { bytes in
            // A zero-length blob needs a non-NULL pointer, or SQLite binds NULL.
            sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                              Int32(bytes.count), mutuals_sqlite_transient())
        }
        try check(code)
    }
    public func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Resets the statement and binds `arguments` to parameters 1...n.
    func prepareForRun(_ arguments: [(any Bindable)?]) throws {
        sqlite3_reset(handle)
        checkNames = true
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == arguments.count else {
            throw DatabaseError.misuse(
                "statement has \(expected) parameters but \(arguments.count) arguments were given", sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            if let argument {
                try argument.bind(to: self, at: index)
            } else {
                try bindNull(at: index)
            }
        }
    }

    /// Steps once: `true` when a row is ready, `false` when done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            if checkNames { checkPreparation() }
            return true
        case SQLITE_DONE: return false
        default:
            // sqlite3_reset returns the same error with the right extended code.
            throw DatabaseError.from(sqlite3_db_handle(handle), code: code, sql: sql)
        }
    }

    /// Releases the statement's read snapshot; called after every run so a cached statement never
    /// pins an old WAL snapshot (which would stop checkpoints).
    func reset() {
        sqlite3_reset(handle)
    }

    var row: Row { Row(statement: handle, sql: sql, owner: self) }

    /// Column names as SQLite reports them (`AS` aliases, or the bare column name), read once per
    /// preparation. SQLite prepares a cached statement again after a schema change (inside
    /// `sqlite3_step`), and a `SELECT *` may then have other columns in another order, so the
    /// first row of every run compares SQLite's re-preparation count (`step()`) and the names are
    /// read again when it moved. A decoder's lookups then cost a comparison or two each.
    /// `@exclusivity(unchecked)`: a statement belongs to one connection's owner thread, and these
    /// are only touched from its methods, never re-entrantly.
    @exclusivity(unchecked) private var names: [String] = []
    /// `names` as UTF-8 bytes, all in one buffer (`nameBytes[nameStarts[i]..<nameStarts[i + 1]]`),
    /// so a lookup compares bytes without touching a `String`'s storage.
    @exclusivity(unchecked) private var nameBytes: [UInt8] = []
    @exclusivity(unchecked) private var nameStarts: [Int] = [0]
    @exclusivity(unchecked) private var namesRead = false
    /// SQLite's count of automatic re-preparations when `names` was read.
    @exclusivity(unchecked) private var namesPreparation: Int32 = 0
    /// Set by `prepareForRun`: the next row checks whether `names` still holds.
    @exclusivity(unchecked) private var checkNames = true
    /// For each column, whether another column has the same name (worked out with `names`, so a
    /// lookup does not scan the row for duplicates).
    @exclusivity(unchecked) private var shared: [Bool] = []
    /// Where the last lookup by name matched: decoders read columns mostly in order, so the next
    /// name is usually one step on and costs one comparison.
    @exclusivity(unchecked) private var lastFound = -1

    /// Drops the names when SQLite prepared the statement again since they were read.
    private func checkPreparation() {
        checkNames = false
        guard namesRead else { return }
        if sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0) != namesPreparation { namesRead = false }
    }

    private func readNames() {
        let count = sqlite3_column_count(handle)
        names = (0..<count).map { index in sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "" }
        var seen: [String: Int] = [:]
        for name in names { seen[name, default: 0] += 1 }
        shared = names.map { (seen[$0] ?? 0) > 1 }
        nameBytes = names.flatMap { Array($0.utf8) }
        nameStarts = [0]
        for name in names { nameStarts.append((nameStarts.last ?? 0) + name.utf8.count) }
        namesPreparation = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        namesRead = true
        lastFound = -1
    }

    /// The index of the column called `name`.
    /// - Throws: `DatabaseError` (misuse) when no column has that name, or when two do (a
    ///   `SELECT` joining tables with the same column names needs `AS` aliases to be read by name).
    @usableFromInline
    func columnIndex(named name: String) throws -> Int32 {
        if !namesRead { readNames() }
        let count = names.count
        var found = -1
        var index = lastFound
        // String literals (every decoder's names) are contiguous UTF-8: compare their bytes.
        let matched: Int? = name.utf8.withContiguousStorageIfAvailable { wanted -> Int in
            nameBytes.withUnsafeBufferPointer { all -> Int in
                for _ in 0..<count {
                    index = index + 1 == count ? 0 : index + 1
                    let start = nameStarts[index], length = nameStarts[index + 1] - start
                    if length == wanted.count, let base = all.baseAddress, let wantedBase = wanted.baseAddress,
                       memcmp(base + start, wantedBase, length) == 0 {
                        return index
                    }
                }
                return -1
            }
        }
        if let matched {
            found = matched
        } else {
            for _ in 0..<count {
                index = index + 1 == count ? 0 : index + 1
                if names[index] == name { found = index; break }
            }
        }
        guard found >= 0 else {
            throw DatabaseError.misuse("no result column is named \(name)", sql: sql)
        }
        if shared[found] {
            let duplicate = names.indices.first { $0 != found && names[$0] == name } ?? found
            throw DatabaseError.misuse("result columns \(found) and \(duplicate) are both named \(name); give them AS aliases", sql: sql)
        }
        lastFound = found
        return Int32(found)
    }
}
