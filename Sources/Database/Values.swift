import CSQLite
import Foundation

/// A Swift value that can be bound to a statement parameter.
///
/// Conforming: `Int`, `Int64`, `Int32`, `Double`, `String`, `Bool` (0/1), `Data` (BLOB),
/// `Date` (INTEGER milliseconds since 1970, so dates sort and index as integers), and `Optional`
/// of any of these (`nil` binds SQL NULL).
public protocol Bindable {
    /// Binds `self` to the 1-based parameter `index` of `statement`.
    func bind(to statement: Statement, at index: Int32) throws
}

/// A Swift value that can be read from a result column.
public protocol ColumnValue {
    /// Reads column `index` (0-based) of the current row.
    /// - Throws: `DatabaseError` (`SQLITE_MISMATCH`) when the column is NULL and `Self` is not optional.
    static func read(from row: Row, at index: Int32) throws -> Self
}

extension Int: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindInt64(Int64(self), at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Int {
        try row.requireNotNull(index)
        return Int(row.int64(at: index))
    }
}

extension Int64: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindInt64(self, at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Int64 {
        try row.requireNotNull(index)
        return row.int64(at: index)
    }
}

extension Int32: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindInt64(Int64(self), at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Int32 {
        try row.requireNotNull(index)
        return Int32(truncatingIfNeeded: row.int64(at: index))
    }
}

extension Double: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindDouble(self, at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Double {
        try row.requireNotNull(index)
        return row.double(at: index)
    }
}

extension String: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindText(self, at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> String {
        try row.requireNotNull(index)
        return row.text(at: index)
    }
}

extension Bool: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindInt64(self ? 1 : 0, at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Bool {
        try row.requireNotNull(index)
        return row.int64(at: index) != 0
    }
}

extension Data: Bindable, ColumnValue {
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindBlob(self, at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Data {
        try row.requireNotNull(index)
        return row.blob(at: index)
    }
}

extension Date: Bindable, ColumnValue {
    /// Milliseconds since 1970-01-01T00:00:00Z, the representation of every date column.
    public var databaseMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }
    /// The date stored as `milliseconds` since 1970.
    public init(databaseMilliseconds milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
    public func bind(to statement: Statement, at index: Int32) throws {
        try statement.bindInt64(databaseMilliseconds, at: index)
    }
    public static func read(from row: Row, at index: Int32) throws -> Date {
        try row.requireNotNull(index)
        return Date(databaseMilliseconds: row.int64(at: index))
    }
}

extension Optional: Bindable where Wrapped: Bindable {
    public func bind(to statement: Statement, at index: Int32) throws {
        switch self {
        case .none: try statement.bindNull(at: index)
        case .some(let value): try value.bind(to: statement, at: index)
        }
    }
}

extension Optional: ColumnValue where Wrapped: ColumnValue {
    public static func read(from row: Row, at index: Int32) throws -> Wrapped? {
        row.isNull(at: index) ? nil : try Wrapped.read(from: row, at: index)
    }
}

/// A type built from one result row by an explicit initialiser (no reflection), reading each
/// column by its name, so that reordering a `SELECT` cannot silently swap fields:
///
/// ```swift
/// struct TopicRow: RowDecodable {
///     let id: Int64, slug: String, name: String
///     init(row: Row) throws { id = try row["id"]; slug = try row["slug"]; name = try row["name"] }
/// }
/// ```
public protocol RowDecodable {
    init(row: Row) throws
}

/// The current row of a statement being stepped. Valid only inside the closure it is given to;
/// never store it.
public struct Row {
    let statement: OpaquePointer
    let sql: String
    @usableFromInline let owner: Statement

    /// The value of column `index` (0-based), typed by context: `let n: Int = try row[0]`.
    /// For a row with one column or a loop over columns; a decoder reads by name.
    ///
    /// Inlinable, as are the reads by name and `Connection.query`: callers in other modules then
    /// read each column through its concrete type, where a generic call looked up `T`'s metadata
    /// and witnesses for every column of every row (~1,000 instructions a row of a thread list).
    @inlinable
    public subscript<T: ColumnValue>(_ index: Int32) -> T {
        get throws { try T.read(from: self, at: index) }
    }

    /// The value of the column called `name` (its `AS` alias, or the bare column name for a
    /// plain column reference such as `t.title`), typed by context: `let title: String = try row["title"]`.
    /// - Throws: `DatabaseError` when no column, or more than one, has that name, or on a type mismatch.
    @inlinable
    public subscript<T: ColumnValue>(_ name: String) -> T {
        get throws { try T.read(from: self, at: owner.columnIndex(named: name)) }
    }

    /// The number of columns in the row.
    public var columnCount: Int32 { sqlite3_column_count(statement) }

    /// The name SQLite gives column `index`.
    public func columnName(_ index: Int32) -> String {
        sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
    }

    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(statement, index) == SQLITE_NULL
    }
    public func int64(at index: Int32) -> Int64 { sqlite3_column_int64(statement, index) }
    public func double(at index: Int32) -> Double { sqlite3_column_double(statement, index) }
    public func text(at index: Int32) -> String {
        // sqlite3_column_text before sqlite3_column_bytes, as sqlite.org advises, so the byte
        // count is for the UTF-8 form.
        guard let bytes = sqlite3_column_text(statement, index) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
    public func blob(at index: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(statement, index) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, index)))
    }

    func requireNotNull(_ index: Int32) throws {
        if isNull(at: index) {
            throw DatabaseError(
                extendedCode: SQLITE_MISMATCH,
                message: "column \(index) (\(columnName(index))) is NULL but a non-optional value was read",
                sql: sql)
        }
    }
}
