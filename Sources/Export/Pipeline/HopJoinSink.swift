import Spans

/// Joins hops before the real sink (`--side both`): each span goes through a `HopJoiner`, which
/// hands on what it resolves; after every poll, spans whose window ran out leave, and the
/// joiner's counters are published.
public final class HopJoinSink<Inner: SpanSink>: SpanSink {
    private let joiner: HopJoiner
    private let inner: Inner
    private let counters: HopJoinCounters
    /// CLOCK_MONOTONIC nanoseconds (injectable for tests).
    private let now: () -> UInt64

    public init(
        inner: Inner, options: HopJoiner.Options = .default, counters: HopJoinCounters = HopJoinCounters(),
        now: @escaping () -> UInt64 = WallClock.monotonicNow
    ) {
        self.inner = inner
        self.joiner = HopJoiner(options: options)
        self.counters = counters
        self.now = now
    }

    public func accept(_ span: consuming DatabaseSpan) {
        let inner = self.inner
        joiner.offer(span, now: now()) { inner.accept($0) }
    }

    @discardableResult
    public func endPoll() -> Int {
        let inner = self.inner
        joiner.expire(now: now()) { inner.accept($0) }
        publish()
        return inner.endPoll()
    }

    public func finish() {
        let inner = self.inner
        joiner.flush { inner.accept($0) }
        publish()
        inner.finish()
    }

    private func publish() {
        let current = joiner.counters
        counters.joined.store(current.joined, ordering: .relaxed)
        counters.expired.store(current.expired, ordering: .relaxed)
        counters.overflowed.store(current.overflowed, ordering: .relaxed)
        counters.unsampled.store(current.unsampled, ordering: .relaxed)
        counters.held.store(joiner.heldCount, ordering: .relaxed)
    }
}
