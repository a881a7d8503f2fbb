import Logging
import ServiceLifecycle
import Spans

/// Drains the span queue into an exporter in batches: a batch leaves when it is full, and what is
/// queued leaves at least once per schedule delay. Exports never overlap. On graceful shutdown
/// the queue is exported until empty or until the shutdown timeout — counted from the shutdown
/// signal, and binding the export in flight too — then the exporter shuts down. What the
/// deadline leaves behind is counted as undeliverable.
///
/// The tasks that keep the schedule and watch the deadline are started once, not per batch: at
/// tens of thousands of spans per second, tasks and timers per batch cost the agent measurably.
public final class BatchExportService<C: Clock>: Service where C.Duration == Duration {
    public struct Options: Sendable {
        /// Largest batch (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
        public var maxBatchSize: Int
        /// Longest wait before a partial batch goes (`OTEL_BSP_SCHEDULE_DELAY`).
        public var scheduleDelay: Duration
        /// Time allowed to export what is queued when shutting down.
        public var shutdownTimeout: Duration

        public init(maxBatchSize: Int, scheduleDelay: Duration, shutdownTimeout: Duration) {
            self.maxBatchSize = maxBatchSize
            self.scheduleDelay = scheduleDelay
            self.shutdownTimeout = shutdownTimeout
        }
    }

    private let queue: SpanQueue
    private let exporter: any SpanExporter
    private let options: Options
    private let clock: C
    private let counters: PipelineCounters
    private let logger: Logger
    private let deadline: ShutdownDeadline<C>

    public init(queue: SpanQueue, exporter: any SpanExporter, options: Options, counters: PipelineCounters, clock: C, logger: Logger) {
        self.queue = queue
        self.exporter = exporter
        self.options = options
        self.counters = counters
        self.clock = clock
        self.logger = logger
        deadline = ShutdownDeadline(clock: clock)
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.exportUntilStopped() }
                group.addTask { await self.keepSchedule() }
                // a deadline passing cancels the export in flight (the exporter counts its spans)
                group.addTask { await self.deadline.passed() }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.deadline.begin(timeout: self.options.shutdownTimeout)
            self.queue.wake()
        }
        await drain()
        await exporter.shutdown()
    }

    /// Normal operation, until this service is told to shut down. The reader, shut down before
    /// it, closes the queue; what it queued last is still exported here.
    private func exportUntilStopped() async {
        // shutdown has begun once it has a deadline
        while deadline.instant == nil && !Task.isCancelled {
            if queue.isClosed && queue.count == 0 {
                try? await gracefulShutdown()
                return
            }
            // returns with a full batch, or woken by the schedule, the shutdown or a closed queue
            await queue.wait(forCount: options.maxBatchSize)
            let batch = queue.take(max: options.maxBatchSize)
            if !batch.isEmpty {
                await exporter.export(batch)
            }
        }
    }

    /// Wakes the exporting loop once per schedule delay, so a partial batch never waits longer.
    private func keepSchedule() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: options.scheduleDelay, clock: clock)
            } catch {
                return
            }
            queue.wake()
        }
    }

    /// Graceful shutdown: export what is queued, bounded by the shutdown deadline.
    private func drain() async {
        deadline.begin(timeout: options.shutdownTimeout)
        while queue.count > 0 {
            if let instant = deadline.instant, clock.now >= instant {
                let left = queue.take(max: Int.max).count
                counters.droppedUndeliverable.add(left, ordering: .relaxed)
                logger.warning("shutdown timeout: spans left unexported", metadata: ["spans": "\(left)"])
                return
            }
            await exportBeforeDeadline(queue.take(max: options.maxBatchSize))
        }
        await exporter.forceFlush()
    }

    /// One export, cancelled if the shutdown deadline passes first (the exporter counts what it
    /// then could not deliver).
    private func exportBeforeDeadline(_ batch: [DatabaseSpan]) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.exporter.export(batch) }
            group.addTask { await self.deadline.passed() }
            await group.next()
            group.cancelAll()
        }
    }
}
