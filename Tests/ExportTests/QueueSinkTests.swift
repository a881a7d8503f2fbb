import TraceContext
import Export
import Spans
import Testing
import TestSupport

/// The reader's spans reach the export queue one batch per poll; the queue closes when the sink
/// finishes.
struct QueueSinkTests {
    static func span(_ n: UInt64) -> DatabaseSpan {
        DatabaseSpan(
            traceID: TraceID(high: 1, low: n), spanID: SpanID(n), name: "x", kind: .client, startUnixNanoseconds: n,
            endUnixNanoseconds: n + 1, status: .unset, attributes: [], process: SpanFixtures.psql)
    }

    @Test func eachPollIsOneBatchInOrder() {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 100, counters: counters)
        let sink = QueueSink(queue: queue)
        for n: UInt64 in 1...3 { sink.accept(Self.span(n)) }
        #expect(queue.count == 0, "nothing is handed on before the poll ends")
        #expect(sink.endPoll() == 3)
        #expect(sink.endPoll() == 0)
        sink.accept(Self.span(4))
        sink.finish()
        #expect(queue.take(max: 10).map(\.spanID) == [SpanID(1), SpanID(2), SpanID(3), SpanID(4)])
        #expect(queue.isClosed)
    }

    @Test func aFullQueueDropsAndCountsInsteadOfWaiting() {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 2, counters: counters)
        let sink = QueueSink(queue: queue)
        for n: UInt64 in 1...5 { sink.accept(Self.span(n)) }
        sink.endPoll()
        #expect(queue.count <= 2)
        #expect(counters.droppedQueueFull.load(ordering: .relaxed) + queue.count == 5)
    }
}
