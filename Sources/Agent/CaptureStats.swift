import Synchronization

/// What the reader thread has done, readable from /metrics.
public final class CaptureStats: Sendable {
    /// Records read from the ring buffer.
    public let recordsRead = Atomic<Int>(0)
    /// Spans built from them.
    public let spansEmitted = Atomic<Int>(0)
    /// Spans the sampler left out.
    public let unsampled = Atomic<Int>(0)
    /// sqlcommenter traceparents that failed W3C validation.
    public let invalidTraceparents = Atomic<Int>(0)

    public init() {}
}
