import Synchronization

/// What the reader thread has done, readable from /metrics.
final class CaptureStats: Sendable {
    /// Records read from the ring buffer.
    let recordsRead = Atomic<Int>(0)
    /// Spans built from them.
    let spansEmitted = Atomic<Int>(0)
    /// Spans the sampler left out.
    let unsampled = Atomic<Int>(0)
    /// sqlcommenter traceparents that failed W3C validation.
    let invalidTraceparents = Atomic<Int>(0)
}
