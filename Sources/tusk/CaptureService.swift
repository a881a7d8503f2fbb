import Capture
import Export
import Glibc
import Logging
import ServiceLifecycle
import Spans
import Synchronization

/// Attaches the probes, then reads the ring buffer on its own thread: records → spans → queue, or
/// records → spans → console. The thread never waits on the network; a full queue drops (and
/// counts) spans instead.
final class CaptureService: Service, @unchecked Sendable {
    private let session: ProbeSession
    private let builder: SpanBuilder  // used by the reader thread only
    private let destination: SpanDestination
    private let health: HealthState
    private let stats: CaptureStats
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    /// Supervisors (and the test harness) may ask the agent not to outlive them.
    private let parent: pid_t?

    init(
        session: ProbeSession, builder: SpanBuilder, destination: SpanDestination, health: HealthState, stats: CaptureStats,
        logger: Logger, exitWithParent: Bool
    ) {
        parent = exitWithParent ? getppid() : nil
        self.session = session
        self.builder = builder
        self.destination = destination
        self.health = health
        self.stats = stats
        self.logger = logger
    }

    func run() async throws {
        try session.attach()
        health.set(attached: true)
        logger.info("probes attached: tracing PostgreSQL traffic")
        await withGracefulShutdownHandler {
            await ReaderThread.run { self.readUntilStopped() }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
        session.detach()
        health.set(attached: false)
        // what the kernel submitted before detaching, one bounded poll after another
        while drainOnce(timeoutMilliseconds: 0) >= ProbeSession.recordsPerPoll {}
        if case .queue(let queue) = destination { queue.close() }
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
                if let parent, getppid() != parent {
                    logger.notice("parent process gone: shutting down")
                    kill(getpid(), SIGTERM)
                }
            }
        }
    }

    /// How many spans the last poll produced: the next batch reserves that much room.
    private var lastBatchSize = 64
    /// Console lines of one poll (the buffer keeps its room from poll to poll).
    private var lines = ConsoleBatch()

    /// One poll's records → spans → queue or console. Returns how many records the poll consumed.
    @discardableResult
    private func drainOnce(timeoutMilliseconds: Int32) -> Int {
        var read = 0
        let consumed: Int
        let emitted: Int
        switch destination {
        case .queue(let queue):
            var batch: [DatabaseSpan] = []
            batch.reserveCapacity(lastBatchSize)
            consumed = session.poll(timeoutMilliseconds: timeoutMilliseconds) { record in
                read += 1
                if let span = builder.span(for: record) {
                    batch.append(consume span)
                }
            }
            emitted = batch.count
            if !batch.isEmpty {
                lastBatchSize = batch.count
                queue.push(batch)
            }
        case .console(let console):
            consumed = session.poll(timeoutMilliseconds: timeoutMilliseconds) { record in
                read += 1
                if let span = builder.span(for: record) {
                    withUnsafePointer(to: span) { console.append($0, to: &lines) }
                }
            }
            emitted = lines.spans
            if emitted > 0 { console.write(&lines) }
        }
        stats.recordsRead.add(read, ordering: .relaxed)
        stats.spansEmitted.add(emitted, ordering: .relaxed)
        stats.unsampled.store(builder.counters.unsampled, ordering: .relaxed)
        stats.invalidTraceparents.store(builder.counters.invalidTraceparents, ordering: .relaxed)
        return consumed
    }
}
