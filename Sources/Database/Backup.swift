import CSQLite
import Foundation

/// Online backup with the sqlite3_backup_* API.
public enum Backup {
    /// Copies the database open on `source` to a new file at `destination`.
    ///
    /// The copy is taken in one `sqlite3_backup_step(-1)`, which reads one consistent snapshot:
    /// in WAL mode the writer goes on committing meanwhile, and the backup holds the state as of
    /// its start. It is written to `destination.partial`, checked by `verify`, then renamed over
    /// `destination`, so neither a crash nor a failed check leaves a bad backup under the real name.
    /// A destination that is the source database itself, or its `-wal`, `-shm` or `-journal`,
    /// is refused before anything is written: renaming the copy over the live file and closing
    /// the check's connection would unlink the write-ahead log a running server writes to.
    /// - Throws: `BackupError.destinationIsTheDatabase`, `DatabaseError` on any SQLite failure,
    ///   or the file system's error.
    ///
    /// `verify` is given the copy's path before it takes `destination`'s name: when it throws,
    /// the copy is deleted and a file already at `destination` (an older backup) is left as it was.
    public static func copy(from source: Connection, to destination: String, verify: (String) throws -> Void = { _ in }) throws {
        if let sourcePath = sqlite3_db_filename(source.handle, "main").map({ String(cString: $0) }),
           !sourcePath.isEmpty, isSameFile(destination, asAnyOf: ["", "-wal", "-shm", "-journal"].map { sourcePath + $0 }) {
            throw BackupError.destinationIsTheDatabase(path: destination)
        }
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
            throw BackupError.cannotWrite(path: destination, reason: "it is a folder; name a file in it")
        }
        let folder = (destination as NSString).deletingLastPathComponent
        if !folder.isEmpty, !(fileManager.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw BackupError.cannotWrite(path: destination, reason: "there is no folder \(folder)")
        }
        let partial = destination + ".partial"
        func removePartial() {
            for leftover in [partial, partial + "-wal", partial + "-shm", partial + "-journal"] {
                try? fileManager.removeItem(atPath: leftover)
            }
        }
        removePartial()
        do {
            try copyPages(from: source, toFileAt: partial, naming: destination)
            try verify(partial)
        } catch {
            removePartial()
            throw error
        }
        // rename(2) replaces an older file at `destination` in one step.
        guard rename(partial, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fileManager.removeItem(atPath: partial)
            throw BackupError.cannotWrite(path: destination, reason: reason)
        }
    }

    /// Whether `path` names the same file (device and inode) as one of `candidates` that exists.
    private static func isSameFile(_ path: String, asAnyOf candidates: [String]) -> Bool {
        var target = stat()
        guard stat(path, &target) == 0 else { return false }
        return candidates.contains { candidate in
            var info = stat()
            return stat(candidate, &info) == 0 && info.st_dev == target.st_dev && info.st_ino == target.st_ino
        }
    }

    /// Runs the backup into `path` and closes it (which checkpoints its WAL into the file).
    private static func copyPages(from source: Connection, toFileAt path: String, naming destination: String) throws {
        var target: OpaquePointer?
        let openCode = sqlite3_open_v2(path, &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard openCode == SQLITE_OK, let target else {
            let error = DatabaseError.from(target, code: openCode, sql: nil)
            sqlite3_close_v2(target)
            throw error
        }
        defer { sqlite3_close_v2(target) }
        guard let backup = sqlite3_backup_init(target, "main", source.handle, "main") else {
            throw DatabaseError.from(target, code: sqlite3_errcode(target), sql: nil)
        }
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, -1)
            if code == SQLITE_BUSY || code == SQLITE_LOCKED {
                sqlite3_sleep(10)
            }
        } while code == SQLITE_OK || code == SQLITE_BUSY || code == SQLITE_LOCKED
        sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE else {
            throw DatabaseError(extendedCode: code,
                                message: "backup to \(destination) failed: \(String(cString: sqlite3_errstr(code)))")
        }
    }
}

/// A backup refused before it began.
public enum BackupError: Error, CustomStringConvertible, Sendable {
    /// `--to` names the database being copied (or one of its `-wal`, `-shm`, `-journal` files).
    case destinationIsTheDatabase(path: String)
    /// `--to` cannot be written: it is a folder, or its folder does not exist.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .destinationIsTheDatabase(let path):
            "\(path) is the database being backed up (or one of its -wal, -shm or -journal files). Write the backup to another file, outside the data folder; nothing was changed."
        case .cannotWrite(let path, let reason):
            "Cannot write the backup to \(path): \(reason). Nothing was written."
        }
    }
}
