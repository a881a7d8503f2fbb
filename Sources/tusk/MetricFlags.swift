import ArgumentParser
import Export
import OperationMetrics

/// `tusk run` flags for the request metrics (db.client.operation.duration, …). Each overrides the
/// standard environment variable it names.
struct MetricFlags: ParsableArguments {
    @Flag(help: "Make no request metrics: neither over OTLP nor on /metrics (Tusk's own counters stay).")
    var noRequestMetrics = false

    @Option(help: ArgumentHelp(
        "otlp: export request metrics to the OTLP endpoint (/v1/metrics) as well as on /metrics; none: only on /metrics. Env: OTEL_METRICS_EXPORTER. Default: otlp.",
        valueName: "exporter"))
    var metricsExporter: MetricsExporter?

    @Option(help: ArgumentHelp("Milliseconds between OTLP metric exports. Env: OTEL_METRIC_EXPORT_INTERVAL. Default: 60000.", valueName: "ms"))
    var metricExportInterval: Int?

    @Option(help: ArgumentHelp(
        "cumulative, delta or lowmemory (histograms delta) for OTLP metrics; /metrics is always cumulative. Env: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE. Default: cumulative.",
        valueName: "temporality"))
    var metricsTemporality: MetricTemporality?

    @Option(help: ArgumentHelp(
        "Distinct db.query.summary values per service in the metrics; requests beyond land in an overflow series (otel.metric.overflow=true). Default: 1000.",
        valueName: "n"))
    var maxQuerySummaries: Int = OperationMetricsOptions.default.maxSummariesPerService

    @Option(help: ArgumentHelp(
        "Bucket bounds of db.client.operation.duration in seconds, comma-separated and increasing. Default: 0.001,0.005,0.01,0.05,0.1,0.5,1,5,10.",
        valueName: "bounds"))
    var durationBuckets: String?

    enum MetricsExporter: String, ExpressibleByArgument, CaseIterable {
        case otlp, none
    }

    func validate() throws {
        guard maxQuerySummaries > 0 else { throw ValidationError("--max-query-summaries must be positive") }
        if let metricExportInterval, metricExportInterval <= 0 {
            throw ValidationError("--metric-export-interval must be a positive number of milliseconds")
        }
        _ = try buckets()
    }

    /// The bounds `--duration-buckets` gives, or the default.
    func buckets() throws -> [Double] {
        guard let durationBuckets else { return OperationMetricsOptions.defaultDurationBuckets }
        let bounds = durationBuckets.split(separator: ",").map { Double($0.trimmingCharacters(in: " ")) }
        guard !bounds.isEmpty, bounds.allSatisfy({ $0 != nil && $0!.isFinite }),
            zip(bounds, bounds.dropFirst()).allSatisfy({ $0! < $1! })
        else {
            throw ValidationError("--duration-buckets expects increasing numbers of seconds separated by commas, got '\(durationBuckets)'")
        }
        return bounds.map { $0! }
    }

    /// The aggregation's options.
    func options() throws -> OperationMetricsOptions {
        var options = OperationMetricsOptions.default
        options.maxSummariesPerService = maxQuerySummaries
        options.durationBuckets = try buckets()
        return options
    }

    /// `settings` with these flags applied on top.
    func apply(to settings: inout ExportSettings) {
        if let metricsExporter { settings.metricsOverOTLP = metricsExporter == .otlp }
        if let metricExportInterval { settings.metricExportInterval = .milliseconds(metricExportInterval) }
        if let metricsTemporality { settings.metricTemporality = metricsTemporality }
    }
}

extension MetricTemporality: ExpressibleByArgument {}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
