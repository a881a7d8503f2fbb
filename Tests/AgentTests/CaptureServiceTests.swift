import Export
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Spans
import Testing
import TestSupport

@testable import Agent
@testable import KernelRecords

/// The capture reader: every record becomes a span in the sink, one hand-over per poll; on
/// shutdown it detaches, drains what was still waiting and finishes the sink.
struct CaptureServiceTests {
    static func query(_ n: Int) -> CapturedRequest {
        CapturedRequest(
            kind: .query, startNanoseconds: 1_000, endNanoseconds: 2_000, connectionID: 1, pid: 42, tid: 42,
            sequence: UInt32(n), completedCommands: 1, transactionStatus: UInt8(ascii: "I"), threadName: "psql",
            text: Array("SELECT \(n)\0".utf8), textTotal: 9, tag: Array("SELECT 1\0".utf8))
    }

    static func service(_ source: InMemoryRecordSource, _ sink: InMemorySpanSink, stats: CaptureStats = CaptureStats())
        -> CaptureService<InMemoryRecordSource, InMemorySpanSink>
    {
        CaptureService(
            source: source, builder: SpanBuilder(options: .default, processes: CommandNameResolver()), sink: sink,
            health: HealthState(), stats: stats, logger: Logger(label: "test"))
    }

    @Test func eachPollsSpansAreHandedOnTogetherAndCounted() {
        let source = InMemoryRecordSource(recordsPerPoll: 4)
        let sink = InMemorySpanSink()
        let stats = CaptureStats()
        let service = Self.service(source, sink, stats: stats)
        source.add((1...6).map(Self.query))
        #expect(service.drainOnce(timeoutMilliseconds: 0) == 4)
        #expect(service.drainOnce(timeoutMilliseconds: 0) == 2)
        #expect(service.drainOnce(timeoutMilliseconds: 0) == 0)
        #expect(sink.polls.map(\.count) == [4, 2])
        #expect(sink.spans.map(\.name) == Array(repeating: "SELECT", count: 6))
        #expect(stats.recordsRead.load(ordering: .relaxed) == 6)
        #expect(stats.spansEmitted.load(ordering: .relaxed) == 6)
    }

    /// Records that make no span (a connection's end) are read and counted, not handed on.
    @Test func recordsWithoutASpanAreCountedAsRead() {
        let source = InMemoryRecordSource()
        let sink = InMemorySpanSink()
        let stats = CaptureStats()
        let service = Self.service(source, sink, stats: stats)
        source.add([Self.query(1), CapturedRequest(kind: .connectionEnd, connectionID: 1, pid: 42)])
        service.drainOnce(timeoutMilliseconds: 0)
        #expect(sink.spans.count == 1)
        #expect(stats.recordsRead.load(ordering: .relaxed) == 2)
        #expect(stats.spansEmitted.load(ordering: .relaxed) == 1)
    }

    @Test func shutdownDetachesDrainsWhatWaitsAndFinishesTheSink() async throws {
        let source = InMemoryRecordSource(recordsPerPoll: 3)
        let sink = InMemorySpanSink()
        let health = HealthState()
        let service = CaptureService(
            source: source, builder: SpanBuilder(options: .default, processes: CommandNameResolver()), sink: sink,
            health: health, stats: CaptureStats(), logger: Logger(label: "test"))
        source.add((1...2).map(Self.query))
        try await testGracefulShutdown { trigger in
            let run = Task { try await service.run() }
            while sink.spans.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(source.attached && health.isAttached)
            // still waiting when the stop comes: more than one poll's worth
            source.add((3...10).map(Self.query))
            trigger.triggerGracefulShutdown()
            try await run.value
        }
        #expect(source.detached)
        #expect(!health.isAttached)
        #expect(sink.finished)
        #expect(source.waiting == 0)
        #expect(sink.spans.count == 10)
    }
}
