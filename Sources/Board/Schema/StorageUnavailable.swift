import Database

/// A write the storage refused: the disk is full, the database turned read-only, an I/O error.
/// Board's one translation of Database's storage failures for the layers above, which never see
/// a `DatabaseError`. Nothing the member sent was wrong, and nothing was saved: the same action
/// may succeed once the operator frees space or fixes the file, without a restart.
public struct StorageUnavailable: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case diskFull = "the disk is full"
        case readOnly = "the database is read-only"
        case ioError = "the disk reported an I/O error"
        case cannotOpen = "the database file cannot be opened"
        case busy = "the database is locked by another process"
    }

    public let reason: Reason
    /// SQLite's own words, for the log (never shown to members).
    public let detail: String

    /// The storage failure `error` is, or nil when it is anything else (a refused statement, a bug).
    public init?(_ error: any Error) {
        if let failure = error as? StorageUnavailable {
            self = failure
            return
        }
        guard let error = error as? DatabaseError, let failure = error.storageFailure else { return nil }
        reason = switch failure {
        case .full: .diskFull
        case .readOnly: .readOnly
        case .ioError: .ioError
        case .cannotOpen: .cannotOpen
        case .busy: .busy
        }
        detail = error.description
    }

    public var description: String { "could not save: \(reason.rawValue) (\(detail))" }
}
