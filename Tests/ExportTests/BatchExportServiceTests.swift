import Export
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Spans
import Synchronization
import Testing
import TestSupport

/// Batching and shutdown: the shutdown timeout binds the export in flight, and what it leaves
/// behind is counted.
struct BatchExportServiceTests {
    /// An exporter whose backend never answers: each export waits until cancelled (or 60 s).
    final class UnansweredExporter: SpanExporter {
        let calls = Atomic<Int>(0)
        let cancelled = Atomic<Int>(0)

        func export(_ spans: [DatabaseSpan]) async {
            calls.add(1, ordering: .relaxed)
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                cancelled.add(1, ordering: .relaxed)
            }
        }

        func forceFlush() async {}
        func shutdown() async {}
    }

    /// Records what it is given.
    final class RecordingExporter: SpanExporter {
        let batches = Mutex<[Int]>([])

        func export(_ spans: [DatabaseSpan]) async {
            batches.withLock { $0.append(spans.count) }
        }

        func forceFlush() async {}
        func shutdown() async {}
    }

    @Test func fullBatchesLeaveAtOnceAndAPartialOneWithinTheScheduleDelay() async throws {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 1_000, counters: counters)
        let exporter = RecordingExporter()
        let service = BatchExportService(
            queue: queue, exporter: exporter,
            options: .init(maxBatchSize: 10, scheduleDelay: .milliseconds(100), shutdownTimeout: .seconds(5)),
            counters: counters, clock: ContinuousClock(), logger: Logger(label: "test"))

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                // 23 spans: two full batches, then 3 that only the schedule sends
                queue.push((0..<23).map { SpanFixtures.span(seed: UInt64($0)) })
                func exported(_ count: Int) async throws {
                    let deadline = ContinuousClock.now + .seconds(20)
                    while exporter.batches.withLock({ $0.reduce(0, +) }) < count && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
                try await exported(23)
                // a full batch after them, which leaves at once: the service sends in queue order,
                // so by the time it has left, anything more of the 23 would have left before it
                queue.push((23..<33).map { SpanFixtures.span(seed: UInt64($0)) })
                try await exported(33)
                #expect(exporter.batches.withLock { $0 } == [10, 10, 3, 10])
                #expect(queue.count == 0)
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
    }

    @Test func theShutdownTimeoutBindsTheExportInFlightAndCountsWhatIsLeft() async throws {
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 1_000, counters: counters)
        queue.push((0..<30).map { SpanFixtures.span(seed: UInt64($0)) })
        let exporter = UnansweredExporter()
        let service = BatchExportService(
            queue: queue, exporter: exporter,
            options: .init(maxBatchSize: 10, scheduleDelay: .milliseconds(10), shutdownTimeout: .milliseconds(300)),
            counters: counters, clock: ContinuousClock(), logger: Logger(label: "test"))

        let took = try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                while exporter.calls.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                let signalled = ContinuousClock.now
                trigger.triggerGracefulShutdown()
                try await group.next()
                return signalled.duration(to: .now)
            }
        }
        // the cancellation is the proof: without the timeout the export would sleep its minute out
        // and end uncancelled. The time it took is not asserted: other suites in this process
        // (blocking on child processes) can hold the cooperative threads for tens of seconds.
        #expect(exporter.calls.load(ordering: .relaxed) == 1)
        #expect(exporter.cancelled.load(ordering: .relaxed) == 1, "shutdown took \(took) with a 300 ms timeout")
        // the batch in flight is the exporter's to count; the 20 never sent are the service's
        #expect(counters.droppedUndeliverable.load(ordering: .relaxed) == 20)
        #expect(queue.count == 0)
    }
}
