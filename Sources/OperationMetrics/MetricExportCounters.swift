import Synchronization

/// What the metric exporter has done, readable from /metrics.
public final class MetricExportCounters: Sendable {
    /// Data points the backend accepted.
    public let pointsExported = Atomic<Int>(0)
    /// Data points that could not be delivered (rejected, retries exhausted, or cut off at shutdown).
    public let pointsDropped = Atomic<Int>(0)
    /// Export requests retried.
    public let retried = Atomic<Int>(0)

    public init() {}
}
