import Export
import Spans
import Testing
import TestSupport

/// The hand-off between the reader and the exporter: bounded, and every drop counted.
struct SpanQueueTests {
    @Test func aFullQueueDropsNewSpansAndCountsThem() {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 10, counters: counters)
        queue.push((0..<7).map { SpanFixtures.span(seed: UInt64($0)) })
        queue.push((7..<15).map { SpanFixtures.span(seed: UInt64($0)) })
        #expect(queue.count == 10)
        #expect(counters.queued.load(ordering: .relaxed) == 10)
        #expect(counters.droppedQueueFull.load(ordering: .relaxed) == 5)
        // the oldest are kept, in order
        let taken = queue.take(max: 4)
        #expect(taken.map(\.spanID) == (0..<4).map { SpanFixtures.span(seed: UInt64($0)).spanID })
        queue.push((20..<30).map { SpanFixtures.span(seed: UInt64($0)) })
        #expect(queue.count == 10)
        #expect(counters.droppedQueueFull.load(ordering: .relaxed) == 11)
    }

    @Test func memoryStaysBoundedUnderAFlood() {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 100, counters: counters)
        let batch = (0..<50).map { SpanFixtures.span(seed: UInt64($0)) }
        for _ in 0..<1000 { queue.push(batch) }
        #expect(queue.count == 100)
        #expect(counters.droppedQueueFull.load(ordering: .relaxed) == 50_000 - 100)
    }

    @Test func aWaiterWakesWhenEnoughSpansArrive() async {
        let queue = SpanQueue(capacity: 100, counters: PipelineCounters())
        async let waited: Void = queue.wait(forCount: 3)
        try? await Task.sleep(for: .milliseconds(20))
        queue.push([SpanFixtures.span(seed: 1), SpanFixtures.span(seed: 2)])
        queue.push([SpanFixtures.span(seed: 3)])
        await waited
        #expect(queue.count == 3)
    }

    @Test func aClosedQueueAcceptsNothing() {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 10, counters: counters)
        queue.close()
        queue.push([SpanFixtures.span()])
        #expect(queue.count == 0)
    }
}
