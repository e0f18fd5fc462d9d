/// A request handler. Handlers are synchronous and run on the worker pool (or, for routes marked
/// `.reactor`, on the I/O thread itself: only for work that never blocks, such as static files).
public typealias Handler = @Sendable (Request) throws -> Response

/// Where a route's handler runs.
public enum Execution: Sendable {
    /// On the bounded worker pool: the default, for anything that may block (the database).
    case pool
    /// Inline on the reactor thread: for handlers that never block and finish in microseconds.
    case reactor
}

/// A registered route.
public struct Route: Sendable {
    public let method: HTTPMethod
    public let pattern: String
    public let execution: Execution
    let handler: Handler

    /// Runs the handler in this thread, as a worker would (no error pages: errors are thrown).
    /// For in-process measurement (Benchmarks/RenderBenchmark); the server goes through `Reactor`.
    public func respond(to request: Request) throws -> Response {
        try handler(request)
    }
}

/// Collects routes at start-up; `build()` validates them and freezes an immutable `Router`.
///
/// Patterns are paths whose segments are literals, `{name}` (any one segment), `{name:int}`
/// (one segment of decimal digits) or a final `{name...}` (the rest of the path, one or more
/// segments). Literal segments win over parameters, parameters over the rest-wildcard.
public struct RouterBuilder {
    private var routes: [Route] = []

    public init() {}

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, execution: Execution = .pool, _ handler: @escaping Handler
    ) {
        routes.append(Route(method: method, pattern: pattern, execution: execution, handler: handler))
    }

    public mutating func get(_ pattern: String, execution: Execution = .pool, _ handler: @escaping Handler) {
        add(.get, pattern, execution: execution, handler)
    }

    public mutating func post(_ pattern: String, execution: Execution = .pool, _ handler: @escaping Handler) {
        add(.post, pattern, execution: execution, handler)
    }

    /// Replaces the handler of every route added so far with `wrap`'s (a gate in front of every
    /// route, such as the site's "require sign-in to read"); patterns and execution stay.
    public mutating func wrapHandlers(_ wrap: (_ pattern: String, _ execution: Execution, _ handler: @escaping Handler) -> Handler) {
        routes = routes.map { Route(method: $0.method, pattern: $0.pattern, execution: $0.execution, handler: wrap($0.pattern, $0.execution, $0.handler)) }
    }

    public enum BuildError: Error, CustomStringConvertible {
        case duplicate(HTTPMethod, String)
        case invalidPattern(String, reason: String)

        public var description: String {
            switch self {
            case .duplicate(let method, let pattern): "Route \(method.rawValue) \(pattern) is registered twice."
            case .invalidPattern(let pattern, let reason): "Route pattern \(pattern) is invalid: \(reason)."
            }
        }
    }

    /// Validates every pattern and rejects duplicates (the same method and shape).
    public func build() throws -> Router {
        let root = Router.Node()
        for route in routes {
            let segments = try Self.compile(route.pattern)
            var node = root
            for segment in segments {
                node = node.child(for: segment)
            }
            if node.routes[route.method] != nil { throw BuildError.duplicate(route.method, route.pattern) }
            node.routes[route.method] = route
        }
        return Router(root: root, routes: routes)
    }

    static func compile(_ pattern: String) throws -> [Router.Segment] {
        guard pattern.first == "/" else { throw BuildError.invalidPattern(pattern, reason: "it must start with /") }
        if pattern == "/" { return [] }
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var segments: [Router.Segment] = []
        for (index, part) in parts.enumerated() {
            if part.hasPrefix("{"), part.hasSuffix("}") {
                let inner = part.dropFirst().dropLast()
                if inner.hasSuffix("...") {
                    guard index == parts.count - 1 else {
                        throw BuildError.invalidPattern(pattern, reason: "a rest parameter must come last")
                    }
                    segments.append(.rest(String(inner.dropLast(3))))
                } else if inner.hasSuffix(":int") {
                    segments.append(.integer(String(inner.dropLast(4))))
                } else {
                    guard !inner.isEmpty, !inner.contains(":") else {
                        throw BuildError.invalidPattern(pattern, reason: "unknown parameter type in \(part)")
                    }
                    segments.append(.parameter(String(inner)))
                }
            } else {
                guard !part.contains("{"), !part.contains("}") else {
                    throw BuildError.invalidPattern(pattern, reason: "a parameter must fill its whole segment")
                }
                segments.append(.literal(String(part)))
            }
        }
        return segments
    }
}

