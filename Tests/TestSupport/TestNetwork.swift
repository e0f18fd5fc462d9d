import Board
import Database
import Foundation
import HTTPServer
import Synchronization
import Web

/// A clock the test moves by hand.
public final class TestClock: Sendable {
    /// Where a stopped clock starts unless told otherwise.
    public static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Where the clock stands before it is moved; nil: wherever the wall clock is.
    private let base: Date?
    private let offset = Mutex<TimeInterval>(0)

    /// A clock stopped at `start` until the test moves it.
    public convenience init(stoppedAt start: Date = TestClock.start) {
        self.init(base: start)
    }

    private init(base: Date?) {
        self.base = base
    }

    /// A clock that runs with the wall clock, plus however far the test moves it.
    public static func wall() -> TestClock { TestClock(base: nil) }

    public var now: Date { (base ?? Date()).addingTimeInterval(offset.withLock { $0 }) }
    public func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
    /// The clock for the services.
    public var clock: Clock { Clock { [self] in self.now } }
}

/// What a network holds beyond its schema before the test starts: the demo world, for example
/// (tests declare theirs as static members, `TestContent.demo`).
public struct TestContent {
    let seed: (TestNetwork) throws -> Void

    public init(_ seed: @escaping (TestNetwork) throws -> Void) {
        self.seed = seed
    }

    /// Nothing: an empty, migrated database.
    public static var empty: TestContent { TestContent { _ in } }
}

public struct TestNetworkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One test's network: a fresh SQLite database in a temporary directory, an account service on
/// a cheap scrypt (N = 2^10, so tests spend their time on behaviour, not key stretching) and a
/// test clock, with fixture factories (`member(of:)`, `mentor(of:)`, `admin()`, `thread(in:by:)`…)
/// and the real web application over it (`router()`, `serve`). Made by `withTestNetwork`.
public final class TestNetwork {
    /// The password of every account made by a factory (and of demo accounts printed without one).
    public static let password = "correct horse battery"
    public static let hasher = PasswordHasher(n: 1 << 10, r: 8, p: 1)
    /// Static files and templates of this checkout, with no limit on visitors' requests (tests
    /// make many from one address; `VisitorRateLimitTests` sets its own).
    public static let siteFiles: SiteConfiguration = {
        var site = SiteConfiguration(publicDirectory: MutualsExecutable.packageRoot.path + "/Public",
                                     templatesDirectory: MutualsExecutable.packageRoot.path + "/Templates")
        site.visitorRate.perSecond = 0
        return site
    }()

    public let store: Store
    /// The data directory holding the database.
    public let directory: String
    public let accounts: Accounts
    public let clock: TestClock
    /// handle → password, for every account a test can sign in as.
    public private(set) var passwords: [String: String] = [:]
    private var madeHandles = 0

    init(store: Store, directory: String, accounts: Accounts, clock: TestClock) {
        self.store = store
        self.directory = directory
        self.accounts = accounts
        self.clock = clock
    }

    /// Records the password `handle` signs in with.
    public func remember(password: String, for handle: String) {
        passwords[handle] = password
    }

    /// The site's web application (its real router) on this network's store and account service.
    /// Every test builds the web layer here and nowhere else.
    /// - Parameter site: the files to serve (this checkout's unless told otherwise).
    public func router(site: SiteConfiguration = TestNetwork.siteFiles) throws -> Router {
        try WebApplication.makeRouter(site: site, network: Network(accounts: accounts))
    }

    /// Starts the real server on this network (127.0.0.1, port 0, with the site's security
    /// headers and error pages), runs `body` and shuts the server down gracefully.
    public func serve<T>(site: SiteConfiguration = TestNetwork.siteFiles, tls: Bool = true, _ body: (TestSite) throws -> T) throws -> T {
        let router = try router(site: site)
        let errorPage = try WebApplication.makeErrorPage(site: Self.siteFiles, network: Network(accounts: accounts))
        return try withTestServer(router: router, tls: tls, configure: {
            $0.defaultHeaders = WebApplication.securityHeaders
            $0.errorPage = errorPage
        }) { server in
            try body(TestSite(network: self, server: server))
        }
    }

    func nextHandle(_ prefix: String) -> String {
        madeHandles += 1
        return "\(prefix)_\(madeHandles)"
    }
}

