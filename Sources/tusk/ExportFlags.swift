import ArgumentParser
import Export

/// `tusk run` flags for the exporter. Each overrides the standard environment variable it names.
struct ExportFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "OTLP/HTTP endpoint; /v1/traces and /v1/metrics are appended (a URL ending in /v1/traces is used as is for spans). Env: OTEL_EXPORTER_OTLP_ENDPOINT (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_EXPORTER_OTLP_METRICS_ENDPOINT are used as is). Default: none, spans go to the console and metrics only to /metrics.",
        valueName: "url"))
    var otlpEndpoint: String?

    @Option(name: .customLong("otlp-header"), help: ArgumentHelp(
        "Request header name=value (repeatable, percent-encoded). Env: OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_METRICS_HEADERS.",
        valueName: "name=value"))
    var otlpHeaders: [String] = []

    @Option(help: ArgumentHelp("Export request timeout in milliseconds. Env: OTEL_EXPORTER_OTLP_TIMEOUT. Default: 10000.", valueName: "ms"))
    var otlpTimeout: Int?

    @Option(help: ArgumentHelp("gzip or none. Env: OTEL_EXPORTER_OTLP_COMPRESSION. Default: none.", valueName: "compression"))
    var otlpCompression: OTLPExporterOptions.Compression?

    @Option(help: ArgumentHelp(
        "PEM file of CA certificates trusted for an https endpoint. Env: OTEL_EXPORTER_OTLP_CERTIFICATE, OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE. Default: the system's trust store.",
        valueName: "file"))
    var otlpCertificate: String?

    @Option(help: ArgumentHelp(
        "service.name of every span's resource (set it for a sidecar). Env: OTEL_SERVICE_NAME. Default: the observed process's own OTEL_SERVICE_NAME (from /proc/PID/environ), else its executable name.",
        valueName: "name"))
    var serviceName: String?

    @Option(name: .customLong("resource-attribute"), help: ArgumentHelp(
        "Resource attribute key=value added to every resource (repeatable). Env: OTEL_RESOURCE_ATTRIBUTES.", valueName: "key=value"))
    var resourceAttributes: [String] = []

    @Flag(help: "Add process.command_line and process.command_args to resources. Off by default: arguments may carry secrets (a password in a connection URI, a literal in psql -c).")
    var processCommandLine = false

    @Option(help: ArgumentHelp("Where to read observed processes' entries (executable, environment, cgroup): the host's procfs, e.g. /host/proc where it is mounted there. What a process's entry no longer holds when it is read (the process exited) comes from the kernel's own reading at its first connection. Default: /proc.", valueName: "path"))
    var procRoot = "/proc"

    @Option(help: ArgumentHelp("Spans waiting for export before new ones are dropped (counted). Env: OTEL_BSP_MAX_QUEUE_SIZE. Default: 30000.", valueName: "n"))
    var maxQueueSize: Int?

    @Option(help: ArgumentHelp("Largest batch per export request. Env: OTEL_BSP_MAX_EXPORT_BATCH_SIZE. Default: 512.", valueName: "n"))
    var maxExportBatchSize: Int?

    @Option(help: ArgumentHelp("Longest wait before a partial batch is exported, milliseconds. Env: OTEL_BSP_SCHEDULE_DELAY. Default: 5000. The console prints after every read of the ring buffer (at most 100 ms apart).", valueName: "ms"))
    var scheduleDelay: Int?

    @Option(help: ArgumentHelp("Time allowed at shutdown to export what is queued, milliseconds. Env: OTEL_BSP_EXPORT_TIMEOUT. Default: 30000.", valueName: "ms"))
    var exportTimeout: Int?

    @Option(help: ArgumentHelp("Console output when no OTLP endpoint is set: text or json (one object per line). Default: text.", valueName: "format"))
    var consoleFormat: ConsoleFormat = .text

    /// The environment's settings with these flags applied on top.
    func settings(environment: [String: String]) throws -> ExportSettings {
        var settings = ExportSettings.fromEnvironment(environment)
        if let otlpEndpoint {
            let base = otlpEndpoint.hasSuffix("/v1/traces") ? String(otlpEndpoint.dropLast("/v1/traces".count)) : otlpEndpoint
            settings.traces.url = OTLPSignalSettings.url(base: base, path: "/v1/traces")
            settings.metrics.url = OTLPSignalSettings.url(base: base, path: "/v1/metrics")
        }
        for header in otlpHeaders {
            let parsed = KeyValueList.parse(header)
            guard let pair = parsed.pairs.first, parsed.rejected.isEmpty else {
                throw ValidationError("--otlp-header expects name=value, got '\(header)'")
            }
            settings.traces.setHeader(pair.key, pair.value)
            settings.metrics.setHeader(pair.key, pair.value)
        }
        for signal in [\ExportSettings.traces, \ExportSettings.metrics] {
            if let otlpTimeout { settings[keyPath: signal].timeout = .milliseconds(otlpTimeout) }
            if let otlpCompression { settings[keyPath: signal].compression = otlpCompression }
            if let otlpCertificate { settings[keyPath: signal].certificatePath = otlpCertificate }
        }
        if let serviceName { settings.serviceName = serviceName }
        for attribute in resourceAttributes {
            let parsed = KeyValueList.parse(attribute)
            guard parsed.rejected.isEmpty, !parsed.pairs.isEmpty else {
                throw ValidationError("--resource-attribute expects key=value, got '\(attribute)'")
            }
            for pair in parsed.pairs {
                settings.resourceAttributes.removeAll { $0.key == pair.key }
                settings.resourceAttributes.append(pair)
            }
        }
        if let maxQueueSize { settings.maxQueueSize = maxQueueSize }
        if let maxExportBatchSize { settings.maxExportBatchSize = min(maxExportBatchSize, settings.maxQueueSize) }
        if let scheduleDelay { settings.scheduleDelay = .milliseconds(scheduleDelay) }
        if let exportTimeout { settings.exportTimeout = .milliseconds(exportTimeout) }
        return settings
    }
}

extension OTLPExporterOptions.Compression: ExpressibleByArgument {}
extension ConsoleFormat: ExpressibleByArgument {}
