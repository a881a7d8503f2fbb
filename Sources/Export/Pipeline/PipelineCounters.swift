import Synchronization

/// Outcome counters of the span pipeline, shared by the reader thread, the exporter task and the
/// /metrics endpoint.
public final class PipelineCounters: Sendable {
    /// Spans handed to the queue.
    public let queued = Atomic<Int>(0)
    /// Spans dropped because the queue was full.
    public let droppedQueueFull = Atomic<Int>(0)
    /// Spans the exporter delivered.
    public let exported = Atomic<Int>(0)
    /// Export requests retried.
    public let retried = Atomic<Int>(0)
    /// Spans dropped because the backend rejected them (non-retryable status).
    public let droppedRejected = Atomic<Int>(0)
    /// Spans dropped after retries ran out or the shutdown deadline passed.
    public let droppedUndeliverable = Atomic<Int>(0)
    /// Spans the backend accepted but reported as rejected in a partial success.
    public let droppedPartial = Atomic<Int>(0)

    public init() {}
}
