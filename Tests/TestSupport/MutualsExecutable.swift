import Foundation

/// The `mutuals` executable, for tests that must run it as a separate process (the serve
/// command, crash durability). `swift test` builds only what the tests link, not executables,
/// so the first call builds the product into the same build directory, once per test process.
public enum MutualsExecutable {
    public struct BuildFailed: Error, CustomStringConvertible {
        public let output: String
        public var description: String { "swift build --product mutuals failed:\n\(output)" }
    }

    /// The package's root directory.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let built: Result<URL, BuildFailed> = {
        // The test binary lives in <scratch>/<triple>/<configuration>/; build there too.
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var productsDirectory = testBinary.deletingLastPathComponent()
        while productsDirectory.path.contains(".xctest") { productsDirectory = productsDirectory.deletingLastPathComponent() }
        let configuration = productsDirectory.lastPathComponent
        let scratch = productsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // `swift test` holds the build directory's lock while tests run and builds nothing then,
        // so this nested build may ignore it.
        process.arguments = ["swift", "build", "--ignore-lock", "--product", "mutuals", "--scratch-path", scratch.path,
                             "--configuration", configuration == "release" ? "release" : "debug"]
        process.currentDirectoryURL = packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return .failure(BuildFailed(output: "\(error)"))
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return .failure(BuildFailed(output: output)) }
        return .success(productsDirectory.appendingPathComponent("mutuals"))
    }()

    /// Builds (if needed) and returns the path of the `mutuals` executable.
    public static func url() throws -> URL {
        try built.get()
    }
}
