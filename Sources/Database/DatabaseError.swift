import CSQLite

/// An error reported by SQLite, or by this wrapper in SQLite's terms.
///
/// Carries SQLite's extended result code (match on it, or use the `is…` helpers), SQLite's
/// message and the SQL of the statement that failed. Bound values are never included: they may
/// hold passwords, emails or private posts, and errors end up in logs.
public struct DatabaseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// SQLite's extended result code, e.g. `ExtendedCode.constraintUnique` (2067).
    public let extendedCode: Int32
    /// SQLite's message (`sqlite3_errmsg`) or this wrapper's explanation.
    public let message: String
    /// The SQL text of the failing statement, when there was one.
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code), e.g. `SQLITE_CONSTRAINT`.
    public var primaryCode: Int32 { extendedCode & 0xFF }

    /// A `UNIQUE` or `PRIMARY KEY` constraint failed: "that handle is taken".
    public var isUniqueConstraintViolation: Bool {
        extendedCode == ExtendedCode.constraintUnique || extendedCode == ExtendedCode.constraintPrimaryKey
    }
    /// A `FOREIGN KEY` constraint failed.
    public var isForeignKeyViolation: Bool { extendedCode == ExtendedCode.constraintForeignKey }
    /// A `CHECK` constraint failed.
    public var isCheckConstraintViolation: Bool { extendedCode == ExtendedCode.constraintCheck }
    /// A `NOT NULL` constraint failed.
    public var isNotNullViolation: Bool { extendedCode == ExtendedCode.constraintNotNull }
    /// A trigger called `RAISE(ABORT, ...)` (e.g. the append-only moderation log).
    public var isTriggerRejection: Bool { extendedCode == ExtendedCode.constraintTrigger }
    /// Any constraint failure.
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    /// The database was locked by another connection for longer than `busy_timeout`.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY }
    /// How the storage refused, when it was the storage and not the statement: the disk is
    /// full, the file or its folder turned read-only, an I/O error, a file that cannot be
    /// opened, or a lock held past `busy_timeout`. Nothing the caller sent was wrong: the same
    /// write may succeed once space comes back or the file is fixed. Nil for anything else.
    public var storageFailure: StorageFailure? {
        switch primaryCode {
        case SQLITE_FULL: .full
        case SQLITE_READONLY: .readOnly
        case SQLITE_IOERR: .ioError
        case SQLITE_CANTOPEN: .cannotOpen
        case SQLITE_BUSY: .busy
        default: nil
        }
    }

    /// The storage itself failed, not the write's content: the disk is full, the file turned
    /// read-only, an I/O error, a corrupt file, no memory, or a lock held elsewhere past the busy
    /// timeout. The writer keeps the last one for the health check (`Store.health`).
    public var isStorageFailure: Bool {
        switch primaryCode {
        case SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_CORRUPT, SQLITE_NOTADB,
             SQLITE_NOMEM, SQLITE_PROTOCOL, SQLITE_PERM, SQLITE_BUSY:
            true
        default:
            false
        }
    }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " — while executing `\(sql)`" }
        return text
    }

    /// Builds the error for `code` from the connection's current message.
    static func from(_ db: OpaquePointer?, code: Int32, sql: String?) -> DatabaseError {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        // sqlite3_extended_errcode reports the most recent failure on the connection; when it
        // disagrees with the primary code we were given, trust the given code.
        let chosen = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return DatabaseError(extendedCode: chosen, message: message, sql: sql)
    }

    /// An API misuse detected by this wrapper (reported as `SQLITE_MISUSE`).
    static func misuse(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(extendedCode: SQLITE_MISUSE, message: message, sql: sql)
    }
}

/// SQLite's extended result codes that Board matches on. Swift does not import the C macros
/// (they are expressions), so they are spelled out here from sqlite3.h.
public enum ExtendedCode {
    public static let constraintCheck: Int32 = SQLITE_CONSTRAINT | (1 << 8)
    public static let constraintForeignKey: Int32 = SQLITE_CONSTRAINT | (3 << 8)
    public static let constraintNotNull: Int32 = SQLITE_CONSTRAINT | (5 << 8)
    public static let constraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)
    public static let constraintTrigger: Int32 = SQLITE_CONSTRAINT | (7 << 8)
    public static let constraintUnique: Int32 = SQLITE_CONSTRAINT | (8 << 8)
}

/// The ways the storage itself can refuse a statement (see `DatabaseError.storageFailure`).
public enum StorageFailure: Sendable {
    /// `SQLITE_FULL`: the disk (or `max_page_count`) is full.
    case full
    /// `SQLITE_READONLY`: the file, its folder or the connection is read-only.
    case readOnly
    /// `SQLITE_IOERR`: the operating system reported an I/O error (EIO, EROFS, EPERM…).
    case ioError
    /// `SQLITE_CANTOPEN`: a file (the database, its WAL, a temporary file) cannot be opened.
    case cannotOpen
    /// `SQLITE_BUSY`: another process held the lock for longer than `busy_timeout`.
    case busy
}
