#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPServer
import Synchronization

/// One compiled template and the output size it last needed.
final class CompiledTemplate: Sendable {
    let name: String
    let program: TemplateProgram
    /// Bytes to reserve for the next render: grows to the largest output seen, so a page is
    /// written into one allocation.
    let sizeHint: Atomic<Int>

    init(name: String, program: TemplateProgram) {
        self.name = name
        self.program = program
        self.sizeHint = Atomic(max(4096, program.staticByteCount * 2))
    }
}

/// The immutable store shared by a library and its templates.
final class TemplateStore: Sendable {
    let templates: [CompiledTemplate]
    let indexByName: [String: Int]
    init(templates: [CompiledTemplate], names: [String]) {
        self.templates = templates
        var indexByName: [String: Int] = [:]
        for (index, name) in names.enumerated() { indexByName[name] = index }
        self.indexByName = indexByName
    }
}

/// Every `*.mustache` template of the site, read, parsed and compiled once at start.
///
/// Building the library fails (at start, never on a request) on a missing partial or layout,
/// unbalanced or mismatched sections, a block the layout does not declare, a set-delimiter tag,
/// an unclosed tag, or a raw tag on a name not ending in `HTML`. `require(_:)` then checks that
/// every template the code asks for exists. After that the library never changes and is shared
/// by all worker threads.
public struct TemplateLibrary: Sendable {
    let store: TemplateStore

    /// Loads every `*.mustache` file in `directory`; a template's name is its file name without
    /// the extension (`Templates/home.mustache` is "home").
    /// - Throws: `TemplateError` when the directory cannot be read or a template does not compile.
    public init(directory: String) throws {
        try self.init(directories: [directory])
    }

    /// Loads the `*.mustache` files of several directories as one library (names must not repeat).
    public init(directories: [String]) throws {
        var sources: [String: [UInt8]] = [:]
        for directory in directories {
            for file in try Self.mustacheFiles(in: directory) {
                let name = String(file.dropLast(".mustache".count))
                guard sources[name] == nil else {
                    throw TemplateError(.unreadable, template: name, "is defined twice (again in \(directory))")
                }
                guard let bytes = Self.read("\(directory)/\(file)") else {
                    throw TemplateError(.unreadable, template: name, "cannot read \(directory)/\(file)")
                }
                sources[name] = bytes
            }
        }
        try self.init(sources: sources)
    }

    /// A library from template sources in memory, by name (for tests and tools).
    public init(templates: [String: String]) throws {
        var sources: [String: [UInt8]] = [:]
        for (name, text) in templates { sources[name] = Array(text.utf8) }
        try self.init(sources: sources)
    }

    private init(sources: [String: [UInt8]]) throws {
        var compiler = TemplateCompiler(sources: sources)
        try compiler.compileAll()
        let names = compiler.names
        var compiled: [CompiledTemplate] = []
        compiled.reserveCapacity(compiler.trees.count)
        // Every part of every name gets one number, the same in every library of the process
        // (`TemplateNameIDs`), so a render finds a view model's answer by indexing its type's
        // keys (`TemplateKeys`), never by comparing the name's text.
        for (index, tree) in compiler.trees.enumerated() {
            let program = TemplateProgram(tree, template: index) { names in
                let ids = TemplateNameIDs.ids(names.map(\.first))
                for slot in names.indices {
                    names[slot] = names[slot].numbered(id: ids[slot], restIDs: TemplateNameIDs.ids(names[slot].rest))
                }
            }
            compiled.append(CompiledTemplate(name: index < names.count ? names[index] : "(indented partial)", program: program))
        }
        store = TemplateStore(templates: compiled, names: names)
    }

    /// The names of the templates, sorted.
    public var names: [String] { store.indexByName.keys.sorted() }

    /// Every name the templates look up (each part of a dotted name), for checking that view
    /// models list the names they answer (`TemplateKeys`).
    public var valueNames: Set<String> {
        var names: Set<String> = []
        for template in store.templates {
            for name in template.program.names where !name.isImplicit {
                names.insert(name.first)
                names.formUnion(name.rest)
            }
        }
        return names
    }

    /// The template called `name`.
    /// - Throws: `TemplateError.Kind.missingTemplate` when there is none.
    public func template(_ name: String) throws -> Template {
        guard let index = store.indexByName[name] else {
            throw TemplateError(.missingTemplate, template: name, "the code asks for this template, but there is no \(name).mustache")
        }
        return Template(store: store, index: index)
    }

    /// Checks at start that every template the code uses exists.
    /// - Throws: `TemplateError.Kind.missingTemplate` naming the first one missing.
    public func require(_ names: [String]) throws {
        for name in names { _ = try template(name) }
    }

