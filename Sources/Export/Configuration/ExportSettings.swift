import ASCII

/// Exporter and batching settings from the standard OpenTelemetry environment variables. The CLI
/// starts from these and lets its flags override them. Unparseable values fall back to the
/// default and are reported in `warnings`.
public struct ExportSettings: Sendable {
    /// Spans: nil URL means no OTLP endpoint, the console. (OTEL_EXPORTER_OTLP[_TRACES]_*)
    public var traces = OTLPSignalSettings()
    /// Request metrics: nil URL means none over OTLP (the Prometheus page has them either way).
    /// (OTEL_EXPORTER_OTLP[_METRICS]_*)
    public var metrics = OTLPSignalSettings()
    /// OTEL_METRICS_EXPORTER: `otlp` (the default) or `none` (no OTLP metrics).
    public var metricsOverOTLP = true
    /// OTEL_METRIC_EXPORT_INTERVAL, milliseconds. Default 60 s.
    public var metricExportInterval: Duration = .seconds(60)
    /// OTEL_METRIC_EXPORT_TIMEOUT, milliseconds: time allowed for one metrics export. Default 30 s.
    public var metricExportTimeout: Duration = .seconds(30)
    /// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE. Default cumulative.
    public var metricTemporality = MetricTemporality.cumulative
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
        settings.traces = OTLPSignalSettings.fromEnvironment(value, signal: "TRACES", path: "/v1/traces", warnings: &settings.warnings)
        settings.metrics = OTLPSignalSettings.fromEnvironment(value, signal: "METRICS", path: "/v1/metrics", warnings: &settings.warnings)
        if let exporter = value("OTEL_METRICS_EXPORTER") {
            switch exporter.lowercased() {
            case "otlp": settings.metricsOverOTLP = true
            case "none": settings.metricsOverOTLP = false
            default: settings.warnings.append("OTEL_METRICS_EXPORTER: '\(exporter)' is neither otlp nor none")
            }
        }
        if let text = value("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") {
            if let temporality = MetricTemporality(rawValue: text.lowercased()) {
                settings.metricTemporality = temporality
            } else {
                settings.warnings.append("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: '\(text)' is not cumulative, delta or lowmemory")
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
        milliseconds("OTEL_METRIC_EXPORT_INTERVAL", &settings.metricExportInterval)
        milliseconds("OTEL_METRIC_EXPORT_TIMEOUT", &settings.metricExportTimeout)
        count("OTEL_BSP_MAX_QUEUE_SIZE", &settings.maxQueueSize)
        count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", &settings.maxExportBatchSize)
        if settings.maxExportBatchSize > settings.maxQueueSize {
            settings.warnings.append("OTEL_BSP_MAX_EXPORT_BATCH_SIZE exceeds the queue size; using the queue size")
            settings.maxExportBatchSize = settings.maxQueueSize
        }
        // a generic variable is read once per signal: report it once
        var seen: Set<String> = []
        settings.warnings = settings.warnings.filter { seen.insert($0).inserted }
        return settings
    }
}
