import Synchronization

/// What the hop joiner did, shared by the reader thread (which publishes after every poll) and
/// the /metrics endpoint.
public final class HopJoinCounters: Sendable {
    /// Spans given a hop parent.
    public let joined = Atomic<Int>(0)
    /// Held spans emitted as built because no parent came within the window.
    public let expired = Atomic<Int>(0)
    /// Spans emitted at once, as built, because the joiner held its maximum.
    public let overflowed = Atomic<Int>(0)
    /// Spans left out because their chain's root was not sampled.
    public let unsampled = Atomic<Int>(0)
    /// Spans held now.
    public let held = Atomic<Int>(0)

    public init() {}
}
