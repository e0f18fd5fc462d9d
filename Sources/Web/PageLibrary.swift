#if canImport(Glibc)
import Glibc
#endif
import HTTPServer

/// Page templates loaded once at start. Every name the code uses is checked to exist then, so a
/// missing template stops the process at start, not on the first request.
struct PageLibrary: Sendable {
    private let pages: [String: [UInt8]]

    enum LoadError: Error, CustomStringConvertible {
        case missing(String)

        var description: String {
            switch self {
            case .missing(let path): "The template \(path) is missing."
            }
        }
    }

    init(directory: String, required: [String]) throws {
        var pages: [String: [UInt8]] = [:]
        for name in required {
            let path = "\(directory)/\(name).html"
            guard let bytes = Self.read(path) else { throw LoadError.missing(path) }
            pages[name] = bytes
        }
        self.pages = pages
    }

    func response(_ name: String) throws -> Response {
        guard let page = pages[name] else { throw HTTPError.notFound }
        return Response(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]), body: page)
    }

    private static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        return ferror(file) == 0 ? bytes : nil
    }
}
