import Logging
import ServiceLifecycle
import Spans

/// Drains the span queue into an exporter in batches: a batch leaves when it is full or when the
/// schedule delay has passed since the previous one. Exports never overlap. On graceful shutdown
/// the queue is exported until empty or until the shutdown timeout — counted from the shutdown
/// signal, and binding the export in flight too — then the exporter shuts down. What the
/// deadline leaves behind is counted as undeliverable.
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
            await self.exportUntilStopped()
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
        while deadline.instant == nil {
            if queue.isClosed && queue.count == 0 {
                try? await gracefulShutdown()
                return
            }
            await waitForBatch()
            let batch = queue.take(max: options.maxBatchSize)
            if !batch.isEmpty {
                await exportBeforeDeadline(batch)
            }
        }
    }

    /// Returns when a full batch is queued, the schedule delay passed, or the queue closed.
    private func waitForBatch() async {
        let delay = options.scheduleDelay
        let clock = self.clock
        let queue = self.queue
        let size = options.maxBatchSize
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.wait(forCount: size) }
            group.addTask { try? await Task.sleep(for: delay, clock: clock) }
            await group.next()
            group.cancelAll()
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
