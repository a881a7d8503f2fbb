import TraceContext
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

extension SpanQueueTests {
    @Test func takeReturnsWholeBatchesThatFitAndSplitsOnlyWhenItMust() {
        let queue = SpanQueue(capacity: 100, counters: PipelineCounters())
        let spans = (0..<30).map { SpanFixtures.span(seed: UInt64($0)) }
        queue.push(Array(spans[0..<10]))
        queue.push(Array(spans[10..<15]))
        queue.push(Array(spans[15..<30]))
        // 10 + 5 fit in 16; the next batch (15) does not
        #expect(queue.take(max: 16).map(\.spanID) == spans[0..<15].map(\.spanID))
        // a batch bigger than max is split, oldest first
        #expect(queue.take(max: 4).map(\.spanID) == spans[15..<19].map(\.spanID))
        #expect(queue.count == 11)
        #expect(queue.take(max: .max).map(\.spanID) == spans[19..<30].map(\.spanID))
        #expect(queue.count == 0)
        #expect(queue.take(max: 10).isEmpty)
    }

    @Test func orderAndCountSurviveManyPushesAndTakes() {
        let queue = SpanQueue(capacity: 1000, counters: PipelineCounters())
        var expected: [SpanID] = []
        var received: [SpanID] = []
        var seed: UInt64 = 0
        for round in 0..<300 {
            let batch = (0..<(round % 7 + 1)).map { _ in
                seed += 1
                return SpanFixtures.span(seed: seed)
            }
            expected += batch.map(\.spanID)
            queue.push(batch)
            received += queue.take(max: round % 5 + 1).map(\.spanID)
        }
        received += queue.take(max: .max).map(\.spanID)
        #expect(received == expected)
    }
}
