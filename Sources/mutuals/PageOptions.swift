import ArgumentParser
import Database
import Web

/// `serve` options for the visitors' page cache and request limit (issue 14; docs/PERFORMANCE.md).
struct PageOptions: ParsableArguments {
    @Option(name: .customLong("page-cache-mb"), help: "Memory for whole pages kept for visitors (signed out), in MiB; 0 turns the cache off.")
    var pageCacheMegabytes: Int = PageCache.Limits().capacityBytes >> 20

    @Option(name: .customLong("post-cache-mb"), help: "Memory for rendered posts kept between pages (every reader's pages are built from them), in MiB; at least 1.")
    var postCacheMegabytes: Int = SiteConfiguration.defaultPostCacheBytes >> 20

    @Option(name: .customLong("visitor-rate"), help: "Requests a second one visitor address (IPv4, or IPv6 /64) may make over time; 0 turns the limit off. Signed-in members are never limited by it.")
    var visitorRate: Double = VisitorRateLimit.Limits().perSecond

    @Option(name: .customLong("visitor-burst"), help: "Requests one visitor address may make at once before --visitor-rate applies.")
    var visitorBurst: Double = VisitorRateLimit.Limits().burst

    @Option(name: .customLong("reader-mmap-mb"), help: "MiB of the database file each reader connection maps (SQLite mmap_size); 0 reads through read(2) instead.")
    var readerMemoryMapMegabytes: Int = Int(Store.Configuration().readerMemoryMapBytes >> 20)

    func validate() throws {
        if readerMemoryMapMegabytes < 0 { throw ValidationError("--reader-mmap-mb cannot be negative.") }
        if pageCacheMegabytes < 0 { throw ValidationError("--page-cache-mb cannot be negative.") }
        if postCacheMegabytes < 1 { throw ValidationError("--post-cache-mb must be at least 1.") }
        if postCacheMegabytes > 1 << 20 { throw ValidationError("--post-cache-mb must be at most 1048576 (1 TiB).") }
        if visitorRate < 0 { throw ValidationError("--visitor-rate cannot be negative.") }
        if visitorBurst < 1 { throw ValidationError("--visitor-burst must be at least 1.") }
    }

    var storeConfiguration: Store.Configuration {
        var configuration = Store.Configuration()
        configuration.readerMemoryMapBytes = Int64(readerMemoryMapMegabytes) << 20
        return configuration
    }

    func apply(to site: inout SiteConfiguration) {
        site.pageCache.capacityBytes = pageCacheMegabytes << 20
        site.postCacheBytes = postCacheMegabytes << 20
        site.visitorRate.perSecond = visitorRate
        site.visitorRate.burst = visitorBurst
    }
}
