import Database
import Foundation
import HTTPServer
import Metrics
import Prometheus

/// The process's metrics backend: a Prometheus registry behind the swift-metrics facade, so what
/// every layer records (HTTPServer, Database's writer, Board, Mail) lands in one place.
enum MetricsBackend {
    /// Bootstrapped the first time it is read, once per process (`MetricsSystem.bootstrap` may
    /// not run twice). Read it before opening the store: handles made before the bootstrap
    /// record nothing.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latencies from a millisecond (a cached page) to ten seconds (something is wrong).
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .microseconds(2_500_000), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["mutuals_db_write_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}

/// What `/metrics` answers: figures sampled at scrape time (file sizes, memory), then everything
/// in the registry in the Prometheus text format.
final class MetricsScrape: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let store: Store
    private let databaseFiles: Set<String>
    private let databaseBytes: Prometheus.Gauge
    private let walBytes: Prometheus.Gauge
    private let residentBytes: Prometheus.Gauge
    private let anonymousBytes: Prometheus.Gauge
    private let fileBytes: Prometheus.Gauge
    private let mappedDatabaseBytes: Prometheus.Gauge

    init(registry: PrometheusCollectorRegistry, store: Store) {
        self.registry = registry
        self.store = store
        // smaps names mapped files by their absolute, resolved path.
        let path = URL(fileURLWithPath: store.path).resolvingSymlinksInPath().path
        databaseFiles = [path, path + "-shm"]
        databaseBytes = Self.bytesGauge(registry, "mutuals_db_file", "Size of the database file.")
        walBytes = Self.bytesGauge(registry, "mutuals_db_wal", "Size of the database's write-ahead log.")
        residentBytes = Self.bytesGauge(registry, "mutuals_process_resident", "Resident set size (VmRSS).")
        anonymousBytes = Self.bytesGauge(registry, "mutuals_process_resident_anonymous", "Resident anonymous memory (RssAnon): the server's own heap and stacks.")
        fileBytes = Self.bytesGauge(registry, "mutuals_process_resident_file", "Resident file-backed pages (RssFile): binary, libraries, mapped database.")
        mappedDatabaseBytes = Self.bytesGauge(registry, "mutuals_process_database_mapped", "Resident pages of the database file and its -shm index mapped by SQLite.")
    }

    /// A gauge named `<name>_bytes` with its help line.
    private static func bytesGauge(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "bytes", helpText: help))
    }

    func render() -> [UInt8] {
        let sizes = store.fileSizes()
        databaseBytes.set(sizes.database)
        walBytes.set(sizes.wal)
        let memory = ProcessMemory.current()
        residentBytes.set(Int64(memory.residentBytes))
        anonymousBytes.set(Int64(memory.anonymousBytes))
        fileBytes.set(Int64(memory.fileBytes))
        mappedDatabaseBytes.set(Int64(ProcessMemory.residentMappedBytes(of: databaseFiles)))
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
