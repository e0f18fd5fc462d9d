// swift-tools-version:6.0
import PackageDescription

// Layers (see docs/ARCHITECTURE.md and ../shared/DESIGN.md): data flows one way,
// socket → HTTPServer → Web → Board → Database. Lower targets never import higher ones.
let package = Package(
    name: "mutuals",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mutuals", targets: ["mutuals"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
    ],
    targets: [
        // System libraries: module maps only, plus a header of static inline wrappers for
        // C macros that Swift cannot call.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // Linux interfaces outside Swift's Glibc module (epoll, eventfd, accept4); no library to link.
        .systemLibrary(name: "CLinux"),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CMark",
            pkgConfig: "libcmark",
            providers: [.apt(["libcmark-dev"]), .brew(["cmark"])]
        ),

        // The one HTML escaper, shared by the server's plain error page, Board and the templates.
        .target(name: "HTMLEscaping"),
        // A lock that sleeps rather than spins, for the caches every request asks (Board, Web).
        .target(name: "Locking"),
        // The custom HTTP/1.1 layer. Knows nothing about the board.
        .target(
            name: "HTTPServer",
            dependencies: [
                "COpenSSL",
                "CLinux",
                "CZlib",
                "HTMLEscaping",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Outgoing mail: RFC 5322 messages and our own SMTP client (STARTTLS or implicit TLS
        // through OpenSSL). Knows nothing about the board or HTTP.
        .target(
            name: "Mail",
            dependencies: ["COpenSSL", "CLinux"]
        ),
        // Thin typed wrapper over sqlite3. Knows nothing about the board.
        .target(
            name: "Database",
            dependencies: ["CSQLite", .product(name: "Metrics", package: "swift-metrics")]
        ),
        // The domain: entities, policy, services. Uses Database, never HTTP.
        .target(
            name: "Board",
            dependencies: ["Database", "HTMLEscaping", "Locking", "COpenSSL", "CMark", "Mail",
                           .product(name: "Metrics", package: "swift-metrics")],
            // Read once at start through `Bundle.module` (SwiftPM puts the bundle beside the binary).
            resources: [.copy("Resources/common-passwords.txt")]
        ),
        // The demo world and the synthetic scale seed, for `mutuals demo`, `serve --demo`, the
        // benchmarks and the tests. Writes rows directly; the server's code never uses it.
        .target(
            name: "DemoContent",
            dependencies: ["Board", "Database"]
        ),
        // Routes, handlers, templates, static files: glues HTTPServer to Board.
        .target(
            name: "Web",
            dependencies: [
                "HTTPServer",
                "Board",
                "HTMLEscaping",
                "Locking",
                "Mail",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The executable: parses arguments and wires the libraries together.
        .executableTarget(
            name: "mutuals",
            dependencies: [
                "Web",
                "HTTPServer",
                "Database",
                "Board",
                "DemoContent",
                "Mail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),

        // Test support: a raw TCP/TLS client, a live-server harness and the test network builder.
        .target(
            name: "TestSupport",
            dependencies: ["HTTPServer", "COpenSSL", "Database", "Board", "Web"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "TestSupport"]
        ),
        .testTarget(
            name: "MailTests",
            dependencies: ["Mail", "TestSupport"]
        ),
        .testTarget(
            name: "DatabaseTests",
            dependencies: ["Database", "TestSupport"]
        ),
        .testTarget(
            name: "BoardTests",
            dependencies: ["Board", "DemoContent", "Database", "TestSupport"]
        ),
        // Release-build benchmark of the storage layer; run by Benchmarks/database.sh.
        .executableTarget(
            name: "DatabaseBenchmark",
            dependencies: ["Database", "Board", "DemoContent"],
            path: "Benchmarks/DatabaseBenchmark"
        ),
        .testTarget(
            name: "WebTests",
            dependencies: ["Web", "HTTPServer", "HTMLEscaping", "Board", "DemoContent", "Database", "TestSupport", "CZlib"]
        ),

        // Release-build benchmark of the template renderer (Benchmarks/render.sh).
        .executableTarget(
            name: "RenderBenchmark",
            dependencies: ["Web", "Board", "DemoContent", "Database", "HTTPServer"],
            path: "Benchmarks/RenderBenchmark",
            exclude: ["Fixtures"]
        ),
        // Release-build benchmark of search's CPU time a query (Benchmarks/search_cpu.sh).
        .executableTarget(
            name: "SearchBenchmark",
            dependencies: ["Board", "Database"],
            path: "Benchmarks/SearchBenchmark"
        ),
    ],
    swiftLanguageModes: [.v6]
)