/// The frozen routing table: immutable, shared by every reactor and worker.
public final class Router: Sendable {
    enum Segment: Hashable {
        case literal(String)
        case parameter(String)
        case integer(String)
        case rest(String)
    }

    /// A trie node. Mutated only inside `RouterBuilder.build()`, before the router is shared.
    final class Node: @unchecked Sendable {
        // @unchecked: written only during build(), on one thread, before the Router that owns
        // the tree is published; read-only afterwards.
        var literals: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var integer: (name: String, node: Node)?
        var rest: (name: String, node: Node)?
        var routes: [HTTPMethod: Route] = [:]

        func child(for segment: Segment) -> Node {
            switch segment {
            case .literal(let text):
                if let node = literals[text] { return node }
                let node = Node()
                literals[text] = node
                return node
            case .parameter(let name):
                if let existing = parameter { return existing.node }
                let node = Node()
                parameter = (name, node)
                return node
            case .integer(let name):
                if let existing = integer { return existing.node }
                let node = Node()
                integer = (name, node)
                return node
            case .rest(let name):
                if let existing = rest { return existing.node }
                let node = Node()
                rest = (name, node)
                return node
            }
        }
    }

    private let root: Node
    /// Every route, in registration order (for structural tests, such as "every /admin route
    /// refuses members").
    public let routes: [Route]

    init(root: Node, routes: [Route]) {
        self.root = root
        self.routes = routes
    }

    public enum Match {
        case found(Route, Parameters)
        /// The path exists, but not for this method; `allow` lists the methods it has.
        case methodNotAllowed(allow: [HTTPMethod])
        case notFound
    }

    /// Finds the route for a method and decoded path segments. HEAD falls back to GET.
    public func match(_ method: HTTPMethod, _ segments: [String]) -> Match {
        var parameters = Parameters()
        guard let node = find(root, segments[...], &parameters) else { return .notFound }
        if let route = node.routes[method] { return .found(route, parameters) }
        if method == .head, let route = node.routes[.get] { return .found(route, parameters) }
        return .methodNotAllowed(allow: Self.allowed(node))
    }

    /// The methods a path answers, for `Allow` and OPTIONS.
    public func allowedMethods(_ segments: [String]) -> [HTTPMethod] {
        var parameters = Parameters()
        guard let node = find(root, segments[...], &parameters) else { return [] }
        return Self.allowed(node)
    }

    /// Every method some route answers, for `OPTIONS *`.
    public var allMethods: [HTTPMethod] {
        var set = Set(routes.map(\.method))
        if set.contains(.get) { set.insert(.head) }
        set.insert(.options)
        return HTTPMethod.allCases.filter { set.contains($0) }
    }

    private static func allowed(_ node: Node) -> [HTTPMethod] {
        var set = Set(node.routes.keys)
        if set.contains(.get) { set.insert(.head) }
        set.insert(.options)
        return HTTPMethod.allCases.filter { set.contains($0) }
    }

    private func find(_ node: Node, _ segments: ArraySlice<String>, _ parameters: inout Parameters) -> Node? {
        guard let segment = segments.first else {
            return node.routes.isEmpty ? nil : node
        }
        let rest = segments.dropFirst()
        if let next = node.literals[segment], let found = find(next, rest, &parameters) {
            return found
        }
        if let (name, next) = node.integer, !segment.isEmpty, segment.utf8.count <= 18,
           segment.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            let mark = parameters.pairs.count
            parameters.append(name, segment)
            if let found = find(next, rest, &parameters) { return found }
            parameters.pairs.removeSubrange(mark...)
        }
        if let (name, next) = node.parameter, !segment.isEmpty {
            let mark = parameters.pairs.count
            parameters.append(name, segment)
            if let found = find(next, rest, &parameters) { return found }
            parameters.pairs.removeSubrange(mark...)
        }
        if let (name, next) = node.rest, !next.routes.isEmpty {
            parameters.rest = (name, segments)
            return next
        }
        return nil
    }
}
