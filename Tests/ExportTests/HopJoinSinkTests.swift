import Export
import Spans
import Testing
import TestSupport
import TraceContext

/// The hop joiner sits before the real sink: held spans leave when their window runs out, checked
/// after every poll; its counters are published for /metrics; finishing hands on what is held.
struct HopJoinSinkTests {
    /// A PostgreSQL SERVER span whose client end is traced on this node: it waits for its parent.
    static func waiting(_ n: UInt64, sampled: Bool = true) -> DatabaseSpan {
        var span = QueueSinkTests.span(n)
        span.kind = .server
        span.traceFlags = sampled ? 0x03 : 0x02
        span.hop = HopEnd(
            role: .server, pid: 300, connection: nil, backendKey: UInt32(n), textHash: 1, startNanoseconds: 10,
            endNanoseconds: 20, peerTraced: true, processIsProxy: false)
        return span
    }

    @Test func heldSpansLeaveAfterTheWindowAtTheEndOfAPoll() {
        let inner = InMemorySpanSink()
        let counters = HopJoinCounters()
        nonisolated(unsafe) var now: UInt64 = 1_000
        let sink = HopJoinSink(
            inner: inner, options: .init(windowNanoseconds: 500, maxHeldSpans: 1), counters: counters, now: { now })
        sink.accept(Self.waiting(1))
        sink.accept(Self.waiting(2))  // past the cap: at once
        sink.accept(QueueSinkTests.span(3))  // no connection end: at once
        #expect(sink.endPoll() == 2)
        #expect(counters.held.load(ordering: .relaxed) == 1)
        #expect(counters.overflowed.load(ordering: .relaxed) == 1)
        now = 1_499
        #expect(sink.endPoll() == 0)
        now = 1_500
        #expect(sink.endPoll() == 1)
        #expect(inner.spans.map(\.spanID) == [SpanID(2), SpanID(3), SpanID(1)])
        #expect(counters.expired.load(ordering: .relaxed) == 1)
        #expect(counters.held.load(ordering: .relaxed) == 0)
    }

    @Test func finishingHandsOnWhatIsHeldAndDropsTheUnsampled() {
        let inner = InMemorySpanSink()
        let counters = HopJoinCounters()
        let sink = HopJoinSink(inner: inner, counters: counters, now: { 0 })
        sink.accept(Self.waiting(1))
        sink.accept(Self.waiting(2, sampled: false))
        #expect(sink.endPoll() == 0)
        sink.finish()
        #expect(inner.finished)
        #expect(inner.spans.map(\.spanID) == [SpanID(1)])
        #expect(counters.unsampled.load(ordering: .relaxed) == 1)
        #expect(counters.expired.load(ordering: .relaxed) == 2)
    }
}
