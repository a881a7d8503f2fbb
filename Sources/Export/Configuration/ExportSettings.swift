import ASCII

/// Exporter and batching settings from the standard OpenTelemetry environment variables. The CLI
/// starts from these and lets its flags override them. Unparseable values fall back to the
/// default and are reported in `warnings`.
public struct ExportSettings: Sendable {
    /// The full traces URL; nil: no OTLP endpoint anywhere, use the console.
    /// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces.
    public var tracesURL: String?
    /// OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_TRACES_HEADERS (wins per key).
    public var headers: [(name: String, value: String)] = []
    /// OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT, milliseconds. Default 10 s.
    public var timeout: Duration = .seconds(10)
    /// OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION: gzip | none. Default none.
    public var compression: OTLPExporterOptions.Compression = .none
    /// OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE: PEM CA certificates for an https endpoint; nil: the system's.
    public var certificatePath: String?
    /// OTEL_SERVICE_NAME; nil: each process's own name.
    public var serviceName: String?
    /// OTEL_RESOURCE_ATTRIBUTES.
    public var resourceAttributes: [(key: String, value: String)] = []
    /// OTEL_BSP_SCHEDULE_DELAY, milliseconds. Default 5 s.
    public var scheduleDelay: Duration = .seconds(5)
    /// OTEL_BSP_EXPORT_TIMEOUT, milliseconds: time allowed to export at shutdown. Default 30 s.
    public var exportTimeout: Duration = .seconds(30)
    /// OTEL_BSP_MAX_QUEUE_SIZE. Default 30 000 (30 s of 1 000 spans/s; the SDK default of 2 048
    /// would drop spans during a short backend outage).
    public var maxQueueSize = 30_000
    /// OTEL_BSP_MAX_EXPORT_BATCH_SIZE. Default 512.
    public var maxExportBatchSize = 512
    public var warnings: [String] = []

    public init() {}

    public static func fromEnvironment(_ environment: [String: String]) -> ExportSettings {
        var settings = ExportSettings()
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingOWS, !text.isEmpty else { return nil }
            return String(text)
        }
        if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            settings.tracesURL = traces
        } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            settings.tracesURL = tracesURL(base: base)
        }
        var headers: [(name: String, value: String)] = []
        for variable in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            guard let text = value(variable) else { continue }
            let parsed = KeyValueList.parse(text)
            for pair in parsed.pairs {
                headers.removeAll { $0.name.lowercased() == pair.key.lowercased() }
                headers.append((pair.key, pair.value))
            }
            settings.warnings += parsed.rejected.map { "\(variable): ignoring malformed member '\($0)'" }
        }
        settings.headers = headers
        for variable in ["OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] {
            if let text = value(variable) {
                if let ms = Int(text), ms > 0 { settings.timeout = .milliseconds(ms) } else { settings.warnings.append("\(variable): '\(text)' is not a positive number of milliseconds") }
            }
        }
        for variable in ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"] {
            if let text = value(variable) {
                if let compression = OTLPExporterOptions.Compression(rawValue: text.lowercased()) {
                    settings.compression = compression
                } else {
                    settings.warnings.append("\(variable): '\(text)' is neither gzip nor none")
                }
            }
        }
        for variable in ["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"] {
            if let path = value(variable) { settings.certificatePath = path }
        }
        for variable in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let text = value(variable), text != "http/protobuf" {
                settings.warnings.append("\(variable): '\(text)' is not supported; Tusk exports http/protobuf")
            }
        }
        settings.serviceName = value("OTEL_SERVICE_NAME")
        if let text = value("OTEL_RESOURCE_ATTRIBUTES") {
            let parsed = KeyValueList.parse(text)
            settings.resourceAttributes = parsed.pairs
            settings.warnings += parsed.rejected.map { "OTEL_RESOURCE_ATTRIBUTES: ignoring malformed member '\($0)'" }
        }
        func milliseconds(_ variable: String, _ target: inout Duration) {
            guard let text = value(variable) else { return }
            if let ms = Int(text), ms >= 0 { target = .milliseconds(ms) } else { settings.warnings.append("\(variable): '\(text)' is not a number of milliseconds") }
        }
        func count(_ variable: String, _ target: inout Int) {
            guard let text = value(variable) else { return }
            if let n = Int(text), n > 0 { target = n } else { settings.warnings.append("\(variable): '\(text)' is not a positive number") }
        }
        milliseconds("OTEL_BSP_SCHEDULE_DELAY", &settings.scheduleDelay)
        milliseconds("OTEL_BSP_EXPORT_TIMEOUT", &settings.exportTimeout)
        count("OTEL_BSP_MAX_QUEUE_SIZE", &settings.maxQueueSize)
        count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", &settings.maxExportBatchSize)
        if settings.maxExportBatchSize > settings.maxQueueSize {
            settings.warnings.append("OTEL_BSP_MAX_EXPORT_BATCH_SIZE exceeds the queue size; using the queue size")
            settings.maxExportBatchSize = settings.maxQueueSize
        }
        return settings
    }

    /// `{base}/v1/traces`, as the specification appends the signal path to the generic endpoint.
    public static func tracesURL(base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/traces"
    }
}
