import Spans
import Synchronization

/// A bounded hand-off from the ring-buffer reader (which must never block) to the exporter
/// task. When full, new spans are dropped and counted: memory never grows without bound.
public final class SpanQueue: Sendable {
    private struct State {
        var spans: [DatabaseSpan] = []
        var head = 0
        var waiter: CheckedContinuation<Void, Never>?
        /// the waiter wants at least this many spans
        var wanted = 1
        var closed = false
        var count: Int { spans.count - head }
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
    public func push(_ batch: [DatabaseSpan]) {
        guard !batch.isEmpty else { return }
        let (accepted, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            guard !state.closed else { return (0, nil) }
            let room = capacity - state.count
            let accepted = min(room, batch.count)
            if accepted == batch.count {
                state.spans.append(contentsOf: batch)
            } else if accepted > 0 {
                state.spans.append(contentsOf: batch.prefix(accepted))
            }
            let waiter = state.count >= state.wanted ? state.waiter : nil
            if waiter != nil { state.waiter = nil }
            return (accepted, waiter)
        }
        counters.queued.add(accepted, ordering: .relaxed)
        if accepted < batch.count { counters.droppedQueueFull.add(batch.count - accepted, ordering: .relaxed) }
        waiter?.resume()
    }

    public var count: Int { state.withLock { $0.count } }

    /// Removes up to `max` spans (oldest first).
    public func take(max: Int) -> [DatabaseSpan] {
        state.withLock { state in
            let n = Swift.min(max, state.count)
            guard n > 0 else { return [] }
            let taken = Array(state.spans[state.head..<state.head + n])
            state.head += n
            if state.head == state.spans.count {
                state.spans.removeAll(keepingCapacity: state.spans.capacity <= 4 * capacity)
                state.head = 0
            } else if state.head > capacity {
                state.spans.removeFirst(state.head)
                state.head = 0
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
