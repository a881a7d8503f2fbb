/// How exported points relate in time (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).
public enum MetricTemporality: String, Sendable, CaseIterable {
    /// Each point holds everything since the series began (the default, and Prometheus' only).
    case cumulative
    /// Each point holds what happened since the previous export.
    case delta
    /// The specification's low-memory preference: histograms are delta.
    case lowmemory

    /// The temporality histograms are exported with.
    public var histogramsAreDelta: Bool { self != .cumulative }
}
