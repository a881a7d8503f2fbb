import Glibc
import KernelRecords
import Logging
import ServiceLifecycle
import Spans
import Export
import Synchronization

/// Attaches the probes, then reads completed requests on a thread of its own: records → spans →
/// sink, one poll at a time. The thread never waits on the network: the sink either prints or
/// hands a batch to a bounded queue. On shutdown it detaches and drains what the kernel had
/// already submitted.
public final class CaptureService<Source: RecordSource, Sink: SpanSink>: Service, @unchecked Sendable {
    private let source: Source
    private let builder: SpanBuilder  // used by the reader thread only
    private let sink: Sink  // used by the reader thread only
    private let health: HealthState
    private let stats: CaptureStats
    private let logger: Logger
    private let watchdog: ParentWatchdog?
    private let stopping = Atomic<Bool>(false)

    public init(
        source: Source, builder: SpanBuilder, sink: Sink, health: HealthState, stats: CaptureStats, logger: Logger,
        watchdog: ParentWatchdog? = nil
    ) {
        self.source = source
        self.builder = builder
        self.sink = sink
        self.health = health
        self.stats = stats
        self.logger = logger
        self.watchdog = watchdog
    }

    public func run() async throws {
        try source.attach()
        health.set(attached: true)
        logger.info("probes attached: tracing PostgreSQL traffic")
        await withGracefulShutdownHandler {
            await ReaderThread.run { self.readUntilStopped() }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
        source.detach()
        health.set(attached: false)
        // what the kernel submitted before detaching, one bounded poll after another
        while drainOnce(timeoutMilliseconds: 0) >= source.maxRecordsPerPoll {}
        sink.finish()
        logger.info("probes detached")
    }

    private func readUntilStopped() {
        var lastRefresh = WallClock.monotonicNow()
        while !stopping.load(ordering: .relaxed) {
            drainOnce(timeoutMilliseconds: 100)
            let now = WallClock.monotonicNow()
            if now &- lastRefresh > 1_000_000_000 {
                builder.clock.refresh()
                lastRefresh = now
                if let watchdog, watchdog.parentIsGone {
                    logger.notice("parent process gone: shutting down")
                    kill(getpid(), SIGTERM)
                }
            }
        }
    }

    /// One poll's records → spans → sink. Returns how many records the poll consumed.
    @discardableResult
    func drainOnce(timeoutMilliseconds: Int32) -> Int {
        var read = 0
        let consumed = source.poll(timeoutMilliseconds: timeoutMilliseconds) { record in
            read += 1
            if let span = builder.span(for: record) {
                sink.accept(span)
            }
        }
        let emitted = sink.endPoll()
        stats.recordsRead.add(read, ordering: .relaxed)
        stats.spansEmitted.add(emitted, ordering: .relaxed)
        stats.unsampled.store(builder.counters.unsampled, ordering: .relaxed)
        stats.invalidTraceparents.store(builder.counters.invalidTraceparents, ordering: .relaxed)
        return consumed
    }
}