    private static func mustacheFiles(in directory: String) throws -> [String] {
        guard let handle = opendir(directory) else {
            throw TemplateError(.unreadable, template: directory, "the templates directory \(directory) cannot be read")
        }
        defer { closedir(handle) }
        var files: [String] = []
        while let entry = readdir(handle) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if file.hasSuffix(".mustache") && !file.hasPrefix(".") { files.append(file) }
        }
        return files.sorted()
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

/// A compiled template, found at start; rendering it cannot fail.
public struct Template: Sendable {
    let store: TemplateStore
    let index: Int

    public var name: String { store.templates[index].name }

    /// The most a render reserves up front (bigger pages grow the buffer by doubling).
    static let largestSizeHint = 256 << 10
    /// A page rendered into an array bigger than this, filling less than half of it, is copied
    /// into one of its own size: a small page does not hold a big page's memory while it waits
    /// to be written to the socket.
    static let keptSlack = 64 << 10

    /// The page for `model`, as UTF-8 bytes.
    public func render(_ model: some TemplateRenderable) -> [UInt8] {
        if let layered = model as? any TemplateLayers { return render(roots: layered.layers) }
        return render(roots: [.object(model)])
    }

    /// The page for `value`, as UTF-8 bytes.
    public func render(_ value: TemplateValue) -> [UInt8] {
        render(roots: [value])
    }

    /// The page for a stack of contexts, outermost first.
    func render(roots: [TemplateValue]) -> [UInt8] {
        render(roots: roots, after: 0).bytes
    }

    /// The page for a stack of contexts, as bytes after `headroom` spare ones (zeros) when it
    /// can: the returned `headroom` is 0 when the page was moved to an array of its own.
    ///
    /// Rendered into the array the response sends, not copied there afterwards (the copy was ~2%
    /// of a signed-in thread page's CPU), and after room for the response's head, so that the
    /// reactor need not copy the page after the head either (`Response.headroom`). A page that
    /// outgrew the array, or fills little of a big one, is copied into one of its own.
    private func render(roots: [TemplateValue], after headroom: Int) -> (bytes: [UInt8], headroom: Int, keptDeflates: [KeptDeflateSpan]) {
        let compiled = store.templates[index]
        let hint = compiled.sizeHint.load(ordering: .relaxed)
        var moved: [UInt8]?
        var size = 0
        var spans: [KeptDeflateSpan] = []
        var page = [UInt8](unsafeUninitializedCapacity: headroom + hint) { storage, initialized in
            storage.baseAddress?.initialize(repeating: 0, count: headroom)
            var renderer = TemplateRenderer(templates: store.templates, roots: roots,
                                            out: RenderBuffer(into: UnsafeMutableBufferPointer(rebasing: storage[headroom...])))
            renderer.render(template: index)
            size = renderer.out.count
            spans = renderer.keptDeflates
            if renderer.out.ownsStorage {
                moved = renderer.out.makeArray()
                initialized = 0
            } else {
                initialized = headroom + size
            }
        }
        var kept = headroom
        if let moved {
            page = moved
            kept = 0
        } else if page.capacity > Self.keptSlack, size < page.capacity / 2 {
            page = page.withUnsafeBufferPointer { rendered in
                [UInt8](unsafeUninitializedCapacity: rendered.count - headroom) { copy, initialized in
                    initialized = copy.initialize(fromContentsOf: rendered[headroom...])
                }
            }
            kept = 0
        }
        if size > hint && hint < Self.largestSizeHint {
            compiled.sizeHint.store(min(size + size / 8, Self.largestSizeHint), ordering: .relaxed)
        }
        return (page, kept, spans)
    }

    /// Plain text for `value`, nothing escaped: for the text part of mail, never for a page.
    public func renderPlainText(_ value: TemplateValue) -> String {
        var renderer = TemplateRenderer(templates: store.templates, roots: [value], capacity: 4096)
        renderer.escapes = false
        renderer.render(template: index)
        return String(decoding: renderer.out.makeArray(), as: UTF8.self)
    }

    /// The page for `model` as a `text/html` response, rendered after room for its head.
    public func response(_ model: some TemplateRenderable, status: HTTPStatus = .ok) -> Response {
        if let layered = model as? any TemplateLayers { return response(roots: layered.layers, status: status) }
        return response(roots: [.object(model)], status: status)
    }

    /// The page for `value` as a `text/html` response, rendered after room for its head.
    public func response(_ value: TemplateValue, status: HTTPStatus = .ok) -> Response {
        response(roots: [value], status: status)
    }

    private func response(roots: [TemplateValue], status: HTTPStatus) -> Response {
        let (bytes, headroom, spans) = render(roots: roots, after: Response.headroomForHead)
        return Response(status: status, headers: Response.htmlHeaders, bodyAfter: headroom, in: bytes, keptDeflates: spans)
    }
}

extension Response {
    static let htmlHeaders = HTTPHeaders([("Content-Type", "text/html; charset=utf-8")])

    /// A `text/html; charset=utf-8` response with an already-rendered body.
    public static func html(bytes: [UInt8], status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: htmlHeaders, body: bytes)
    }
}
