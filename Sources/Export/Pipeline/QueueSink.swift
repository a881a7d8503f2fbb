import Spans

/// Spans to the export task: one batch per poll into the bounded queue (a full queue drops and
/// counts them), so the reader never waits on the network.
public final class QueueSink: SpanSink {
    private let queue: SpanQueue
    private var batch: [DatabaseSpan] = []
    /// How many spans the last poll produced: the next batch reserves that much room.
    private var lastBatchSize = 64

    public init(queue: SpanQueue) {
        self.queue = queue
    }

    public func accept(_ span: consuming DatabaseSpan) {
        if batch.capacity == 0 { batch.reserveCapacity(lastBatchSize) }
        batch.append(span)
    }

    @discardableResult
    public func endPoll() -> Int {
        let count = batch.count
        guard count > 0 else { return 0 }
        lastBatchSize = count
        queue.push(batch)
        batch = []
        return count
    }

    public func finish() {
        endPoll()
        queue.close()
    }
}