/// Runs `body` on a fresh network and removes its database afterwards.
/// - Parameters:
///   - version: migrate only up to this schema version (for migration tests); the current schema by default.
///   - clock: the account service's clock; a stopped `TestClock()` or, by default, the wall clock.
///   - limits: the account service's limits.
///   - registration: the registration mode to set, if any (none set means the default).
///   - content: what the network holds before `body` runs.
public func withTestNetwork<T>(
    migratedTo version: Int? = nil, clock: TestClock = .wall(), limits: AccountLimits = AccountLimits(),
    registration: RegistrationMode? = nil, content: TestContent = .empty, _ body: (TestNetwork) throws -> T
) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutuals-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store: Store
    if let version {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: Storage.databasePath(dataDirectory: directory), configuration: Storage.boardConfiguration())
        try store.writeWithoutTransaction { try Schema.migrator.migrate($0, upTo: version) }
    } else {
        store = try Storage.openStore(dataDirectory: directory)
    }
    defer { store.close() }
    let accounts = Accounts(store: store, hasher: TestNetwork.hasher, clock: clock.clock, limits: limits)
    if let registration { try accounts.setRegistrationMode(registration) }
    let network = TestNetwork(store: store, directory: directory, accounts: accounts, clock: clock)
    try content.seed(network)
    return try body(network)
}

/// A fresh network with the real server started on it: `withTestNetwork` then `serve`.
public func withTestSite<T>(
    clock: TestClock = .wall(), limits: AccountLimits = AccountLimits(), registration: RegistrationMode? = nil,
    content: TestContent = .empty, tls: Bool = true, _ body: (TestSite) throws -> T
) throws -> T {
    try withTestNetwork(clock: clock, limits: limits, registration: registration, content: content) { network in
        try network.serve(tls: tls, body)
    }
}

/// A network with its real server running: browsers for it, and everything of the network
/// (`site.store`, `site.accounts`, `site.clock`, its factories and queries through `network`).
@dynamicMemberLookup
public struct TestSite {
    public let network: TestNetwork
    public let server: TestServer

    public subscript<T>(dynamicMember keyPath: KeyPath<TestNetwork, T>) -> T { network[keyPath: keyPath] }

    public var port: Int { server.port }

    /// A browser with an empty cookie jar.
    public func browser(_ agent: String = "BrowserClient/1.0") -> BrowserClient {
        BrowserClient(port: server.port, tls: server.tls, userAgent: agent)
    }

    /// A raw client connection.
    public func client(alpn: [String]? = ["http/1.1"], session: TLSClientSession? = nil) throws -> RawClient {
        try server.client(alpn: alpn, session: session)
    }

    /// One GET on a fresh connection.
    public func get(_ path: String) throws -> ClientResponse {
        try server.get(path)
    }

    /// Registers through the pages; the browser is signed in afterwards when it worked.
    @discardableResult
    public func register(_ browser: BrowserClient, handle: String, password: String = TestNetwork.password,
                         invite: String = "") throws -> ClientResponse {
        try browser.get("/register" + (invite.isEmpty ? "" : "?invite=\(invite)"))
        let response = try browser.post("/register", [("invite", invite), ("handle", handle), ("displayName", handle.capitalized),
                                                      ("email", "\(handle)@example.org"), ("password", password), ("organisation", "")])
        // Registering does not sign in (it must answer an existing address as it answers a new one).
        if response.status == 303 { _ = try signIn(browser, handle, password) }
        return response
    }

    /// Signs in through the sign-in page and returns the answer.
    public func signIn(_ browser: BrowserClient, _ identifier: String, _ password: String = TestNetwork.password) throws -> ClientResponse {
        try browser.get("/sign-in")
        return try browser.post("/sign-in", [("identifier", identifier), ("password", password)])
    }

    /// A browser signed in as `handle` with the password the network knows for it.
    /// - Parameter page: a page to read afterwards, so the browser holds the signed-in CSRF token.
    /// - Throws: when the sign-in is not accepted.
    public func signedIn(_ handle: String, landingOn page: String? = nil) throws -> BrowserClient {
        let browser = browser()
        let response = try signIn(browser, handle, network.passwords[handle] ?? TestNetwork.password)
        guard response.status == 303 else {
            throw TestNetworkError("sign-in of \(handle) answered \(response.status)")
        }
        if let page { try browser.get(page) }
        return browser
    }
}

extension TestServer {
    /// One GET on a fresh connection.
    public func get(_ path: String) throws -> ClientResponse {
        let client = try client()
        defer { client.close() }
        try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return try client.readResponse()
    }
}
