import ArgumentParser
import Capture
import Export
import Glibc
import Logging
import ServiceLifecycle
import Spans

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Attach to the kernel and turn PostgreSQL traffic into spans.",
        discussion: "With no OTLP endpoint configured, spans are printed to standard output, one line each.")

    @Option(name: .customLong("pid"), help: "Trace only this process (repeatable). Default: every process.")
    var pids: [Int32] = []

    @Option(help: ArgumentHelp("Serve GET /healthz and GET /metrics on HOST:PORT ('off' to disable).", valueName: "host:port"))
    var listen: String = "127.0.0.1:9464"

    @Option(help: ArgumentHelp("Bytes of query text captured per request (64-16384).", valueName: "n"))
    var maxQueryBytes: Int = CaptureOptions.default.maxQueryBytes

    @Option(help: ArgumentHelp("Console output when no OTLP endpoint is set: text or json (one object per line).", valueName: "format"))
    var consoleFormat: ConsoleFormat = .text

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    mutating func validate() throws {
        guard CaptureOptions.queryBytesRange.contains(maxQueryBytes) else {
            throw ValidationError("--max-query-bytes must be within \(CaptureOptions.queryBytesRange)")
        }
        if listen != "off", ListenAddress(listen) == nil {
            throw ValidationError("--listen expects HOST:PORT (e.g. 0.0.0.0:9464) or 'off'")
        }
    }

    func run() async throws {
        let logger = Logging.make(label: "tusk", level: logLevel)

        var capture = CaptureOptions.default
        capture.pids = pids
        capture.maxQueryBytes = maxQueryBytes

        let session: ProbeSession
        do {
            session = try ProbeSession(options: capture)
        } catch {
            Logging.fail("tusk: \(error)")
        }

        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 30_000, counters: counters)
        let health = HealthState()
        let stats = CaptureStats()
        let captureService = CaptureService(
            session: session, builder: SpanBuilder(), queue: queue, health: health, stats: stats, logger: logger,
            exitWithParent: getenv("TUSK_EXIT_WITH_PARENT").map { String(cString: $0) == "1" } ?? false)
        let exportService = BatchExportService(
            queue: queue, exporter: ConsoleExporter(format: consoleFormat, counters: counters),
            options: .init(maxBatchSize: 512, scheduleDelay: .milliseconds(200), shutdownTimeout: .seconds(5)),
            clock: ContinuousClock(), logger: logger)

        var services: [any Service] = [exportService]
        if let address = ListenAddress(listen) {
            let metrics = AgentMetrics(session: session, stats: stats, pipeline: counters, queue: queue)
            services.append(HTTPEndpointService(address: address, health: health, metrics: metrics, logger: logger))
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

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension ConsoleFormat: ExpressibleByArgument {}
