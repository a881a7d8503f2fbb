import Spans
import Synchronization

/// A bounded hand-off from the ring-buffer reader (which must never block) to the exporter
/// task. When full, new spans are dropped and counted: memory never grows without bound.
/// Spans stay in the batches the reader pushed, and a batch that fits what the exporter takes
/// moves across whole: no span is copied on its way through.
public final class SpanQueue: Sendable {
    private struct State {
        /// Pushed batches, oldest first, from `first` on.
        var batches: [[DatabaseSpan]] = []
        var first = 0
        var count = 0
        var waiter: CheckedContinuation<Void, Never>?
        /// the waiter wants at least this many spans
        var wanted = 1
        var closed = false

        mutating func removeFirstBatch() -> [DatabaseSpan] {
            defer {
                first += 1
                if first == batches.count {
                    batches.removeAll(keepingCapacity: true)
                    first = 0
                } else if first >= 64 {
                    batches.removeFirst(first)
                    first = 0
                }
            }
            let batch = batches[first]
            batches[first] = []
            count -= batch.count
            return batch
        }
    }

    public let capacity: Int
    private let state: Mutex<State>
    private let counters: PipelineCounters

    public init(capacity: Int, counters: PipelineCounters) {
        self.capacity = max(1, capacity)
        self.counters = counters
        state = Mutex(State())
    }

    /// Adds what fits; counts the rest as dropped. Never blocks.
    public func push(_ batch: consuming [DatabaseSpan]) {
        guard !batch.isEmpty else { return }
        let total = batch.count
        var incoming = Optional(batch)
        let (accepted, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            guard !state.closed, var batch = incoming.take() else { return (0, nil) }
            let accepted = min(capacity - state.count, batch.count)
            guard accepted > 0 else { return (0, nil) }
            if accepted < batch.count { batch.removeLast(batch.count - accepted) }
            state.batches.append(batch)
            state.count += accepted
            let waiter = state.count >= state.wanted ? state.waiter : nil
            if waiter != nil { state.waiter = nil }
            return (accepted, waiter)
        }
        counters.queued.add(accepted, ordering: .relaxed)
        if accepted < total { counters.droppedQueueFull.add(total - accepted, ordering: .relaxed) }
        waiter?.resume()
    }

    public var count: Int { state.withLock { $0.count } }

    /// Removes up to `max` spans (oldest first): whole batches while they fit, else the start of one.
    public func take(max: Int) -> [DatabaseSpan] {
        state.withLock { state in
            guard state.count > 0, max > 0 else { return [] }
            var taken: [DatabaseSpan] = []
            while state.first < state.batches.count {
                let next = state.batches[state.first].count
                if taken.count + next <= max {
                    if taken.isEmpty {
                        taken = state.removeFirstBatch()
                    } else {
                        taken.append(contentsOf: state.removeFirstBatch())
                    }
                } else {
                    if taken.isEmpty {
                        // a batch larger than the exporter takes: split it
                        taken = Array(state.batches[state.first].prefix(max))
                        state.batches[state.first].removeFirst(max)
                        state.count -= max
                    }
                    break
                }
            }
            return taken
        }
    }

    /// Returns when at least `count` spans are queued, the queue is closed, or the task is
    /// cancelled (callers race it against their schedule delay).
    public func wait(forCount count: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.count >= count || state.closed || Task.isCancelled { return true }
                    state.waiter?.resume()
                    state.waiter = continuation
                    state.wanted = Swift.max(1, count)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Wakes a waiting consumer (on a timer tick or shutdown).
    public func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// No more spans will be accepted.
    public func close() {
        state.withLock { $0.closed = true }
        wake()
    }
}
