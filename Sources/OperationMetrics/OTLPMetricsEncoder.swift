import Export
import OTLPProto
import Spans

/// Collected points → one ExportMetricsServiceRequest: one ResourceMetrics per observed process
/// (the same resource as its spans), one scope (`tusk` and its version), a histogram per metric.
/// Field numbers are the OTLP specification's (proto/).
struct OTLPMetricsEncoder {
    typealias Request = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest

    struct Metric {
        var name: String
        var description: String
        var unit: String
        var kind: DatabaseSpan.Kind
        var rows: Bool
    }

    static let metrics = [
        Metric(
            name: "db.client.operation.duration", description: "Duration of database client operations.", unit: "s",
            kind: .client, rows: false),
        Metric(
            name: "db.client.response.returned_rows", description: "The actual number of records returned by the database operation.",
            unit: "{row}", kind: .client, rows: true),
        Metric(
            name: "tusk.db.server.operation.duration", description: "Duration of database operations seen at the PostgreSQL backend.",
            unit: "s", kind: .server, rows: false),
        Metric(
            name: "tusk.db.server.response.returned_rows", description: "Rows returned by operations seen at the PostgreSQL backend.",
            unit: "{row}", kind: .server, rows: true),
    ]

    /// Resource attributes every process's resource carries (host.name, OTEL_RESOURCE_ATTRIBUTES).
    var resources: OTLPRequestEncoder
    var options: OperationMetricsOptions

    func request(_ processes: [ProcessPoints], delta: Bool) -> Request {
        var request = Request()
        request.resourceMetrics = processes.map { process in
            var resourceMetrics = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
            resourceMetrics.resource.attributes = resources.resourceAttributes(process.process).map(OTLPRequestEncoder.keyValue)
            var scope = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
            scope.scope.name = "tusk"
            scope.scope.version = TuskVersion.current
            scope.metrics = Self.metrics.compactMap { metric(process.points, $0, delta: delta) }
            resourceMetrics.scopeMetrics = [scope]
            return resourceMetrics
        }
        return request
    }

    private func metric(_ points: [(key: OperationSeriesKey, point: ExportedPoint)], _ metric: Metric, delta: Bool)
        -> Opentelemetry_Proto_Metrics_V1_Metric?
    {
        let bounds = metric.rows ? options.rowBuckets : options.durationBuckets
        var histogram = Opentelemetry_Proto_Metrics_V1_Histogram()
        histogram.aggregationTemporality = delta ? .delta : .cumulative
        for (key, point) in points where key.kind == metric.kind {
            let state = metric.rows ? point.rows : point.duration
            guard state.count > 0 else { continue }
            var data = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
            data.attributes = key.attributes.map(OTLPRequestEncoder.keyValue)
            data.startTimeUnixNano = point.startUnixNanoseconds
            data.timeUnixNano = point.timeUnixNanoseconds
            data.count = state.count
            data.sum = state.sum
            data.bucketCounts = state.bucketCounts
            data.explicitBounds = bounds
            // a delta point's own extremes are not known (a series keeps its life's)
            if !delta {
                data.min = state.min
                data.max = state.max
            }
            histogram.dataPoints.append(data)
        }
        guard !histogram.dataPoints.isEmpty else { return nil }
        var out = Opentelemetry_Proto_Metrics_V1_Metric()
        out.name = metric.name
        out.description_p = metric.description
        out.unit = metric.unit
        out.histogram = histogram
        return out
    }
}
