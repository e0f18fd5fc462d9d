import ArgumentParser
import Board
import DemoContent
import Foundation
import HTTPServer
import Logging
import Mail
import Web

/// `mutuals serve`: runs the site until SIGINT or SIGTERM.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server until SIGINT or SIGTERM.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var pages: PageOptions
    @OptionGroup var observability: ObservabilityOptions
    @OptionGroup var smtp: SMTPOptions
    @OptionGroup var digestOptions: DigestOptions

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "HTTPS port (plain HTTP with --no-tls).")
    var port: Int = 8443

    @Option(name: .customLong("http-port"), help: "Plain HTTP port that redirects every request to HTTPS (308); 0 turns it off.")
    var httpPort: Int = 8080

    @Flag(name: .customLong("no-tls"), help: "Serve plain HTTP on --port, for running behind a TLS-terminating proxy.")
    var noTLS = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain. Without it a self-signed development certificate is made in the data directory.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(help: "Worker threads for request handlers (default: 4 per CPU, at least 4).")
    var workers: Int?

    @Option(help: "I/O (epoll) threads (default: one per CPU this process may use).")
    var reactors: Int?

    @Option(name: .customLong("queue-depth"), help: "Requests that may wait for a worker before the server answers 503.")
    var queueDepth: Int = 1024

    @Option(name: .customLong("max-header-bytes"), help: "Largest request head in bytes (431 above it).")
    var maxHeaderBytes: Int = HTTPLimits().maxHeaderBytes

    @Option(name: .customLong("max-uri-length"), help: "Longest request target in bytes (414 above it).")
    var maxURILength: Int = HTTPLimits().maxURILength

    @Option(name: .customLong("max-header-count"), help: "Most header fields in a request (431 above it).")
    var maxHeaderCount: Int = HTTPLimits().maxHeaderCount

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body in bytes (413 above it).")
    var maxBodyBytes: Int = HTTPLimits().maxBodyBytes

    @Option(name: .customLong("head-timeout"), help: "Seconds allowed to send a request head.")
    var headTimeout: Double = HTTPTimeouts().head

    @Option(name: .customLong("body-timeout"), help: "Seconds allowed to send a request body.")
    var bodyTimeout: Double = HTTPTimeouts().body

    @Option(name: .customLong("idle-timeout"), help: "Seconds a kept-alive connection may wait for its next request.")
    var idleTimeout: Double = HTTPTimeouts().idle

    @Option(name: .customLong("write-timeout"), help: "Seconds a client may take to read a response.")
    var writeTimeout: Double = HTTPTimeouts().write

    @Option(name: .customLong("shutdown-grace"), help: "Seconds in-flight requests get to finish on shutdown.")
    var shutdownGrace: Double = 10

    @Option(name: .customLong("access-log"), help: "Access log: a file path, - for standard output, or off.")
    var accessLog: String = "-"

    @Option(name: .customLong("public"), help: "Directory of static files served at /static/.")
    var publicDirectory: String = "Public"

    @Option(help: "Directory of page templates.")
    var templates: String = "Templates"

    @Option(name: .customLong("streams-per-session"), help: "Live-update streams one signed-in session may hold open (429 above it).")
    var streamsPerSession: Int = LiveStreamLimits().perSession

    @Option(name: .customLong("streams-per-address"), help: "Live-update streams one client address (IPv6: its /64) may hold open (429 above it).")
    var streamsPerAddress: Int = LiveStreamLimits().perAddress

    @Option(name: .customLong("stream-lifetime"), help: "Seconds a live-update stream lives before the browser is told to reconnect.")
    var streamLifetime: Double = LiveStreamLimits().maxLifetime

    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp(
        "A proxy address or block (CIDR) whose X-Forwarded-For names the client; repeatable. Default: none.",
        valueName: "cidr"))
    var trustedProxies: [String] = []

    @Option(help: "A JSON file of serve settings, keyed by option name (also MUTUALS_CONFIG). Flags, then MUTUALS_* variables, then the file, then defaults.")
    var config: String?

    @Flag(name: .customLong("check-config"), help: "Print the effective configuration and where each value came from (secrets masked), then exit.")
    var checkConfig = false

    @Flag(help: "Seed the demo network (organisations, topics, briefing, threads, three accounts) when the database is new.")
    var demo = false

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together.") }
        if noTLS && tlsCert != nil { throw ValidationError("--no-tls cannot be used with --tls-cert.") }
        for (name, value) in [("--port", port), ("--http-port", httpPort)] where !(0...65535).contains(value) {
            throw ValidationError("\(name) must be between 0 and 65535.")
        }
        for (name, value) in [("--max-header-bytes", maxHeaderBytes), ("--max-uri-length", maxURILength),
                              ("--max-header-count", maxHeaderCount), ("--queue-depth", queueDepth),
                              ("--streams-per-session", streamsPerSession), ("--streams-per-address", streamsPerAddress)] where value < 1 {
            throw ValidationError("\(name) must be at least 1.")
        }
        if maxBodyBytes < 0 { throw ValidationError("--max-body-bytes cannot be negative.") }
        for (name, value) in [("--head-timeout", headTimeout), ("--body-timeout", bodyTimeout),
                              ("--idle-timeout", idleTimeout), ("--write-timeout", writeTimeout),
                              ("--stream-lifetime", streamLifetime)] where value <= 0 {
            throw ValidationError("\(name) must be more than 0 seconds.")
        }
        do { _ = try TrustedProxies(trustedProxies) } catch { throw ValidationError("--trusted-proxy: \(error)") }
        if accessLog != "off" && accessLog != "-" {
            // Checked here so --check-config finds it: the start used to stop on "open ... failed"
            // without naming the option.
            let folder = URL(fileURLWithPath: accessLog).deletingLastPathComponent().path
            let writable = FileManager.default.fileExists(atPath: accessLog)
                ? FileManager.default.isWritableFile(atPath: accessLog) : FileManager.default.isWritableFile(atPath: folder)
            guard writable else {
                throw ValidationError("--access-log: cannot write \(accessLog) (is the folder \(folder) there, and writable?). Give a file, - for standard output, or off.")
            }
        }
        try ServeMail.check(smtp)
        // Checked before anything is written (the demo is seeded after this): relative paths are
        // read from the current directory, so say which one was looked in.
        for (name, path) in [("--templates", templates), ("--public", publicDirectory)] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                throw ValidationError("\(name): no directory at \(absolute). Run from the repository, or pass \(name) with its path.")
            }
        }
    }

    func run() throws {
        if checkConfig {
            try printEffectiveConfiguration()
            return
        }
        // A port already served refuses the start before anything is written (the data
        // directory, the database, the access log); `Server.start` checks again as it binds.
        try Server.refuseServedPorts(host: host, ports: noTLS ? [port] : [port, httpPort])
        Server.blockTerminationSignals()
        // Freed heap memory stays in the process instead of being faulted in afresh for every
        // response (see `keepFreedHeapMemory`).
        ProcessMemory.keepFreedHeapMemory(upTo: 64 << 20)
        let metricsRegistry = MetricsBackend.registry  // before anything records
        let metricsToken = try observability.metricsToken()
        let errorWriter = LineWriter.standardOutput()
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, writer: errorWriter) }
        var accessWriter: LineWriter?
        switch accessLog {
        case "off": accessWriter = nil
        case "-": accessWriter = errorWriter
        default: accessWriter = try LineWriter.appending(to: accessLog)
        }

        // The common-password list is a resource beside the binary: read it now, so a missing
        // bundle stops the start instead of the first registration.
        _ = CommonPasswords.count
        // Opening the store applies any pending migrations; a database from a newer version is refused.
        // A page keeps its reader from its first read until it answers (`Store.readScope`), so
        // there is a reader for every worker, and two more for the mail and live-update threads.
        var storeConfiguration = pages.storeConfiguration
        let workerThreads = workers.map { max(1, $0) } ?? ServerConfiguration(listeners: []).workerThreads
        storeConfiguration.maximumReaders = max(storeConfiguration.maximumReaders, workerThreads + 2)
        let store = try Storage.openStore(dataDirectory: dataOptions.data, configuration: storeConfiguration)
        defer { store.close() }
        if demo {
            if let accounts = try Demo.seedIfEmpty(store) {
                say("Seeded the demo network. Sign in as:")
                for account in accounts {
                    say("  \(account.role.padding(toLength: 7, withPad: " ", startingAt: 0)) \(account.handle)  password: \(account.password)")
                }
            } else {
                say("The database in \(dataOptions.data) already has accounts; --demo left it as it is. "
                    + "(The demo passwords were printed at the first start; `mutuals user reset-password --data \(dataOptions.data) HANDLE` sets a new one.)")
            }
        }

        var site = SiteConfiguration(publicDirectory: publicDirectory, templatesDirectory: templates)
        site.liveStreams.perSession = streamsPerSession
        site.liveStreams.perAddress = streamsPerAddress
        site.liveStreams.maxLifetime = streamLifetime
        pages.apply(to: &site)
        let scrape = MetricsScrape(registry: metricsRegistry, store: store)
        site.operations.metrics = { scrape.render() }
        site.operations.metricsToken = metricsToken
        let network = Network(store: store)
        try network.watchOtherProcesses()
        // Stopped before the store closes (defers run last first).
        let mailSender = try ServeMail.startSender(network: network, templatesDirectory: templates, smtp: smtp,
                                                   listening: "\(noTLS ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        defer { mailSender.stop() }
        site.mailSender = mailSender
        site.baseURL = try smtp.publicBaseURL()
        // Issue 15: queues the daily summary and the weekly briefing when due; stopped before the store closes.
        let mailSchedule = MailScheduleTimer(service: network.mailDigest, schedule: try digestOptions.schedule()) { say($0) }
        mailSchedule.start()
        defer { mailSchedule.stop() }
        let router = try WebApplication.makeRouter(site: site, network: network)

        var listeners: [ListenerConfiguration] = []
        var reloadable: TLSContext?
        var banner: [String] = []
        if noTLS {
            listeners.append(ListenerConfiguration(host: host, port: port, router: router))
        } else {
            let certificate: (cert: String, key: String)
            if let tlsCert, let tlsKey {
                certificate = (tlsCert, tlsKey)
                banner.append("TLS certificate \(tlsCert), SHA-256 \(try DevelopmentCertificate.fingerprint(ofCertificateAt: tlsCert))")
            } else {
                let files = try DevelopmentCertificate.ensure(in: dataOptions.data)
                certificate = (files.certificatePath, files.privateKeyPath)
                banner.append("\(files.created ? "Made a" : "Using the") self-signed development certificate \(files.certificatePath)")
                banner.append("  SHA-256 fingerprint \(files.fingerprint)")
            }
            let tls = try TLSContext(certificatePath: certificate.cert, privateKeyPath: certificate.key)
            reloadable = tls
            listeners.append(ListenerConfiguration(host: host, port: port, tls: tls, router: router))
        }

        var configuration = ServerConfiguration(listeners: listeners)
        configuration.limits.maxHeaderBytes = maxHeaderBytes
        configuration.limits.maxURILength = maxURILength
        configuration.limits.maxHeaderCount = maxHeaderCount
        configuration.limits.maxBodyBytes = maxBodyBytes
        configuration.timeouts.head = headTimeout
        configuration.timeouts.body = bodyTimeout
        configuration.timeouts.idle = idleTimeout
        configuration.timeouts.write = writeTimeout
        configuration.shutdownGracePeriod = shutdownGrace
        configuration.queueDepth = queueDepth
        configuration.trustedProxies = try TrustedProxies(trustedProxies)
        if let workers { configuration.workerThreads = max(1, workers) }
        if let reactors { configuration.reactorThreads = max(1, reactors) }
        configuration.defaultHeaders = WebApplication.securityHeaders
        configuration.errorPage = try WebApplication.makeErrorPage(site: site, network: network)
        configuration.accessLogFormat = observability.format
        if let accessWriter {
            let stamped = observability.format == .text
            configuration.accessLog = Logger(label: "access") { _ in
                LineLogHandler(label: "access", writer: accessWriter, includeLevel: false, stamped: stamped)
            }
        }

        let server = Server(configuration: configuration)
        try server.start()
        var redirector: Server?
        let scheme = noTLS ? "http" : "https"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let mainPort = server.boundPorts[0]
        if !noTLS && httpPort != 0 {
            var redirectConfiguration = ServerConfiguration(listeners: [
                ListenerConfiguration(host: host, port: httpPort, router: try WebApplication.makeRedirectRouter(httpsPort: mainPort)),
            ])
            redirectConfiguration.reactorThreads = 1
            redirectConfiguration.workerThreads = 1
            redirectConfiguration.defaultHeaders = WebApplication.securityHeaders
            redirectConfiguration.accessLog = configuration.accessLog
            redirectConfiguration.accessLogFormat = configuration.accessLogFormat
            // Its reactor is number 0 too: ids from ff… keep them apart from the main server's.
            redirectConfiguration.requestIDTopByte = 0xFF
            let plain = Server(configuration: redirectConfiguration)
            try plain.start()
            redirector = plain
            banner.append("Redirecting http://\(shownHost):\(plain.boundPorts[0])/ to HTTPS")
        }
        if try !network.accounts.hasAdmin() {
            // A new network without --demo: nobody can sign in or invite until the operator adds an admin.
            banner.append("This network has no admin yet. Add the first one (it can then make invites) with:")
            banner.append("  mutuals user add --data \(dataOptions.data) --handle HANDLE --email ADDRESS --role admin")
        }
        for line in banner { say(line) }
        say("Mutuals Network is serving \(scheme)://\(shownHost):\(mainPort)/ (Ctrl-C to stop)")

        server.runUntilSignalled(handlers: [
            // SIGHUP (certbot's deploy hook): the certificate and key are read again.
            SIGHUP: {
                if let reloadable { Self.reloadCertificate(reloadable) } else { say("SIGHUP: no TLS certificate to reload (--no-tls).") }
            },
            // SIGUSR1 (logrotate): the access log opens its file again.
            SIGUSR1: {
                do { try accessWriter?.reopen() } catch { say("Could not reopen the access log: \(error)") }
            },
        ])
        redirector?.shutdown()
        say("Stopped.")
        accessWriter?.close()
        if accessWriter !== errorWriter { errorWriter.close() }
    }

    /// SIGHUP: read the certificate and key again (after a renewal). A bad pair is refused with
    /// the reason, and the pair in service stays.
    static func reloadCertificate(_ tls: TLSContext) {
        let logger = Logger(label: "mutuals.tls")
        do {
            try tls.reload()
            logger.notice("Reloaded the TLS certificate \(tls.certificatePath), SHA-256 \(tls.fingerprint); new connections use it.")
        } catch {
            logger.error("Kept the TLS certificate in service: the new pair was refused: \(error)")
        }
    }

    /// `--check-config`: every option, its value and where it came from. Values were checked by
    /// ArgumentParser and `validate()` before this runs; the TLS pair is loaded as a last check.
    func printEffectiveConfiguration() throws {
        let settings = try ServeSettings(arguments: Array(CommandLine.arguments.drop { $0 != "serve" }.dropFirst()),
                                         environment: ProcessInfo.processInfo.environment)
        say("Effective configuration of mutuals serve (flag, then environment, then file, then default):")
        say(settings.report())
        if let tlsCert, let tlsKey {
            do {
                _ = try TLSContext(certificatePath: tlsCert, privateKeyPath: tlsKey)
            } catch {
                throw ValidationError("--tls-cert/--tls-key: \(error)")
            }
        }
        say("The configuration is valid.")
    }
}
