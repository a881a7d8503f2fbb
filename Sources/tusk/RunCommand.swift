import Agent
import ArgumentParser
import Foundation
import Capture
import Export
import Glibc
import Logging
import OperationMetrics
import ServiceLifecycle
import Spans
import TraceContext

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Attach to the kernel and turn PostgreSQL traffic into spans.",
        discussion: "With no OTLP endpoint configured, spans are printed to standard output, one line each.")

    @Option(name: .customLong("pid"), help: "Trace only this process (repeatable). Default: every process.")
    var pids: [Int32] = []

    @Option(help: ArgumentHelp("Serve GET /healthz and GET /metrics on HOST:PORT ('off' to disable).", valueName: "host:port"))
    var listen: String = "127.0.0.1:9464"

    @OptionGroup(title: "Capture")
    var captureFlags: CaptureFlags

    @OptionGroup(title: "Scope")
    var scope: ScopeFlags

    @OptionGroup(title: "Spans")
    var spans: SpanFlags

    @OptionGroup(title: "Hops on this node")
    var hopFlags: HopJoinFlags

    @OptionGroup(title: "Export")
    var export: ExportFlags

    @OptionGroup(title: "Request metrics")
    var metricFlags: MetricFlags

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    mutating func validate() throws {
        if listen != "off", ListenAddress(listen) == nil {
            throw ValidationError("--listen expects HOST:PORT (e.g. 0.0.0.0:9464) or 'off'")
        }
    }

    func run() async throws {
        let logger = Logging.make(label: "tusk", level: logLevel)

        var capture = captureFlags.options
        capture.pids = pids
        var podScope = false
        var scopeDirectories: [String] = []
        do {
            let resolved = try scope.resolve(environment: ProcessInfo.processInfo.environment)
            capture.cgroups = resolved.subtrees
            scopeDirectories = resolved.directories
            podScope = resolved.isPod
            logger.info("\(resolved.description)")
        } catch {
            Logging.fail("tusk: \(error)")
        }

        let session: ProbeSession
        do {
            session = try ProbeSession(options: capture)
        } catch {
            Logging.fail("tusk: \(error)")
        }

        let tlsDiscovery = capture.tls ? attachTLS(
            session, procRoot: export.procRoot, pids: pids, cgroupDirectories: scopeDirectories,
            maxFiles: captureFlags.maxTLSFiles, maxProcesses: captureFlags.maxTLSProcesses, side: capture.side,
            logger: logger) : nil
        if capture.tls {
            attachGoTLS(session, procRoot: export.procRoot, pids: pids, logger: logger)
        }

        var settings: ExportSettings
        let metricOptions: OperationMetricsOptions
        do {
            settings = try export.settings(environment: ProcessInfo.processInfo.environment)
            metricFlags.apply(to: &settings)
            metricOptions = try metricFlags.options()
        } catch {
            Logging.fail("tusk: \(error)")
        }
        for warning in settings.warnings { logger.warning("\(warning)") }
        let sampler: SamplerConfiguration
        do {
            let (configuration, warnings) = try spans.samplerConfiguration(environment: ProcessInfo.processInfo.environment)
            sampler = configuration
            for warning in warnings { logger.warning("\(warning)") }
        } catch {
            Logging.fail("tusk: \(error)")
        }

        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: settings.maxQueueSize, counters: counters)
        let health = HealthState()
        let stats = CaptureStats()
        var processOptions = ProcfsProcessResolver.Options(
            serviceName: settings.serviceName, includeCommandLine: export.processCommandLine,
            ownPod: .init(environment: ProcessInfo.processInfo.environment), podScope: podScope)
        processOptions.procRoot = export.procRoot
        let processes = ProcfsProcessResolver(options: processOptions)
        let watchdog = ProcessInfo.processInfo.environment["TUSK_EXIT_WITH_PARENT"] == "1" ? ParentWatchdog() : nil
        let operations = metricFlags.noRequestMetrics ? nil : OperationMetrics(options: metricOptions)
        let metricExport = MetricExportCounters()
        // both ends of connections on this node are seen: a request's hops become one trace
        let hops = capture.side == .both ? hopFlags.options : nil
        let hopCounters = HopJoinCounters()
        var builderOptions = spans.builderOptions(sampler: sampler)
        builderOptions.joinsHops = hops != nil
        let builder = SpanBuilder(options: builderOptions, processes: processes, observer: operations)
        let captureService: any Service
        var services: [any Service] = []
        let userAgent = "tusk/\(TuskVersion.current)"
        var shared: [SpanAttribute] = [.string("host.name", Self.hostName())]
        shared += settings.resourceAttributes.map { .string($0.key, $0.value) }
        let resources = OTLPRequestEncoder(sharedResourceAttributes: shared)
        if let operations, settings.metricsOverOTLP, let options = settings.metrics.exporterOptions(userAgent: userAgent) {
            do {
                let client = try OTLPHTTPClient(options: options, logger: logger, clock: ContinuousClock())
                services.append(
                    MetricExportService(
                        metrics: operations, client: client, resources: resources,
                        options: .init(
                            interval: settings.metricExportInterval, timeout: settings.metricExportTimeout,
                            temporality: settings.metricTemporality, shutdownTimeout: settings.exportTimeout),
                        counters: metricExport, logger: logger, clock: ContinuousClock()))
            } catch {
                Logging.fail("tusk: certificate \(options.certificatePath ?? ""): \(error)")
            }
            logger.info(
                "exporting request metrics over OTLP/HTTP",
                metadata: ["url": "\(options.url)", "temporality": "\(settings.metricTemporality)"])
        }
        if let options = settings.traces.exporterOptions(userAgent: userAgent) {
            let exporter: OTLPHTTPExporter<ContinuousClock>
            do {
                exporter = try OTLPHTTPExporter(
                    options: options, encoder: resources, counters: counters, logger: logger, clock: ContinuousClock())
            } catch {
                Logging.fail("tusk: certificate \(options.certificatePath ?? ""): \(error)")
            }
            logger.info("exporting OTLP/HTTP", metadata: ["url": "\(options.url)", "compression": "\(options.compression)"])
            let batching = BatchExportService<ContinuousClock>.Options(
                maxBatchSize: settings.maxExportBatchSize, scheduleDelay: settings.scheduleDelay,
                shutdownTimeout: settings.exportTimeout)
            services.append(
                BatchExportService(
                    queue: queue, exporter: exporter, options: batching, counters: counters, clock: ContinuousClock(),
                    logger: logger))
            captureService = Self.captureService(
                source: session, builder: builder, sink: QueueSink(queue: queue), hops: hops, hopCounters: hopCounters,
                health: health, stats: stats, logger: logger, watchdog: watchdog)
        } else {
            // printed where the spans are built, after every poll of the ring buffer
            captureService = Self.captureService(
                source: session, builder: builder,
                sink: ConsoleSink(format: export.consoleFormat, resources: resources, counters: counters), hops: hops,
                hopCounters: hopCounters, health: health, stats: stats, logger: logger, watchdog: watchdog)
        }

        if let address = ListenAddress(listen) {
            let metrics = AgentMetrics(
                kernel: session, stats: stats, pipeline: counters, queue: queue, operations: operations, metricExport: metricExport,
                hops: hopCounters, tls: tlsDiscovery?.counters ?? TLSDiscovery.Counters())
            do {
                services.append(try await HTTPEndpointService.bind(address: address, health: health, metrics: metrics, logger: logger))
            } catch {
                Logging.fail("tusk: --listen \(listen): \(error)")
            }
        }
        services.append(captureService)  // last: shut down first, so the queue drains after it
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let error as CaptureError {
            Logging.fail("tusk: \(error)")
        }
    }
}

extension RunCommand {
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension CaptureOptions.Side: ExpressibleByArgument {}
