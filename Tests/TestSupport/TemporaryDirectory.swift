import Foundation
import Synchronization

/// A fresh directory under the system temporary directory, named `prefix-UUID`. Remove it
/// with `defer { directory.remove() }` on the next line, so it goes when the test fails too.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// - Parameter create: false only names the directory, for a command under test that should
    ///   make it (or refuse to); `remove()` then removes whatever it made.
    public init(_ prefix: String = "mutuals-test", create: Bool = true) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        if create { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Directories one test process keeps for its whole life (its TLS certificates), named
/// `prefix-PID` and removed when the process exits, so runs do not pile them up in /tmp.
/// (One fixed directory per user would be shared by test processes running at once, which
/// could each find it half-written.)
public enum ProcessDirectory {
    private static let made = Mutex<[String]>([])

    /// The path of this process's directory `prefix`, removed at exit (the caller makes it).
    public static func path(_ prefix: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())").path
        made.withLock { made in
            if made.isEmpty { atexit { ProcessDirectory.removeAll() } }
            made.append(path)
        }
        return path
    }

    private static func removeAll() {
        for path in made.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }
}
