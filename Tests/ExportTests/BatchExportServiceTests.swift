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
        // the cancellation is the proof; the time only guards against waiting the full minute (the
        // bound is loose: other suites in this process may keep the cooperative threads busy)
        #expect(took < .seconds(30), "shutdown took \(took) with a 300 ms timeout")
        #expect(exporter.calls.load(ordering: .relaxed) == 1)
        #expect(exporter.cancelled.load(ordering: .relaxed) == 1)
        // the batch in flight is the exporter's to count; the 20 never sent are the service's
        #expect(counters.droppedUndeliverable.load(ordering: .relaxed) == 20)
        #expect(queue.count == 0)
    }
}
